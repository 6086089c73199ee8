"""No root token after setup: the admin identity, its limits, break glass, PGP-encrypted shares.

The vault_server role's API stage (tests/security/playbooks/server_api.yml runs its api.yml, the
tasks service mode runs once its unit is up) initialises a production-shaped server that the
test runs itself (Raft storage on disk, no systemd), writes the admin policy and AppRole role,
keeps the admin identity Ansible Vault-encrypted beside the init file and revokes the root
token. The other playbooks then run with that identity alone.

Expected behaviour (SECURITY.md, "Admin identity"):
- the init file's root token is dead after the first run (403 on lookup-self);
- the admin identity converges oauthapp.yml and app_access.yml, and a second run changes nothing;
- it is refused outside its list: sys/raw, removing the audit device, other mounts (secret/),
  other policies (its own, new ones, root), other roles (its own), tokens with other policies,
  a sample role carrying another policy, reloading another mount, disabling the engine, sealing;
- a restarted (sealed) server is unsealed by the role without any root token;
- break glass: `operator generate-root` with the unseal keys makes a root token again;
- with vault_server_init_pgp_keys each share is encrypted to its holder: the role stops and asks
  the holders; their decrypted shares (vault_server_unseal_keys) unseal it, and setup finishes.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from webex_vault_testing import BIN, REPO, free_port
from webex_vault_testing import stack_for_test as new_stack
from webex_vault_testing.recording_emulator import start_emulator
from webex_vault_testing.server_control import (
    persistent_config,
    start_persistent_server,
    stop_server,
    wait_healthy,
)

pytestmark = pytest.mark.integration

API_PLAYBOOK = "tests/security/playbooks/server_api.yml"
ADMIN_POLICY = "webex-vault-admin"
SHARES, THRESHOLD = 3, 2


# --- Helpers -----------------------------------------------------------------------------------


def call(url: str, method: str, path: str, token: str = "", **kwargs):
    """(status, JSON body or None) of one API call."""
    headers = {"X-Vault-Token": token} if token else {}
    response = requests.request(method, f"{url}/v1/{path}", headers=headers, timeout=60, **kwargs)
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = {"raw": response.text}
    return response.status_code, body


def decrypt(stack, path: Path) -> dict:
    """An Ansible Vault-encrypted JSON file, decrypted with the stack's password file."""
    text = subprocess.run(
        [str(BIN / "ansible-vault"), "view", str(path)],
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(text)


def admin_login(stack) -> str:
    admin = decrypt(stack, stack.admin_file)
    status, body = call(
        stack.url,
        "POST",
        f"auth/{admin['mount_point']}/login",
        json={"role_id": admin["role_id"], "secret_id": admin["secret_id"]},
    )
    assert status == 200, body
    return body["auth"]["client_token"]


def generate_root(stack, keys: list[str]) -> str:
    """Break glass: a new root token from threshold unseal keys, with a one-time password, as
    `operator generate-root` makes it. OpenBao 2.6+ serves it to a token only (the admin
    identity's) at sys/generate-root-token; Vault at the unauthenticated sys/generate-root."""
    if stack.server == "openbao":
        base, token = "sys/generate-root-token", admin_login(stack)
    else:
        base, token = "sys/generate-root", ""

    def put(path: str, body: dict) -> dict:
        status, answer = call(stack.url, "PUT", f"{base}/{path}", token, json=body)
        assert status == 200, answer
        return answer.get("data") or answer

    attempt = put("attempt", {})
    for key in keys:
        progress = put("update", {"key": key, "nonce": attempt["nonce"]})
    assert progress["complete"], progress
    encoded = progress["encoded_token"]
    token_bytes = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    return bytes(a ^ b for a, b in zip(token_bytes, attempt["otp"].encode(), strict=True)).decode()


def run(stack, playbook: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "ansible-playbook"), playbook, "-e", f"@{stack.vars_file}", *args],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def changed(output: str) -> int:
    lines = [line for line in output.splitlines() if " changed=" in line and "ok=" in line]
    assert lines, output[-3000:]
    return sum(int(line.split("changed=")[1].split()[0]) for line in lines)


def api_vars(stack, **more) -> list[str]:
    values = {
        "vault_server_init_file": str(stack.init_file),
        "vault_server_init_key_shares": SHARES,
        "vault_server_init_key_threshold": THRESHOLD,
        "vault_server_audit_file": str(stack.audit_file),
        "vault_server_admin_bound_cidrs": ["127.0.0.1/32"],
        **more,
    }
    return ["-e", json.dumps(values)]


def admin_connection(stack) -> list[str]:
    """The later playbooks' connection: the admin identity's AppRole (vault_api_auth_method),
    from a 0600 vars file as a pipeline's secret store would hand it over."""
    admin = decrypt(stack, stack.admin_file)
    connection = stack.work_dir / "admin-connection.json"
    connection.touch(mode=0o600)
    connection.write_text(
        json.dumps(
            {
                "vault_api_auth_method": "approle",
                "vault_api_mount_point": admin["mount_point"],
                "vault_api_role_id": admin["role_id"],
                "vault_api_secret_id": admin["secret_id"],
                # The local inventory's token is the dev root token file, absent here.
                "vault_api_token": "",
            }
        )
    )
    return ["-e", f"@{connection}"]


def start_server(tmp_path_factory, plugin_mirror, emulator, server: str):
    stack = new_stack(tmp_path_factory, plugin_mirror, emulator, server=server)
    stack.cluster_port = free_port()
    for path in (stack.data_dir, stack.data_dir / "plugins", stack.data_dir / "raft"):
        path.mkdir(parents=True, exist_ok=True, mode=0o750)
    stack.init_file = stack.work_dir / "init" / "server-init.json"
    stack.admin_file = stack.work_dir / "init" / "server-init-admin.json"
    stack.audit_file = stack.work_dir / "audit" / "audit.log"
    stack.audit_file.parent.mkdir(mode=0o700)
    password_file = stack.work_dir / "vault-password"
    password_file.write_text(os.urandom(16).hex())
    password_file.chmod(0o600)
    stack.env = {**stack.env, "ANSIBLE_VAULT_PASSWORD_FILE": str(password_file)}
    config = persistent_config(stack)
    if server == "openbao":
        # OpenBao takes declarative audit devices only; the role checks this one.
        with config.open("a") as hcl:
            hcl.write(
                f'audit "file" "file" {{\n  options {{\n'
                f'    file_path = "{stack.audit_file}"\n  }}\n}}\n'
            )
    start_persistent_server(stack)
    return stack


# --- The stack: set up by the role, handed over to the admin identity ---------------------------


@pytest.fixture(scope="module")
def admin_stack(tmp_path_factory, plugin_mirror, security_server):
    emulator = start_emulator()
    stack = start_server(tmp_path_factory, plugin_mirror, emulator, security_server)
    try:
        first = run(stack, API_PLAYBOOK, *api_vars(stack))
        assert first.returncode == 0, first.stdout[-5000:]
        stack.first_run = first
        for playbook in ("playbooks/oauthapp.yml", "playbooks/app_access.yml"):
            converge = run(stack, playbook, *admin_connection(stack))
            assert converge.returncode == 0, converge.stdout[-5000:]
        yield stack
    finally:
        stop_server(stack)
        emulator.shutdown()


def test_init_file_root_token_is_revoked(admin_stack):
    init = decrypt(admin_stack, admin_stack.init_file)
    status, _ = call(admin_stack.url, "GET", "auth/token/lookup-self", init["root_token"])
    assert status == 403


def test_admin_identity_is_encrypted_and_private(admin_stack):
    assert admin_stack.admin_file.stat().st_mode & 0o777 == 0o600
    assert admin_stack.admin_file.read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;")
    admin = decrypt(admin_stack, admin_stack.admin_file)
    assert admin["auth_method"] == "approle"
    token = admin_login(admin_stack)
    status, body = call(admin_stack.url, "GET", "auth/token/lookup-self", token)
    assert status == 200
    assert body["data"]["policies"] == [ADMIN_POLICY]
    assert 0 < body["data"]["ttl"] <= 1800
    assert body["data"]["bound_cidrs"] == ["127.0.0.1"]


def test_rerun_with_the_admin_identity_changes_nothing(admin_stack):
    server = run(admin_stack, API_PLAYBOOK, *api_vars(admin_stack))
    assert server.returncode == 0, server.stdout[-5000:]
    assert changed(server.stdout) == 0, server.stdout[-5000:]
    for playbook in ("playbooks/oauthapp.yml", "playbooks/app_access.yml"):
        again = run(admin_stack, playbook, *admin_connection(admin_stack))
        assert again.returncode == 0, again.stdout[-5000:]
        assert changed(again.stdout) == 0, again.stdout[-5000:]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "sys/raw/core/keyring", None),
        ("DELETE", "sys/audit/file", None),
        ("PUT", "sys/audit/other", {"type": "file", "options": {"file_path": "/tmp/x"}}),
        ("PUT", "sys/seal", None),
        ("PUT", "sys/step-down", None),
        ("DELETE", "sys/mounts/oauthapp", None),
        ("DELETE", "sys/mounts/webex-vault-state", None),
        ("PUT", "sys/mounts/secret2", {"type": "kv"}),
        ("PUT", "sys/mounts/cubbyhole/tune", {"default_lease_ttl": "1h"}),
        ("GET", "secret/data/other", None),
        ("PUT", "secret/data/other", {"data": {"a": "b"}}),
        ("GET", "oauthapp/creds/someone", None),
        ("GET", "webex-vault-state/data/other", None),
        ("PUT", f"sys/policies/acl/{ADMIN_POLICY}", {"policy": 'path "*" {capabilities=["sudo"]}'}),
        ("PUT", "sys/policies/acl/evil", {"policy": 'path "*" {capabilities=["read"]}'}),
        ("PUT", "sys/policies/acl/root", {"policy": ""}),
        ("DELETE", "sys/policies/acl/webex-cli", None),
        ("PUT", "auth/token/create", {"policies": ["root"]}),
        ("PUT", "auth/token/create", {"policies": [ADMIN_POLICY]}),
        ("PUT", f"auth/approle/role/{ADMIN_POLICY}", {"token_policies": ["root"]}),
        ("PUT", f"auth/approle/role/{ADMIN_POLICY}/secret-id", {}),
        ("PUT", "auth/approle/role/webex-cli", {"token_policies": [ADMIN_POLICY]}),
        ("PUT", "auth/approle/role/webex-cli", {"token_policies": ["webex-cli", "webex-app"]}),
        ("PUT", "auth/approle/role/webex-cli", {"policies": ["webex-app"]}),
        ("DELETE", "auth/approle/role/webex-cli", None),
        ("PUT", "auth/approle/role/evil", {"token_policies": ["webex-cli"]}),
        ("DELETE", "sys/auth/approle", None),
        ("PUT", "sys/auth/userpass", {"type": "userpass"}),
        ("PUT", "sys/plugins/reload/backend", {"mounts": ["webex-vault-state"]}),
        ("PUT", "sys/plugins/reload/backend", {"plugin": "kv"}),
        ("PUT", "sys/plugins/catalog/secret/other", {"sha256": "00" * 32, "command": "x"}),
        ("PUT", "sys/rotate", None),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_admin_identity_is_refused_outside_its_list(admin_stack, admin_root, method, path, body):
    token = admin_login(admin_stack)
    status, answer = call(admin_stack.url, method, path, token, json=body)
    assert status == 403, (status, answer)


@pytest.fixture(scope="module")
def admin_root(admin_stack):
    """Break glass once: a root token from the unseal keys, to set up what the refusals need
    (a secret/ KV mount with data), revoked at the end."""
    init = decrypt(admin_stack, admin_stack.init_file)
    root = generate_root(admin_stack, init["keys_base64"][:THRESHOLD])
    status, body = call(admin_stack.url, "GET", "auth/token/lookup-self", root)
    assert status == 200 and body["data"]["policies"] == ["root"], body
    status, _ = call(admin_stack.url, "POST", "sys/mounts/secret", root, json={"type": "kv-v2"})
    assert status in (200, 204)
    yield root
    status, _ = call(admin_stack.url, "POST", "auth/token/revoke-self", root)
    assert status == 204


def test_break_glass_generate_root_from_the_unseal_keys(admin_stack):
    init = decrypt(admin_stack, admin_stack.init_file)
    root = generate_root(admin_stack, init["keys_base64"][:THRESHOLD])
    status, body = call(admin_stack.url, "GET", "sys/policies/acl/root", root)
    assert status == 200, body
    status, _ = call(admin_stack.url, "POST", "auth/token/revoke-self", root)
    assert status == 204
    status, _ = call(admin_stack.url, "GET", "auth/token/lookup-self", root)
    assert status == 403


def test_restarted_server_is_unsealed_without_a_root_token(admin_stack):
    stop_server(admin_stack)
    start_persistent_server(admin_stack)
    assert call(admin_stack.url, "GET", "sys/seal-status")[1]["sealed"]
    unsealed = run(admin_stack, API_PLAYBOOK, *api_vars(admin_stack))
    assert unsealed.returncode == 0, unsealed.stdout[-5000:]
    # One change: the unseal (one loop item per key up to the threshold); nothing else.
    assert changed(unsealed.stdout) == 1, unsealed.stdout[-5000:]
    wait_healthy(admin_stack.url)
    converge = run(admin_stack, "playbooks/oauthapp.yml", *admin_connection(admin_stack))
    assert converge.returncode == 0, converge.stdout[-5000:]
    assert changed(converge.stdout) == 0, converge.stdout[-5000:]


# --- PGP-encrypted unseal shares ------------------------------------------------------------------


def gpg(home: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        ["gpg", "--batch", "--quiet", "--homedir", str(home), *args],
        input=stdin,
        check=True,
        capture_output=True,
    ).stdout


@pytest.fixture
def key_holders(tmp_path) -> Iterator[tuple[Path, list[str]]]:
    """One PGP key per share in a scratch GNUPGHOME (gpg's default: a signing key with an
    encryption subkey; no passphrase): (home, base64 public keys). The gpg-agent that gpg
    starts for that home is stopped afterwards."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    public_keys = []
    for holder in range(SHARES):
        uid = f"holder{holder}@webex-vault.test"
        gpg(home, "--passphrase", "", "--quick-gen-key", uid, "default", "default", "never")
        public_keys.append(base64.b64encode(gpg(home, "--export", uid)).decode())
    yield home, public_keys
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False)


@pytest.fixture
def pgp_stack(tmp_path_factory, plugin_mirror, security_server):
    emulator = start_emulator()
    stack = start_server(tmp_path_factory, plugin_mirror, emulator, security_server)
    yield stack
    stop_server(stack)
    emulator.shutdown()


def test_pgp_shares_need_their_holders(pgp_stack, key_holders):
    home, public_keys = key_holders
    stack = pgp_stack
    first = run(stack, API_PLAYBOOK, *api_vars(stack, vault_server_init_pgp_keys=public_keys))
    assert first.returncode != 0
    assert "encrypted to their holders' PGP keys" in first.stdout, first.stdout[-3000:]
    assert call(stack.url, "GET", "sys/seal-status")[1]["sealed"]
    assert not stack.admin_file.exists()

    init = decrypt(stack, stack.init_file)
    assert init["pgp_encrypted"] is True
    assert len(init["keys_base64"]) == SHARES
    # What the file holds does not unseal: each share is a PGP message to one holder.
    status, _ = call(stack.url, "PUT", "sys/unseal", json={"key": init["keys_base64"][0]})
    assert status == 400
    call(stack.url, "PUT", "sys/unseal", json={"reset": True})

    # Two holders decrypt their shares and hand them to the run.
    shares = [
        gpg(home, "--decrypt", stdin=base64.b64decode(share)).decode().strip()
        for share in init["keys_base64"][:THRESHOLD]
    ]
    unsealed = run(stack, API_PLAYBOOK, *api_vars(stack, vault_server_unseal_keys=shares))
    assert unsealed.returncode == 0, unsealed.stdout[-5000:]
    assert not call(stack.url, "GET", "sys/seal-status")[1]["sealed"]
    # Setup finished with the root token from the init file, which is now revoked.
    assert call(stack.url, "GET", "auth/token/lookup-self", init["root_token"])[0] == 403
    assert call(stack.url, "GET", "auth/token/lookup-self", admin_login(stack))[0] == 200


# --- Dev mode, when asked ---------------------------------------------------------------------


def test_dev_server_hands_over_when_asked(tmp_path_factory, plugin_mirror, security_server):
    """Off by default in dev mode (the demo keeps its root token file); turned on, the dev root
    token sets up the same admin identity and is revoked."""
    emulator = start_emulator()
    stack = new_stack(tmp_path_factory, plugin_mirror, emulator, server=security_server)
    admin_file = stack.work_dir / "admin.json"
    try:
        default = run(stack, "playbooks/server.yml")
        assert default.returncode == 0, default.stdout[-5000:]
        assert call(stack.url, "GET", "auth/token/lookup-self", stack.root_token)[0] == 200
        handed_over = run(
            stack,
            "playbooks/server.yml",
            "-e",
            json.dumps(
                {
                    "vault_server_admin_identity": True,
                    "vault_server_revoke_root_token": True,
                    "vault_server_admin_file": str(admin_file),
                    "vault_server_init_allow_plaintext": True,
                }
            ),
        )
        assert handed_over.returncode == 0, handed_over.stdout[-5000:]
        assert call(stack.url, "GET", "auth/token/lookup-self", stack.root_token)[0] == 403
        admin = json.loads(admin_file.read_text())
        status, body = call(
            stack.url,
            "POST",
            "auth/approle/login",
            json={"role_id": admin["role_id"], "secret_id": admin["secret_id"]},
        )
        assert status == 200, body
        assert body["auth"]["policies"] == [ADMIN_POLICY]
    finally:
        stack.stop()
        emulator.shutdown()
