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


def test_status_waits_past_a_standby_answer_for_the_active_node(run, vault):
    """A single node just unsealed answers 429 until it has taken the lead: serving would
    stop there, active waits for 200."""
    vault.health_statuses = [429, 429]
    serving = run("vault_status", wait_for="serving", wait_retries=5, wait_delay=0.01)
    assert serving["status"] == 429 and serving["reached"] is True
    vault.health_statuses = [429, 429]
    active = run("vault_status", wait_for="active", wait_retries=5, wait_delay=0.01)
    assert active["status"] == 200 and active["reached"] is True
    vault.health_statuses = [429, 429, 429]
    failed = run("vault_status", wait_for="active", wait_retries=1, wait_delay=0.01)
    assert failed["msg"] == (
        f"The server at {vault.url} is not the active node (/v1/sys/health status 429, not 200), "
        "after 0.01 s of waiting."
    )


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


# --- An auto seal (transit, issue 20): recovery keys, and waiting for the server to unseal ----


def test_init_of_a_server_with_an_auto_seal_asks_for_recovery_keys_only(run, vault):
    fresh(vault)
    vault.seal["type"] = "transit"
    result = run("vault_init", recovery_shares=3, recovery_threshold=2)
    assert not result.get("failed"), result
    assert result["init"]["recovery_keys_base64"] == ["recovery-0", "recovery-1", "recovery-2"]
    body = next(body for method, path, body in vault.requests if path == "sys/init" and body)
    assert (body["recovery_shares"], body["recovery_threshold"]) == (3, 2)
    assert body.get("secret_shares") is None and "pgp_keys" not in body
    assert vault.seal["sealed"] is False  # it unsealed itself


def test_init_refuses_options_of_the_other_kind_of_seal(run, vault):
    fresh(vault)
    vault.seal["type"] = "transit"
    shamir = run("vault_init", secret_shares=3, secret_threshold=2)
    assert shamir["msg"] == (
        f"The server at {vault.url} has a transit seal, which unseals itself: set recovery_shares "
        "(and recovery_threshold) for its recovery keys instead of secret_shares."
    )
    pgp = run("vault_init", recovery_shares=1, recovery_threshold=1, pgp_keys=["a-key"])
    assert pgp["failed"] is True and pgp["msg"].startswith("pgp_keys encrypts unseal keys")
    short = run("vault_init", recovery_shares=2, recovery_threshold=1, recovery_pgp_keys=["k"])
    assert short["msg"].startswith("recovery_threshold must be from 1 to recovery_shares")
    vault.seal["type"] = "shamir"
    recovery = run("vault_init", recovery_shares=3, recovery_threshold=2)
    assert recovery["failed"] is True and "has a Shamir seal" in recovery["msg"]
    assert vault.seal["initialized"] is False
    assert not any(path == "sys/init" and body for method, path, body in vault.requests)


def test_status_waits_for_an_auto_seal_to_unseal_and_says_what_to_check(run, vault):
    vault.seal = {"initialized": True, "sealed": True, "t": 1, "n": 1, "progress": 0}
    hint = "check the seal server at https://127.0.0.1:8214"
    sealed = run("vault_status", wait_for="unsealed", wait_retries=1, wait_delay=0.01, hint=hint)
    assert sealed["msg"] == (
        f"The server at {vault.url} is still sealed, after 0.01 s of waiting; {hint}."
    )
    vault.seal["sealed"] = False
    unsealed = run("vault_status", wait_for="unsealed", wait_retries=0)
    assert not unsealed.get("failed") and unsealed["reached"] is True
