"""webex_vault.oauthapp.approle_identity where the admin policy pins the samples' policies and
roles (issue 20): a write the server denies is one warning that says to break glass, never a
raw refusal, and the secret ID is still looked after; role numbers go out as strings (the form
a policy can pin); the admin identity's own run says when its stored policy is not this run's.
The real servers' refusals: tests/security/test_admin_identity.py."""

from __future__ import annotations

import json

POLICY = 'path "oauthapp/creds/people-me" {\n  capabilities = ["read"]\n}\n'
ROLE = {
    "token_policies": ["webex-app"],
    "token_ttl": 900,
    "token_max_ttl": 3600,
    "secret_id_ttl": 2592000,
    "secret_id_num_uses": 0,
    "token_no_default_policy": True,
}


def identity(env_file, **overrides):
    return {
        "name": "webex-app",
        "policy": POLICY,
        "role": ROLE,
        "env_file": str(env_file),
        "env_content": "VAULT_ADDR=http://127.0.0.1:8200\n",
        **overrides,
    }


def secret_id_in(env_file) -> str:
    for line in env_file.read_text().splitlines():
        if line.startswith("VAULT_SECRET_ID="):
            return line.split("=", 1)[1]
    raise AssertionError(f"no secret ID in {env_file}")


def test_role_numbers_are_sent_as_strings_and_read_back_unchanged(run, vault, tmp_path):
    first = run("approle_identity", **identity(tmp_path / "web.env"))
    again = run("approle_identity", **identity(tmp_path / "web.env"))

    role = next(body for _, path, body in vault.writes() if path == "auth/approle/role/webex-app")
    assert (role["token_ttl"], role["secret_id_num_uses"]) == ("900", "0")
    assert role["token_no_default_policy"] is True
    assert (first["changed"], again["changed"]) == (True, False)


def test_a_pinned_policy_and_role_are_a_warning_and_the_secret_id_goes_on(run, vault, tmp_path):
    env_file = tmp_path / "web.env"
    run("approle_identity", **identity(env_file))
    vault.pinned.update({"sys/policies/acl/webex-app", "auth/approle/role/webex-app"})
    vault.secret_ids.clear()  # its secret ID stopped working: a new one is due

    result = run(
        "approle_identity",
        **identity(env_file, policy=POLICY + "# wider\n", role={**ROLE, "token_ttl": 60}),
    )

    assert result.get("failed") is not True, result
    warnings = " ".join(result["warnings"])
    assert warnings.count("break glass") == 2, warnings
    assert "sys/policies/acl/webex-app" in warnings and "auth/approle/role/webex-app" in warnings
    assert vault.policies["webex-app"] == POLICY
    assert vault.roles[("approle", "webex-app")]["token_ttl"] == 900
    # Only the settings file changed: a working secret ID.
    assert result["secret_id_issued"] is True and secret_id_in(env_file) in vault.secret_ids
    assert [change["before_header"] for change in result["diff"]] == [str(env_file)]


def test_the_admin_identity_says_when_its_stored_policy_is_not_this_runs(run, vault, tmp_path):
    admin = identity(tmp_path / "admin.json", env_format="json", secret_id_scope="role")
    run("approle_identity", **admin)
    content = (tmp_path / "admin.json").read_bytes()
    renewal = {key: admin[key] for key in ("name", "env_file", "env_format", "secret_id_scope")}
    renewal.update(secret_id_only=True)

    same = run("approle_identity", policy=POLICY, **renewal)
    other = run("approle_identity", policy=POLICY + "# next release\n", **renewal)
    vault.denied.add("sys/policies/acl/webex-app")
    unreadable = run("approle_identity", policy=POLICY, **renewal)

    assert "warnings" not in same
    for result in (other, unreadable):
        assert result["changed"] is False and "break glass" in result["warnings"][0], result
    assert vault.policies["webex-app"] == POLICY
    assert json.loads((tmp_path / "admin.json").read_bytes()) == json.loads(content)
