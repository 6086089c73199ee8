"""No root token after setup: the admin identity and its limits, break glass.

The vault_server role's API stage (tests/security/playbooks/server_api.yml runs its api.yml, the
tasks service mode runs once its unit is up) initialises a production-shaped server that the
test runs itself (Raft storage on disk, no systemd; webex_vault_testing.admin_identity), writes
the admin policy (the server's own rules and the oauthapp roles' rules, passed on as the server
play does) and AppRole role, keeps the admin identity Ansible Vault-encrypted beside the init
file and revokes the root token. The other playbooks then run with that identity alone.

Expected behaviour (SECURITY.md, "Admin identity"):
- the init file's root token is dead after the first run (403 on lookup-self);
- the admin identity converges oauthapp.yml and app_access.yml, and a second run changes nothing;
- it is refused outside its list: sys/raw, removing the audit device, other mounts (secret/),
  other policies (its own, new ones, root), other roles (its own), tokens with other policies,
  a sample role carrying another policy, reloading another mount, disabling the engine, sealing;
- its secret ID expires (90 days by default); a run renews it ahead of expiry and destroys
  every other admin secret ID (issue 20);
- a restarted (sealed) server is unsealed by the role without any root token;
- break glass: `operator generate-root` with the unseal keys makes a root token again; given
  to the role in a 0600 file (never a variable), it is revoked when the API stage ends, after a
  failure and in check mode too, and a file others can read is refused (and its token revoked);
- the init file and the admin file each open with the password of their own vault-id only, and
  an admin file under the init file's password is written again under its own (issue 20);
- an admin policy that predates renewal warns and changes nothing;
- the samples' policies and roles are pinned (SECURITY.md): a changed one waits for break glass.
PGP-encrypted shares and the dev server's hand-over: test_admin_handover.py.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from webex_vault_testing.admin_identity import (
    ADMIN_POLICY,
    API_PLAYBOOK,
    THRESHOLD,
    AdminStack,
    admin_connection,
    admin_login,
    api_vars,
    call,
    changed,
    decrypt,
    encrypt_as,
    generate_root,
    opens,
    run,
)
from webex_vault_testing.base import BIN, REPO
from webex_vault_testing.server_control import start_persistent_server, stop_server, wait_healthy
from webex_vault_testing.terminal import run_answering

pytestmark = pytest.mark.integration


# The stack (admin_stack) and a break-glass root token (admin_root): tests/security/conftest.py.


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
        # Its own secret IDs: metadata is the only parameter it may choose (issue 20).
        ("PUT", f"auth/approle/role/{ADMIN_POLICY}/secret-id", {"cidr_list": ["0.0.0.0/0"]}),
        ("PUT", f"auth/approle/role/{ADMIN_POLICY}/secret-id", {"ttl": "0"}),
        ("PUT", f"auth/approle/role/{ADMIN_POLICY}/secret-id", {"num_uses": 0, "metadata": "{}"}),
        ("PUT", f"auth/approle/role/{ADMIN_POLICY}/custom-secret-id", {"secret_id": "x" * 36}),
        ("GET", f"auth/approle/role/{ADMIN_POLICY}/role-id", None),
        ("PUT", "auth/approle/role/webex-cli", {"token_policies": [ADMIN_POLICY]}),
        ("PUT", "auth/approle/role/webex-cli", {"token_policies": ["webex-cli", "webex-app"]}),
        ("PUT", "auth/approle/role/webex-cli", {"policies": ["webex-app"]}),
        ("DELETE", "auth/approle/role/webex-cli", None),
        ("PUT", "auth/approle/role/evil", {"token_policies": ["webex-cli"]}),
        ("DELETE", "sys/auth/approle", None),
        ("PUT", "sys/auth/userpass", {"type": "userpass"}),
        # The samples' policies and roles, pinned (issue 20): a wider text, an empty one, network
        # binding dropped, a longer life; the mounts enabled with audit or other settings.
        ("PUT", "sys/policies/acl/webex-cli", {"policy": 'path "*" {capabilities=["sudo"]}'}),
        ("PUT", "sys/policies/acl/webex-operator", {"policy": ""}),
        ("PUT", "auth/approle/role/webex-cli", {"secret_id_bound_cidrs": []}),
        ("PUT", "auth/approle/role/webex-cli", {"token_bound_cidrs": ["0.0.0.0/0"]}),
        ("PUT", "auth/approle/role/webex-app", {"secret_id_ttl": "0"}),
        ("PUT", "auth/approle/role/webex-app", {"token_max_ttl": "86400"}),
        ("PUT", "auth/approle/role/webex-app", {"secret_id_num_uses": "1000"}),
        (
            "PUT",
            "sys/mounts/webex-vault-state",
            {"type": "kv", "config": {"audit_non_hmac_response_keys": ["data"]}},
        ),
        ("PUT", "sys/mounts/oauthapp", {"type": "oauthapp", "config": {"listing_visibility": "x"}}),
        ("PUT", "sys/mounts/oauthapp", {"type": "kv"}),
        ("PUT", "sys/plugins/reload/backend", {"mounts": ["webex-vault-state"]}),
        ("PUT", "sys/plugins/reload/backend", {"plugin": "kv"}),
        ("PUT", "sys/plugins/catalog/secret/other", {"sha256": "00" * 32, "command": "x"}),
        # Blinding the audit log (issue 20) and the rest of the engine's tuning: test_admin_surface.
        ("PUT", "sys/mounts/oauthapp/tune", {"audit_non_hmac_response_keys": ["access_token"]}),
        ("PUT", "sys/mounts/oauthapp/tune", {"audit_non_hmac_request_keys": ["client_secret"]}),
        ("PUT", "sys/mounts/oauthapp/tune", {"passthrough_request_headers": ["Authorization"]}),
        ("PUT", "sys/mounts/oauthapp/tune", {"default_lease_ttl": "1h"}),
        ("PUT", "sys/mounts/webex-vault-state/tune", {"audit_non_hmac_response_keys": ["data"]}),
        ("PUT", "sys/rotate", None),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_admin_identity_is_refused_outside_its_list(admin_stack, admin_root, method, path, body):
    token = admin_login(admin_stack)
    status, answer = call(admin_stack.url, method, path, token, json=body)
    assert status == 403, (status, answer)


def test_break_glass_generate_root_from_the_unseal_keys(admin_stack):
    init = decrypt(admin_stack, admin_stack.init_file)
    root = generate_root(admin_stack, init["keys_base64"][:THRESHOLD])
    status, body = call(admin_stack.url, "GET", "sys/policies/acl/root", root)
    assert status == 200, body
    status, _ = call(admin_stack.url, "POST", "auth/token/revoke-self", root)
    assert status == 204
    status, _ = call(admin_stack.url, "GET", "auth/token/lookup-self", root)
    assert status == 403


def break_glass_token_file(stack: AdminStack) -> tuple[str, str]:
    """A fresh root token from the unseal keys, in a 0600 file as the operator keeps it."""
    init = decrypt(stack, stack.init_file)
    root = generate_root(stack, init["keys_base64"][:THRESHOLD])
    path = stack.work_dir / f"break-glass-{time.monotonic_ns()}"
    path.touch(mode=0o600)
    path.write_text(root + "\n")
    return root, str(path)


def test_a_failing_break_glass_run_leaves_the_token_revoked(admin_stack):
    """Issue 20: break glass took the root token as -e and did not revoke it when the run
    failed. The token now comes from a file, and the API stage's always path revokes it: here
    the run fails on an admin policy the server cannot parse, after the root login."""
    root, path = break_glass_token_file(admin_stack)
    failing = run(
        admin_stack,
        API_PLAYBOOK,
        *api_vars(
            admin_stack,
            vault_server_break_glass_token_file=path,
            vault_server_admin_policy_rules='path "broken" {',
        ),
    )
    assert failing.returncode != 0, failing.stdout[-5000:]
    assert "Revoke the break-glass root token" in failing.stdout
    status, _ = call(admin_stack.url, "GET", "auth/token/lookup-self", root)
    assert status == 403, failing.stdout[-5000:]
    assert root not in failing.stdout


def test_a_break_glass_check_run_revokes_the_token_too(admin_stack):
    root, path = break_glass_token_file(admin_stack)
    checked = run(
        admin_stack,
        API_PLAYBOOK,
        "--check",
        *api_vars(admin_stack, vault_server_break_glass_token_file=path),
    )
    assert checked.returncode == 0, checked.stdout[-5000:]
    status, _ = call(admin_stack.url, "GET", "auth/token/lookup-self", root)
    assert status == 403, checked.stdout[-5000:]
    assert root not in checked.stdout


def test_a_break_glass_token_from_the_prompt_is_not_shown_and_is_revoked(admin_stack):
    init = decrypt(admin_stack, admin_stack.init_file)
    root = generate_root(admin_stack, init["keys_base64"][:THRESHOLD])
    command = [
        str(BIN / "ansible-playbook"),
        API_PLAYBOOK,
        "-e",
        f"@{admin_stack.vars_file}",
        "--check",
        *api_vars(admin_stack, vault_server_break_glass_prompt=True),
    ]
    code, shown = run_answering(command, admin_stack.env, REPO, b"Root token for", root)
    assert code == 0, shown[-5000:]
    assert root not in shown, "the prompt echoed the token"
    status, _ = call(admin_stack.url, "GET", "auth/token/lookup-self", root)
    assert status == 403, shown[-5000:]


def test_a_break_glass_token_file_others_can_read_is_refused_and_revoked(admin_stack):
    root, path = break_glass_token_file(admin_stack)
    Path(path).chmod(0o644)
    refused = run(
        admin_stack, API_PLAYBOOK, *api_vars(admin_stack, vault_server_break_glass_token_file=path)
    )
    assert refused.returncode != 0
    assert (
        "vault_server_break_glass_token_file must be a file on the controller that only its owner"
        in " ".join(refused.stdout.split())
    ), refused.stdout[-5000:]
    status, _ = call(admin_stack.url, "GET", "auth/token/lookup-self", root)
    assert status == 403, refused.stdout[-5000:]


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


def test_the_admin_secret_id_is_renewed_ahead_of_expiry_and_replaces_every_other(
    admin_stack, admin_root
):
    url, role = admin_stack.url, f"auth/approle/role/{ADMIN_POLICY}"
    before = decrypt(admin_stack, admin_stack.admin_file)
    status, found = call(
        url, "POST", f"{role}/secret-id/lookup", admin_root, json={"secret_id": before["secret_id"]}
    )
    assert status == 200 and found["data"]["secret_id_ttl"] == 90 * 86400, found
    # Another admin secret ID (an earlier break glass, another controller's copy).
    status, _ = call(url, "POST", f"{role}/secret-id", admin_root, json={})
    assert status == 200

    # A share this close to 1 makes the current secret ID due a second after it was issued.
    renewal = run(
        admin_stack,
        API_PLAYBOOK,
        *api_vars(admin_stack, vault_server_admin_secret_id_renew_share=0.9999999),
    )

    assert renewal.returncode == 0, renewal.stdout[-5000:]
    assert changed(renewal.stdout) == 1, renewal.stdout[-5000:]
    after = decrypt(admin_stack, admin_stack.admin_file)
    assert after["role_id"] == before["role_id"] and after["secret_id"] != before["secret_id"]
    status, listed = call(url, "LIST", f"{role}/secret-id", admin_root)
    assert status == 200 and listed["data"]["keys"] == [after["secret_id_accessor"]], listed
    assert admin_login(admin_stack)
    again = run(admin_stack, API_PLAYBOOK, *api_vars(admin_stack))
    assert again.returncode == 0 and changed(again.stdout) == 0, again.stdout[-5000:]


def test_one_password_opens_either_the_init_file_or_the_admin_file(admin_stack):
    """Issue 20: one Ansible Vault password opened both, and either gives root. An admin file
    under the init file's password (an older release) is written again under its own."""
    stack = admin_stack
    assert opens(stack, stack.init_file, stack.init_password)
    assert not opens(stack, stack.init_file, stack.admin_password)
    assert opens(stack, stack.admin_file, stack.admin_password)
    assert not opens(stack, stack.admin_file, stack.init_password)
    assert stack.admin_file.read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;vault_server_admin")
    encrypt_as(stack, stack.admin_file, decrypt(stack, stack.admin_file), "vault_server_init")
    resealed = run(stack, API_PLAYBOOK, *api_vars(stack))
    assert resealed.returncode == 0 and changed(resealed.stdout) == 1, resealed.stdout[-5000:]
    assert opens(stack, stack.admin_file, stack.admin_password)
    assert not opens(stack, stack.admin_file, stack.init_password)


def test_an_admin_policy_that_predates_renewal_warns_and_changes_nothing(admin_stack, admin_root):
    """The fake Vault's test (test_approle_identity_lifecycle.py), on the real server: the
    policy of an older release, without the admin identity's own secret-id paths."""
    url, path = admin_stack.url, f"sys/policies/acl/{ADMIN_POLICY}"
    policy = call(url, "GET", path, admin_root)[1]["data"]["policy"]
    own = f"auth/approle/role/{ADMIN_POLICY}/secret-id"
    older = re.sub(rf'path "{own}[^"]*" \{{(?:[^{{}}]|\{{[^{{}}]*\}})*\}}', "", policy)
    assert own not in older and "role/webex-cli/secret-id" in older, older
    before = admin_stack.admin_file.read_bytes()
    assert call(url, "PUT", path, admin_root, json={"policy": older})[0] == 204
    try:
        renewal = run(
            admin_stack,
            API_PLAYBOOK,
            *api_vars(admin_stack, vault_server_admin_secret_id_renew_share=0.9999999),
        )
    finally:
        assert call(url, "PUT", path, admin_root, json={"policy": policy})[0] == 204
    output = " ".join((renewal.stdout + renewal.stderr).split())
    assert renewal.returncode == 0 and changed(renewal.stdout) == 0, renewal.stdout[-5000:]
    assert "(its policy predates their renewal)" in output, output[-5000:]
    assert admin_stack.admin_file.read_bytes() == before


def test_a_sample_policy_or_role_that_changed_waits_for_break_glass(admin_stack, admin_root):
    """Issue 20: the admin identity could write any text into a sample's policy (near root).
    The admin policy now pins each sample policy's exact text and its role's TTLs and networks:
    the same text is accepted, a wider one refused. A run whose templates or settings changed
    (another credential for the operator, a shorter token life) is refused those writes: the
    server play warns in a sentence that asks for break glass, app_access fails in one per
    identity; nothing changes, no raw 403. A break-glass run writes the new pins; app_access
    then converges."""
    url, token = admin_stack.url, admin_login(admin_stack)
    path = "sys/policies/acl/webex-cli"
    text = call(url, "GET", path, token)[1]["data"]["policy"]
    assert call(url, "PUT", path, token, json={"policy": text})[0] == 204
    wider = text + 'path "*" {\n  capabilities = ["sudo", "read"]\n}\n'
    assert call(url, "PUT", path, token, json={"policy": wider})[0] == 403
    assert call(url, "GET", path, token)[1]["data"]["policy"] == text

    saved = {
        name: call(url, "GET", f"sys/policies/acl/{name}", admin_root)[1]["data"]["policy"]
        for name in (ADMIN_POLICY, "webex-operator")
    }
    roles = [f"auth/approle/role/{name}" for name in ("webex-cli", "webex-app", "webex-operator")]
    changes = {
        "oauthapp_webex_operator_credentials": ["elsewhere/*"],
        "oauthapp_webex_app_token_ttl": 600,
    }
    access = ("playbooks/app_access.yml", *admin_connection(admin_stack), "-e", json.dumps(changes))
    try:
        server = run(admin_stack, API_PLAYBOOK, *api_vars(admin_stack, **changes))
        refused = run(admin_stack, *access)
        assert server.returncode == 0 and changed(server.stdout) == 0, server.stdout[-5000:]
        assert refused.returncode != 0 and changed(refused.stdout) == 0, refused.stdout[-5000:]
        for result in (server, refused):
            assert not re.search(r"\b403\b|permission denied", result.stdout), result.stdout[-5000:]
        said = " ".join((server.stdout + server.stderr).split())
        assert f"The policy '{ADMIN_POLICY}' on the server is not the one this run renders" in said
        said = " ".join((refused.stdout + refused.stderr).split())
        tail = said[-5000:]
        for target in ("sys/policies/acl/webex-operator", *roles[:2]):
            assert f"Vault refused to write {target}: the admin policy pins it" in said, tail
        stored = call(url, "GET", "sys/policies/acl/webex-operator", token)[1]["data"]["policy"]
        assert stored == saved["webex-operator"]

        _, token_file = break_glass_token_file(admin_stack)
        glass = run(
            admin_stack,
            API_PLAYBOOK,
            *api_vars(admin_stack, vault_server_break_glass_token_file=token_file, **changes),
        )
        assert glass.returncode == 0 and changed(glass.stdout) >= 1, glass.stdout[-5000:]
        converged = run(admin_stack, *access)
        said = " ".join((converged.stdout + converged.stderr).split())
        assert converged.returncode == 0 and changed(converged.stdout) >= 1, said[-5000:]
        assert "break glass" not in said, said[-5000:]
        role = call(url, "GET", roles[0], admin_root)[1]["data"]
        assert role["token_ttl"] == 600 and role["secret_id_bound_cidrs"] == ["127.0.0.1/32"]
    finally:
        for name, policy in saved.items():
            status, _ = call(
                url, "PUT", f"sys/policies/acl/{name}", admin_root, json={"policy": policy}
            )
            assert status == 204
        for role_path in roles:
            assert call(url, "PUT", role_path, admin_root, json={"token_ttl": 900})[0] == 204
