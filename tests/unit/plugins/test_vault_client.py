"""plugins/plugin_utils/vault_client.py, the one client under every action: community.hashi_vault's
option names and environment fallbacks, one-sentence errors naming the setting, AppRole login
and the revocation of its own token only, retries on "try again" answers only."""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture
def client_module(collection_root):
    return importlib.import_module(
        "ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_client"
    )


def test_the_environment_fills_what_the_options_leave_out(client_module, tmp_path):
    environ = {
        "VAULT_ADDR": "https://vault.example.com:8200/",
        "VAULT_CACERT": "/etc/ca.pem",
        "VAULT_NAMESPACE": "team-a",
        "VAULT_TOKEN": "s.from-env",
    }
    found = client_module.settings({}, environ)
    assert found.url == "https://vault.example.com:8200"
    assert (found.verify, found.namespace, found.token) == ("/etc/ca.pem", "team-a", "s.from-env")
    given = client_module.settings(
        {"url": "http://127.0.0.1:8200", "token": "s.given", "namespace": "b", "ca_cert": "/c"},
        environ,
    )
    assert (given.url, given.token, given.namespace, given.verify) == (
        "http://127.0.0.1:8200",
        "s.given",
        "b",
        "/c",
    )
    assert given.secrets == {"s.given"}


def test_vault_skip_verify_and_validate_certs(client_module):
    environ = {"VAULT_ADDR": "https://v", "VAULT_TOKEN": "t", "VAULT_CACERT": "/ca"}
    assert client_module.settings({}, {**environ, "VAULT_SKIP_VERIFY": "1"}).verify is False
    assert (
        client_module.settings(
            {"validate_certs": True}, {**environ, "VAULT_SKIP_VERIFY": "1"}
        ).verify
        == "/ca"
    )
    assert client_module.settings({"validate_certs": False}, environ).verify is False


def test_a_token_file_is_read_last(client_module, tmp_path):
    (tmp_path / ".vault-token").write_text("s.from-file\n")
    found = client_module.settings({"url": "http://v"}, {"HOME": str(tmp_path)})
    assert found.token == "s.from-file"
    (tmp_path / "other").write_text("s.other")
    found = client_module.settings(
        {"url": "http://v", "token_path": str(tmp_path), "token_file": "other"}, {}
    )
    assert found.token == "s.other"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"token": "t"}, "No Vault URL was given: set the url option or VAULT_ADDR."),
        (
            {"url": "http://v"},
            "No Vault token was given: set the token option or VAULT_TOKEN, "
            "or choose another auth_method.",
        ),
        (
            {"url": "http://v", "auth_method": "approle"},
            "auth_method approle needs role_id (and usually secret_id).",
        ),
        (
            {"url": "http://v", "auth_method": "userpass", "username": "u"},
            "auth_method 'userpass' is not one this collection's modules use: "
            "choose token, approle, none.",
        ),
        (
            {"url": "http://v", "token": "t", "retries": {"total": 2, "status": 3}},
            "retries must be a number of retries or a dict with total and backoff_factor.",
        ),
    ],
)
def test_bad_settings_fail_with_one_sentence(client_module, options, message):
    with pytest.raises(client_module.VaultClientError) as raised:
        client_module.settings(options, {"HOME": "/nonexistent"})
    assert str(raised.value) == message


def test_retries_and_proxies_take_community_hashi_vault_shapes(client_module):
    base = {"url": "http://v", "token": "t"}
    assert client_module.settings({**base, "retries": 3}, {}).retries == 3
    assert client_module.settings({**base, "retries": "2"}, {}).retries == 2
    found = client_module.settings({**base, "retries": {"total": 4, "backoff_factor": 0.1}}, {})
    assert (found.retries, found.backoff_factor) == (4, 0.1)
    assert client_module.settings({**base, "proxies": "http://proxy:3128"}, {}).proxies == {
        "http": "http://proxy:3128",
        "https": "http://proxy:3128",
    }
    assert client_module.settings({**base, "proxies": {"https": "http://p:1"}}, {}).proxies == {
        "https": "http://p:1"
    }


def connect(client_module, vault, **options):
    found = client_module.settings({"url": vault.url, "token": vault.token, **options}, {})
    return client_module.VaultClient(found)


def test_an_approle_login_is_revoked_by_logout_and_a_given_token_never(client_module, vault):
    given = connect(client_module, vault)
    given.login()
    assert given.logged_in is False and given.logout() is False
    assert vault.revoked == []
    own = connect(
        client_module,
        vault,
        token=None,
        auth_method="approle",
        role_id=vault.role_id,
        secret_id=vault.secret_id,
    )
    own.login()
    token = own.token
    assert own.logged_in is True and token in vault.login_tokens and token in own.settings.secrets
    assert own.logout() is True
    assert vault.revoked == [token] and own.logout() is False


def test_try_again_answers_are_retried_and_refusals_are_not(client_module, vault):
    warnings = []
    found = client_module.settings(
        {"url": vault.url, "token": vault.token, "retries": {"total": 2, "backoff_factor": 0}}, {}
    )
    client = client_module.VaultClient(found, warnings.append)
    client.login()
    vault.try_again = [503, 500]
    assert client.call("read 'sys/mounts'", client.hvac.read, "sys/mounts") is not None
    assert len(warnings) == 2 and warnings[0].startswith("Vault could not read 'sys/mounts'")
    vault.try_again = [503, 503, 503]
    with pytest.raises(client_module.VaultClientError) as raised:
        client.call("read 'sys/mounts'", client.hvac.read, "sys/mounts")
    assert str(raised.value) == "Vault refused to read 'sys/mounts': try again later."
    assert not isinstance(raised.value, client_module.VaultDeniedError)
    vault.try_again = [403, 200]
    with pytest.raises(client_module.VaultClientError) as raised:
        client.call("read 'sys/mounts'", client.hvac.read, "sys/mounts")
    assert str(raised.value) == "Vault denied the token permission to read 'sys/mounts'."
    assert isinstance(raised.value, client_module.VaultDeniedError)
    assert vault.try_again == [200]


def test_without_retries_nothing_is_asked_twice(client_module, vault):
    client = connect(client_module, vault)
    client.login()
    vault.try_again = [503]
    before = len(vault.requests)
    with pytest.raises(client_module.VaultClientError):
        client.call("read 'sys/mounts'", client.hvac.read, "sys/mounts")
    assert len(vault.requests) == before + 1


def test_health_is_never_retried_and_an_absent_server_says_why(client_module, vault):
    client = connect(client_module, vault, retries=3)
    vault.health_statuses = [503]
    assert client.health()[0] == 503
    closed = client_module.VaultClient(
        client_module.settings({"url": "http://127.0.0.1:9", "token": "t"}, {})
    )
    status, _, reason = closed.health()
    assert status == -1 and reason.startswith("[Errno")
