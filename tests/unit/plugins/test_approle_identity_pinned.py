"""webex_vault.oauthapp.approle_identity where the admin policy pins the samples' policies and
roles (issue 20): a write the server denies fails in one sentence that asks for break glass,
never a raw refusal, before the settings file is written; role numbers go out as strings (the
form a policy can pin); the admin identity's own run says when its stored policy is not this
run's (the warning that --check gives ahead of the refusal).
The real servers' refusals: tests/security/test_admin_identity.py."""

from __future__ import annotations

import json

from webex_vault_testing.app_identity import POLICY, ROLE, identity


def test_role_numbers_are_sent_as_strings_and_read_back_unchanged(run, vault, tmp_path):
    first = run("approle_identity", **identity(tmp_path / "web.env"))
    again = run("approle_identity", **identity(tmp_path / "web.env"))

    role = next(body for _, path, body in vault.writes() if path == "auth/approle/role/webex-app")
    assert (role["token_ttl"], role["secret_id_num_uses"]) == ("900", "0")
    assert role["token_no_default_policy"] is True
    assert (first["changed"], again["changed"]) == (True, False)


def test_a_pinned_policy_or_role_fails_in_one_sentence_before_the_file(run, vault, tmp_path):
    env_file = tmp_path / "web.env"
    run("approle_identity", **identity(env_file))
    content = env_file.read_bytes()
    vault.pinned.update({"sys/policies/acl/webex-app", "auth/approle/role/webex-app"})
    vault.secret_ids.clear()  # its secret ID stopped working: a new one would be due

    wider = run("approle_identity", **identity(env_file, policy=POLICY + "# wider\n"))
    longer = run("approle_identity", **identity(env_file, role={**ROLE, "token_ttl": 60}))

    for result, path in ((wider, "sys/policies/acl"), (longer, "auth/approle/role")):
        assert result["failed"] is True, result
        assert result["msg"].startswith(f"Vault refused to write {path}/webex-app: the admin")
        assert "break glass" in result["msg"] and "403" not in result["msg"]
    assert vault.policies["webex-app"] == POLICY
    assert vault.roles[("approle", "webex-app")]["token_ttl"] == 900
    assert env_file.read_bytes() == content and not vault.secret_ids


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
