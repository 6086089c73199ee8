"""The web app (webex_vault_web) driven through Flask's test client: a stand-in for Vault's
oauthapp engine that exchanges codes with the Webex emulator as the plugin would, and the steps
of a browser (press Authorize, consent at the emulator, come back) with their checks."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from webex_vault import (
    AuthCodeURL,
    AuthorizationFailed,
    Credential,
    CredentialMissing,
    CredentialRefreshFailed,
    OAuthAppNotConfigured,
    SampleError,
    Settings,
    VaultPermissionDenied,
    VaultRequestFailed,
    VaultSealed,
    VaultTokenInvalid,
    VaultUnreachable,
)
from webex_vault.credential_states import Health, classify
from webex_vault_testing.authorize import approve
from webex_vault_testing.base import REDIRECT_URL
from webex_vault_testing.clock import FakeClock
from webex_vault_testing.emulator import Emulator
from webex_vault_web import create_app

SECRET_KEY = "k" * 64
# The variable that names the web app's settings file (tools/web-app.sh sets it likewise).
ENV_FILE_VARIABLE = "WEBEX_VAULT_WEB_ENV_FILE"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class PluginStandIn:
    """VaultConnection's interface; exchanges codes at the emulator's token endpoint like the
    oauthapp plugin. `fail[operation] = error` makes the next call of that operation raise."""

    def __init__(self, emulator: Emulator, redirect_url: str = REDIRECT_URL) -> None:
        self.emulator = emulator
        self.redirect_url = redirect_url
        self.creds: dict[str, Credential] = {}
        self.fail: dict[str, SampleError] = {}
        self.writes: list[str] = []
        self.deletes: list[str] = []
        self.forgotten: list[str] = []
        self.authorize_url: str | None = None  # overrides the URL auth_code_url returns
        # name -> (status, body) the plugin answers to a read, instead of the stored token's
        self.answers: dict[str, tuple[int, dict[str, Any]]] = {}

    def _maybe_fail(self, operation: str) -> None:
        if operation in self.fail:
            raise self.fail.pop(operation)

    def auth_code_url(self, state: str) -> AuthCodeURL:
        self._maybe_fail("auth_code_url")
        query = urlencode(
            {
                "client_id": self.emulator.client_id,
                "redirect_uri": self.redirect_url,
                "response_type": "code",
                "scope": "spark:people_read",
                "state": state,
            }
        )
        return AuthCodeURL(
            self.authorize_url or f"{self.emulator.base_url}/v1/authorize?{query}", state
        )

    def write_authorization_code(self, name: str, code: str) -> None:
        self._maybe_fail("write")
        self.writes.append(name)
        answer = requests.post(
            f"{self.emulator.base_url}/v1/access_token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_url,
                "client_id": self.emulator.client_id,
                "client_secret": self.emulator.client_secret,
            },
            timeout=10,
        )
        if answer.status_code != 200:
            raise AuthorizationFailed(
                f"Vault could not exchange the authorization code with Webex "
                f"(exchange failed: {answer.json().get('error')}); start the sign-in again."
            )
        body = answer.json()
        self.creds[name] = Credential(
            access_token=body["access_token"],
            expire_time=datetime.now(UTC) + timedelta(seconds=body["expires_in"]),
            server="webex-myapp",
        )

    def credential(self, name: str) -> Credential:
        self._maybe_fail("read")
        if name not in self.creds:
            raise CredentialMissing("oauthapp", name)
        return self.creds[name]

    def health(self, name: str) -> Health:
        """What VaultConnection.health says: the plugin's answer (or the stored credential's
        expiry and warnings) classified."""
        self._maybe_fail("read")
        if name not in self.creds:
            raise CredentialMissing("oauthapp", name)
        credential = self.creds[name]
        expire = credential.expire_time.isoformat() if credential.expire_time else None
        default = (200, {"data": {"expire_time": expire}, "warnings": list(credential.warnings)})
        status, body = self.answers.get(name, default)
        return classify(status, body, datetime.now(UTC))

    def forget(self, name: str) -> None:
        self.forgotten.append(name)

    def delete_credential(self, name: str) -> None:
        self._maybe_fail("delete")
        self.deletes.append(name)
        self.creds.pop(name, None)


def web_settings(emulator: Emulator, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "vault_addr": "http://127.0.0.1:9",
        "vault_role_id": "role-id",
        "vault_secret_id": "secret-id",
        "webex_api_base_url": f"{emulator.base_url}/v1",
        "oauthapp_redirect_url": REDIRECT_URL,
        "http_timeout_seconds": 5,
    }
    return Settings(**{**values, **changes})


def csrf_from(client: FlaskClient, path: str = "/") -> str:
    match = CSRF_FIELD.search(client.get(path).text)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def start_sign_in(client: FlaskClient) -> str:
    """Press Authorize; return the Webex authorize URL the browser is sent to."""
    response = client.post("/login", data={"csrf_token": csrf_from(client)})
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def consent(authorize_url: str, decision: str) -> dict[str, str]:
    """Answer the emulator's consent page; return the query of the redirect back to the app."""
    fields = {key: values[0] for key, values in parse_qs(urlsplit(authorize_url).query).items()}
    answer = requests.post(
        authorize_url.split("?", 1)[0],
        data={**fields, "decision": decision},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(f"{REDIRECT_URL}?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def sign_in(client: FlaskClient) -> TestResponse:
    """The whole flow: Authorize, approve at the emulator, come back; returns the home page."""
    authorize_url = start_sign_in(client)
    code = approve(authorize_url, state_of(authorize_url), requests.Session())
    back = client.get(f"/auth?{urlencode({'code': code, 'state': state_of(authorize_url)})}")
    assert back.status_code == 302 and back.headers["Location"] == "/", back.text
    return client.get("/")


def app_on_settings_file(env_file: Path) -> tuple[Flask, FakeClock]:
    """The web app started on a settings file the playbook wrote (a real VaultConnection to the
    server it names), with a clock the test moves."""
    settings = Settings.from_environment(
        {ENV_FILE_VARIABLE: str(env_file), "FLASK_SECRET_KEY": SECRET_KEY},
        env_file_variable=ENV_FILE_VARIABLE,
    )
    clock = FakeClock(time.time())
    return create_app({"WEBEX_VAULT_SETTINGS": settings, "WEBEX_VAULT_CLOCK": clock}), clock


def session_value(client: FlaskClient, key: str) -> Any:
    with client.session_transaction() as session:
        return session.get(key)


def assert_no_inline_code(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<style" not in html.lower()
    assert not re.search(r"\sstyle=|\son[a-z]+=", html, re.IGNORECASE)


def callback_url(**params: str) -> str:
    return f"/auth?{urlencode(params)}"


def signed_in_client(app: Flask, credential_id: str) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["credential_id"] = credential_id
        # A sign-in lasts WEB_SESSION_LIFETIME_SECONDS from this time (auth.end_expired_sign_in).
        session["signed_in_at"] = time.time()
    return client


FAILURES = [
    (VaultSealed("Vault at http://v is sealed."), 503, "Vault is sealed"),
    (VaultUnreachable("Cannot connect to Vault at http://v."), 503, "Vault cannot be reached"),
    (VaultPermissionDenied("Vault denied access to p."), 502, "Vault refused this step"),
    (VaultTokenInvalid("Vault rejected the AppRole login."), 502, "identity"),
    (OAuthAppNotConfigured("Vault has no engine at oauthapp/."), 502, "not set up"),
    (CredentialRefreshFailed("refresh failed: invalid_grant."), 502, "could not be renewed"),
    (VaultRequestFailed("Vault answered 500."), 502, "Something went wrong"),
]
