"""webex_vault.oauthapp.oauthapp_server against the fake Vault."""

from __future__ import annotations

import secrets

import pytest
from ansible.plugins.filter.core import get_hash, to_json

from webex_vault_testing.fake_vault import printed

PATH = "oauthapp/servers/webex-myapp"
RECORD = "webex-vault-state/data/oauthapp/servers/webex-myapp"
SECRET = "client-secret-" + secrets.token_hex(16)


def server(**changes):
    return {
        "name": "webex-myapp",
        "client_id": "C0123",
        "client_secret": SECRET,
        "provider": "custom",
        "provider_options": {
            "auth_code_url": "https://a.example/authorize",
            "auth_style": "in_params",
        },
        **changes,
    }


def role_fingerprint(salt: str, config: dict) -> str:
    """The role's (salt ~ (config | to_json(sort_keys=true))) | hash('sha256'), same filters."""
    return get_hash(salt + to_json(config, sort_keys=True), "sha256")


@pytest.fixture(autouse=True)
def engines(vault):
    vault.enable("oauthapp", "oauthapp")
    vault.enable("webex-vault-state", "kv", options={"version": "2"})


def test_creates_the_server_and_its_fingerprint(run, vault):
    result = run("oauthapp_server", **server())

    assert result["changed"] is True
    assert vault.servers[PATH]["client_secret"] == SECRET
    assert "client_secrets" not in vault.servers[PATH]
    assert set(vault.kv[RECORD]) == {"salt", "fingerprint"}
    public, secret_note = result["diff"]
    assert public["before"] == {}
    assert public["after"]["provider_options"]["auth_code_url"] == "https://a.example/authorize"
    assert secret_note == {"prepared": "client_secret changed\n"}


def test_the_same_server_again_writes_nothing(run, vault):
    run("oauthapp_server", **server())
    writes = len(vault.writes())

    result = run("oauthapp_server", **server())

    assert result["changed"] is False
    assert len(vault.writes()) == writes


def test_a_new_secret_alone_rewrites_and_says_only_that(run, vault):
    run("oauthapp_server", **server())
    new_secret = "client-secret-" + secrets.token_hex(16)

    result = run("oauthapp_server", **server(client_secret=new_secret, client_secrets=[SECRET]))

    assert result["changed"] is True
    assert vault.servers[PATH]["client_secret"] == new_secret
    assert vault.servers[PATH]["client_secrets"] == [SECRET]
    public, secret_note = result["diff"]
    assert public["before"] == public["after"]
    assert secret_note["prepared"] == "client_secret changed\n"
    assert SECRET not in printed(result) and new_secret not in printed(result)


def test_a_public_change_alone_does_not_claim_a_new_secret(run, vault):
    run("oauthapp_server", **server())

    result = run("oauthapp_server", **server(auth_url_params={"prompt": "select_account"}))

    assert result["changed"] is True
    assert result["diff"] == [
        {
            "before_header": PATH,
            "after_header": PATH,
            "before": {**result["server"], "auth_url_params": {}},
            "after": result["server"],
        }
    ]
    assert vault.servers[PATH]["auth_url_params"] == {"prompt": "select_account"}


def test_check_mode_reports_and_writes_nothing(run, vault):
    result = run("oauthapp_server", check_mode=True, **server())

    assert result["changed"] is True
    assert vault.writes() == []


def test_a_server_the_role_wrote_is_adopted_without_a_write(run, vault):
    """Same inputs as the role's, same fingerprint: switching to the module rewrites nothing."""
    public = {k: v for k, v in server().items() if k not in ("name", "client_secret")} | {
        "auth_url_params": {}
    }
    vault.servers[PATH] = {**public, "client_secret": SECRET}
    salt = "s4LtFr0mTh3R0l3" + "x" * 17
    vault.kv[RECORD] = {
        "salt": salt,
        "fingerprint": role_fingerprint(salt, {**public, "client_secret": SECRET}),
    }

    result = run("oauthapp_server", **server())

    assert result["changed"] is False
    assert vault.writes() == []


@pytest.mark.parametrize(
    "config",
    [
        {
            "client_id": "C1",
            "client_secret": "s",
            "provider": "custom",
            "provider_options": {},
            "auth_url_params": {},
        },
        {
            "b": {"z": "é ü", "a": [1, 2.5, True, None]},
            "a": 'quote" and \\ backslash',
            "c": "</script>",
        },
    ],
)
def test_the_fingerprint_is_the_one_ansible_filters_compute(collection_root, config):
    from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.fingerprint import (
        fingerprint,
    )

    assert fingerprint("salt", config) == role_fingerprint("salt", config)


def test_the_secret_never_leaves_in_an_error(run, vault):
    vault.fail_writes_with = f"bad client secret {SECRET}"

    result = run("oauthapp_server", **server())

    assert result["failed"] is True
    assert result["msg"].startswith(f"Vault refused to write '{PATH}'")
    assert SECRET not in printed(result)


def test_approle_login_and_its_secret_id_stays_hidden(run, vault):
    result = run(
        "oauthapp_server",
        token=None,
        auth_method="approle",
        role_id=vault.role_id,
        secret_id=vault.secret_id,
        **server(),
    )

    assert result["changed"] is True
    assert vault.secret_id not in printed(result)


def test_a_refused_token_fails_with_one_sentence(run, vault):
    result = run("oauthapp_server", token="s.not-the-token-for-tests", **server())

    assert result["failed"] is True
    assert result["msg"] == f"Vault denied the token permission to read '{PATH}'."
    assert "s.not-the-token-for-tests" not in printed(result)


def test_connection_settings_come_from_the_environment(run, vault, monkeypatch):
    monkeypatch.setenv("VAULT_ADDR", vault.url)
    monkeypatch.setenv("VAULT_TOKEN", vault.token)

    result = run("oauthapp_server", url=None, token=None, **server())

    assert result["changed"] is True
    assert vault.token not in printed(result)
