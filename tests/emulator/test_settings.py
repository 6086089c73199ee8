"""Tests for webex_emulator.settings: start values and runtime updates are validated, and the client
secret is never shown. The Flask app runs in-process with a fake clock (fixtures in conftest.py,
requests shaped like golang.org/x/oauth2's in webex_vault_testing.emulator_app)."""

from __future__ import annotations

import pytest

from webex_vault_testing.emulator_app import (
    CLIENT_ID,
    REDIRECT_URI,
    control,
    make_settings,
)


def test_settings_read_and_partial_update_never_show_the_secret(client):
    before = control(client, "GET", "settings").get_json()
    after = control(client, "POST", "settings", {"error_style": "webex"}).get_json()

    assert "client_secret" not in before
    assert before["client_id"] == CLIENT_ID
    assert before["redirect_uris"] == [REDIRECT_URI]
    assert after == {**before, "error_style": "webex"}


@pytest.mark.parametrize(
    "body",
    [
        {"error_style": "xml"},
        {"access_token_lifetime": 0},
        {"code_lifetime": "300"},
        {"auto_approve": "yes"},
        {"latency_ms": -1},
        {"client_secret": "new"},
        ["not", "an", "object"],
    ],
)
def test_settings_updates_are_validated(client, body):
    response = control(client, "POST", "settings", body)

    assert response.status_code == 400
    assert response.get_json()["error"]
    assert control(client, "GET", "settings").get_json()["error_style"] == "rfc"


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": ""},
        {"redirect_uris": ()},
        {"error_style": "json"},
        {"refresh_token_lifetime": 0},
        {"port": 70000},
    ],
)
def test_settings_reject_bad_start_values(overrides):
    with pytest.raises(ValueError, match=r"\.$"):
        make_settings(**overrides)
