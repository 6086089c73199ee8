"""The default scenario: OpenBao (scenario `default`) or HashiCorp Vault (scenario `vault`,
the same playbooks and these same tests) as a hardened systemd service (vault_server, service
mode), then site.yml (plugin from the mirror, engine, Webex configuration, app identities)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

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
    LOGROTATE_FILE,
    MOUNT,
    PLUGIN_BINARY,
    PLUGIN_DIR,
    SECOND_AUDIT_FILE,
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


def test_the_api_listener_is_tls_with_the_pinned_ca(host, scenario):
    """Service mode requires TLS (issue 20): plain HTTP is refused, the system's CAs do not know
    the server, and the role, the plays and the samples' settings files pin the test CA."""
    config = host.file(CONFIG_FILE).content_string
    assert f'tls_cert_file   = "{CONFIG_DIR}/tls/server.crt"' in config
    assert "tls_disable" not in config
    assert requests.get(f"{scenario.api_url}/v1/sys/health", timeout=5, verify=scenario.ca).ok
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{scenario.api_url}/v1/sys/health", timeout=5)  # not the system's CAs
    plain = requests.get(f"http://127.0.0.1:{scenario.api_port}/v1/sys/health", timeout=5)
    assert plain.status_code == 400 and "HTTP request to an HTTPS server" in plain.text
    for env_file in ("cli.env", "web.env"):
        settings = dict(
            line.split("=", 1)
            for line in (scenario.state_dir / env_file).read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )
        assert settings["VAULT_ADDR"] == scenario.api_url
        assert Path(settings["VAULT_CACERT"]).resolve() == Path(scenario.ca).resolve()


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
    # The transit seal unseals the server: init made recovery keys (break glass), no unseal keys.
    assert document["seal"] == "transit"
    assert not document.get("keys_base64")
    assert len(document["recovery_keys_base64"]) == KEY_SHARES
    assert document["secret_threshold"] == KEY_THRESHOLD
    status = seal_status(scenario.api_url, scenario.ca)
    assert (status["type"], status["recovery_seal"], status["sealed"]) == ("transit", True, False)


def test_no_root_token_survives_setup(scenario):
    """The role revoked init's root token once the admin identity logged in; the verify
    fixture's own root token comes from the unseal keys (break glass)."""
    response = requests.get(
        f"{scenario.api_url}/v1/auth/token/lookup-self",
        headers={"X-Vault-Token": scenario.init_document()["root_token"]},
        timeout=10,
        verify=scenario.ca,
    )
    assert response.status_code == 403


def test_admin_identity_is_private_and_encrypted(scenario):
    assert scenario.admin_file.stat().st_mode & 0o777 == 0o600
    # Under its own vault-id, never the init file's password (issue 20).
    header = "$ANSIBLE_VAULT;1.2;AES256;vault_server_admin"
    assert scenario.admin_file.read_text().startswith(header)
    token = scenario.admin_token()
    response = requests.get(
        f"{scenario.api_url}/v1/auth/token/lookup-self",
        headers={"X-Vault-Token": token},
        timeout=10,
        verify=scenario.ca,
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
        verify=scenario.ca,
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


def test_two_file_audit_devices_are_enabled(vault):
    devices = vault.sys.list_enabled_audit_devices()["data"]
    assert {path: device["type"] for path, device in devices.items()} == {
        "file/": "file",
        "file-second/": "file",
    }
    assert devices["file/"]["options"]["file_path"] == AUDIT_FILE
    assert devices["file-second/"]["options"]["file_path"] == SECOND_AUDIT_FILE


def audited(host, path: str, marker: str, timeout: float = 10) -> bool:
    """Whether the audit log at `path` gets an entry for a request of `marker`'s mount soon."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in host.run(f"tail -n 200 {path}").stdout.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line still being written
            if entry.get("request", {}).get("path") == marker:
                return True
        time.sleep(0.2)
    return False


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


def test_audit_logs_receive_entries(host, vault):
    before = host.file(AUDIT_FILE).size
    vault.read(f"sys/mounts/{MOUNT}")
    deadline = time.monotonic() + 10
    found = audit_types_since(host, before, f"sys/mounts/{MOUNT}")
    while found != ["request", "response"] and time.monotonic() < deadline:
        time.sleep(0.2)
        found = audit_types_since(host, before, f"sys/mounts/{MOUNT}")
    assert found == ["request", "response"]
    assert audited(host, SECOND_AUDIT_FILE, f"sys/mounts/{MOUNT}")


def test_a_full_first_audit_device_does_not_stop_the_server(host, vault):
    """Issue 20: with one file audit device, a full disk made HashiCorp Vault (and OpenBao)
    refuse every request. The first device's file system (a 16 MiB tmpfs in molecule.yml) is
    filled: requests still succeed, and the second device records them."""
    assert host.check_output(f"findmnt -n -o FSTYPE,SIZE {AUDIT_DIR}").split() == ["tmpfs", "16M"]
    filler = f"{AUDIT_DIR}/filler"
    since = host.check_output("date '+%Y-%m-%d %H:%M:%S'")
    # Fill the file system, then the slack of the log's own last page: no entry fits any more.
    host.run(f"dd if=/dev/zero of={filler} bs=64k")
    host.run(f"dd if=/dev/zero of={AUDIT_FILE} bs=512 oflag=append conv=notrunc")
    try:
        assert host.run(f"sh -c 'echo x >> {AUDIT_FILE}'").rc != 0, "the first device is full"
        mount = vault.read(f"sys/mounts/{MOUNT}")["data"]
        assert mount["type"]
        name = f"audit-full-{time.monotonic_ns()}"
        vault.write(f"sys/policies/acl/{name}", policy='path "x" { capabilities = ["read"] }')
        vault.delete(f"sys/policies/acl/{name}")
        assert audited(host, SECOND_AUDIT_FILE, f"sys/policies/acl/{name}")
        journal = host.check_output(f"journalctl -u {SERVICE} --since '{since}' --no-pager")
        # Each server's own words for the first device's failure. OpenBao's audit broker:
        # "backend failed to log request: backend=file/ error=..." (it then closes the file,
        # "file already closed", until the next reload reopens it); HashiCorp Vault 1.19's
        # pipeline: "... failed to re-write to file for sink ...: write <file>: no space left".
        openbao = "failed to log" in journal and "backend=file/" in journal
        vault_sink = f"write {AUDIT_FILE}: no space left on device" in journal
        assert openbao or vault_sink, "the first one failed"
    finally:
        host.run(f"rm -f {filler}")


def test_audit_logs_rotate_daily_and_the_server_reopens_them(host, vault):
    config = host.file(LOGROTATE_FILE).content_string
    assert f"{AUDIT_FILE} {SECOND_AUDIT_FILE} {{" in config
    assert "daily" in config and "rotate 14" in config
    assert f"systemctl reload {SERVICE}.service" in config

    host.check_output(f"logrotate --force {LOGROTATE_FILE}")

    for path in (AUDIT_FILE, SECOND_AUDIT_FILE):
        assert host.file(f"{path}.1").exists, "the old log was moved aside"
        rotated = host.file(path)
        assert (rotated.user, rotated.group, rotated.mode) == (USER, USER, 0o600)
    vault.read(f"sys/mounts/{MOUNT}")
    # Written to the new files: the reload (SIGHUP) made the server reopen them.
    assert audited(host, AUDIT_FILE, f"sys/mounts/{MOUNT}")
    assert audited(host, SECOND_AUDIT_FILE, f"sys/mounts/{MOUNT}")


def test_a_removed_audit_file_is_back_after_the_next_rotation(host, vault):
    """Deleted by hand, the server writes on into the deleted file; the next rotation makes a
    new one and the reload points the server at it."""
    host.check_output(f"rm {AUDIT_FILE}")
    host.check_output(f"logrotate --force {LOGROTATE_FILE}")
    vault.read(f"sys/mounts/{MOUNT}")
    assert audited(host, AUDIT_FILE, f"sys/mounts/{MOUNT}")


def test_oauth_flow_from_authorize_to_people_me(vault, scenario):
    before = scenario.emulator_stats()["grant_types"].get("authorization_code", 0)
    name = scenario.authorize(vault, "flow")
    assert scenario.emulator_stats()["grant_types"]["authorization_code"] == before + 1
    credential = webex_vault.read_credential(vault, MOUNT, name)
    assert credential.server == SERVER
    assert credential.expire_time is not None
    assert scenario.people_me(credential.access_token)["displayName"] == "Demo User"


def test_a_restarted_server_unseals_itself_and_keeps_everything(host, vault, scenario):
    """The transit seal (issue 20): a restart needs no unseal shares on the controller. With
    the init file moved away, the restarted server is unsealed by the seal server's key alone,
    and a converge has nothing to do."""
    name = scenario.authorize(vault, "restart")
    token = webex_vault.read_credential(vault, MOUNT, name).access_token
    mount = vault.read(f"sys/mounts/{MOUNT}")["data"]
    before = {
        "catalog": vault.read(f"{CATALOG}?version={mount['plugin_version']}")["data"],
        "mount": {key: mount[key] for key in ("type", "plugin_version", "running_sha256")},
        "server": vault.read(f"{MOUNT}/servers/{SERVER}")["data"],
    }

    moved = scenario.init_file.with_suffix(".away")
    scenario.init_file.rename(moved)
    try:
        host.check_output(f"systemctl restart {SERVICE}")
        deadline = time.monotonic() + 60
        while True:
            try:
                if not seal_status(scenario.api_url, scenario.ca)["sealed"]:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the server did not unseal itself"
            time.sleep(0.5)
        converged = scenario.playbook("playbooks/server.yml")
    finally:
        moved.rename(scenario.init_file)
    assert converged.returncode == 0, converged.stdout[-5000:]
    assert recap(converged.stdout)["changed"] == 0, converged.stdout[-5000:]

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
