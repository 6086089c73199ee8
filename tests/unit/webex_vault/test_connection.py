"""Tests for webex_vault.connection: the samples' Vault client (TLS with VAULT_CACERT, AppRole
login, a wrapped secret ID used once) and VaultConnection logging in again after its token was
revoked, against real OpenBao dev servers (`bao`, and `openbao` with the web app's AppRole), and
its health read against a stub of the plugin's answers."""

from __future__ import annotations

from pathlib import Path

import pytest

import webex_vault
from webex_vault import (
    CredentialMissing,
    OAuthAppNotConfigured,
    Settings,
    VaultConnection,
    VaultTokenInvalid,
    VaultUnreachable,
)
from webex_vault_testing.bao import Bao, approle_settings, store_credential
from webex_vault_testing.recorded import (
    CREDENTIAL_MISSING,
    assert_one_sentence,
    recorded_read_warned,
)
from webex_vault_testing.samples import settings_from
from webex_vault_testing.stub import Stub


def test_tls_needs_vault_cacert(tls_bao: Bao, env_file: Path) -> None:
    values = {"VAULT_ADDR": tls_bao.address, "VAULT_TOKEN": "root"}
    untrusted = webex_vault.vault_client(settings_from(env_file, **values))
    trusted = webex_vault.vault_client(
        settings_from(env_file, **values, VAULT_CACERT=str(tls_bao.ca_file))
    )

    with pytest.raises(VaultUnreachable, match="set VAULT_CACERT") as caught:
        webex_vault.read_credential(untrusted, "oauthapp", "alice")
    assert_one_sentence(str(caught.value))
    # Trusted, the request reaches Vault, which has no oauthapp engine mounted.
    with pytest.raises(OAuthAppNotConfigured):
        webex_vault.read_credential(trusted, "oauthapp", "alice")


def test_approle_login(bao: Bao, env_file: Path) -> None:
    role_id = bao.root.auth.approle.read_role_id("people-me")["data"]["role_id"]
    secret_id = bao.root.auth.approle.generate_secret_id("people-me")["data"]["secret_id"]
    settings = settings_from(
        env_file,
        VAULT_ADDR=bao.address,
        VAULT_ROLE_ID=role_id,
        VAULT_SECRET_ID=secret_id,
        VAULT_TOKEN="root",  # the AppRole wins
    )

    client = webex_vault.vault_client(settings)

    assert client.token and client.token != "root"
    assert client.auth.token.lookup_self()["data"]["policies"] == ["default", "webex-reader"]


@pytest.mark.parametrize(
    ("mount", "secret_ok", "expected"),
    [
        # 400 {"errors":["invalid role or secret ID"]}
        ("approle", False, "invalid role or secret ID"),
        # 403 {"errors":["permission denied"]}
        ("no-such-approle", True, "VAULT_APPROLE_MOUNT"),
    ],
)
def test_approle_login_refused(
    bao: Bao, env_file: Path, mount: str, secret_ok: bool, expected: str
) -> None:
    role_id = bao.root.auth.approle.read_role_id("people-me")["data"]["role_id"]
    secret_id = bao.root.auth.approle.generate_secret_id("people-me")["data"]["secret_id"]
    settings = settings_from(
        env_file,
        VAULT_ADDR=bao.address,
        VAULT_ROLE_ID=role_id,
        VAULT_SECRET_ID=secret_id if secret_ok else "wrong-secret-id",
        VAULT_APPROLE_MOUNT=mount,
    )

    with pytest.raises(VaultTokenInvalid, match=expected) as caught:
        webex_vault.vault_client(settings)
    assert secret_id not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_approle_login_with_a_wrapped_secret_id_works_once(bao: Bao, env_file: Path) -> None:
    """The playbook can write a response-wrapped secret ID: the sample unwraps it at start-up,
    and a second start with the same (now used) wrapping token says to re-run the playbook."""
    role_id = bao.root.auth.approle.read_role_id("people-me")["data"]["role_id"]
    wrapped = bao.root.write_data("auth/approle/role/people-me/secret-id", data={}, wrap_ttl="60s")[
        "wrap_info"
    ]["token"]
    settings = settings_from(
        env_file, VAULT_ADDR=bao.address, VAULT_ROLE_ID=role_id, VAULT_SECRET_ID_WRAPPED=wrapped
    )
    assert settings.uses_approle and wrapped not in repr(settings)

    client = webex_vault.vault_client(settings)
    assert client.auth.token.lookup_self()["data"]["policies"] == ["default", "webex-reader"]

    with pytest.raises(VaultTokenInvalid, match="re-run the playbook") as caught:
        webex_vault.vault_client(settings)
    assert wrapped not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_vault_connection_unwraps_once_and_logs_in_again_with_the_secret_id(
    bao: Bao, env_file: Path
) -> None:
    role_id = bao.root.auth.approle.read_role_id("people-me")["data"]["role_id"]
    wrapped = bao.root.write_data("auth/approle/role/people-me/secret-id", data={}, wrap_ttl="60s")[
        "wrap_info"
    ]["token"]
    connection = webex_vault.VaultConnection(
        settings_from(
            env_file, VAULT_ADDR=bao.address, VAULT_ROLE_ID=role_id, VAULT_SECRET_ID_WRAPPED=wrapped
        )
    )

    connection.relogin()
    first = connection.client.token
    connection.relogin(first)  # the token was refused: a new login, no second unwrap
    assert connection.client.token not in (first, wrapped)
    assert (
        connection.settings.vault_secret_id and connection.settings.vault_secret_id_wrapped is None
    )


def test_vault_connection_logs_in_again_after_its_token_was_revoked(openbao: Bao) -> None:
    connection = VaultConnection(approle_settings(openbao))
    token = store_credential(openbao, "webex/alice")

    assert connection.credential("webex/alice").access_token == token
    first_login = connection.client.token
    openbao.root.auth.token.revoke(first_login)
    connection.forget("webex/alice")

    assert connection.credential("webex/alice").access_token == token  # read path
    second_login = connection.client.token
    assert second_login != first_login

    openbao.root.auth.token.revoke(second_login)
    connection.delete_credential("webex/alice")  # write path

    assert connection.client.token not in (first_login, second_login)
    assert openbao.root.read("oauthapp/creds/webex/alice") is None


def test_vault_connection_without_approle_cannot_log_in_again(openbao: Bao) -> None:
    settings = Settings(vault_addr=openbao.address, vault_token="not-a-token")
    connection = VaultConnection(settings)

    with pytest.raises(VaultTokenInvalid):
        connection.credential("webex/alice")


def test_health_reads_the_credential_and_a_missing_one_raises(stub_vault: Stub) -> None:
    """The web app's /status: VaultConnection.health is credential_health.read_health, logged in,
    with a credential that is gone raised as CredentialMissing (the app's "sign-in ended")."""
    stub_vault.route("GET", "/v1/oauthapp/creds/webex/a1", recorded_read_warned(600))
    stub_vault.route("GET", "/v1/oauthapp/creds/webex/gone", CREDENTIAL_MISSING)
    connection = VaultConnection(Settings(vault_addr=stub_vault.url, vault_token="t"))

    assert connection.health("webex/a1").state == "healthy"
    with pytest.raises(CredentialMissing):
        connection.health("webex/gone")
