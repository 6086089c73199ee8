"""webex_vault.oauthapp.vault_health against the fake Vault: active and accepting passes and
changes nothing; each status that is not active fails with its one sentence; a standby is
asked again, a sealed server is not; a refused token fails; the token comes back only as the
hidden login (never a fact), and only an AppRole login's token is the caller's to revoke."""

from __future__ import annotations

import socket

import pytest

from webex_vault_testing.fake_vault import printed


def health_requests(vault) -> int:
    return sum(1 for request in vault.requests if request[1] == "sys/health")


def test_an_active_server_that_accepts_the_token_passes(run, vault):
    result = run("vault_health", check_mode=True)
    assert not result.get("failed"), result
    assert result["changed"] is False and result["status"] == 200
    assert ("GET", "auth/token/lookup-self", {}) in vault.requests
    # The token goes back as community.hashi_vault.vault_login returns it, in a hidden result.
    assert result["_ansible_no_log"] is True and "ansible_facts" not in result
    assert result["login"]["auth"]["client_token"] == vault.token
    assert result["login"]["auth"]["policies"] == ["root"]
    assert result["logged_in"] is False and result["token_accepted"] is True
    assert vault.token not in printed({k: v for k, v in result.items() if k != "login"})


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (503, "is sealed; unseal it first."),
        (501, "is not initialised; initialise and unseal it first."),
        (418, "answered HTTP 418."),
    ],
)
def test_a_final_status_fails_at_once(run, vault, status, message):
    vault.health_statuses = [status] * 10
    result = run("vault_health", wait_delay=0.01, url_hint="vault_api_url")
    assert result["failed"] is True and result["status"] == status
    assert result["msg"] == f"The server at {vault.url} {message}" or status == 418
    assert message in result["msg"]
    assert health_requests(vault) == (1 if status in (501, 503) else 6)
    assert all(request[1] != "auth/token/lookup-self" for request in vault.requests)


def test_a_standby_is_asked_again_until_it_is_active(run, vault):
    vault.health_statuses = [429, 429]
    result = run("vault_health", wait_delay=0.01)
    assert not result.get("failed"), result
    assert health_requests(vault) == 3


def test_a_standby_that_stays_one_names_the_url_setting(run, vault):
    vault.health_statuses = [429] * 10
    result = run("vault_health", wait_delay=0.01, wait_retries=2, url_hint="vault_api_url")
    assert result["failed"] is True
    assert result["msg"].endswith("is a standby node; point vault_api_url at the active node.")
    assert health_requests(vault) == 3


def test_a_server_that_does_not_answer_names_the_url_setting(run):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    result = run("vault_health", url=url, wait_retries=1, wait_delay=0.01, url_hint="vault_api_url")
    assert result["failed"] is True and result["status"] == -1
    assert result["msg"].startswith(f"The server at {url} does not answer (")
    assert result["msg"].endswith("); start it or fix vault_api_url.")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        # The client refuses an empty address before the health gate can ask anything.
        ("", "No Vault URL was given: set the url option or VAULT_ADDR."),
        (
            "127.0.0.1:8200",
            "The Vault address '127.0.0.1:8200' is not an http:// or https:// URL: set "
            "vault_api_url (or VAULT_ADDR) to one, such as https://127.0.0.1:8200.",
        ),
    ],
)
def test_an_address_without_scheme_or_unset_names_the_setting(run, vault, url, message):
    result = run("vault_health", url=url, wait_retries=1, url_hint="vault_api_url")
    assert result["failed"] is True
    assert result["msg"].startswith(message)
    assert health_requests(vault) == 0


def test_a_refused_token_fails_without_showing_it(run, vault):
    result = run(
        "vault_health",
        token="s.not-the-token",
        credentials_hint="vault_api_token (or VAULT_TOKEN)",
    )
    assert result["failed"] is True
    assert result["msg"] == (
        f"The server at {vault.url} does not accept vault_api_token (or VAULT_TOKEN); "
        "give valid credentials."
    )
    assert "s.not-the-token" not in printed(result)
    assert "login" not in result and not result.get("_ansible_no_log")


def test_a_refused_token_can_be_reported_instead(run, vault):
    result = run("vault_health", token="s.not-the-token", refused_ok=True)
    assert not result.get("failed"), result
    assert result["token_accepted"] is False and "login" not in result
    assert "s.not-the-token" not in printed(result)


def test_a_standby_of_a_cluster_is_healthy_and_sys_leader_says_it_is_not_active(
    run, vault, monkeypatch
):
    vault.health_statuses = [429]
    original = vault.handle

    def leader(method, path, *args, **kwargs):
        if path == "sys/leader":
            vault.requests.append((method, path, {}))
            return 200, {"ha_enabled": True, "is_self": False, "leader_address": "http://x"}
        return original(method, path, *args, **kwargs)

    monkeypatch.setattr(vault, "handle", leader)
    result = run("vault_health", standby_ok=True)
    assert not result.get("failed"), result
    assert (result["status"], result["active"]) == (429, False)
    assert ("GET", "sys/leader", {}) in vault.requests


def test_a_server_without_ha_is_active_when_it_serves(run, vault):
    result = run("vault_health", standby_ok=True)
    assert (result["status"], result["active"]) == (200, True)


def test_without_check_token_only_the_health_is_read(run, vault):
    result = run("vault_health", token="s.not-the-token", check_token=False)
    assert not result.get("failed"), result
    assert [request[1] for request in vault.requests] == ["sys/health"]


def test_an_approle_login_is_checked_too(run, vault):
    result = run(
        "vault_health",
        token=None,
        auth_method="approle",
        role_id=vault.role_id,
        secret_id=vault.secret_id,
    )
    assert not result.get("failed"), result
    assert vault.secret_id not in printed(result)
    # The login's token is handed over, not revoked: the caller gives it up when done.
    token = result["login"]["auth"]["client_token"]
    assert result["logged_in"] is True and token in vault.login_tokens
    assert result["_ansible_no_log"] is True
    refused = run("vault_health", token=None, auth_method="approle", role_id="x", secret_id="wrong")
    assert refused["failed"] is True and "does not accept" in refused["msg"]
