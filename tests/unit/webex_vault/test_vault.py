"""Tests for webex_vault.vault: reading a credential, writing an authorization code, the auth-code
URL and deleting, against the oauthapp plugin's answers replayed by a stub (recorded from OpenBao
2.7.2 with oauthapp v3.1.1; the integration tests run the real plugin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import webex_vault
from webex_vault import (
    AuthorizationFailed,
    CredentialMissing,
    CredentialRefreshFailed,
    OAuthAppNotConfigured,
    SampleError,
    VaultRequestFailed,
    VaultTokenInvalid,
)
from webex_vault_testing.bao import client_for
from webex_vault_testing.recorded import (
    ACCESS_TOKEN,
    AUTH_CODE_URL_OK,
    CREDENTIAL_MISSING,
    EXCHANGE_INVALID_GRANT,
    EXCHANGE_UNCLASSIFIED,
    REFRESH_REVOKED,
    SERVER_DELETED,
    TOKEN_EXPIRED,
    VAULT_INVALID_TOKEN,
    VAULT_PLUGIN_CHECKSUM,
    assert_one_sentence,
    recorded_read_ok,
)
from webex_vault_testing.stub import Stub


def test_read_credential(stub_vault: Stub) -> None:
    stub_vault.route("GET", "/v1/oauthapp/creds/alice", (200, lambda: recorded_read_ok(3600)))

    credential = webex_vault.read_credential(
        client_for(stub_vault.url, "s.app"), "oauthapp", "alice", minimum_seconds=70
    )

    assert credential.access_token == ACCESS_TOKEN
    assert credential.token_type == "Bearer" and credential.server == "webex-myapp"
    assert credential.expire_time is not None and credential.expire_time.tzinfo is not None
    left = (credential.expire_time - datetime.now(UTC)).total_seconds()
    assert 3590 < left <= 3600
    assert ACCESS_TOKEN not in repr(credential)
    request = stub_vault.seen[-1]
    assert request["query"] == "minimum_seconds=70"
    assert request["headers"]["X-Vault-Token"] == "s.app"


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (CREDENTIAL_MISSING, CredentialMissing, "make demo"),
        (REFRESH_REVOKED, CredentialRefreshFailed, "re-authorize"),
        (TOKEN_EXPIRED, CredentialRefreshFailed, "re-authorize"),
        (SERVER_DELETED, OAuthAppNotConfigured, "OAUTHAPP_SERVER"),
        (VAULT_INVALID_TOKEN, VaultTokenInvalid, "VAULT_TOKEN"),
        (VAULT_PLUGIN_CHECKSUM, OAuthAppNotConfigured, "does not match the sha256"),
        ((500, {"errors": ["internal error"]}), VaultRequestFailed, "500"),
    ],
)
def test_read_credential_errors(
    stub_vault: Stub, answer: tuple[int, Any], error: type[SampleError], words: str
) -> None:
    stub_vault.route("GET", "/v1/oauthapp/creds/alice", answer)

    with pytest.raises(error, match=words) as caught:
        webex_vault.read_credential(client_for(stub_vault.url, "s.app"), "oauthapp", "alice")
    assert_one_sentence(str(caught.value))


def test_write_authorization_code(stub_vault: Stub) -> None:
    stub_vault.route("POST", "/v1/oauthapp/creds/alice", 204)

    webex_vault.write_authorization_code(
        client_for(stub_vault.url, "s.app"),
        "oauthapp",
        "alice",
        server="webex-myapp",
        code="ZDA4-code",
        redirect_url="http://localhost:5000/auth",
    )

    assert stub_vault.seen[-1]["body"] == {
        "server": "webex-myapp",
        "code": "ZDA4-code",
        "redirect_url": "http://localhost:5000/auth",
    }


@pytest.mark.parametrize("answer", [EXCHANGE_INVALID_GRANT, EXCHANGE_UNCLASSIFIED])
def test_write_authorization_code_rejected(stub_vault: Stub, answer: tuple[int, Any]) -> None:
    stub_vault.route("POST", "/v1/oauthapp/creds/alice", answer)

    with pytest.raises(AuthorizationFailed, match="start the sign-in again") as caught:
        webex_vault.write_authorization_code(
            client_for(stub_vault.url, "s.app"),
            "oauthapp",
            "alice",
            server="webex-myapp",
            code="ZDA4-code",
            redirect_url="http://localhost:5000/auth",
        )
    assert "ZDA4-code" not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_auth_code_url_and_delete(stub_vault: Stub) -> None:
    stub_vault.route("POST", "/v1/oauthapp/auth-code-url", AUTH_CODE_URL_OK)
    stub_vault.route("DELETE", "/v1/oauthapp/creds/alice", 204)
    client = client_for(stub_vault.url, "s.app")

    result = webex_vault.auth_code_url(
        client,
        "oauthapp",
        server="webex-myapp",
        redirect_url="http://localhost:5000/auth",
        scopes=["spark:people_read"],
    )
    webex_vault.delete_credential(client, "oauthapp", "alice")

    assert result.url.startswith("https://webexapis.com/v1/authorize?")
    assert result.state == "CuEqLTRFOZ_V2tKAmoxJxZLBHcXnZN1GuLuABggTGKM"
    # One comma-separated string: the web app's policy pins that string, and refuses a list.
    assert stub_vault.seen[0]["body"]["scopes"] == "spark:people_read"
    assert "state" not in stub_vault.seen[0]["body"]
    assert [seen["method"] for seen in stub_vault.seen] == ["POST", "DELETE"]
