"""The demo's process scripts (issue 20): `make web` (tools/web-app.sh start) restarts a
running web app whose settings file is newer than the process, so that `make demo` after a
server switch ends with a working app; and every log, pid and state file that
tools/web-app.sh and tools/local-services.sh write is 0600 in a 0700 folder, even where an
older run left a 0644 file. Each test runs the real script against a scratch
WEBEX_VAULT_LOCAL_DIR and free ports, beside any running demo."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(script: str, action: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / "tools" / script), action],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def modes(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder`, with its permission bits."""
    return {
        str(path.relative_to(folder)): oct(stat.S_IMODE(path.stat().st_mode))
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[dict[str, str]]:
    local = tmp_path / "local"
    (local / "run").mkdir(parents=True)
    # What an older run left behind: a log others could read.
    (local / "run" / "web.log").write_text("old\n")
    (local / "run" / "web.log").chmod(0o644)
    (local / "run" / "mirror.log").write_text("old\n")
    (local / "run" / "mirror.log").chmod(0o644)
    env_file = tmp_path / "web.env"
    env_file.write_text(
        "VAULT_ADDR=http://127.0.0.1:9\nVAULT_ROLE_ID=role\nVAULT_SECRET_ID=secret\n"
        "OAUTHAPP_REDIRECT_URL=http://localhost:5000/auth\n"
        "WEBEX_API_BASE_URL=http://127.0.0.1:9/v1\n"
    )
    env_file.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "FLASK_"))}
    env.update(
        WEBEX_VAULT_LOCAL_DIR=str(local),
        WEBEX_VAULT_WEB_ENV_FILE=str(env_file),
        WEBEX_VAULT_WEB_PORT=str(free_port()),
        WEBEX_VAULT_MIRROR_PORT=str(free_port()),
        WEBEX_VAULT_EMULATOR_PORT=str(free_port()),
    )
    yield env
    run("web-app.sh", "stop", env)
    run("local-services.sh", "stop", env)


def web_pid(env: dict[str, str]) -> int:
    return int((Path(env["WEBEX_VAULT_LOCAL_DIR"]) / "run" / "web.pid").read_text())


def test_make_web_restarts_the_app_when_its_settings_file_is_newer(
    scratch: dict[str, str],
) -> None:
    first = run("web-app.sh", "start", scratch)
    assert first.returncode == 0, first.stderr
    pid = web_pid(scratch)

    again = run("web-app.sh", "start", scratch)
    assert "already running" in again.stdout and web_pid(scratch) == pid

    # The playbook rewrote the settings file (a new server or secret ID).
    env_file = Path(scratch["WEBEX_VAULT_WEB_ENV_FILE"])
    later = time.time() + 2
    os.utime(env_file, (later, later))
    restarted = run("web-app.sh", "start", scratch)

    assert restarted.returncode == 0, restarted.stderr
    assert "changed since the app started; restarting it" in restarted.stdout
    assert web_pid(scratch) != pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    port = scratch["WEBEX_VAULT_WEB_PORT"]
    assert requests.get(f"http://127.0.0.1:{port}/static/style.css", timeout=5).ok


def test_every_file_the_scripts_write_is_private(scratch: dict[str, str]) -> None:
    local = Path(scratch["WEBEX_VAULT_LOCAL_DIR"])
    started = run("local-services.sh", "start", scratch)
    assert started.returncode == 0, started.stderr
    assert run("web-app.sh", "start", scratch).returncode == 0

    written = modes(local)

    assert written.pop("run") == "0o700"
    assert written.pop("mirror") == "0o700"
    assert {"run/web.log", "run/web.pid", "run/mirror.log", "run/emulator.log", "demo.env"} <= set(
        written
    )
    assert {path: mode for path, mode in written.items() if mode != "0o600"} == {}
