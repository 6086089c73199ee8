"""The unauthenticated server steps against the fake Vault: webex_vault.oauthapp.vault_status
waits for a state and fails with one sentence when it is not reached; vault_init initialises
once and hides its answer; vault_unseal gives as many keys as the threshold, resets an
unfinished unseal first, refuses keys of another server and never shows a key."""

from __future__ import annotations

from webex_vault_testing.fake_vault import printed


def fresh(vault) -> None:
    vault.seal = {"initialized": False, "sealed": True, "t": 0, "n": 0, "progress": 0}


def test_status_reports_what_the_server_says_without_a_token(run, vault):
    fresh(vault)
    result = run("vault_status", token=None, wait_retries=0)
    assert not result.get("failed"), result
    assert (result["api_up"], result["initialized"], result["status"]) == (True, False, 501)
    assert all(request[1] != "auth/token/lookup-self" for request in vault.requests)


def test_status_fails_in_one_sentence_when_the_state_is_not_reached(run, vault):
    fresh(vault)
    result = run("vault_status", wait_for="serving", wait_retries=2, wait_delay=0.01)
    assert result["failed"] is True
    assert result["msg"] == (
        f"The server at {vault.url} does not serve requests (/v1/sys/health status 501), "
        "after 0.02 s of waiting."
    )
    optional = run("vault_status", wait_for="serving", wait_retries=0, required=False)
    assert not optional.get("failed") and optional["reached"] is False


def test_status_waits_for_a_server_to_serve(run, vault):
    vault.health_statuses = [503, 503]
    result = run("vault_status", wait_for="serving", wait_retries=5, wait_delay=0.01)
    assert not result.get("failed"), result
    assert result["status"] == 200 and result["reached"] is True


def test_init_initialises_once_and_hides_its_answer(run, vault):
    fresh(vault)
    checked = run("vault_init", check_mode=True, secret_shares=3, secret_threshold=2)
    assert checked["changed"] is True and checked["init"] == {}
    assert vault.seal["initialized"] is False
    result = run("vault_init", secret_shares=3, secret_threshold=2)
    assert result["changed"] is True and result["_ansible_no_log"] is True
    assert result["init"]["keys_base64"] == ["key-0", "key-1", "key-2"]
    again = run("vault_init", secret_shares=3, secret_threshold=2)
    assert again["failed"] is True
    assert "is initialised already" in again["msg"]


def test_init_refuses_a_threshold_above_the_shares(run, vault):
    fresh(vault)
    result = run("vault_init", secret_shares=2, secret_threshold=3)
    assert result["failed"] is True and result["msg"].startswith("secret_threshold must be")
    assert vault.seal["initialized"] is False


def test_unseal_gives_the_threshold_of_keys_and_shows_none(run, vault):
    fresh(vault)
    run("vault_init", secret_shares=3, secret_threshold=2)
    vault.seal["progress"] = 1  # someone else gave a key
    keys = list(vault.seal["keys"])
    checked = run("vault_unseal", check_mode=True, keys=keys)
    assert checked["changed"] is True and vault.seal["sealed"] is True
    result = run("vault_unseal", keys=keys, keys_source="the init file")
    assert not result.get("failed"), result
    assert (result["changed"], result["sealed"], result["keys_given"]) == (True, False, 2)
    given = [body for method, path, body in vault.requests if path == "sys/unseal"]
    assert given[0]["reset"] is True and [body["key"] for body in given[1:]] == keys[:2]
    assert not any(key in printed(result) for key in keys)
    again = run("vault_unseal", keys=keys)
    assert again["changed"] is False


def test_unseal_refuses_the_keys_of_another_server(run, vault):
    fresh(vault)
    run("vault_init", secret_shares=3, secret_threshold=2)
    source = "vault_server_unseal_keys"
    result = run("vault_unseal", keys=["other-1", "other-2"], keys_source=source)
    assert result["failed"] is True
    assert "other-1" not in printed(result)
    short = run("vault_unseal", keys=[vault.seal["keys"][0]], keys_source=source)
    assert short["msg"] == (
        f"The server at {vault.url} needs 2 unseal keys and vault_server_unseal_keys holds 1."
    )
