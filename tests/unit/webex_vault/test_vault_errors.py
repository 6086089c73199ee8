"""Tests for webex_vault.vault_errors: Vault's own answers (bad or revoked token, policy refusal, no
engine, sealed, unreachable) from a real OpenBao dev server, each turned into one sentence that says
what to do."""

from __future__ import annotations

import pytest

import webex_vault
from webex_vault import (
    OAuthAppNotConfigured,
    VaultPermissionDenied,
    VaultSealed,
    VaultTokenInvalid,
    VaultUnreachable,
)
from webex_vault_testing import free_port
from webex_vault_testing.bao import Bao, client_for
from webex_vault_testing.recorded import (
    ACCESS_TOKEN,
    assert_one_sentence,
)


def test_read_credential_with_a_bad_token(bao: Bao) -> None:
    # OpenBao answers 403 {"errors":["permission denied"]} (bare, not a multierror).
    with pytest.raises(VaultTokenInvalid, match="VAULT_TOKEN") as caught:
        webex_vault.read_credential(client_for(bao.address, ACCESS_TOKEN), "oauthapp", "alice")
    assert_one_sentence(str(caught.value))
    assert caught.value.exit_code == 10


def test_read_credential_with_a_revoked_token(bao: Bao) -> None:
    token = bao.root.auth.token.create(policies=["webex-reader"])["auth"]["client_token"]
    bao.root.auth.token.revoke(token)

    with pytest.raises(VaultTokenInvalid):
        webex_vault.read_credential(client_for(bao.address, token), "oauthapp", "alice")


@pytest.mark.parametrize("no_default_policy", [False, True])
def test_read_credential_without_permission(bao: Bao, no_default_policy: bool) -> None:
    # OpenBao answers 403 {"errors":["1 error occurred:\n\t* permission denied\n\n"]}.
    token = bao.root.auth.token.create(policies=["default"], no_default_policy=no_default_policy)
    client = client_for(bao.address, token["auth"]["client_token"])

    with pytest.raises(VaultPermissionDenied, match="'read' on that path") as caught:
        webex_vault.read_credential(client, "oauthapp", "alice")
    assert "oauthapp/creds/alice" in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_read_credential_where_no_engine_is_mounted(bao: Bao) -> None:
    # 404 {"errors":["no handler for route \"oauthapp/creds/alice\". route entry not found."]}
    token = bao.root.auth.token.create(policies=["webex-reader"])["auth"]["client_token"]

    with pytest.raises(OAuthAppNotConfigured, match="OAUTHAPP_MOUNT") as caught:
        webex_vault.read_credential(client_for(bao.address, token), "oauthapp", "alice")
    assert_one_sentence(str(caught.value))


def test_read_credential_from_a_sealed_server(sealed_bao: Bao) -> None:
    # 503 {"errors":["Vault is sealed"]}, whatever the token.
    with pytest.raises(VaultSealed, match="unseal") as caught:
        webex_vault.read_credential(client_for(sealed_bao.address, "root"), "oauthapp", "alice")
    assert_one_sentence(str(caught.value))


def test_read_credential_from_an_unreachable_address() -> None:
    address = f"http://127.0.0.1:{free_port()}"  # nothing listens there any more

    with pytest.raises(VaultUnreachable, match="VAULT_ADDR") as caught:
        webex_vault.read_credential(client_for(address, "s.app"), "oauthapp", "alice")
    assert address in str(caught.value)
    assert_one_sentence(str(caught.value))
