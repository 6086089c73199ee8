"""Session fixtures: the real plugin (built from Go source, served in the release layout), the
Webex emulator, and OpenBao servers provisioned by the real playbooks.

Everything listens on 127.0.0.1 on free ports, so the tests run beside `make demo`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import hvac
import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MIRROR_DIR = REPO / ".local" / "mirror"
REDIRECT_URL = "http://localhost:5000/auth"
RUNTIME_SETTINGS = (
    "access_token_lifetime",
    "refresh_token_lifetime",
    "code_lifetime",
    "error_style",
    "rotate_refresh_tokens",
    "auto_approve",
    "latency_ms",
)

sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "samples"))

from webex_emulator import EmulatorSettings, start_in_thread  # noqa: E402

# The distributions the integration tests run against. The openbao fork is not served by the
# Go module proxy here (see README, "Plugin distributions"); set this to "puppetlabs openbao"
# where it is.
DISTRIBUTIONS = os.environ.get("WEBEX_VAULT_TEST_DISTRIBUTIONS", "puppetlabs").split()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recap(output: str) -> dict[str, int]:
    """The PLAY RECAP counters of an ansible-playbook run (one host)."""
    match = re.search(r"^\S+\s+:\s+(ok=\d+.*)$", output, re.MULTILINE)
    assert match, f"no PLAY RECAP in:\n{output[-3000:]}"
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


@pytest.fixture(scope="session")
def output_dir() -> Path:
    path = REPO / "tests" / "output"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def plugin_mirror() -> str:
    """Build each distribution once (reused when present) and serve .local/mirror over HTTP."""
    for distribution in DISTRIBUTIONS:
        subprocess.run(
            [str(REPO / "tools" / "build-plugin.sh"), "--distribution", distribution],
            check=True,
            cwd=REPO,
        )
    handler = functools.partial(_QuietHandler, directory=str(MIRROR_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@dataclass
class Emulator:
    base_url: str
    client_id: str
    client_secret: str
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def control(self, method: str, path: str, **json_body) -> dict:
        response = self.session.request(
            method, f"{self.base_url}/_emulator/{path}", json=json_body or None, timeout=10
        )
        response.raise_for_status()
        return response.json() if response.content else {}

    def settings(self, **changes) -> dict:
        return self.control("POST", "settings", **changes)

    def stats(self) -> dict:
        return self.control("GET", "stats")

    def people_me(self, access_token: str) -> requests.Response:
        return self.session.get(
            f"{self.base_url}/v1/people/me",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
        )


@pytest.fixture(scope="session")
def emulator() -> Emulator:
    client_id = "C" + secrets.token_hex(16)
    client_secret = secrets.token_hex(32)
    server, base_url = start_in_thread(
        EmulatorSettings(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=(REDIRECT_URL,),
            display_name="Demo User",
        )
    )
    yield Emulator(base_url=base_url, client_id=client_id, client_secret=client_secret)
    server.shutdown()


@pytest.fixture
def emulator_settings(emulator: Emulator):
    """Change emulator settings for one test; the start values come back afterwards."""
    before = emulator.control("GET", "settings")
    yield emulator.settings
    emulator.control("DELETE", "faults")
    emulator.settings(**{key: before[key] for key in RUNTIME_SETTINGS})


@dataclass
class Stack:
    """One OpenBao dev server provisioned by the playbooks of this repository."""

    distribution: str
    work_dir: Path
    vars_file: Path
    env: dict[str, str]
    port: int
    first_run: subprocess.CompletedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.work_dir / "local" / "server"

    @property
    def root_token(self) -> str:
        return (self.data_dir / "root-token").read_text().strip()

    @property
    def cli_env_file(self) -> Path:
        return self.work_dir / "cli.env"

    @property
    def app_env_file(self) -> Path:
        return self.work_dir / "web.env"

    def client(self, token: str | None = None) -> hvac.Client:
        return hvac.Client(url=self.url, token=token or self.root_token, timeout=30)

    def playbook(self, *args: str, playbook: str = "site.yml") -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "ansible-playbook"), playbook, "-e", f"@{self.vars_file}", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def stop(self) -> None:
        pid_file = self.data_dir / "server.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text())
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)


def make_stack(
    tmp_path_factory, plugin_mirror: str, emulator: Emulator, distribution: str, **extra_vars
) -> Stack:
    work_dir = tmp_path_factory.mktemp(f"stack-{distribution}")
    port = free_port()
    stack_vars = {
        "webex_vault_local_dir": str(work_dir / "local"),
        "webex_vault_server_port": port,
        "webex_vault_emulator_port": emulator.port,
        "webex_vault_mirror_port": int(plugin_mirror.rsplit(":", 1)[1]),
        "oauthapp_plugin_distribution": distribution,
        "oauthapp_webex_cli_env_file": str(work_dir / "cli.env"),
        "oauthapp_webex_app_env_file": str(work_dir / "web.env"),
        # A short background refresh interval lets a test watch the plugin refresh by itself.
        "oauthapp_webex_tuning": {"tune_refresh_check_interval_seconds": 2},
        **extra_vars,
    }
    vars_file = work_dir / "vars.json"
    vars_file.write_text(json.dumps(stack_vars))
    vars_file.chmod(0o600)
    env = {
        **os.environ,
        "WEBEX_CLIENT_ID": emulator.client_id,
        "WEBEX_CLIENT_SECRET": emulator.client_secret,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }
    return Stack(distribution, work_dir, vars_file, env, port)


@pytest.fixture(scope="session", params=DISTRIBUTIONS)
def stack(request, tmp_path_factory, plugin_mirror, emulator) -> Stack:
    """A server provisioned once per distribution with site.yml (the first converge)."""
    provisioned = make_stack(tmp_path_factory, plugin_mirror, emulator, request.param)
    provisioned.first_run = provisioned.playbook()
    assert provisioned.first_run.returncode == 0, provisioned.first_run.stdout[-5000:]
    yield provisioned
    provisioned.stop()


@pytest.fixture
def fresh_server(tmp_path_factory, plugin_mirror, emulator):
    """A running server on which only the server stage has run (nothing configured yet)."""
    started = make_stack(tmp_path_factory, plugin_mirror, emulator, DISTRIBUTIONS[0])
    result = started.playbook(playbook="playbooks/server.yml")
    assert result.returncode == 0, result.stdout[-5000:]
    yield started
    started.stop()


@pytest.fixture
def credential_name() -> str:
    """A credential name of its own for each test, so tests do not depend on order."""
    return f"test-{secrets.token_hex(6)}"
