"""Web app sign-ins expire (issue 20): 12 hours by default (WEB_SESSION_LIFETIME_SECONDS),
counted from the sign-in however the session is used since; then the session forgets its
credential, Vault deletes it, and the page says the sign-in expired. The cookie carries the
same limit (Flask refuses one signed longer ago; its default was 31 days)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webex_vault import AuthCodeURL, Credential, CredentialMissing, Settings
from webex_vault.credential_states import Health, classify
from webex_vault_testing import FakeClock
from webex_vault_web import create_app

TWELVE_HOURS = 12 * 3600


class VaultStandIn:
    """The oauthapp calls the app makes, kept in a dict."""

    def __init__(self) -> None:
        self.creds: dict[str, Credential] = {}
        self.deletes: list[str] = []

    def auth_code_url(self, state: str) -> AuthCodeURL:
        return AuthCodeURL(
            f"https://webexapis.com/v1/authorize?{urlencode({'state': state})}", state
        )

    def write_authorization_code(self, name: str, code: str) -> None:
        expiry = datetime.now(UTC) + timedelta(days=14)
        self.creds[name] = Credential(access_token=f"token-{code}", expire_time=expiry, server="s")

    def credential(self, name: str) -> Credential:
        if name not in self.creds:
            raise CredentialMissing("oauthapp", name)
        return self.creds[name]

    def health(self, name: str) -> Health:
        """The /status page's read: the stored credential as the plugin would answer it."""
        expire = self.credential(name).expire_time
        answer = {"data": {"expire_time": expire.isoformat() if expire else None}, "warnings": []}
        return classify(200, answer, datetime.now(UTC))

    def forget(self, name: str) -> None:
        pass

    def delete_credential(self, name: str) -> None:
        self.deletes.append(name)
        self.creds.pop(name, None)


def make_app(vault: VaultStandIn, clock: FakeClock, **changes: object) -> Flask:
    settings = Settings(
        vault_addr="http://127.0.0.1:9",
        vault_role_id="role-id",
        vault_secret_id="secret-id",
        **changes,  # type: ignore[arg-type]
    )
    return create_app(
        {
            "WEBEX_VAULT_SETTINGS": settings,
            "WEBEX_VAULT_CONNECTION": vault,
            "WEBEX_VAULT_USAGE_RECORDS": None,
            "WEBEX_VAULT_CLOCK": clock,
            "SECRET_KEY": "k" * 64,
        }
    )


def csrf(browser: FlaskClient) -> str:
    with browser.session_transaction() as session:
        token = session.get("csrf_token")
    if token is None:
        browser.get("/")
        with browser.session_transaction() as session:
            token = session["csrf_token"]
    return str(token)


def sign_in(browser: FlaskClient) -> tuple[str, str]:
    """(credential name, the Set-Cookie header of the callback)."""
    started = browser.post("/login", data={"csrf_token": csrf(browser)})
    assert started.status_code == 303, started.text
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    back = browser.get(f"/auth?{urlencode({'code': 'c1', 'state': state})}")
    assert back.status_code == 302, back.text
    with browser.session_transaction() as session:
        return f"webex/{session['credential_id']}", back.headers["Set-Cookie"]


@pytest.fixture
def vault() -> VaultStandIn:
    return VaultStandIn()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(time.time())


def test_a_sign_in_lasts_twelve_hours_and_its_credential_is_deleted_after(
    vault: VaultStandIn, clock: FakeClock
) -> None:
    app = make_app(vault, clock)
    browser = app.test_client()
    name, cookie = sign_in(browser)

    # The cookie expires with the sign-in, not at Flask's default 31 days.
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert abs((expires - datetime.now(UTC)).total_seconds() - TWELVE_HOURS) < 120
    assert app.permanent_session_lifetime == timedelta(seconds=TWELVE_HOURS)

    clock.advance(TWELVE_HOURS - 60)
    assert browser.get("/status").status_code == 200
    # Using the session does not extend it: starting another sign-in changes the cookie.
    assert browser.post("/login", data={"csrf_token": csrf(browser)}).status_code == 303

    clock.advance(61)
    page = browser.get("/status")

    assert page.status_code == 200
    assert 'id="expired"' in page.text and "sign-ins last 12 hours" in page.text
    assert vault.deletes == [name] and name not in vault.creds
    with browser.session_transaction() as session:
        assert "credential_id" not in session and "signed_in_at" not in session
        assert "csrf_token" in session  # a form opened before still works
    assert 'id="expired"' not in browser.get("/status").text  # said once


def test_the_lifetime_is_configurable(vault: VaultStandIn, clock: FakeClock) -> None:
    browser = make_app(vault, clock, web_session_lifetime_seconds=3600).test_client()
    name, _ = sign_in(browser)

    clock.advance(3600)

    assert "sign-ins last 1 hour." in browser.get("/status").text
    assert vault.deletes == [name]


def test_a_session_without_a_sign_in_time_is_an_expired_one(
    vault: VaultStandIn, clock: FakeClock
) -> None:
    """Sessions from before this rule (or any without a time) end at their next request."""
    browser = make_app(vault, clock).test_client()
    vault.write_authorization_code("webex/old", "c0")
    with browser.session_transaction() as session:
        session["credential_id"] = "old"

    assert 'id="expired"' in browser.get("/status").text
    assert vault.deletes == ["webex/old"]


def test_the_shared_credential_mode_has_no_sign_in_to_expire(
    vault: VaultStandIn, clock: FakeClock
) -> None:
    vault.write_authorization_code("webex/shared", "c0")
    app = make_app(
        vault, clock, oauthapp_shared_credential=True, oauthapp_credential="webex/shared"
    )
    clock.advance(30 * 86400)

    assert app.test_client().get("/status").status_code == 200
    assert vault.deletes == []
