"""Unit tests for the webex_emulator package, the fake Webex OAuth and People API server.

Most tests drive the Flask app in-process with a fake clock, so expiry is tested by moving
time rather than by sleeping. A few start the real threaded HTTP server or the CLI.
"""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import os
import re
import select
import subprocess
import sys
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
import requests

import webex_emulator as emu
from webex_vault_testing import FakeClock

CLIENT_ID = "C0ffee-client id"
# Characters that url.QueryEscape changes, so a missing unescape step would show.
CLIENT_SECRET = "s3cret+with/odd chars&=:%"
REDIRECT_URI = "http://127.0.0.1:5000/auth"
OTHER_REDIRECT_URI = "http://localhost:5000/auth"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
WEBEX_SECRET = re.compile(rf"[A-Za-z0-9]+_PF84_{UUID}")
TRACKING_ID = re.compile(r"ROUTER_[0-9A-F-]{36}")
UNAUTHORIZED_BODY_TEXT = (
    "The request requires a valid access token set in the Authorization request header."
)


def make_settings(**overrides):
    values = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": (REDIRECT_URI,),
        "client_name": "Vault Demo <b>App</b>",
    }
    values.update(overrides)
    return emu.EmulatorSettings(**values)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def app(clock):
    return emu.create_app(make_settings(), clock)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def state(app):
    return app.extensions["webex_emulator"]


@pytest.fixture
def live_server():
    server, base_url = emu.start_in_thread(make_settings())
    yield server, base_url
    server.shutdown()


# --------------------------------------------------------------------------------------------
# Helpers


def go_basic_auth(client_id=CLIENT_ID, client_secret=CLIENT_SECRET):
    """The Authorization header golang.org/x/oauth2 builds: id and secret QueryEscaped first."""
    raw = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


def authorize_params(**overrides):
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "spark:people_read spark:kms",
        "state": "state-123",
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def redirect_query(response):
    assert response.status_code == 302
    parts = urlsplit(response.headers["Location"])
    return parts, {name: values[0] for name, values in parse_qs(parts.query).items()}


def approve(client, **overrides):
    data = {**authorize_params(**overrides), "decision": "approve"}
    _, query = redirect_query(client.post("/v1/authorize", data=data))
    return query["code"]


def token_request(client, data, auth="basic"):
    data = dict(data)
    headers = {}
    if auth == "basic":
        headers = go_basic_auth()
    elif auth == "body":
        data.update(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    return client.post("/v1/access_token", data=data, headers=headers)


def exchange(client, code, auth="basic", redirect_uri=REDIRECT_URI, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    data.update(extra)
    return token_request(client, {k: v for k, v in data.items() if v is not None}, auth)


def refresh(client, refresh_token, auth="body"):
    return token_request(
        client, {"grant_type": "refresh_token", "refresh_token": refresh_token}, auth
    )


def new_tokens(client, **authorize_overrides):
    response = exchange(client, approve(client, **authorize_overrides))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def people_me(client, token):
    return client.get("/v1/people/me", headers={"Authorization": f"Bearer {token}"})


def control(client, method, path, body=None):
    return client.open(f"/_emulator/{path}", method=method, json=body)


def pkce_s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def assert_unauthorized(response):
    assert response.status_code == 401
    body = response.get_json()
    assert set(body) == {"message", "errors", "trackingId"}
    assert body["message"] == UNAUTHORIZED_BODY_TEXT
    assert body["errors"] == [{"description": UNAUTHORIZED_BODY_TEXT}]
    assert TRACKING_ID.fullmatch(body["trackingId"])
    assert response.headers["trackingId"] == body["trackingId"]


def decode_webex_id(value):
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()


# --------------------------------------------------------------------------------------------
# /v1/authorize


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


# --------------------------------------------------------------------------------------------
# /v1/access_token


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


def test_a_code_is_single_use(client):
    code = approve(client)
    assert exchange(client, code).status_code == 200

    again = exchange(client, code)

    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"


def test_a_code_expires_after_the_code_lifetime(client, clock):
    fresh, stale = approve(client), approve(client)
    clock.advance(299)
    assert exchange(client, fresh).status_code == 200

    clock.advance(1)
    response = exchange(client, stale)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_code_lifetime_is_a_runtime_setting(client, clock):
    client.post("/_emulator/settings", json={"code_lifetime": 1})
    code = approve(client)

    clock.advance(1)

    assert exchange(client, code).get_json()["error"] == "invalid_grant"


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


def test_refresh_returns_a_new_access_token_and_the_same_refresh_token(client):
    first = new_tokens(client)

    response = refresh(client, first["refresh_token"])

    assert response.status_code == 200
    body = response.get_json()
    assert body["refresh_token"] == first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert people_me(client, body["access_token"]).status_code == 200
    assert refresh(client, first["refresh_token"]).status_code == 200


def test_using_a_refresh_token_resets_its_expiry(client, clock):
    client.post("/_emulator/settings", json={"refresh_token_lifetime": 100})
    refresh_token = new_tokens(client)["refresh_token"]

    clock.advance(60)
    assert refresh(client, refresh_token).get_json()["refresh_token_expires_in"] == 100
    clock.advance(60)  # 120 s after issue, 60 s after the last use

    assert refresh(client, refresh_token).status_code == 200


def test_an_unused_refresh_token_expires(client, clock):
    client.post("/_emulator/settings", json={"refresh_token_lifetime": 100})
    refresh_token = new_tokens(client)["refresh_token"]

    clock.advance(100)
    response = refresh(client, refresh_token)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_rotated_refresh_token_replaces_the_old_one(client):
    client.post("/_emulator/settings", json={"rotate_refresh_tokens": True})
    first = new_tokens(client)

    rotated = refresh(client, first["refresh_token"]).get_json()

    assert WEBEX_SECRET.fullmatch(rotated["refresh_token"])
    assert rotated["refresh_token"] != first["refresh_token"]
    assert refresh(client, first["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert refresh(client, rotated["refresh_token"]).status_code == 200


def test_token_lifetimes_are_runtime_settings(client):
    client.post(
        "/_emulator/settings", json={"access_token_lifetime": 5, "refresh_token_lifetime": 9}
    )

    body = new_tokens(client)

    assert (body["expires_in"], body["refresh_token_expires_in"]) == (5, 9)


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


# --------------------------------------------------------------------------------------------
# PKCE


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


# --------------------------------------------------------------------------------------------
# /v1/people/me


def test_people_me_returns_the_person_in_webex_field_names(client, clock):
    response = people_me(client, new_tokens(client)["access_token"])

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    person = response.get_json()
    assert re.fullmatch(rf"ciscospark://us/PEOPLE/{UUID}", decode_webex_id(person["id"]))
    assert re.fullmatch(rf"ciscospark://us/ORGANIZATION/{UUID}", decode_webex_id(person["orgId"]))
    assert person["emails"] == ["demo.user@example.com"]
    assert person["phoneNumbers"] == []
    assert person["displayName"] == "Demo User"
    assert (person["firstName"], person["lastName"], person["nickName"]) == ("Demo", "User", "Demo")
    assert person["created"] == "2027-01-15T08:00:00.000Z"
    assert person["lastModified"] == person["created"]
    assert (person["status"], person["type"]) == ("active", "person")
    assert person["avatar"].startswith("http://localhost/_emulator/avatar/")


def test_the_default_avatar_is_served_locally_as_svg(client):
    avatar_url = people_me(client, new_tokens(client)["access_token"]).get_json()["avatar"]

    response = client.get(urlsplit(avatar_url).path)

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert ">DU</text>" in response.get_data(as_text=True)


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


def test_people_me_rejects_an_access_token_after_it_expires(client, clock):
    client.post("/_emulator/settings", json={"access_token_lifetime": 30})
    token = new_tokens(client)["access_token"]
    assert people_me(client, token).status_code == 200

    clock.advance(30)

    assert_unauthorized(people_me(client, token))


def test_expire_control_endpoint_expires_one_access_token(client):
    kept, expired = new_tokens(client), new_tokens(client)

    response = control(
        client, "POST", "tokens/expire", {"kind": "access", "token": expired["access_token"]}
    )

    assert response.get_json() == {"expired": 1}
    assert_unauthorized(people_me(client, expired["access_token"]))
    assert people_me(client, kept["access_token"]).status_code == 200
    assert refresh(client, expired["refresh_token"]).status_code == 200


def test_expire_all_refresh_tokens_leaves_access_tokens_alone(client):
    tokens = new_tokens(client)

    control(client, "POST", "tokens/expire", {"kind": "refresh"})

    assert refresh(client, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert people_me(client, tokens["access_token"]).status_code == 200


def test_expire_with_no_body_expires_everything(client):
    tokens = new_tokens(client)

    assert client.post("/_emulator/tokens/expire").get_json() == {"expired": 2}
    assert_unauthorized(people_me(client, tokens["access_token"]))


@pytest.mark.parametrize(
    ("body", "status"),
    [({"kind": "codes"}, 400), ({"kind": "refresh", "token": "unknown"}, 404), ({"token": 5}, 400)],
)
def test_expire_rejects_bad_requests(client, body, status):
    assert control(client, "POST", "tokens/expire", body).status_code == status


def test_revoking_a_refresh_token_revokes_its_access_tokens(client):
    client.post("/_emulator/settings", json={"rotate_refresh_tokens": True})
    revoked, kept = new_tokens(client), new_tokens(client)
    rotated = refresh(client, revoked["refresh_token"]).get_json()

    response = control(client, "POST", "tokens/revoke", {"token": rotated["refresh_token"]})

    assert response.get_json() == {"revoked": {"access": 2, "refresh": 1}}
    assert_unauthorized(people_me(client, revoked["access_token"]))
    assert_unauthorized(people_me(client, rotated["access_token"]))
    assert refresh(client, rotated["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert people_me(client, kept["access_token"]).status_code == 200


def test_revoke_without_a_token_revokes_everything(client):
    tokens = new_tokens(client)

    response = control(client, "POST", "tokens/revoke", {})

    assert response.get_json() == {"revoked": {"access": 1, "refresh": 1}}
    assert_unauthorized(people_me(client, tokens["access_token"]))
    assert control(client, "POST", "tokens/revoke", {"token": "gone"}).status_code == 404


def test_people_me_needs_a_people_read_scope(client):
    token = new_tokens(client, scope="spark:kms meeting:schedules_read")["access_token"]

    response = people_me(client, token)

    assert response.status_code == 403
    body = response.get_json()
    assert body["message"] == emu.MISSING_SCOPE_MESSAGE
    assert body["errors"] == [{"description": emu.MISSING_SCOPE_MESSAGE}]
    assert TRACKING_ID.fullmatch(body["trackingId"])


def test_spark_all_also_allows_people_me(client):
    token = new_tokens(client, scope="spark:all")["access_token"]

    assert people_me(client, token).status_code == 200


def test_people_me_returns_the_current_profile_of_the_token_user(client, clock):
    token = new_tokens(client)["access_token"]
    clock.advance(60)

    updated = control(client, "PUT", "user", {"displayName": "<script>alert(1)</script>"})
    person = people_me(client, token).get_json()

    assert updated.status_code == 200
    assert person["displayName"] == "<script>alert(1)</script>"
    assert person["lastModified"] == "2027-01-15T08:01:00.000Z"
    assert person["created"] == "2027-01-15T08:00:00.000Z"


def test_tokens_belong_to_the_user_who_approved(client):
    demo_token = new_tokens(client)["access_token"]
    demo_id = control(client, "GET", "user").get_json()["id"]
    alice = control(
        client,
        "POST",
        "users",
        {"displayName": "Alice Example", "emails": ["alice@example.com"]},
    )
    alice_token = new_tokens(client)["access_token"]

    assert alice.status_code == 201
    assert people_me(client, alice_token).get_json()["emails"] == ["alice@example.com"]
    assert people_me(client, alice_token).get_json()["firstName"] == "Alice"
    assert people_me(client, demo_token).get_json()["displayName"] == "Demo User"
    users = control(client, "GET", "users").get_json()
    assert [user["displayName"] for user in users["items"]] == ["Demo User", "Alice Example"]
    assert users["current"] == alice.get_json()["id"]
    assert control(client, "POST", "login", {"id": demo_id}).status_code == 200
    assert control(client, "GET", "user").get_json()["displayName"] == "Demo User"
    assert control(client, "POST", "login", {"id": "nobody"}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [{"id": "x"}, {"created": "2020"}, {"shoeSize": "42"}, {"emails": "a@b.c"}, {"displayName": 7}],
)
def test_profile_updates_reject_read_only_unknown_or_mistyped_fields(client, body):
    assert control(client, "PUT", "user", body).status_code == 400


def test_a_null_profile_field_is_left_out_of_people_me(client):
    token = new_tokens(client)["access_token"]

    control(client, "PUT", "user", {"avatar": None, "nickName": None})
    person = people_me(client, token).get_json()

    assert "avatar" not in person
    assert "nickName" not in person


# --------------------------------------------------------------------------------------------
# Faults


def test_people_me_429_fault_sends_retry_after(client):
    token = new_tokens(client)["access_token"]
    control(client, "POST", "faults", {"endpoint": "people_me", "status": 429, "retry_after": 7})

    limited = people_me(client, token)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert set(limited.get_json()) == {"message", "errors", "trackingId"}
    assert people_me(client, token).status_code == 200


@pytest.mark.parametrize(("retry_after", "header"), [("absent", "1"), (None, None)])
def test_429_fault_retry_after_defaults_to_one_and_null_leaves_it_out(client, retry_after, header):
    token = new_tokens(client)["access_token"]
    fault = {"endpoint": "people_me", "status": 429}
    if retry_after != "absent":
        fault["retry_after"] = retry_after
    control(client, "POST", "faults", fault)

    assert people_me(client, token).headers.get("Retry-After") == header


def test_token_endpoint_fault_fails_the_next_n_calls_without_touching_the_code(client, state):
    code = approve(client)
    control(client, "POST", "faults", {"endpoint": "access_token", "status": 500, "count": 2})

    statuses = [exchange(client, code).status_code for _ in range(3)]

    assert statuses == [500, 500, 200]
    assert state.stats()["faults_injected"] == {"access_token": 2, "people_me": 0}


@pytest.mark.parametrize(
    ("error_style", "expected"),
    [
        ("rfc", {"error": "invalid_grant"}),
        ("webex", {"errors": [{"description": "Injected by the Webex emulator's fault API."}]}),
    ],
)
def test_token_endpoint_4xx_fault_uses_the_current_error_shape(client, error_style, expected):
    client.post("/_emulator/settings", json={"error_style": error_style})
    control(
        client,
        "POST",
        "faults",
        {"endpoint": "access_token", "status": 400, "error": "invalid_grant"},
    )

    body = refresh(client, "anything").get_json()

    assert expected.items() <= body.items()


def test_faults_queue_in_order_and_can_be_cleared(client):
    control(client, "POST", "faults", {"endpoint": "access_token", "status": 503})
    queued = control(client, "POST", "faults", {"endpoint": "access_token", "status": 502})
    assert queued.get_json() == {"endpoint": "access_token", "queued": 2}

    assert refresh(client, "x").status_code == 503
    control(client, "DELETE", "faults")

    assert refresh(client, "x").status_code == 400


def test_a_fault_aimed_at_a_grant_fails_only_that_grants_refreshes(client):
    """One user's refreshes fail while everyone else's work: the fault names one of the user's
    tokens (the access token is the one a test can read from Vault)."""
    first, second = new_tokens(client), new_tokens(client)
    aimed = {"endpoint": "access_token", "status": 503, "count": 2, "token": first["access_token"]}
    assert control(client, "POST", "faults", aimed).get_json()["queued"] == 2

    assert refresh(client, second["refresh_token"]).status_code == 200
    assert exchange(client, approve(client)).status_code == 200  # a sign-in is not that grant
    assert refresh(client, first["refresh_token"]).status_code == 503
    assert refresh(client, first["refresh_token"]).status_code == 503
    assert refresh(client, first["refresh_token"]).status_code == 200  # used up


def test_a_fault_aimed_at_an_unknown_token_is_refused(client):
    body = {"endpoint": "access_token", "status": 503, "token": "no-such-token"}
    assert control(client, "POST", "faults", body).status_code == 404
    body = {"endpoint": "people_me", "status": 503, "token": "x"}
    assert control(client, "POST", "faults", body).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "authorize", "status": 500},
        {"endpoint": "people_me", "status": 200},
        {"endpoint": "people_me", "status": 500, "count": 0},
        {"endpoint": "people_me"},
        {"endpoint": "people_me", "status": 500, "surprise": 1},
        {"endpoint": "people_me", "hang_seconds": -1},
        {"endpoint": "people_me", "status": 429, "retry_after": "soon"},
    ],
)
def test_fault_requests_are_validated(client, body):
    assert control(client, "POST", "faults", body).status_code == 400


def test_hang_fault_stalls_a_real_http_call(live_server):
    server, base_url = live_server
    requests.post(
        f"{base_url}/_emulator/faults",
        json={"endpoint": "access_token", "hang_seconds": 30, "status": 500},
        timeout=5,
    )

    with pytest.raises(requests.Timeout):
        requests.post(f"{base_url}/v1/access_token", data={"grant_type": "x"}, timeout=0.3)
    server.state.reset()  # wakes the stalled request thread at once

    response = requests.post(f"{base_url}/v1/access_token", data={"grant_type": "x"}, timeout=5)
    assert response.status_code == 401


def test_hang_only_fault_delays_and_then_answers_normally(client, state, monkeypatch):
    waits = []
    monkeypatch.setattr(state.stop_waiting, "wait", waits.append)
    token = new_tokens(client)["access_token"]
    control(client, "POST", "faults", {"endpoint": "people_me", "hang_seconds": 0.25})

    assert people_me(client, token).status_code == 200
    assert waits == [0.25]


def test_latency_setting_delays_every_token_response(client, state, monkeypatch):
    waits = []
    monkeypatch.setattr(state.stop_waiting, "wait", waits.append)
    client.post("/_emulator/settings", json={"latency_ms": 40})

    refresh(client, "x")
    refresh(client, "y")

    assert waits == [0.04, 0.04]


# --------------------------------------------------------------------------------------------
# Control API: health, settings, stats, reset


def test_health(client):
    response = client.get("/_emulator/health")

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


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


def test_stats_count_endpoints_grants_auth_styles_and_live_tokens(client, state):
    tokens = new_tokens(client)
    refresh(client, tokens["refresh_token"], auth="body")
    people_me(client, tokens["access_token"])
    people_me(client, "bad")
    approve(client)  # one code left unused

    stats = control(client, "GET", "stats").get_json()

    assert stats["requests"] == {"authorize": 2, "access_token": 2, "people_me": 2}
    assert stats["grant_types"] == {"authorization_code": 1, "refresh_token": 1, "other": 0}
    assert stats["client_auth"] == {"basic": 1, "body": 1, "none": 0}
    assert stats["responses"]["people_me"] == {"200": 1, "401": 1}
    assert stats["responses"]["access_token"] == {"200": 2}
    assert stats["issued"] == {"codes": 2, "access_tokens": 2, "refresh_tokens": 1}
    assert stats["live_tokens"] == {"access": 2, "refresh": 1, "codes": 1}
    assert stats["faults_injected"] == {"access_token": 0, "people_me": 0}


def test_reset_restores_the_start_state(client):
    tokens = new_tokens(client)
    control(client, "POST", "settings", {"auto_approve": True, "error_style": "webex"})
    control(client, "PUT", "user", {"displayName": "Changed"})
    control(client, "POST", "users", {"displayName": "Extra Person"})
    control(client, "POST", "faults", {"endpoint": "people_me", "status": 500})

    assert control(client, "POST", "reset").status_code == 200

    assert_unauthorized(people_me(client, tokens["access_token"]))  # no fault left
    assert control(client, "GET", "settings").get_json()["auto_approve"] is False
    assert control(client, "GET", "user").get_json()["displayName"] == "Demo User"
    assert len(control(client, "GET", "users").get_json()["items"]) == 1
    stats = control(client, "GET", "stats").get_json()
    assert stats["requests"]["access_token"] == 0
    assert stats["live_tokens"] == {"access": 0, "refresh": 0, "codes": 0}


def test_unknown_paths_answer_in_json(client):
    webex_style = client.get("/v1/rooms")
    wrong_method = client.get("/v1/access_token")
    control_style = client.get("/_emulator/nothing")

    assert webex_style.status_code == 404
    assert set(webex_style.get_json()) == {"message", "errors", "trackingId"}
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]
    assert control_style.status_code == 404
    assert "error" in control_style.get_json()


# --------------------------------------------------------------------------------------------
# Settings validation, the threaded server and the command line


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


def test_start_in_thread_serves_the_whole_flow_over_http(live_server):
    _, base_url = live_server
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
    session = requests.Session()
    requests_settings = {"auto_approve": True}
    session.post(f"{base_url}/_emulator/settings", json=requests_settings, timeout=5)

    authorize = session.get(
        f"{base_url}/v1/authorize", params=authorize_params(), allow_redirects=False, timeout=5
    )
    code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
    token = session.post(
        f"{base_url}/v1/access_token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers=go_basic_auth(),
        timeout=5,
    )
    access_token = token.json()["access_token"]
    person = session.get(
        f"{base_url}/v1/people/me",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=5,
    )

    assert token.headers["Content-Type"] == "application/json"
    assert person.json()["avatar"].startswith(f"{base_url}/_emulator/avatar/")


def test_concurrent_exchanges_of_one_code_succeed_once(live_server):
    server, base_url = live_server
    server.state.update_settings({"auto_approve": True})
    authorize = requests.get(
        f"{base_url}/v1/authorize", params=authorize_params(), allow_redirects=False, timeout=5
    )
    code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }

    def attempt(_):
        return requests.post(f"{base_url}/v1/access_token", data=data, timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(16)))

    assert statuses == [200] + [400] * 15


def test_start_in_thread_refuses_a_public_address():
    with pytest.raises(ValueError, match="only binds to loopback"):
        emu.start_in_thread(make_settings(host="0.0.0.0"))  # noqa: S104 (that is the test)


def test_cli_refuses_a_non_loopback_host(capsys, monkeypatch):
    for name in list(os.environ):
        if name.startswith(emu.ENV_PREFIX):
            monkeypatch.delenv(name)
    argv = ["--host", "192.0.2.10", "--client-id", "a", "--client-secret", "b"]

    status = emu.main([*argv, "--redirect-uri", REDIRECT_URI])

    assert status == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("Refusing to listen on 192.0.2.10:")
    assert "\n" not in error and error.endswith(".")


@pytest.mark.parametrize(
    "argv",
    [
        ["--client-secret", "b", "--redirect-uri", REDIRECT_URI],
        ["--client-id", "a", "--client-secret", "b"],
        ["--client-id", "a", "--client-secret", "b", "--redirect-uri", "r", "--error-style", "x"],
    ],
)
def test_cli_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        emu.settings_from_args(argv, {})

    assert exit_info.value.code == 2
    assert capsys.readouterr().err


def test_cli_flags_win_over_environment_variables():
    environ = {
        "WEBEX_EMULATOR_CLIENT_ID": "env-id",
        "WEBEX_EMULATOR_CLIENT_SECRET": "env-secret",
        "WEBEX_EMULATOR_REDIRECT_URI": "http://127.0.0.1:1/a  http://127.0.0.1:2/b",
        "WEBEX_EMULATOR_PORT": "9000",
        "WEBEX_EMULATOR_AUTO_APPROVE": "true",
        "WEBEX_EMULATOR_ROTATE_REFRESH_TOKENS": "yes",
        "WEBEX_EMULATOR_ACCESS_TOKEN_LIFETIME": "60",
        "WEBEX_EMULATOR_DISPLAY_NAME": "Env Person",
    }

    settings = emu.settings_from_args(
        ["--client-id", "flag-id", "--no-auto-approve", "--code-lifetime", "5"], environ
    )

    assert settings.client_id == "flag-id"
    assert settings.client_secret == "env-secret"
    assert settings.redirect_uris == ("http://127.0.0.1:1/a", "http://127.0.0.1:2/b")
    assert (settings.port, settings.access_token_lifetime, settings.code_lifetime) == (9000, 60, 5)
    assert settings.auto_approve is False
    assert settings.rotate_refresh_tokens is True
    assert settings.display_name == "Env Person"


def test_cli_defaults_to_port_8600_and_rejects_a_bad_environment_value(capsys):
    environ = {
        "WEBEX_EMULATOR_CLIENT_ID": "a",
        "WEBEX_EMULATOR_CLIENT_SECRET": "b",
        "WEBEX_EMULATOR_REDIRECT_URI": REDIRECT_URI,
    }
    assert emu.settings_from_args([], environ).port == 8600

    with pytest.raises(SystemExit):
        emu.settings_from_args([], {**environ, "WEBEX_EMULATOR_AUTO_APPROVE": "perhaps"})
    assert "WEBEX_EMULATOR_AUTO_APPROVE" in capsys.readouterr().err


def test_cli_prints_the_ready_line_serves_and_keeps_secrets_out_of_its_log():
    environ = {name: value for name, value in os.environ.items() if not name.startswith("WEBEX_")}
    environ.update(WEBEX_EMULATOR_CLIENT_SECRET=CLIENT_SECRET, WEBEX_EMULATOR_AUTO_APPROVE="1")
    command = [
        sys.executable,
        "-m",
        "webex_emulator",
        "--port",
        "0",
        "--client-id",
        CLIENT_ID,
        "--redirect-uri",
        REDIRECT_URI,
    ]
    process = subprocess.Popen(
        command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "the emulator printed nothing within 20 s"
        line = process.stdout.readline().strip()
        match = re.fullmatch(r"Webex emulator listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        base_url = match.group(1)
        authorize = requests.get(
            f"{base_url}/v1/authorize",
            params=authorize_params(state="STATE-MARKER"),
            allow_redirects=False,
            timeout=5,
        )
        code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
        token = requests.post(
            f"{base_url}/v1/access_token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
            headers=go_basic_auth(),
            timeout=5,
        )
        assert token.status_code == 200
    finally:
        process.terminate()
        _, log = process.communicate(timeout=10)

    assert "GET /v1/authorize 302" in log
    assert "POST /v1/access_token 200" in log
    for secret in ("STATE-MARKER", code, token.json()["access_token"], quote_plus(CLIENT_SECRET)):
        assert secret not in log
