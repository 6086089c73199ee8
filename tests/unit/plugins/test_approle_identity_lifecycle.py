"""webex_vault.oauthapp.approle_identity's secret-ID lifecycle (issue 20) against the fake
Vault: a secret ID is renewed ahead of expiry, while the one it replaces keeps working until
it expires (a running app never meets a dead identity); only the secret IDs issued for the
same settings file are destroyed, never another host's or instance's; the admin identity
(secret_id_scope role) destroys every other one. Check mode and --diff tell the truth, and a
re-run with nothing due changes nothing."""

from __future__ import annotations

import json
import platform
import time

from webex_vault_testing.app_identity import DAY, ROLE, identity, secret_id_in
from webex_vault_testing.fake_vault import printed
from webex_vault_testing.fake_vault_auth import rfc3339


def age(vault, secret_id: str, days_left: float, life_days: float = 30) -> str:
    """Make a secret ID (by secret ID or accessor) as old as one with days_left of its life."""
    accessor = vault.secret_ids[secret_id][2] if secret_id in vault.secret_ids else secret_id
    now = time.time()
    vault.secret_id_creation[accessor] = rfc3339(now - (life_days - days_left) * DAY)
    vault.secret_id_expiration[accessor] = rfc3339(now + days_left * DAY)
    return accessor


def test_nothing_is_issued_while_more_than_the_share_of_its_life_is_left(run, vault, tmp_path):
    env_file = tmp_path / "web.env"
    run("approle_identity", **identity(env_file))
    age(vault, secret_id_in(env_file), days_left=16)
    writes = len(vault.writes())

    result = run("approle_identity", **identity(env_file))

    assert result["changed"] is False and result["secret_id_issued"] is False
    # One lookup of the file's secret ID decides it: a re-run stays as cheap as before.
    assert [path for _, path, _ in vault.writes()[writes:]] == [
        "auth/approle/role/webex-app/secret-id/lookup"
    ]


def test_a_secret_id_due_for_renewal_is_replaced_while_it_keeps_working(run, vault, tmp_path):
    env_file = tmp_path / "web.env"
    run("approle_identity", **identity(env_file))
    old = secret_id_in(env_file)
    accessor = age(vault, old, days_left=10)

    result = run("approle_identity", **identity(env_file))

    new = secret_id_in(env_file)
    assert new != old and result["secret_id_issued"] is True
    assert result["secret_id_renewed"] is True and result["superseded"] == 0
    # The overlap: the running app's secret ID is not destroyed; it expires on its own.
    assert set(vault.secret_ids) == {old, new}
    assert result["kept_until_expiry"] == accessor
    kept = result["diff"][-1]
    assert accessor in kept["after"] and "kept until it expires" in kept["after"]
    assert old not in printed(result) and new not in printed(result)

    again = run("approle_identity", **identity(env_file))
    assert again["changed"] is False and set(vault.secret_ids) == {old, new}


def test_the_next_renewal_destroys_the_one_kept_before(run, vault, tmp_path):
    env_file = tmp_path / "web.env"
    run("approle_identity", **identity(env_file))
    first = secret_id_in(env_file)
    age(vault, first, days_left=10)
    run("approle_identity", **identity(env_file))
    second = secret_id_in(env_file)
    age(vault, first, days_left=0.5)
    age(vault, second, days_left=10)

    result = run("approle_identity", **identity(env_file))

    third = secret_id_in(env_file)
    assert set(vault.secret_ids) == {second, third}
    assert result["superseded"] == 1 and result["secret_id_renewed"] is True


def test_only_the_secret_ids_issued_for_the_same_file_are_destroyed(run, vault, tmp_path):
    for folder in "abc":
        (tmp_path / folder).mkdir()
    mine = tmp_path / "a" / "web.env"
    tag = f"{platform.node()}:{mine.resolve()}"
    run("approle_identity", **identity(mine))
    stopped = secret_id_in(mine)
    # Another instance of the same app on this host, the same path on another host, a secret
    # ID issued by hand, and an older one of this file that the server still knows.
    run("approle_identity", **identity(tmp_path / "b" / "web.env"))
    run("approle_identity", **identity(tmp_path / "c" / "web.env", secret_id_tag=f"h2:{mine}"))
    vault.secret_ids["by-hand"] = ("approle", "webex-app", "accessor-by-hand")
    vault.secret_ids["older-of-mine"] = ("approle", "webex-app", "accessor-older")
    vault.secret_id_metadata["accessor-older"] = {"delivered_to": tag}
    others = {secret_id_in(tmp_path / folder / "web.env") for folder in "bc"} | {"by-hand"}
    del vault.secret_ids[stopped]  # this file's secret ID stopped working

    result = run("approle_identity", **identity(mine))

    assert set(vault.secret_ids) == others | {secret_id_in(mine)}
    assert "older-of-mine" not in vault.secret_ids
    assert result["superseded"] == 1 and result["secret_id_renewed"] is False
    destroyed = result["diff"][-1]
    assert destroyed["after_header"].endswith(f"(issued for {tag})")


def test_check_mode_tells_a_renewal_and_writes_nothing(run, vault, tmp_path):
    env_file = tmp_path / "web.env"
    run("approle_identity", **identity(env_file))
    accessor = age(vault, secret_id_in(env_file), days_left=3)
    writes, content = len(vault.writes()), env_file.read_bytes()

    result = run("approle_identity", check_mode=True, **identity(env_file))

    # What the real run would do: renew, and keep the current one until it expires.
    assert result["changed"] is True and result["secret_id_issued"] is False
    assert result["secret_id_renewed"] is True and result["kept_until_expiry"] == accessor
    file_diff = next(change for change in result["diff"] if change["after_header"] == str(env_file))
    assert "VAULT_SECRET_ID=(hidden, a new one)" in file_diff["after"]
    # Reads only: the lookups, nothing issued or destroyed.
    assert all(path.endswith("lookup") for _, path, _ in vault.writes()[writes:])
    assert env_file.read_bytes() == content


def test_share_zero_renews_only_a_secret_id_that_stopped_working(run, vault, tmp_path):
    env_file = tmp_path / "web.env"
    run("approle_identity", **identity(env_file, secret_id_renew_share=0))
    age(vault, secret_id_in(env_file), days_left=0.01)

    result = run("approle_identity", **identity(env_file, secret_id_renew_share=0))

    assert result["changed"] is False


def test_a_share_outside_zero_to_one_is_refused(run, vault, tmp_path):
    result = run("approle_identity", **identity(tmp_path / "web.env", secret_id_renew_share=1))

    assert result.get("failed") and "secret_id_renew_share" in result["msg"]
    assert vault.writes() == []


def test_the_admin_identity_destroys_every_other_secret_id_of_its_role(run, vault, tmp_path):
    admin = identity(tmp_path / "admin.json", env_format="json", secret_id_scope="role")
    admin["role"] = {**ROLE, "secret_id_ttl": 90 * DAY}
    run("approle_identity", **admin)
    old = json.loads((tmp_path / "admin.json").read_text())["secret_id"]
    vault.secret_ids["from-another-controller"] = ("approle", "webex-app", "accessor-x")
    age(vault, old, days_left=20, life_days=90)

    result = run("approle_identity", **admin)

    new = json.loads((tmp_path / "admin.json").read_text())["secret_id"]
    assert list(vault.secret_ids) == [new]
    assert result["superseded"] == 2 and result["kept_until_expiry"] == ""


def test_a_wrapped_secret_id_the_app_unwrapped_keeps_working_after_the_next_run(
    run, vault, tmp_path
):
    env_file = tmp_path / "web.env"
    run("approle_identity", **identity(env_file, secret_id_wrap_ttl=300))
    held = vault.unwrap(secret_id_in(env_file, "VAULT_SECRET_ID_WRAPPED"))["secret_id"]

    result = run("approle_identity", **identity(env_file, secret_id_wrap_ttl=300))

    # The file gets a new wrapped one (for the app's next start); the one the running app
    # unwrapped stays until it expires.
    assert result["secret_id_issued"] is True and held in vault.secret_ids
    assert result["kept_until_expiry"] == vault.secret_ids[held][2]


def test_a_wrapped_secret_id_due_for_renewal_is_wrapped_again(run, vault, tmp_path):
    env_file = tmp_path / "web.env"
    run("approle_identity", **identity(env_file, secret_id_wrap_ttl=300))
    token = secret_id_in(env_file, "VAULT_SECRET_ID_WRAPPED")
    again = run("approle_identity", **identity(env_file, secret_id_wrap_ttl=300))
    (accessor,) = [value[2] for value in vault.secret_ids.values()]
    age(vault, accessor, days_left=2)

    result = run("approle_identity", **identity(env_file, secret_id_wrap_ttl=300))

    assert again["changed"] is False
    assert result["secret_id_renewed"] is True
    assert secret_id_in(env_file, "VAULT_SECRET_ID_WRAPPED") != token


def test_the_admin_identity_renews_its_own_secret_id_without_touching_its_role(
    run, vault, tmp_path
):
    admin = identity(tmp_path / "admin.json", env_format="json", secret_id_scope="role")
    admin["role"] = {**ROLE, "secret_id_ttl": 90 * DAY}
    run("approle_identity", **admin)
    before = json.loads((tmp_path / "admin.json").read_text())
    vault.secret_ids["from-another-controller"] = ("approle", "webex-app", "accessor-x")
    renewal = {key: admin[key] for key in ("name", "env_file", "env_format", "secret_id_scope")}
    renewal.update(secret_id_only=True, check_login=False)
    writes, requests = len(vault.writes()), len(vault.requests)

    not_due = run("approle_identity", **renewal)
    age(vault, before["secret_id"], days_left=30, life_days=90)
    due = run("approle_identity", **renewal)

    after = json.loads((tmp_path / "admin.json").read_text())
    assert not_due["changed"] is False
    assert due["secret_id_renewed"] is True and due["superseded"] == 2
    assert after["role_id"] == before["role_id"] and list(vault.secret_ids) == [after["secret_id"]]
    # Its own secret IDs only: no policy, role, role-ID or auth-method call.
    paths = {path for _, path, _ in vault.writes()[writes:]}
    assert all("/secret-id" in path for path in paths), paths
    assert [path for _, path, _ in vault.requests[requests:] if "/secret-id" not in path] == []


def test_an_admin_policy_that_predates_renewal_warns_and_changes_nothing(run, vault, tmp_path):
    admin = identity(tmp_path / "admin.json", env_format="json", secret_id_scope="role")
    run("approle_identity", **admin)
    content = (tmp_path / "admin.json").read_bytes()
    vault.denied.add("auth/approle/role/webex-app/secret-id/lookup")
    renewal = {key: admin[key] for key in ("name", "env_file", "env_format", "secret_id_scope")}

    result = run("approle_identity", secret_id_only=True, **renewal)

    assert result.get("failed") is not True and result["changed"] is False
    assert "break glass" in result["warnings"][0]
    assert (tmp_path / "admin.json").read_bytes() == content
