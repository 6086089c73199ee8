"""What the Molecule scenarios' testinfra tests share: the scenario's settings (from the environment
that molecule.yml sets), the container, an hvac client with a break-glass root token (made from
the init file's unseal keys; setup revoked init's), the scenario's Webex emulator, and a way to
run the repository's playbooks against the scenario.

The values below are the scenario's specification (molecule/shared/group_vars): the tests
check them, so they are written out rather than read back from Ansible.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import pytest
import requests
import testinfra
import yaml

import webex_vault
from webex_vault_testing.authorize import authorize
from webex_vault_testing.base import PLUGIN_RELEASES, REPO, SERVER_DISTRIBUTION

# The server the scenario runs (molecule.yml): `openbao` or `vault`; service, user and
# folders are named after it (molecule/shared/group_vars).
SERVER_KIND = os.environ.get("WEBEX_VAULT_MOLECULE_SERVER") or "openbao"
SERVICE = SERVER_KIND
USER = SERVER_KIND
BINARY = "/usr/local/bin/" + {"openbao": "bao", "vault": "vault"}[SERVER_KIND]
CONFIG_DIR = f"/etc/{SERVER_KIND}"
CONFIG_FILE = f"{CONFIG_DIR}/server.hcl"
UNIT_FILE = f"/etc/systemd/system/{SERVICE}.service"
DATA_DIR = f"/var/lib/{SERVER_KIND}"
PLUGIN_DIR = f"{DATA_DIR}/plugins"
AUDIT_DIR = f"/var/log/{SERVER_KIND}"
AUDIT_FILE = f"{AUDIT_DIR}/audit.log"
# The second audit device, on another file system (the role's default, under the data folder).
SECOND_AUDIT_FILE = f"/var/lib/{SERVER_KIND}/audit/audit.log"
LOGROTATE_FILE = f"/etc/logrotate.d/{SERVICE}"
KEY_SHARES, KEY_THRESHOLD = 3, 2
MOUNT = "oauthapp"
SERVER = "webex-myapp"
CATALOG = "sys/plugins/catalog/secret/oauthapp"
# The plugin distribution it installs: molecule.yml's, else the one the server runs.
DISTRIBUTION = (
    os.environ.get("WEBEX_VAULT_MOLECULE_DISTRIBUTION") or SERVER_DISTRIBUTION[SERVER_KIND]
)
PLUGIN_BINARY = PLUGIN_RELEASES[DISTRIBUTION]["binary_name"]
REDIRECT_URL = "http://localhost:5000/auth"
SCOPES = ["spark:people_read"]


def _port(name: str) -> int:
    return int(os.environ[f"WEBEX_VAULT_MOLECULE_{name}_PORT"])


@dataclass(frozen=True)
class Scenario:
    name: str = field(default_factory=lambda: os.environ["MOLECULE_SCENARIO_NAME"])
    api_port: int = field(default_factory=lambda: _port("API"))
    cluster_port: int = field(default_factory=lambda: _port("CLUSTER"))
    emulator_port: int = field(default_factory=lambda: _port("EMULATOR"))
    inventory_dir: Path = field(
        default_factory=lambda: Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent
    )

    @property
    def api_url(self) -> str:
        # Service mode requires TLS: molecule/shared/tls.yml made the scenario's CA.
        return f"https://127.0.0.1:{self.api_port}"

    @property
    def ca(self) -> str:
        """The scenario's test CA (the controller's copy): every request verifies with it."""
        return str(self.state_dir / "tls" / "ca.crt")

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"

    @property
    def state_dir(self) -> Path:
        return REPO / ".local" / "molecule" / self.name

    @property
    def init_file(self) -> Path:
        return self.state_dir / "vault-init.json"

    @property
    def container(self) -> str:
        inventory = yaml.safe_load(Path(os.environ["MOLECULE_INVENTORY_FILE"]).read_text())
        (name,) = inventory["all"]["hosts"]
        return str(name)

    def host(self) -> testinfra.host.Host:
        # docker exec rather than an Ansible run per command: the same container, much faster.
        return testinfra.get_host(f"docker://{self.container}")

    @property
    def admin_file(self) -> Path:
        return self.state_dir / "vault-init-admin.json"

    def init_document(self) -> dict[str, Any]:
        """The init file, decrypted with the configured Ansible Vault password if encrypted."""
        return self.decrypt(self.init_file)

    @staticmethod
    def decrypt(path: Path) -> dict[str, Any]:
        text = path.read_text()
        if text.startswith("$ANSIBLE_VAULT;"):
            text = subprocess.run(
                [sys.executable, "-m", "ansible.cli.vault", "view", str(path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        document: dict[str, Any] = json.loads(text)
        return document

    def generate_root(self, api_url: str | None = None, verify: bool | str = True) -> str:
        """Break glass (SECURITY.md): a root token from threshold unseal keys of the init file,
        with a one-time password, as `operator generate-root` makes it (the role revoked
        init's). OpenBao 2.6+ serves it to a token only (the admin identity's) at
        sys/generate-root-token; Vault at the unauthenticated sys/generate-root.
        api_url and verify (a CA file) name another server than the scenario's first one."""
        url = api_url or self.api_url
        verify = self.ca if verify is True else verify
        if SERVER_KIND == "openbao":
            base, headers = (
                "sys/generate-root-token",
                {"X-Vault-Token": self.admin_token(url, verify)},
            )
        else:
            base, headers = "sys/generate-root", {}

        def put(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = requests.put(
                f"{url}/v1/{base}/{path}", json=body, headers=headers, timeout=30, verify=verify
            )
            response.raise_for_status()
            answer: dict[str, Any] = response.json()
            return answer.get("data") or answer

        attempt, progress = put("attempt", {}), {}
        init = self.init_document()
        # With the transit seal, init made recovery keys: they authorise break glass.
        keys = init.get("recovery_keys_base64") or init["keys_base64"]
        for key in keys[:KEY_THRESHOLD]:
            progress = put("update", {"key": key, "nonce": attempt["nonce"]})
        encoded: str = progress["encoded_token"]
        xored = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
        otp: str = attempt["otp"]
        return bytes(a ^ b for a, b in zip(xored, otp.encode(), strict=True)).decode()

    def admin_document(self) -> dict[str, Any]:
        """The admin identity the role wrote beside the init file (same encryption)."""
        return self.decrypt(self.admin_file)

    def admin_token(self, api_url: str | None = None, verify: bool | str = True) -> str:
        admin = self.admin_document()
        response = requests.post(
            f"{api_url or self.api_url}/v1/auth/{admin['mount_point']}/login",
            json={"role_id": admin["role_id"], "secret_id": admin["secret_id"]},
            timeout=30,
            verify=self.ca if verify is True else verify,
        )
        response.raise_for_status()
        token: str = response.json()["auth"]["client_token"]
        return token

    def webex_client(self) -> tuple[str, str]:
        values = dict(
            line.split("=", 1)
            for line in (self.state_dir / "webex.env").read_text().splitlines()
            if "=" in line
        )
        return values["WEBEX_CLIENT_ID"], values["WEBEX_CLIENT_SECRET"]

    def playbook(self, playbook: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a playbook of the repository with the scenario's inventory and Ansible settings."""
        return subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-playbook"),
                "-i",
                str(self.inventory_dir),
                str(REPO / playbook),
                *args,
            ],
            cwd=REPO,
            env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"},
            capture_output=True,
            text=True,
            timeout=600,
        )

    def emulator_stats(self) -> dict[str, Any]:
        response = requests.get(f"{self.emulator_url}/_emulator/stats", timeout=10)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def people_me(self, access_token: str) -> dict[str, Any]:
        with requests.Session() as session:
            return webex_vault.webex_people_me(
                session, f"{self.emulator_url}/v1", access_token, timeout=10
            )

    def authorize(self, client: hvac.Client, prefix: str) -> str:
        """A new credential through the whole OAuth flow; returns its name."""
        name = f"{prefix}-{secrets.token_hex(4)}"
        authorize(
            client,
            mount=MOUNT,
            server=SERVER,
            credential=name,
            redirect_url=REDIRECT_URL,
            scopes=SCOPES,
        )
        return name


def recap(output: str) -> dict[str, int]:
    """The PLAY RECAP counters of the scenario's one host."""
    counters: dict[str, int] = {}
    for line in re.findall(r"^wv-\S+\s+:\s+(ok=\d+.*)$", output, re.MULTILINE):
        for key, value in re.findall(r"(\w+)=(\d+)", line):
            counters[key] = counters.get(key, 0) + int(value)
    assert counters, f"no PLAY RECAP in:\n{output[-3000:]}"
    return counters


def seal_status(api_url: str, verify: bool | str = True) -> dict[str, Any]:
    response = requests.get(f"{api_url}/v1/sys/seal-status", timeout=10, verify=verify)
    response.raise_for_status()
    status: dict[str, Any] = response.json()
    return status


def sha256_of(host: testinfra.host.Host, path: str) -> str:
    return host.check_output(f"sha256sum {path}").split()[0]


# --- Fixtures of the scenarios' tests (their conftest.py imports these) -----------------------


@pytest.fixture(scope="session", name="scenario")
def scenario_fixture() -> Scenario:
    return Scenario()


@pytest.fixture(scope="session")
def host(scenario: Scenario) -> testinfra.host.Host:
    return scenario.host()


@pytest.fixture(scope="session")
def vault(scenario: Scenario) -> Iterator[hvac.Client]:
    """A client with a break-glass root token (no root token survives setup), revoked at the end."""
    client = hvac.Client(
        url=scenario.api_url, token=scenario.generate_root(), timeout=30, verify=scenario.ca
    )
    yield client
    client.auth.token.revoke_self()
