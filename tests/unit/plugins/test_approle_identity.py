"""webex_vault.oauthapp.approle_identity against the fake Vault."""

from __future__ import annotations

import json
import platform
import stat

import pytest

from webex_vault_testing.fake_vault import printed

POLICY = 'path "oauthapp/creds/people-me" {\n  capabilities = ["read"]\n}\n'
ROLE = {
    "token_policies": ["webex-cli"],
    "token_ttl": 1200,
    "token_max_ttl": 3600,
    "secret_id_ttl": 86400,
    "secret_id_num_uses": 0,
    "token_no_default_policy": True,
    "secret_id_bound_cidrs": ["127.0.0.1/32"],
    "token_bound_cidrs": ["127.0.0.1/32"],
}
CONTENT = "# settings\nVAULT_ADDR=http://127.0.0.1:8200\nOAUTHAPP_MOUNT=oauthapp\n"


def identity(env_file, **overrides):
    return {
        "name": "webex-cli",
        "policy": POLICY,
        "role": ROLE,
        "env_file": str(env_file),
        "env_content": CONTENT,
        **overrides,
    }


def settings(env_file) -> dict:
    lines = env_file.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_a_new_identity_gets_its_policy_role_and_a_working_secret_id(run, vault, tmp_path):
    env_file = tmp_path / "cli.env"

    result = run("approle_identity", **identity(env_file))

    assert result["changed"] is True and result["secret_id_issued"] is True
    assert vault.auth["approle/"]["type"] == "approle"
    assert vault.policies["webex-cli"] == POLICY
    assert {
        k: v for k, v in vault.roles[("approle", "webex-cli")].items() if k != "role_id"
    } == ROLE
    written = settings(env_file)
    assert written["VAULT_ROLE_ID"] == vault.roles[("approle", "webex-cli")]["role_id"]
    assert written["VAULT_SECRET_ID"] in vault.secret_ids
    assert written["VAULT_ADDR"] == "http://127.0.0.1:8200"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    # Neither ID in anything a callback could print, the diff included.
    assert written["VAULT_ROLE_ID"] not in printed(result)
    assert written["VAULT_SECRET_ID"] not in printed(result)
    env_diff = result["diff"][-1]
    assert "VAULT_SECRET_ID=(hidden, a new one)" in env_diff["after"]
    assert "VAULT_ROLE_ID=(hidden)" in env_diff["after"]


def test_the_same_identity_again_writes_nothing(run, vault, tmp_path):
    env_file = tmp_path / "cli.env"
    run("approle_identity", **identity(env_file))
    writes, content = len(vault.writes()), env_file.read_bytes()

    result = run("approle_identity", **identity(env_file))

    assert result["changed"] is False and result["diff"] == []
    # The secret ID lookup is a POST that reads; nothing else was sent.
    assert [path for _, path, _ in vault.writes()[writes:]] == [
        "auth/approle/role/webex-cli/secret-id/lookup"
    ]
    assert env_file.read_bytes() == content


def test_a_secret_id_that_stopped_working_is_replaced_and_others_are_left_alone(
    run, vault, tmp_path
):
    env_file = tmp_path / "cli.env"
    run("approle_identity", **identity(env_file))
    old = settings(env_file)["VAULT_SECRET_ID"]
    # A second secret ID someone issued by hand, and the file's one gone.
    vault.secret_ids["by-hand"] = ("approle", "webex-cli", "accessor-by-hand")
    del vault.secret_ids[old]

    result = run("approle_identity", **identity(env_file))

    new = settings(env_file)["VAULT_SECRET_ID"]
    assert new != old and result["secret_id_issued"] is True
    # Not issued for this file: not this file's to destroy (issue 20).
    assert list(vault.secret_ids) == ["by-hand", new]
    assert result["superseded"] == 0 and result["secret_id_renewed"] is False


def test_an_expired_secret_id_the_server_still_knows_is_replaced_and_the_lockout_lifted(
    run, vault, tmp_path
):
    env_file = tmp_path / "cli.env"
    run("approle_identity", **identity(env_file))
    old = settings(env_file)["VAULT_SECRET_ID"]
    vault.secret_id_expiration[vault.secret_ids[old][2]] = "2020-01-01T00:00:00Z"

    result = run("approle_identity", **identity(env_file))

    new = settings(env_file)["VAULT_SECRET_ID"]
    assert new != old and result["secret_id_issued"] is True and list(vault.secret_ids) == [new]
    # The app kept trying the dead one: its role ID's login lockout is lifted.
    unlocked = [path for _, path, _ in vault.writes() if path.startswith("sys/locked-users/")]
    assert unlocked == [f"sys/locked-users/auth_1/unlock/{settings(env_file)['VAULT_ROLE_ID']}"]


def test_a_wrapped_secret_id_is_kept_until_it_is_unwrapped(run, vault, tmp_path):
    env_file = tmp_path / "app.env"
    run("approle_identity", **identity(env_file), secret_id_wrap_ttl=300)
    token = settings(env_file)["VAULT_SECRET_ID_WRAPPED"]
    assert "VAULT_SECRET_ID" not in settings(env_file)

    again = run("approle_identity", **identity(env_file), secret_id_wrap_ttl=300)
    vault.unwrap(token)  # the sample starts and unwraps it
    after_unwrap = run("approle_identity", **identity(env_file), secret_id_wrap_ttl=300)

    assert again["changed"] is False
    assert after_unwrap["secret_id_issued"] is True
    assert settings(env_file)["VAULT_SECRET_ID_WRAPPED"] != token


def test_a_wrapping_token_of_another_role_does_not_count(run, vault, tmp_path):
    env_file = tmp_path / "app.env"
    run("approle_identity", **identity(env_file, name="other"), secret_id_wrap_ttl=300)

    result = run("approle_identity", **identity(env_file), secret_id_wrap_ttl=300)

    assert result["secret_id_issued"] is True
    token = settings(env_file)["VAULT_SECRET_ID_WRAPPED"]
    assert vault.wrapped[token][0] == "auth/approle/role/webex-cli/secret-id"


def test_check_mode_reports_the_changes_and_writes_nothing(run, vault, tmp_path):
    env_file = tmp_path / "cli.env"

    result = run("approle_identity", check_mode=True, **identity(env_file))

    assert result["changed"] is True
    assert vault.writes() == []
    assert not env_file.exists()
    assert "(created on the real run)" not in printed(result["diff"][-1])
    assert [change["before_header"] for change in result["diff"]] == [
        "sys/auth/approle",
        "sys/policies/acl/webex-cli",
        "auth/approle/role/webex-cli",
        str(env_file),
    ]


def test_only_a_changed_policy_is_written(run, vault, tmp_path):
    run("approle_identity", **identity(tmp_path / "cli.env"))
    writes = len(vault.writes())

    result = run("approle_identity", **identity(tmp_path / "cli.env", policy=POLICY + "# new\n"))

    assert result["changed"] is True
    sent = [path for _, path, _ in vault.writes()[writes:] if not path.endswith("/lookup")]
    assert sent == ["sys/policies/acl/webex-cli"]
    assert result["diff"] == [
        {
            "before_header": "sys/policies/acl/webex-cli",
            "after_header": "sys/policies/acl/webex-cli",
            "before": POLICY,
            "after": POLICY + "# new\n",
        }
    ]


def test_a_host_cidr_read_back_without_its_suffix_is_the_same(run, vault, tmp_path):
    vault.auth["approle/"] = {"type": "approle"}
    vault.policies["webex-cli"] = POLICY
    vault.roles[("approle", "webex-cli")] = {
        **ROLE,
        "token_bound_cidrs": ["127.0.0.1"],
        "role_id": "r",
    }

    result = run("approle_identity", name="webex-cli", policy=POLICY, role=ROLE)

    assert result["changed"] is False
    assert vault.writes() == []


def test_another_auth_method_at_the_mount_is_refused_without_a_write(run, vault, tmp_path):
    vault.auth["approle/"] = {"type": "userpass"}

    result = run("approle_identity", **identity(tmp_path / "cli.env"))

    assert result["failed"] is True
    assert "holds a 'userpass' auth method" in result["msg"]
    assert vault.writes() == []


def test_a_settings_file_in_a_missing_directory_is_refused(run, vault, tmp_path):
    result = run("approle_identity", **identity(tmp_path / "nowhere" / "cli.env"))

    assert result["failed"] is True
    assert "does not exist" in result["msg"]


# --- Ansible's own admin identity: the same action, a JSON file, encrypted ---------------------


def vault_loader(password: bytes = b"test-password"):
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import VaultSecret

    loader = DataLoader()
    loader.set_vault_secrets([("vault_server_init", VaultSecret(password))])
    return loader


def admin(admin_file, **overrides):
    return {
        "name": "webex-vault-admin",
        "policy_name": "webex-vault-admin-policy",
        "policy": POLICY,
        "role": {**ROLE, "token_policies": ["webex-vault-admin-policy"]},
        "secret_id_metadata": {"issued_by": "ansible vault_server"},
        "env_file": str(admin_file),
        "env_format": "json",
        "env_fields": {"auth_method": "approle", "mount_point": "approle", "api_addr": "x"},
        "encrypt": {"vault_id": "vault_server_init"},
        **overrides,
    }


def opened(loader, path) -> dict:
    import json

    from ansible.parsing.vault import VaultLib

    return json.loads(VaultLib(loader._vault.secrets).decrypt(path.read_bytes()))


def test_the_admin_identity_is_an_encrypted_json_file_checked_by_a_login(run, vault, tmp_path):
    admin_file, loader = tmp_path / "admin.json", vault_loader()
    vault.role_id = "unused"  # the fake's login takes the role's own IDs below

    result = run("approle_identity", loader=loader, **admin(admin_file))

    assert result["changed"] is True and result["secret_id_issued"] is True
    assert vault.policies["webex-vault-admin-policy"] == POLICY
    assert admin_file.read_bytes().startswith(b"$ANSIBLE_VAULT;1.2;AES256;vault_server_init")
    assert stat.S_IMODE(admin_file.stat().st_mode) == 0o600
    document = opened(loader, admin_file)
    assert document["auth_method"] == "approle" and document["api_addr"] == "x"
    assert document["role_id"] == vault.roles[("approle", "webex-vault-admin")]["role_id"]
    assert document["secret_id"] in vault.secret_ids
    assert vault.secret_ids[document["secret_id"]][2] == document["secret_id_accessor"]
    issued = [
        body
        for method, path, body in vault.requests
        if method == "POST" and path.endswith("/secret-id")
    ]
    assert [json.loads(body["metadata"]) for body in issued] == [
        {"issued_by": "ansible vault_server", "delivered_to": f"{platform.node()}:{admin_file}"}
    ]
    assert document["secret_id"] not in printed(result)
    assert document["role_id"] not in printed(result)
    assert '"secret_id": "(hidden, a new one)"' in result["diff"][-1]["after"]

    again = run("approle_identity", loader=loader, **admin(admin_file))
    assert again["changed"] is False and opened(loader, admin_file) == document


def test_check_login_fails_when_the_identity_does_not_log_in(run, vault, tmp_path):
    admin_file, loader = tmp_path / "admin.json", vault_loader()
    # The fake logs in only its own role_id/secret_id pair: the identity written here is refused.
    result = run("approle_identity", loader=loader, check_login=True, **admin(admin_file))
    assert result["failed"] is True
    assert result["msg"].startswith(f"The identity in {admin_file} does not log in (")
    assert opened(loader, admin_file)["secret_id"] not in printed(result)


def test_check_login_gives_up_the_token_of_its_login(run, vault, tmp_path):
    admin_file, loader = tmp_path / "admin.json", vault_loader()
    run("approle_identity", loader=loader, **admin(admin_file))
    document = opened(loader, admin_file)
    vault.role_id, vault.secret_id = document["role_id"], document["secret_id"]
    result = run("approle_identity", loader=loader, check_login=True, **admin(admin_file))
    assert not result.get("failed"), result
    assert len(vault.revoked) == 1 and vault.login_tokens == set()


def test_no_secret_id_is_issued_when_the_file_cannot_be_encrypted(run, vault, tmp_path):
    from ansible.parsing.dataloader import DataLoader

    admin_file = tmp_path / "admin.json"
    result = run("approle_identity", loader=DataLoader(), **admin(admin_file))
    assert result["failed"] is True
    assert result["msg"].startswith(f"No Ansible Vault password is loaded to encrypt {admin_file}")
    assert vault.secret_ids == {} and not admin_file.exists()


def test_a_file_of_another_password_is_refused_not_replaced(run, vault, tmp_path):
    admin_file = tmp_path / "admin.json"
    run("approle_identity", loader=vault_loader(), **admin(admin_file))
    content = admin_file.read_bytes()
    result = run("approle_identity", loader=vault_loader(b"another"), **admin(admin_file))
    assert result["failed"] is True
    assert "Ansible Vault password this run does not have" in result["msg"]
    assert admin_file.read_bytes() == content


def two_passwords(admin_password: bytes = b"admin-password"):
    from ansible.parsing.vault import VaultSecret

    loader = vault_loader(b"init-password")
    loader.set_vault_secrets(
        [*loader._vault.secrets, ("vault_server_admin", VaultSecret(admin_password))]
    )
    return loader


OWN = {
    "vault_id": "vault_server_admin",
    "own_password": True,
    "distinct_from": [{"vault_id": "vault_server_init"}],
}


def test_an_admin_file_under_the_init_password_is_written_again_under_its_own(run, vault, tmp_path):
    """Issue 20: one password opened the init file and the admin file alike."""
    admin_file, loader = tmp_path / "admin.json", two_passwords()
    run("approle_identity", loader=loader, **admin(admin_file))  # as an older release wrote it
    document = opened(loader, admin_file)

    moved = run("approle_identity", loader=loader, **admin(admin_file, encrypt=OWN))

    assert moved["changed"] is True and moved["secret_id_issued"] is False
    assert admin_file.read_bytes().startswith(b"$ANSIBLE_VAULT;1.2;AES256;vault_server_admin")
    assert opened(two_passwords(), admin_file) == document
    with pytest.raises(Exception, match="Decryption failed"):
        opened(vault_loader(b"init-password"), admin_file)
    again = run("approle_identity", loader=loader, **admin(admin_file, encrypt=OWN))
    assert again["changed"] is False


def test_an_admin_password_that_is_the_init_password_issues_nothing(run, vault, tmp_path):
    admin_file = tmp_path / "admin.json"
    shared = two_passwords(admin_password=b"init-password")

    result = run("approle_identity", loader=shared, **admin(admin_file, encrypt=OWN))

    assert result["failed"] is True and not admin_file.exists()
    assert "is also the password of the vault-id 'vault_server_init'" in result["msg"]
    assert vault.secret_ids == {}
