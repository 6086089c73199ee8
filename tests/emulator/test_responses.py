"""Tests for webex_emulator.responses: the error shapes (RFC 6749 by default, Webex's REST shape on
request) and the 401 that people/me answers without a valid bearer token. The Flask app runs in-
process with a fake clock (fixtures in conftest.py, requests shaped like golang.org/x/oauth2's in
webex_vault_testing.emulator_app)."""

from __future__ import annotations

import pytest

import webex_emulator as emu
from webex_vault_testing.emulator_app import (
    TRACKING_ID,
    assert_unauthorized,
    new_tokens,
    refresh,
    token_request,
)


def test_rfc_error_style_is_the_default(client):
    response = refresh(client, "not-a-token")

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token is invalid, expired or revoked.",
    }
    assert TRACKING_ID.fullmatch(response.headers["trackingId"])


def test_webex_error_style_uses_the_rest_error_shape(client):
    client.post("/_emulator/settings", json={"error_style": "webex"})

    response = refresh(client, "not-a-token")

    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"message", "errors", "trackingId"}
    assert body["message"] == emu.WEBEX_STATUS_MESSAGES[400]
    assert body["errors"] == [{"description": "The refresh token is invalid, expired or revoked."}]
    assert TRACKING_ID.fullmatch(body["trackingId"])
    assert response.headers["trackingId"] == body["trackingId"]


def test_webex_error_style_for_bad_client_auth_is_401(client):
    client.post("/_emulator/settings", json={"error_style": "webex"})

    response = token_request(client, {"grant_type": "refresh_token", "refresh_token": "x"}, "none")

    assert response.status_code == 401
    assert "error" not in response.get_json()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer unknown-token"},
        {"Authorization": "Bearertoken"},
    ],
    ids=["missing", "basic", "empty-bearer", "unknown", "no-space"],
)
def test_people_me_needs_a_valid_bearer_token(client, headers):
    assert_unauthorized(client.get("/v1/people/me", headers=headers))


def test_people_me_does_not_take_the_token_from_the_query_string(client):
    token = new_tokens(client)["access_token"]

    assert_unauthorized(client.get("/v1/people/me", query_string={"access_token": token}))
