"""Tests for webex_emulator.authorize: /v1/authorize (the consent page, approve and deny, which
requests are answered on an error page and which at the redirect URI, scopes) and PKCE. The Flask
app runs in-process with a fake clock (fixtures in conftest.py, requests shaped like
golang.org/x/oauth2's in webex_vault_testing.emulator_app)."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest

import webex_emulator as emu
from webex_vault_testing.emulator_app import (
    CLIENT_ID,
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    WEBEX_SECRET,
    approve,
    authorize_params,
    control,
    exchange,
    make_settings,
    pkce_s256,
    redirect_query,
)


def test_consent_page_shows_client_user_scopes_and_a_form_back_to_authorize(client):
    response = client.get("/v1/authorize", query_string=authorize_params())

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Vault Demo &lt;b&gt;App&lt;/b&gt;" in html
    assert "Demo User" in html
    assert "<code>spark:people_read</code>" in html
    assert "<code>spark:kms</code>" in html
    assert '<form method="post" action="/v1/authorize">' in html
    assert '<input type="hidden" name="state" value="state-123">' in html
    assert 'name="decision" value="approve"' in html
    assert 'name="decision" value="deny"' in html
    assert "<script" not in html
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_approve_redirects_with_a_webex_shaped_code_and_the_state(client):
    data = {**authorize_params(), "decision": "approve"}
    parts, query = redirect_query(client.post("/v1/authorize", data=data))

    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI
    assert set(query) == {"code", "state"}
    assert query["state"] == "state-123"
    assert WEBEX_SECRET.fullmatch(query["code"])


def test_deny_redirects_with_access_denied_and_the_state(client):
    data = {**authorize_params(), "decision": "deny"}
    _, query = redirect_query(client.post("/v1/authorize", data=data))

    assert query["error"] == "access_denied"
    assert query["error_description"]
    assert query["state"] == "state-123"
    assert "code" not in query


def test_a_consent_form_without_a_valid_decision_gets_an_error_page(client):
    response = client.post("/v1/authorize", data={**authorize_params(), "decision": "maybe"})

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_auto_approve_redirects_the_get_at_once(client):
    assert control(client, "POST", "settings", {"auto_approve": True}).status_code == 200

    _, query = redirect_query(client.get("/v1/authorize", query_string=authorize_params()))

    assert WEBEX_SECRET.fullmatch(query["code"])
    assert query["state"] == "state-123"


def test_state_is_optional(client):
    client.post("/_emulator/settings", json={"auto_approve": True})

    response = client.get("/v1/authorize", query_string=authorize_params(state=None))

    assert set(redirect_query(response)[1]) == {"code"}


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": None},
        {"client_id": "someone-else"},
        {"redirect_uri": "http://127.0.0.1:6666/steal"},
        {"redirect_uri": REDIRECT_URI + "/"},
        {"redirect_uri": ""},
    ],
    ids=[
        "missing-client",
        "unknown-client",
        "foreign-redirect",
        "trailing-slash",
        "empty-redirect",
    ],
)
def test_unverified_client_or_redirect_gets_an_error_page_not_a_redirect(client, overrides):
    response = client.get("/v1/authorize", query_string=authorize_params(**overrides))

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "<h1>Invalid authorization request</h1>" in response.get_data(as_text=True)


def test_redirect_uri_may_be_left_out_when_only_one_is_registered(client):
    code = approve(client, redirect_uri=None)

    assert exchange(client, code, redirect_uri=REDIRECT_URI).status_code == 200


def test_redirect_uri_is_required_when_several_are_registered(clock):
    settings = make_settings(redirect_uris=(REDIRECT_URI, OTHER_REDIRECT_URI))
    client = emu.create_app(settings, clock).test_client()

    missing = client.get("/v1/authorize", query_string=authorize_params(redirect_uri=None))
    chosen = client.post(
        "/v1/authorize",
        data={**authorize_params(redirect_uri=OTHER_REDIRECT_URI), "decision": "approve"},
    )

    assert missing.status_code == 400
    assert chosen.headers["Location"].startswith(OTHER_REDIRECT_URI + "?code=")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": None}, "invalid_scope"),
        ({"scope": "   "}, "invalid_scope"),
        ({"response_type": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": "x" * 43, "code_challenge_method": "S512"}, "invalid_request"),
        ({"code_challenge": "too-short", "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
    ],
    ids=[
        "missing-scope",
        "blank-scope",
        "missing-response-type",
        "token-response-type",
        "unknown-pkce-method",
        "short-challenge",
        "method-without-challenge",
    ],
)
def test_bad_requests_with_a_verified_redirect_are_reported_there(client, overrides, error):
    response = client.get("/v1/authorize", query_string=authorize_params(**overrides))

    parts, query = redirect_query(response)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI
    assert query["error"] == error
    assert query["state"] == "state-123"
    assert "code" not in query


@pytest.mark.parametrize("separator", ["+", "%20"])
def test_scope_is_space_separated_with_plus_or_percent20(client, separator):
    query = (
        f"response_type=code&client_id={quote_plus(CLIENT_ID)}"
        f"&redirect_uri={quote_plus(REDIRECT_URI)}"
        f"&scope=spark%3Apeople_read{separator}spark%3Akms&state=s"
    )

    html = client.get(f"/v1/authorize?{query}").get_data(as_text=True)

    assert "<code>spark:people_read</code>" in html
    assert "<code>spark:kms</code>" in html


def test_a_registered_redirect_uri_with_a_query_keeps_it(clock):
    registered = "http://127.0.0.1:5000/auth?tenant=a"
    client = emu.create_app(make_settings(redirect_uris=(registered,)), clock).test_client()

    data = {**authorize_params(redirect_uri=registered), "decision": "approve"}
    location = client.post("/v1/authorize", data=data).headers["Location"]

    assert location.startswith(registered + "&code=")


def test_consent_page_escapes_the_user_profile(client):
    client.put("/_emulator/user", json={"displayName": "<script>alert(1)</script>"})

    html = client.get("/v1/authorize", query_string=authorize_params()).get_data(as_text=True)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_pkce_s256_needs_the_matching_verifier(client):
    verifier = "v" * 20 + "-._~" + "A1" * 10
    code = approve(client, code_challenge=pkce_s256(verifier), code_challenge_method="S256")

    missing = exchange(client, code)
    wrong = exchange(client, code, code_verifier="w" * 43)
    right = exchange(client, code, code_verifier=verifier)

    assert missing.get_json()["error"] == "invalid_grant"
    assert wrong.get_json()["error"] == "invalid_grant"
    assert right.status_code == 200


@pytest.mark.parametrize("method", ["plain", None])
def test_pkce_plain_is_supported_and_the_default_method(client, method):
    verifier = "p" * 43
    code = approve(client, code_challenge=verifier, code_challenge_method=method)

    assert exchange(client, code, code_verifier="q" * 43).status_code == 400
    assert exchange(client, code, code_verifier=verifier).status_code == 200


def test_a_verifier_without_a_challenge_is_rejected(client):
    response = exchange(client, approve(client), code_verifier="v" * 43)

    assert response.get_json()["error"] == "invalid_grant"
