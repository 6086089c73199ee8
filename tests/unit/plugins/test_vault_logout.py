"""webex_vault.oauthapp.vault_logout against the fake Vault: a run's own login token is given up
(in check mode too) without reporting a change; a root token after setup is a change that
check mode only reports; the token never shows in the result."""

from __future__ import annotations

from webex_vault_testing.fake_vault import printed


def login(run, vault) -> str:
    result = run(
        "vault_health",
        token=None,
        auth_method="approle",
        role_id=vault.role_id,
        secret_id=vault.secret_id,
    )
    return result["login"]["auth"]["client_token"]


def test_a_login_token_is_given_up_without_a_change(run, vault):
    token = login(run, vault)
    result = run("vault_logout", token=token)
    assert not result.get("failed"), result
    assert (result["changed"], result["revoked"]) == (False, True)
    assert vault.revoked == [token] and token not in vault.login_tokens
    assert token not in printed(result)


def test_a_login_token_is_given_up_in_check_mode_too(run, vault):
    token = login(run, vault)
    result = run("vault_logout", check_mode=True, token=token)
    assert (result["changed"], result["revoked"]) == (False, True)
    assert vault.revoked == [token]


def test_a_token_that_is_gone_already_is_not_an_error(run, vault):
    token = login(run, vault)
    run("vault_logout", token=token)
    again = run("vault_logout", token=token)
    assert not again.get("failed"), again
    assert (again["changed"], again["revoked"]) == (False, False)


def test_a_root_token_is_a_change_that_check_mode_only_reports(run, vault):
    checked = run("vault_logout", check_mode=True, login_token=False)
    assert (checked["changed"], checked["revoked"]) == (True, False)
    assert vault.revoked == []
    result = run("vault_logout", login_token=False)
    assert (result["changed"], result["revoked"]) == (True, True)
    assert vault.revoked == [vault.token]
    again = run("vault_logout", login_token=False)
    assert (again["changed"], again["revoked"]) == (False, False)


def test_only_a_given_token_is_revoked(run, vault):
    result = run(
        "vault_logout",
        token=None,
        auth_method="approle",
        role_id=vault.role_id,
        secret_id=vault.secret_id,
    )
    assert result["failed"] is True
    assert result["msg"] == "vault_logout revokes the token it is given: use auth_method token."
