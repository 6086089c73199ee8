"""Where OpenBao and HashiCorp Vault differ, on the stacks the chain tests use: each test runs
once per server (WEBEX_VAULT_TEST_SERVERS) and asserts what that server must show."""

from __future__ import annotations

import subprocess

import pytest
import requests

pytestmark = pytest.mark.integration

MOUNT = "oauthapp"
# The releases the project proves (docs/servers.md).
SERVER_VERSIONS = {"openbao": "2.7.2", "vault": "1.19.0"}


def test_the_stack_runs_the_server_it_names(stack):
    """The matrix is real: the server that answers is the one the test id names."""
    status = requests.get(f"{stack.url}/v1/sys/seal-status", timeout=10).json()
    assert status["version"] == SERVER_VERSIONS[stack.server]
    banner = subprocess.run(
        [str(stack.binary), "version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert banner.startswith(
        {"openbao": "OpenBao v", "vault": "Vault v"}[stack.server] + SERVER_VERSIONS[stack.server]
    )


def test_dev_configuration_sets_mlock_only_for_vault(stack):
    """OpenBao 2 removed mlock and warns about `disable_mlock`; Vault needs it off in dev mode
    (a user process without CAP_IPC_LOCK)."""
    config = (stack.data_dir / "server.hcl").read_text()
    if stack.server == "vault":
        assert "disable_mlock = true" in config
    else:
        assert "disable_mlock" not in config
        assert "disable_mlock" not in (stack.data_dir / "server.log").read_text()


def test_health_answers_active_on_both_servers(stack):
    """The role's health gate reads these codes; both servers give them the same meaning."""
    assert requests.get(f"{stack.url}/v1/sys/health", timeout=10).status_code == 200
    standby_ok = requests.get(f"{stack.url}/v1/sys/health?standbyok=true", timeout=10)
    assert standby_ok.status_code == 200
    health = standby_ok.json()
    assert (health["initialized"], health["sealed"], health["standby"]) == (True, False, False)


def test_plugin_reload_endpoint_the_handlers_use_works(stack):
    """Both handlers (new binary, new version on the mount) call sys/plugins/reload/backend."""
    client = stack.client()
    before = client.read(f"sys/mounts/{MOUNT}")["data"]["running_sha256"]
    reloaded = client.write_data("sys/plugins/reload/backend", data={"mounts": [MOUNT]})
    assert reloaded is None or reloaded.get("data", {}).get("reload_id") is not None
    # The engine answers again after its reload, running the same binary.
    assert client.read(f"{MOUNT}/config") is not None
    assert client.read(f"sys/mounts/{MOUNT}")["data"]["running_sha256"] == before


def test_catalog_entry_carries_version_and_sha256(stack):
    """Versioned catalog entries (Vault 1.12+, OpenBao) with the sha256 the role registered."""
    client = stack.client()
    mount = client.read(f"sys/mounts/{MOUNT}")["data"]
    assert mount["plugin_version"].startswith("v")
    entry = client.read(f"sys/plugins/catalog/secret/oauthapp?version={mount['plugin_version']}")
    assert entry["data"]["version"] == mount["plugin_version"]
    assert len(entry["data"]["sha256"]) == 64
    versions = client.read("sys/plugins/catalog")["data"]["detailed"]
    ours = [p for p in versions if p["name"] == "oauthapp" and p["type"] == "secret"]
    assert [p["version"] for p in ours] == [mount["plugin_version"]]
