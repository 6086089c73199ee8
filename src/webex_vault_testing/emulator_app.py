"""The Webex emulator's Flask app driven in-process (the emulator's own tests): its settings,
and requests shaped the way golang.org/x/oauth2, which the oauthapp plugin uses, sends them."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import SplitResult, parse_qs, quote_plus, urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import webex_emulator as emu

CLIENT_ID = "C0ffee-client id"
# Characters that url.QueryEscape changes, so a missing unescape step would show.
CLIENT_SECRET = "s3cret+with/odd chars&=:%"  # noqa: S105 - a made-up secret
REDIRECT_URI = "http://127.0.0.1:5000/auth"
OTHER_REDIRECT_URI = "http://localhost:5000/auth"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
WEBEX_SECRET = re.compile(rf"[A-Za-z0-9]+_PF84_{UUID}")
TRACKING_ID = re.compile(r"ROUTER_[0-9A-F-]{36}")
UNAUTHORIZED_BODY_TEXT = (
    "The request requires a valid access token set in the Authorization request header."
)


def make_settings(**overrides: Any) -> emu.EmulatorSettings:
    values: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": (REDIRECT_URI,),
        "client_name": "Vault Demo <b>App</b>",
    }
    values.update(overrides)
    return emu.EmulatorSettings(**values)


def go_basic_auth(client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET) -> dict[str, str]:
    """The Authorization header golang.org/x/oauth2 builds: id and secret QueryEscaped first."""
    raw = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


def authorize_params(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "spark:people_read spark:kms",
        "state": "state-123",
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def redirect_query(response: TestResponse) -> tuple[SplitResult, dict[str, str]]:
    assert response.status_code == 302
    parts = urlsplit(response.headers["Location"])
    return parts, {name: values[0] for name, values in parse_qs(parts.query).items()}


def approve(client: FlaskClient, **overrides: str | None) -> str:
    data = {**authorize_params(**overrides), "decision": "approve"}
    _, query = redirect_query(client.post("/v1/authorize", data=data))
    return query["code"]


def token_request(client: FlaskClient, data: dict[str, str], auth: str = "basic") -> TestResponse:
    data = dict(data)
    headers = {}
    if auth == "basic":
        headers = go_basic_auth()
    elif auth == "body":
        data.update(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    return client.post("/v1/access_token", data=data, headers=headers)


def exchange(
    client: FlaskClient,
    code: str,
    auth: str = "basic",
    redirect_uri: str | None = REDIRECT_URI,
    **extra: str | None,
) -> TestResponse:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    data.update(extra)
    return token_request(client, {k: v for k, v in data.items() if v is not None}, auth)


def refresh(client: FlaskClient, refresh_token: str, auth: str = "body") -> TestResponse:
    return token_request(
        client, {"grant_type": "refresh_token", "refresh_token": refresh_token}, auth
    )


def new_tokens(client: FlaskClient, **authorize_overrides: str | None) -> dict[str, Any]:
    response = exchange(client, approve(client, **authorize_overrides))
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def people_me(client: FlaskClient, token: str) -> TestResponse:
    return client.get("/v1/people/me", headers={"Authorization": f"Bearer {token}"})


def control(client: FlaskClient, method: str, path: str, body: Any = None) -> TestResponse:
    return client.open(f"/_emulator/{path}", method=method, json=body)


def pkce_s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def assert_unauthorized(response: TestResponse) -> None:
    assert response.status_code == 401
    body = response.get_json()
    assert set(body) == {"message", "errors", "trackingId"}
    assert body["message"] == UNAUTHORIZED_BODY_TEXT
    assert body["errors"] == [{"description": UNAUTHORIZED_BODY_TEXT}]
    assert TRACKING_ID.fullmatch(body["trackingId"])
    assert response.headers["trackingId"] == body["trackingId"]


def decode_webex_id(value: str) -> str:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
