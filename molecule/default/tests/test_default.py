"""The default scenario: OpenBao (scenario `default`) or HashiCorp Vault (scenario `vault`,
the same playbooks and these same tests) as a hardened systemd service (vault_server, service
mode), then site.yml (plugin from the mirror, engine, Webex configuration, app identities)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
import requests

import webex_vault
from webex_vault_testing.molecule import (
    AUDIT_DIR,
    AUDIT_FILE,
    BINARY,
    CATALOG,
    CONFIG_DIR,
    CONFIG_FILE,
    DATA_DIR,
    KEY_SHARES,
    KEY_THRESHOLD,
    MOUNT,
    PLUGIN_BINARY,
    PLUGIN_DIR,
    SERVER,
    SERVER_KIND,
    SERVICE,
    UNIT_FILE,
    USER,
    recap,
    seal_status,
    sha256_of,
)

ADMIN_POLICY = "webex-vault-admin"
CAP_IPC_LOCK = 1 << 14
# systemd-analyze security's overall exposure of the unit: 1.8 "OK" with the system call
# filter, address families, ProtectProc and namespace settings, 5.0 "MEDIUM" without them
# (`systemd-analyze security --offline=true` on the rendered unit, in the test image).
EXPOSURE_LIMIT = 3.0


def main_pid(host) -> int:
    return int(host.check_output(f"systemctl show -p MainPID --value {SERVICE}"))


def mounts_of(host, pid: int) -> dict[str, list[str]]:
    """Mount point -> mount options, as the server process sees its file system."""
    seen = {}
    for line in host.file(f"/proc/{pid}/mountinfo").content_string.splitlines():
        fields = line.split()
        seen[fields[4]] = fields[5].split(",")
    return seen


def test_systemd_is_pid1_in_an_unprivileged_container(host, scenario):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"
    privileged = subprocess.run(
        ["docker", "inspect", "--format", "{{.HostConfig.Privileged}}", scenario.container],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert privileged == "false"


def test_service_is_active_and_enabled(host):
    service = host.service(SERVICE)
    assert service.is_running
    assert service.is_enabled


def test_server_runs_as_the_service_user_with_only_ipc_lock(host):
    status = host.file(f"/proc/{main_pid(host)}/status").content_string
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    uid = int(fields["Uid"].split()[0])
    assert host.user(USER).uid == uid
    assert int(fields["CapEff"], 16) == CAP_IPC_LOCK
    assert int(fields["CapBnd"], 16) == CAP_IPC_LOCK
    assert fields["NoNewPrivs"].strip() == "1"


def test_unit_hardening(host):
    names = [
        "LimitCORE",
        "NoNewPrivileges",
        "ProtectSystem",
        "ProtectHome",
        "PrivateTmp",
        "Restart",
        "AmbientCapabilities",
        "User",
    ]
    shown = host.check_output(f"systemctl show {SERVICE} -p {' -p '.join(names)}")
    properties = dict(line.split("=", 1) for line in shown.splitlines())
    assert properties == {
        "LimitCORE": "0",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "Restart": "on-failure",
        "AmbientCapabilities": "cap_ipc_lock",
        "User": USER,
    }


def test_unit_filters_system_calls_and_hides_other_processes(host):
    names = [
        "SystemCallFilter",
        "SystemCallArchitectures",
        "RestrictAddressFamilies",
        "ProtectProc",
        "RestrictNamespaces",
        "LockPersonality",
    ]
    shown = host.check_output(f"systemctl show {SERVICE} -p {' -p '.join(names)}")
    properties = dict(line.split("=", 1) for line in shown.splitlines())
    assert properties["SystemCallArchitectures"] == "native"
    assert properties["ProtectProc"] == "invisible"
    assert properties["RestrictNamespaces"] == "yes"
    assert properties["LockPersonality"] == "yes"
    assert set(properties["RestrictAddressFamilies"].split()) == {
        "AF_UNIX",
        "AF_INET",
        "AF_INET6",
        "AF_NETLINK",
    }
    # An allow list (no leading ~) that lets the server lock memory but not, e.g., reboot.
    allowed = properties["SystemCallFilter"].split()
    assert "mlockall" in allowed and "reboot" not in allowed and "kexec_load" not in allowed

    def seccomp_filters(pid: int) -> int:
        status = host.file(f"/proc/{pid}/status").content_string
        (line,) = (line for line in status.splitlines() if line.startswith("Seccomp_filters:"))
        return int(line.split()[1])

    # The server runs under more filters than PID 1, which has only the container's own.
    assert seccomp_filters(main_pid(host)) > seccomp_filters(1)


def test_unit_exposure_is_low(host):
    """systemd's own score of the unit's sandbox (0 = fully sandboxed, 10 = none)."""
    report = host.check_output(f"systemd-analyze security --no-pager {SERVICE}.service")
    exposure = float(report.rsplit("Overall exposure level", 1)[1].split(":")[1].split()[0])
    assert exposure <= EXPOSURE_LIMIT, report[-2000:]


def test_unit_sandbox_is_in_force(host):
    # The container has CAP_SYS_ADMIN so that systemd can build the namespace; without it
    # systemd would skip these settings silently.
    mounts = mounts_of(host, main_pid(host))
    assert "ro" in mounts["/"], "ProtectSystem=strict: the system is read-only"
    assert "rw" in mounts[DATA_DIR], "the server writes its Raft data"
    assert "rw" in mounts[AUDIT_DIR], "the server writes its audit log"
    assert "ro" in mounts[PLUGIN_DIR], "the server cannot plant a plugin"
    assert "/tmp" in mounts, "PrivateTmp: a /tmp of its own"  # noqa: S108
    limits = host.file(f"/proc/{main_pid(host)}/limits").content_string
    assert any(
        line.startswith("Max core file size") and line.split()[4:6] == ["0", "0"]
        for line in limits.splitlines()
    )


def test_files_have_their_owners_and_modes(host):
    expected = {
        BINARY: ("root", "root", 0o755),
        CONFIG_DIR: ("root", USER, 0o750),
        CONFIG_FILE: ("root", USER, 0o640),
        UNIT_FILE: ("root", "root", 0o644),
        DATA_DIR: (USER, USER, 0o750),
        PLUGIN_DIR: ("root", USER, 0o750),
        AUDIT_DIR: (USER, USER, 0o750),
        AUDIT_FILE: (USER, USER, 0o600),
    }
    found = {}
    for path in expected:
        item = host.file(path)
        found[path] = (item.user, item.group, item.mode)
    assert found == expected
    # Vault and OpenBao refuse plugins that group or others may write; root owns them.
    for name in host.file(PLUGIN_DIR).listdir():
        plugin = host.file(f"{PLUGIN_DIR}/{name}")
        assert (plugin.user, plugin.group, plugin.mode) == ("root", USER, 0o750)


def test_service_account_cannot_plant_or_replace_a_plugin(host):
    """The account the server runs as may run its plugins, not write them or their folder."""
    (name,) = host.file(PLUGIN_DIR).listdir()
    as_user = f"runuser -u {USER} --"
    assert host.run(f"{as_user} test -x {PLUGIN_DIR}/{name}").rc == 0
    assert host.run(f"{as_user} test -w {PLUGIN_DIR}/{name}").rc != 0
    assert host.run(f"{as_user} touch {PLUGIN_DIR}/planted").rc != 0
    assert not host.file(f"{PLUGIN_DIR}/planted").exists


def test_configuration_has_raft_plugins_and_addresses(host, scenario):
    config = host.file(CONFIG_FILE).content_string
    for line in [
        'storage "raft" {',
        f'path    = "{DATA_DIR}/raft"',
        f'node_id = "{scenario.container}"',
        f'plugin_directory = "{PLUGIN_DIR}"',
        f'api_addr     = "{scenario.api_url}"',
        f'cluster_addr = "https://127.0.0.1:{scenario.cluster_port}"',
        f'address         = "127.0.0.1:{scenario.api_port}"',
    ]:
        assert line in config
    # OpenBao takes audit devices only from its configuration; Vault gets one through the API.
    assert (f'file_path = "{AUDIT_FILE}"' in config) == (SERVER_KIND == "openbao")
    if SERVER_KIND == "vault":
        assert "disable_mlock = false" in config
    else:
        # OpenBao 2 removed mlock and would warn about the setting.
        assert "disable_mlock" not in config.replace("# No disable_mlock", "")


def test_vault_locks_its_memory_and_openbao_does_not(host):
    """Vault with disable_mlock = false locks all of its memory (CAP_IPC_LOCK from the unit,
    LimitMEMLOCK=infinity); OpenBao 2 never locks memory, whatever the configuration says."""
    status = host.file(f"/proc/{main_pid(host)}/status").content_string
    (locked,) = (line for line in status.splitlines() if line.startswith("VmLck:"))
    locked_kb = int(locked.split()[1])
    if SERVER_KIND == "vault":
        assert locked_kb > 10_000, status
    else:
        assert locked_kb == 0, status


def test_init_file_is_private_and_encrypted(scenario):
    assert scenario.init_file.stat().st_mode & 0o777 == 0o600
    assert scenario.init_file.read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;vault_server_init")
    document = scenario.init_document()
    assert len(document["keys_base64"]) == KEY_SHARES
    assert document["secret_threshold"] == KEY_THRESHOLD
    assert seal_status(scenario.api_url)["t"] == KEY_THRESHOLD


def test_no_root_token_survives_setup(scenario):
    """The role revoked init's root token once the admin identity logged in; the verify
    fixture's own root token comes from the unseal keys (break glass)."""
    response = requests.get(
        f"{scenario.api_url}/v1/auth/token/lookup-self",
        headers={"X-Vault-Token": scenario.init_document()["root_token"]},
        timeout=10,
    )
    assert response.status_code == 403


def test_admin_identity_is_private_and_encrypted(scenario):
    assert scenario.admin_file.stat().st_mode & 0o777 == 0o600
    assert scenario.admin_file.read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;vault_server_init")
    token = scenario.admin_token()
    response = requests.get(
        f"{scenario.api_url}/v1/auth/token/lookup-self",
        headers={"X-Vault-Token": token},
        timeout=10,
    )
    assert response.json()["data"]["policies"] == [ADMIN_POLICY]
    assert response.json()["data"]["bound_cidrs"] == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "sys/raw/core/keyring", None),
        ("DELETE", "sys/audit/file", None),
        ("PUT", "sys/seal", None),
        ("DELETE", f"sys/mounts/{MOUNT}", None),
        ("GET", "other/data/kept", None),
        ("PUT", "other/data/kept", {"data": {"a": "b"}}),
        ("PUT", f"sys/policies/acl/{ADMIN_POLICY}", {"policy": 'path "*" {capabilities=["sudo"]}'}),
        ("PUT", "sys/policies/acl/evil", {"policy": 'path "*" {capabilities=["read"]}'}),
        ("PUT", "auth/token/create", {"policies": ["root"]}),
        ("PUT", f"auth/approle/role/{ADMIN_POLICY}", {"token_policies": ["root"]}),
        ("PUT", "auth/approle/role/webex-cli", {"token_policies": [ADMIN_POLICY]}),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_admin_identity_is_refused_outside_its_list(scenario, vault, method, path, body):
    if "other/" not in vault.sys.list_mounted_secrets_engines()["data"]:
        vault.sys.enable_secrets_engine("kv", path="other", options={"version": "2"})
        vault.secrets.kv.v2.create_or_update_secret("kept", {"a": "b"}, mount_point="other")
    response = requests.request(
        method,
        f"{scenario.api_url}/v1/{path}",
        headers={"X-Vault-Token": scenario.admin_token()},
        json=body,
        timeout=10,
    )
    assert response.status_code == 403, response.text


def test_plugin_on_disk_is_what_the_catalog_registers_and_the_mount_runs(host, vault):
    mount = vault.read(f"sys/mounts/{MOUNT}")["data"]
    catalog = vault.read(f"{CATALOG}?version={mount['plugin_version']}")["data"]
    assert catalog["command"] == f"{PLUGIN_BINARY}-{mount['plugin_version']}"
    on_disk = sha256_of(host, f"{PLUGIN_DIR}/{catalog['command']}")
    assert on_disk == catalog["sha256"] == mount["running_sha256"]


def test_webex_server_is_configured_without_a_readable_secret(vault, scenario):
    client_id, client_secret = scenario.webex_client()
    server = vault.read(f"{MOUNT}/servers/{SERVER}")["data"]
    assert server["client_id"] == client_id
    assert server["provider"] == "custom"
    assert server["provider_options"] == {
        "auth_code_url": f"{scenario.emulator_url}/v1/authorize",
        "token_url": f"{scenario.emulator_url}/v1/access_token",
        "auth_style": "in_params",
    }
    assert "client_secret" not in server
    assert client_secret not in json.dumps(server)


def test_file_audit_device_is_enabled(vault):
    devices = vault.sys.list_enabled_audit_devices()["data"]
    assert devices["file/"]["type"] == "file"
    assert devices["file/"]["options"]["file_path"] == AUDIT_FILE


def audit_types_since(host, offset, path):
    """The types (request, response) of the audit entries for `path` written after `offset`;
    other clients (the agent on this host) write entries in between."""
    types = []
    for line in host.check_output(f"tail -c +{offset + 1} {AUDIT_FILE}").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:  # a line still being written
            continue
        if entry.get("request", {}).get("path") == path:
            types.append(entry["type"])
    return sorted(types)


def test_audit_log_receives_entries(host, vault):
    before = host.file(AUDIT_FILE).size
    vault.read(f"sys/mounts/{MOUNT}")
    deadline = time.monotonic() + 10
    found = audit_types_since(host, before, f"sys/mounts/{MOUNT}")
    while found != ["request", "response"] and time.monotonic() < deadline:
        time.sleep(0.2)
        found = audit_types_since(host, before, f"sys/mounts/{MOUNT}")
    assert found == ["request", "response"]


def test_oauth_flow_from_authorize_to_people_me(vault, scenario):
    before = scenario.emulator_stats()["grant_types"].get("authorization_code", 0)
    name = scenario.authorize(vault, "flow")
    assert scenario.emulator_stats()["grant_types"]["authorization_code"] == before + 1
    credential = webex_vault.read_credential(vault, MOUNT, name)
    assert credential.server == SERVER
    assert credential.expire_time is not None
    assert scenario.people_me(credential.access_token)["displayName"] == "Demo User"


def test_restart_then_role_unseals_and_keeps_everything(host, vault, scenario):
    name = scenario.authorize(vault, "restart")
    token = webex_vault.read_credential(vault, MOUNT, name).access_token
    mount = vault.read(f"sys/mounts/{MOUNT}")["data"]
    before = {
        "catalog": vault.read(f"{CATALOG}?version={mount['plugin_version']}")["data"],
        "mount": {key: mount[key] for key in ("type", "plugin_version", "running_sha256")},
        "server": vault.read(f"{MOUNT}/servers/{SERVER}")["data"],
    }

    host.check_output(f"systemctl restart {SERVICE}")
    deadline = time.monotonic() + 30
    while True:
        try:
            assert seal_status(scenario.api_url)["sealed"], "a restarted server comes back sealed"
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "the server did not come back"
            time.sleep(0.5)

    unsealed = scenario.playbook("playbooks/server.yml")
    assert unsealed.returncode == 0, unsealed.stdout[-5000:]
    # Exactly one change: the unseal task (one loop item per key up to the threshold).
    assert recap(unsealed.stdout)["changed"] == 1, unsealed.stdout[-5000:]
    assert not seal_status(scenario.api_url)["sealed"]

    mount = vault.read(f"sys/mounts/{MOUNT}")["data"]
    after = {
        "catalog": vault.read(f"{CATALOG}?version={mount['plugin_version']}")["data"],
        "mount": {key: mount[key] for key in ("type", "plugin_version", "running_sha256")},
        "server": vault.read(f"{MOUNT}/servers/{SERVER}")["data"],
    }
    assert after == before
    credential = webex_vault.read_credential(vault, MOUNT, name)
    assert credential.access_token == token, "the stored credential survived the restart"
    assert scenario.people_me(credential.access_token)["displayName"] == "Demo User"

    again = scenario.playbook("playbooks/server.yml")
    assert again.returncode == 0, again.stdout[-5000:]
    assert recap(again.stdout)["changed"] == 0
