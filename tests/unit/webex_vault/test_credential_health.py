"""Tests for webex_vault.credential_health: one plain read per credential, its access token
dropped at once, the answer classified; a credential the identity may not read is unreadable,
while a refused identity or an unreachable Vault stops the report. Vault and the plugin are a
stub replaying their answers (webex_vault_testing.recorded)."""

from __future__ import annotations

import hvac
import pytest

from webex_vault import VaultTokenInvalid
from webex_vault.credential_health import read_health, report
from webex_vault_testing.recorded import (
    ACCESS_TOKEN,
    CREDENTIAL_MISSING,
    REVOKED_WARNING,
    VAULT_INVALID_TOKEN,
    index_answers,
    recorded_read_warned,
)
from webex_vault_testing.stub import Stub


def client(stub: Stub) -> hvac.Client:
    return hvac.Client(url=stub.url, token="operator-token")


def test_a_read_is_plain_and_keeps_no_token(stub_vault: Stub) -> None:
    stub_vault.route(
        "GET", "/v1/oauthapp/creds/webex/a1", recorded_read_warned(900, REVOKED_WARNING)
    )

    health = read_health(client(stub_vault), "oauthapp", "webex/a1")

    assert health.state == "reauthorize" and 890 <= health.seconds_to_expiry <= 900
    assert ACCESS_TOKEN not in repr(health) + str(health.as_dict())
    (seen,) = stub_vault.seen
    assert seen["query"] == "", "no minimum_seconds: the report must not force a refresh"


def test_a_missing_credential_is_missing(stub_vault: Stub) -> None:
    stub_vault.route("GET", "/v1/oauthapp/creds/gone", CREDENTIAL_MISSING)
    assert read_health(client(stub_vault), "oauthapp", "gone").state == "missing"


def test_a_credential_outside_the_policy_is_unreadable_and_the_others_are_read(
    stub_vault: Stub,
) -> None:
    for (method, path), answer in index_answers(["mine", "theirs"], "state", "oauthapp").items():
        stub_vault.route(method, path, answer)
    stub_vault.route("GET", "/v1/oauthapp/creds/mine", recorded_read_warned(60))
    denied = (403, {"errors": ["1 error occurred:\n\t* permission denied\n\n"]})
    stub_vault.route("GET", "/v1/oauthapp/creds/theirs", denied)

    rows = report(client(stub_vault), "state", "oauthapp")

    assert [(row.entry.name, row.health.state) for row in rows] == [
        ("mine", "healthy"),
        ("theirs", "unreadable"),
    ]
    assert "must grant 'read'" in rows[1].health.detail


def test_a_refused_token_stops_the_report(stub_vault: Stub) -> None:
    for (method, path), answer in index_answers(["mine"], "state", "oauthapp").items():
        stub_vault.route(method, path, answer)
    stub_vault.route("GET", "/v1/oauthapp/creds/mine", VAULT_INVALID_TOKEN)

    with pytest.raises(VaultTokenInvalid):
        report(client(stub_vault), "state", "oauthapp")
