"""molecule/shared/action_plugins/build_with_progress.py: inside a play (Molecule's prepare), a
build tool's lines reach the play's output while the tool still runs, not when the task ends."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from webex_vault_testing import BIN, REPO

PLAYBOOK = """\
- name: Build
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Run a slow tool
      build_with_progress:
        argv: ["{tool}"{args}]
        changed_when_output: "wrote "
"""


def run_play(tmp_path: Path, script: str, *args: str) -> list[tuple[float, str]]:
    """The play's output lines, each with the second it arrived."""
    tool = tmp_path / "tool.sh"
    tool.write_text(script)
    tool.chmod(0o755)
    (tmp_path / "action_plugins").symlink_to(REPO / "molecule" / "shared" / "action_plugins")
    extra = "".join(f', "{arg}"' for arg in args)
    (tmp_path / "play.yml").write_text(PLAYBOOK.format(tool=tool, args=extra))
    started = time.monotonic()
    lines = []
    with subprocess.Popen(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", str(tmp_path / "play.yml")],
        cwd=tmp_path,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as play:
        assert play.stdout is not None
        for line in play.stdout:
            lines.append((time.monotonic() - started, line.rstrip("\n")))
    return lines


def arrival(lines: list[tuple[float, str]], text: str) -> float:
    return next(seconds for seconds, line in lines if text in line)


def test_lines_show_while_the_tool_runs_and_wrote_means_changed(tmp_path):
    lines = run_play(
        tmp_path,
        "#!/bin/sh\necho 'tool: [1/2] first phase'\nsleep 3\necho 'tool: wrote the archive'\n",
    )
    first = arrival(lines, "  [tool.sh] tool: [1/2] first phase")
    assert arrival(lines, "  [tool.sh] tool: wrote the archive") - first >= 2.5
    assert arrival(lines, "changed: [localhost]") - first >= 2.5
    assert any("changed=1" in line for _, line in lines if line.startswith("localhost"))


def test_a_failing_tool_fails_the_task_with_its_last_line(tmp_path):
    lines = run_play(tmp_path, "#!/bin/sh\necho 'tool: cannot build: no source.' >&2\nexit 4\n")
    output = "\n".join(line for _, line in lines)
    assert "  [tool.sh] tool: cannot build: no source." in output
    assert '"msg": "tool: cannot build: no source."' in output
    assert "failed=1" in output
