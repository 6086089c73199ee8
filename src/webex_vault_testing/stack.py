"""A dev server (OpenBao or HashiCorp Vault) provisioned by this repository's playbooks."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hvac
import pytest

from webex_vault_testing.base import BIN, REPO, SERVERS, distribution_for, free_port, url_port
from webex_vault_testing.emulator import Emulator


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
    first_run: subprocess.CompletedProcess[str] | None = None
    # Set by tests that restart the server themselves (webex_vault_testing.server_control).
    server_process: subprocess.Popen[bytes] | None = None
    cluster_port: int | None = None

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
    ) -> subprocess.CompletedProcess[str]:
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
    tmp_path_factory: pytest.TempPathFactory,
    plugin_mirror_url: str,
    emulator: Emulator,
    distribution: str | None = None,
    server: str | None = None,
    **extra_vars: Any,
) -> Stack:
    """A Stack for a test in a pytest temporary directory of its own, not provisioned yet; by
    default the first server and the distribution it runs (distribution_for)."""
    server = server or SERVERS[0]
    distribution = distribution or distribution_for(server)
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
