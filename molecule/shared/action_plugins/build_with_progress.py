"""Run one of the repository's build tools on the controller and show its output as it comes.

Ansible shows a task's output only when the task ends, so inside Molecule's prepare a plugin or
Vault build (a minute to a quarter of an hour) was silent until then. The build tools print
their phases and a heartbeat (tools/lib/go-module.sh); this action passes each line on to the
play's output while the tool runs, prefixed with the tool's name.

    - name: Build the plugin release
      build_with_progress:
        argv: [tools/build-plugin.sh, --distribution, openbao]
        changed_when_output: "wrote "   # a regular expression; changed when a line matches

Test-harness code (molecule/ only): not part of the collection.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("argv", "changed_when_output"))

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        argv = self._task.args.get("argv")
        if not isinstance(argv, list) or not argv:
            raise AnsibleActionFail("build_with_progress needs argv, a non-empty list.")
        changed_when = re.compile(str(self._task.args.get("changed_when_output", "$^")))
        name = str(argv[0]).rsplit("/", 1)[-1]
        lines: list[str] = []
        with subprocess.Popen(
            [str(arg) for arg in argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                display.display(f"  [{name}] {lines[-1]}")
        result.update(
            rc=process.returncode,
            stdout="\n".join(lines),
            stdout_lines=lines,
            changed=any(changed_when.search(line) for line in lines),
        )
        if process.returncode != 0:
            result["failed"] = True
            result["msg"] = lines[-1] if lines else f"{name} exited with {process.returncode}"
        return result
