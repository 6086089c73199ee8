"""Tests for webex_emulator.webex_api's token endpoint (/v1/access_token): client authentication as
golang.org/x/oauth2 sends it, the form body, grant types, the redirect URI at exchange. The Flask
app runs in-process with a fake clock (fixtures in conftest.py, requests shaped like
golang.org/x/oauth2's in webex_vault_testing.emulator_app)."""

from __future__ import annotations

import base64

import pytest

from webex_vault_testing.emulator_app import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    WEBEX_SECRET,
    approve,
    exchange,
    go_basic_auth,
    token_request,
)


def test_exchange_with_url_escaped_basic_auth_returns_webex_token_json(client):
    response = exchange(client, approve(client), auth="basic")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert list(body) == [
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "token_type",
    ]
    assert body["expires_in"] == 1209599
    assert body["refresh_token_expires_in"] == 7775999
    assert body["token_type"] == "Bearer"
    assert WEBEX_SECRET.fullmatch(body["access_token"])
    assert WEBEX_SECRET.fullmatch(body["refresh_token"])
    assert body["access_token"] != body["refresh_token"]


def test_exchange_with_client_credentials_in_the_body(client, state):
    response = exchange(client, approve(client), auth="body")

    assert response.status_code == 200
    assert state.stats()["client_auth"] == {"basic": 0, "body": 1, "none": 0}


def test_basic_auth_may_carry_a_matching_client_id_in_the_body(client):
    response = exchange(client, approve(client), auth="basic", client_id=CLIENT_ID)

    assert response.status_code == 200


def test_redirect_uri_at_exchange_is_required_and_must_match(client):
    code = approve(client)

    missing = exchange(client, code, redirect_uri=None)
    other = exchange(client, code, redirect_uri=OTHER_REDIRECT_URI)

    assert (missing.status_code, missing.get_json()["error"]) == (400, "invalid_request")
    assert (other.status_code, other.get_json()["error"]) == (400, "invalid_grant")
    assert exchange(client, code).status_code == 200  # failed checks do not burn the code


def test_failed_client_auth_does_not_burn_the_code(client, state):
    """golang.org/x/oauth2 AutoDetect: Basic first, then one retry with body credentials."""
    code = approve(client)
    wrong_basic = {"Authorization": go_basic_auth(client_secret="wrong")["Authorization"]}
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}

    first = client.post("/v1/access_token", data=data, headers=wrong_basic)
    second = exchange(client, code, auth="body")

    assert first.status_code == 401
    assert first.get_json()["error"] == "invalid_client"
    assert first.headers["WWW-Authenticate"].startswith("Basic")
    assert second.status_code == 200
    stats = state.stats()
    assert stats["client_auth"] == {"basic": 1, "body": 1, "none": 0}
    assert stats["client_auth_failures"] == {"basic": 1, "body": 0, "none": 0}


def test_basic_auth_without_url_escaping_is_rejected_for_a_secret_that_needs_it(client):
    raw = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    data = {"grant_type": "authorization_code", "code": approve(client)}
    data["redirect_uri"] = REDIRECT_URI

    response = client.post("/v1/access_token", data=data, headers={"Authorization": f"Basic {raw}"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({}, {}),
        ({}, {"client_id": CLIENT_ID, "client_secret": "wrong"}),
        ({}, {"client_id": "other", "client_secret": CLIENT_SECRET}),
        ({}, {"client_id": CLIENT_ID}),
        ({"Authorization": "Basic !!!not-base64"}, {}),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, {}),
        ({"Authorization": "Bearer something"}, {}),
        (go_basic_auth(client_id="other"), {}),
        (go_basic_auth(), {"client_id": "other"}),
    ],
    ids=[
        "no-auth",
        "wrong-body-secret",
        "unknown-body-client",
        "body-id-only",
        "malformed-base64",
        "no-colon",
        "bearer-scheme",
        "unknown-basic-client",
        "body-id-differs-from-basic",
    ],
)
def test_bad_client_authentication_is_invalid_client_401(client, headers, body):
    data = {"grant_type": "authorization_code", "code": approve(client)}
    data.update(redirect_uri=REDIRECT_URI, **body)

    response = client.post("/v1/access_token", data=data, headers=headers)

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_two_client_authentication_methods_at_once_are_rejected(client):
    response = exchange(client, approve(client), auth="basic", client_secret=CLIENT_SECRET)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_the_token_endpoint_only_takes_a_form_body(client):
    response = client.post(
        "/v1/access_token",
        json={"grant_type": "authorization_code", "code": approve(client)},
        headers=go_basic_auth(),
    )

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("grant_type", "error"),
    [(None, "invalid_request"), ("password", "unsupported_grant_type")],
)
def test_missing_or_unknown_grant_type(client, state, grant_type, error):
    data = {"grant_type": grant_type} if grant_type else {}

    response = token_request(client, data)

    assert response.status_code == 400
    assert response.get_json()["error"] == error
    assert state.stats()["token_errors"] == {error: 1}


def test_missing_code_and_missing_refresh_token_are_invalid_request(client):
    no_code = token_request(client, {"grant_type": "authorization_code"})
    no_refresh = token_request(client, {"grant_type": "refresh_token"})

    assert no_code.get_json()["error"] == "invalid_request"
    assert no_refresh.get_json()["error"] == "invalid_request"
