"""Unit tests for the web sample (samples/people_me_flask.py, the package webex_vault_web),
through Flask's test client.

Webex is the real emulator (webex_emulator, in a thread on 127.0.0.1): its consent
page, codes, tokens, people/me, 401s and 429s. Vault is a stand-in with the interface of
webex_vault.VaultConnection that exchanges codes with the emulator as the oauthapp plugin
would, so each branch of the app can be driven and checked in milliseconds. Where Vault's own
behaviour matters (AppRole re-login, sealed, policy refusal) a real OpenBao dev server answers.
The whole chain with the real plugin and a real browser is tests/browser/test_web_app.py.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import hvac
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from test_samples import Bao

import webex_vault_web.auth
import webex_vault_web.people
import webex_vault_web.security
from webex_vault import (
    AuthCodeURL,
    AuthorizationFailed,
    Credential,
    CredentialMissing,
    CredentialRefreshFailed,
    OAuthAppNotConfigured,
    SampleError,
    Settings,
    SettingsError,
    VaultConnection,
    VaultPermissionDenied,
    VaultRequestFailed,
    VaultSealed,
    VaultTokenInvalid,
    VaultUnreachable,
)
from webex_vault_testing import approve
from webex_vault_testing.samples import load_sample

people_me_flask = load_sample("people_me_flask")
create_app = people_me_flask.create_app

REDIRECT_URL = "http://localhost:5000/auth"
SECRET_KEY = "k" * 64
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


# --- A stand-in for Vault's oauthapp engine -------------------------------------------------------


class PluginStandIn:
    """VaultConnection's interface; exchanges codes at the emulator's token endpoint like the
    oauthapp plugin. `fail[operation] = error` makes the next call of that operation raise."""

    def __init__(self, emulator: Any, redirect_url: str = REDIRECT_URL) -> None:
        self.emulator = emulator
        self.redirect_url = redirect_url
        self.creds: dict[str, Credential] = {}
        self.fail: dict[str, SampleError] = {}
        self.writes: list[str] = []
        self.deletes: list[str] = []
        self.forgotten: list[str] = []
        self.authorize_url: str | None = None  # overrides the URL auth_code_url returns

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

    def forget(self, name: str) -> None:
        self.forgotten.append(name)

    def delete_credential(self, name: str) -> None:
        self._maybe_fail("delete")
        self.deletes.append(name)
        self.creds.pop(name, None)


# --- Fixtures and helpers -----------------------------------------------------------------------


def web_settings(emulator: Any, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "vault_addr": "http://127.0.0.1:9",
        "vault_role_id": "role-id",
        "vault_secret_id": "secret-id",
        "webex_api_base_url": f"{emulator.base_url}/v1",
        "oauthapp_redirect_url": REDIRECT_URL,
        "http_timeout_seconds": 5,
    }
    return Settings(**{**values, **changes})


@pytest.fixture
def vault(emulator: Any) -> PluginStandIn:
    return PluginStandIn(emulator)


@pytest.fixture
def make_app(emulator: Any, vault: PluginStandIn) -> Callable[..., Flask]:
    def make(**settings_changes: Any) -> Flask:
        return create_app(
            {
                "WEBEX_VAULT_SETTINGS": web_settings(emulator, **settings_changes),
                "WEBEX_VAULT_CONNECTION": vault,
                "SECRET_KEY": SECRET_KEY,
            }
        )

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def webex_user(emulator: Any) -> Iterator[Callable[..., dict[str, Any]]]:
    """Sign in to the emulator as a new person; the original person comes back afterwards."""
    original = emulator.control("GET", "user")["id"]

    def become(**fields: Any) -> dict[str, Any]:
        return emulator.control("POST", "users", **fields)

    yield become
    emulator.control("POST", "login", id=original)


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


def sign_in(client: FlaskClient) -> requests.Response:
    """The whole flow: Authorize, approve at the emulator, come back; returns the home page."""
    authorize_url = start_sign_in(client)
    code = approve(authorize_url, state_of(authorize_url), requests.Session())
    back = client.get(f"/auth?{urlencode({'code': code, 'state': state_of(authorize_url)})}")
    assert back.status_code == 302 and back.headers["Location"] == "/", back.text
    return client.get("/")


def session_value(client: FlaskClient, key: str) -> Any:
    with client.session_transaction() as session:
        return session.get(key)


def assert_no_inline_code(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<style" not in html.lower()
    assert not re.search(r"\sstyle=|\son[a-z]+=", html, re.IGNORECASE)


# --- The happy path ------------------------------------------------------------------------------


def test_first_visit_offers_authorize_as_a_post_form(client: FlaskClient) -> None:
    page = client.get("/")

    assert page.status_code == 200
    assert "Unauthorized!" in page.text
    assert re.search(r'<form class="inline" method="post" action="/login">', page.text)
    assert CSRF_FIELD.search(page.text)
    assert_no_inline_code(page.text)


def test_sign_in_shows_the_display_name_and_keeps_a_credential_per_session(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    home = sign_in(client)

    assert home.status_code == 200
    assert "Authorized!" in home.text
    assert re.search(r'<strong id="display-name">Demo User</strong>', home.text)
    credential_id = session_value(client, "credential_id")
    assert re.fullmatch(r"[0-9a-f]{32}", credential_id)
    assert list(vault.creds) == [f"webex/{credential_id}"]
    assert_no_inline_code(home.text)


def test_login_sends_the_browser_to_webex_with_a_one_time_state(
    client: FlaskClient, emulator: Any
) -> None:
    location = start_sign_in(client)

    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{emulator.base_url}/v1/authorize?")
    assert query["redirect_uri"] == [REDIRECT_URL]
    state = query["state"][0]
    assert len(state) >= 43
    assert session_value(client, "oauth_state") == state
    assert session_value(client, "oauth_state_expires") > time.time() + 590
    assert start_sign_in(client) != location  # a new state for every attempt


def test_two_browsers_get_two_credentials_and_see_their_own_names(
    app: Flask, vault: PluginStandIn, webex_user: Callable[..., dict[str, Any]]
) -> None:
    alice, bob = app.test_client(), app.test_client()
    webex_user(displayName="Alice Example")
    sign_in(alice)
    webex_user(displayName="Bob Example")
    sign_in(bob)

    assert "Alice Example" in alice.get("/").text
    assert "Bob Example" in bob.get("/").text
    assert len(vault.creds) == 2
    assert session_value(alice, "credential_id") != session_value(bob, "credential_id")


def test_sign_in_regenerates_the_session_and_replaces_the_old_credential(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)
    first_id, first_csrf = (
        session_value(client, "credential_id"),
        session_value(client, "csrf_token"),
    )

    sign_in(client)

    second_id = session_value(client, "credential_id")
    assert second_id != first_id
    assert session_value(client, "csrf_token") != first_csrf
    assert vault.deletes == [f"webex/{first_id}"]
    assert list(vault.creds) == [f"webex/{second_id}"]


def test_a_planted_session_cannot_choose_the_credential_name(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    with client.session_transaction() as session:
        session["credential_id"] = "attacker-knows-this"

    sign_in(client)

    assert "webex/attacker-knows-this" not in vault.creds
    assert session_value(client, "credential_id") != "attacker-knows-this"


def test_status_page_shows_expiry_and_server_but_never_the_token(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)
    (credential,) = vault.creds.values()

    page = client.get("/status")

    assert page.status_code == 200
    assert credential.expire_time.strftime("%Y-%m-%d %H:%M:%S UTC") in page.text
    assert "oauthapp/servers/webex-myapp" in page.text
    assert credential.access_token not in page.text
    assert_no_inline_code(page.text)


def test_status_without_a_credential_offers_authorize(client: FlaskClient) -> None:
    page = client.get("/status")
    assert page.status_code == 200 and "Unauthorized!" in page.text


def test_sign_out_deletes_the_credential_and_clears_the_session(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)
    name = f"webex/{session_value(client, 'credential_id')}"

    response = client.post("/logout", data={"csrf_token": csrf_from(client)})

    assert response.status_code == 303
    assert vault.deletes == [name] and vault.creds == {}
    assert session_value(client, "credential_id") is None
    assert "Unauthorized!" in client.get("/").text


def test_sign_out_keeps_the_session_when_vault_fails(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)
    vault.fail["delete"] = VaultUnreachable("Cannot connect to Vault at http://127.0.0.1:9.")

    response = client.post("/logout", data={"csrf_token": csrf_from(client)})

    assert response.status_code == 503
    assert session_value(client, "credential_id") is not None  # so the user can retry


def test_shared_credential_mode_serves_one_credential_to_every_session(
    make_app: Callable[..., Flask], vault: PluginStandIn
) -> None:
    app = make_app(oauthapp_shared_credential=True, oauthapp_credential="webex/shared")
    first, second = app.test_client(), app.test_client()
    page = first.get("/")
    assert "Unauthorized!" in page.text and "has ended" not in page.text

    sign_in(first)

    assert list(vault.creds) == ["webex/shared"]
    assert "Demo User" in second.get("/").text
    second.post("/logout", data={"csrf_token": csrf_from(second, "/status")})
    assert vault.deletes == ["webex/shared"]
    assert "Unauthorized!" in first.get("/").text


def test_callback_follows_the_path_of_the_redirect_url(
    make_app: Callable[..., Flask], vault: PluginStandIn
) -> None:
    vault.redirect_url = "http://localhost:5000/oauth/callback"
    client = make_app(oauthapp_redirect_url=vault.redirect_url).test_client()

    assert client.get("/oauth/callback?state=x&code=y").status_code == 400
    assert client.get("/auth?state=x&code=y").status_code == 404


# --- CSRF and the state ------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
@pytest.mark.parametrize("path", ["/login", "/logout"])
def test_posts_without_the_csrf_token_are_refused(
    client: FlaskClient, vault: PluginStandIn, path: str, token: str | None
) -> None:
    sign_in(client)
    data = {} if token is None else {"csrf_token": token}

    response = client.post(path, data=data)

    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert session_value(client, "oauth_state") is None
    assert len(vault.creds) == 1 and vault.deletes == []


def test_login_refuses_an_authorize_url_outside_the_webex_origin(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    csrf = csrf_from(client)
    vault.authorize_url = "https://evil.example/v1/authorize?state=whatever"

    response = client.post("/login", data={"csrf_token": csrf})

    assert response.status_code == 502
    assert "evil.example" not in response.headers.get("Location", "")
    assert session_value(client, "oauth_state") is None


def test_login_is_post_only(client: FlaskClient) -> None:
    assert client.get("/login").status_code == 405


def callback_url(**params: str) -> str:
    return f"/auth?{urlencode(params)}"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda state: {"code": "c"}, id="missing"),
        pytest.param(lambda state: {"code": "c", "state": ""}, id="empty"),
        pytest.param(
            lambda state: {
                "code": "c",
                "state": state[:-1] + ("B" if state.endswith("A") else "A"),
            },
            id="wrong",
        ),
        pytest.param(lambda state: {"code": "c", "state": state + "x"}, id="longer"),
        pytest.param(lambda state: {"code": "c", "state": "é" * 43}, id="not-ascii"),
    ],
)
def test_callback_refuses_a_bad_state_and_writes_nothing(
    client: FlaskClient, vault: PluginStandIn, tamper: Callable[[str], dict[str, str]]
) -> None:
    state = state_of(start_sign_in(client))

    response = client.get(callback_url(**tamper(state)))

    assert response.status_code == 400
    assert "This sign-in cannot be completed" in response.text
    assert vault.writes == []
    # The state is spent: even the right one no longer works.
    assert client.get(callback_url(code="c", state=state)).status_code == 400
    assert vault.writes == []


def test_callback_refuses_a_state_from_another_browser(app: Flask, vault: PluginStandIn) -> None:
    victim, attacker = app.test_client(), app.test_client()
    authorize_url = start_sign_in(attacker)
    code = approve(authorize_url, state_of(authorize_url), requests.Session())

    # The attacker's own code and state, replayed in the victim's browser (login CSRF).
    response = victim.get(callback_url(code=code, state=state_of(authorize_url)))

    assert response.status_code == 400
    assert vault.writes == []


def test_callback_refuses_a_reused_state(client: FlaskClient, vault: PluginStandIn) -> None:
    authorize_url = start_sign_in(client)
    state = state_of(authorize_url)
    code = approve(authorize_url, state, requests.Session())
    assert client.get(callback_url(code=code, state=state)).status_code == 302

    again = client.get(callback_url(code=code, state=state))

    assert again.status_code == 400
    assert len(vault.writes) == 1


def test_callback_refuses_an_expired_state(
    client: FlaskClient, vault: PluginStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    authorize_url = start_sign_in(client)
    state = state_of(authorize_url)
    code = approve(authorize_url, state, requests.Session())
    later = time.time() + webex_vault_web.security.STATE_TTL_SECONDS + 1
    monkeypatch.setattr(webex_vault_web.auth.time, "time", lambda: later)

    response = client.get(callback_url(code=code, state=state))

    assert response.status_code == 400
    assert vault.writes == []


def test_callback_without_a_code(client: FlaskClient, vault: PluginStandIn) -> None:
    state = state_of(start_sign_in(client))
    response = client.get(callback_url(state=state))
    assert response.status_code == 400 and vault.writes == []


# --- What Webex sends back instead of a code ------------------------------------------------------


def test_denied_consent_shows_a_friendly_page_and_writes_nothing(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    back = consent(start_sign_in(client), "deny")
    assert back["error"] == "access_denied"

    response = client.get(callback_url(**back))

    assert response.status_code == 403
    assert "You did not allow access" in response.text
    assert 'id="authorize"' in response.text
    assert vault.writes == [] and vault.creds == {}


@pytest.mark.parametrize(
    ("error", "shown"),
    [("server_error", "server_error"), ("<script>alert(1)</script>", "unknown")],
)
def test_other_provider_errors_show_only_a_known_looking_code(
    client: FlaskClient, vault: PluginStandIn, error: str, shown: str
) -> None:
    state = state_of(start_sign_in(client))

    response = client.get(
        callback_url(error=error, error_description="Call +1 555 0100 now", state=state)
    )

    assert response.status_code == 502
    assert f'<code id="error-code">{shown}</code>' in response.text
    assert "555" not in response.text and "<script>alert" not in response.text
    assert vault.writes == []


def test_a_code_webex_refuses_gives_a_page_and_no_credential(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    state = state_of(start_sign_in(client))

    response = client.get(callback_url(code="forged-code", state=state))

    assert response.status_code == 502
    assert "Webex did not accept the sign-in" in response.text
    assert vault.creds == {}
    assert session_value(client, "credential_id") is None


# --- Vault and Webex failures -------------------------------------------------------------------


FAILURES = [
    (VaultSealed("Vault at http://v is sealed."), 503, "Vault is sealed"),
    (VaultUnreachable("Cannot connect to Vault at http://v."), 503, "Vault cannot be reached"),
    (VaultPermissionDenied("Vault denied access to p."), 502, "Vault refused this step"),
    (VaultTokenInvalid("Vault rejected the AppRole login."), 502, "identity"),
    (OAuthAppNotConfigured("Vault has no engine at oauthapp/."), 502, "not set up"),
    (CredentialRefreshFailed("refresh failed: invalid_grant."), 502, "could not be renewed"),
    (VaultRequestFailed("Vault answered 500."), 502, "Something went wrong"),
]


@pytest.mark.parametrize(("error", "status", "title"), FAILURES)
def test_vault_failures_on_the_home_page_say_what_to_do(
    client: FlaskClient, vault: PluginStandIn, error: SampleError, status: int, title: str
) -> None:
    sign_in(client)
    vault.fail["read"] = error

    page = client.get("/")

    assert page.status_code == status
    assert title in page.text
    assert "Traceback" not in page.text
    assert str(error) not in page.text  # operator details stay in the log without --debug
    assert ('id="authorize"' in page.text) == isinstance(error, CredentialRefreshFailed)


@pytest.mark.parametrize(("error", "status", "title"), FAILURES[:4])
def test_vault_failures_when_starting_the_sign_in(
    client: FlaskClient, vault: PluginStandIn, error: SampleError, status: int, title: str
) -> None:
    csrf = csrf_from(client)
    vault.fail["auth_code_url"] = error

    response = client.post("/login", data={"csrf_token": csrf})

    assert response.status_code == status and title in response.text
    assert session_value(client, "oauth_state") is None


def test_debug_mode_shows_the_operator_detail(emulator: Any, vault: PluginStandIn) -> None:
    app = create_app(
        {
            "WEBEX_VAULT_SETTINGS": web_settings(emulator),
            "WEBEX_VAULT_CONNECTION": vault,
            "DEBUG": True,
            "PROPAGATE_EXCEPTIONS": False,
        }
    )
    client = app.test_client()
    vault.fail["auth_code_url"] = VaultSealed("Vault at http://v is sealed; unseal it.")

    response = client.post("/login", data={"csrf_token": csrf_from(client)})

    assert "Vault at http://v is sealed; unseal it." in response.text


def test_a_credential_gone_from_vault_ends_the_session(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)
    vault.creds.clear()  # deleted elsewhere, or reaped after its refresh token died

    page = client.get("/")

    assert page.status_code == 200
    assert "Your earlier sign-in has ended" in page.text
    assert session_value(client, "credential_id") is None


def test_webex_401_asks_to_authorize_again(
    client: FlaskClient, vault: PluginStandIn, emulator: Any
) -> None:
    sign_in(client)
    (name,) = vault.creds
    emulator.control("POST", "tokens/revoke", token=vault.creds[name].access_token)

    page = client.get("/")

    assert page.status_code == 401
    assert "Webex no longer accepts your sign-in" in page.text
    assert 'id="authorize"' in page.text
    assert vault.forgotten == [name]


def test_webex_429_shows_the_wait(
    client: FlaskClient, emulator: Any, emulator_settings: Callable[..., Any]
) -> None:
    sign_in(client)
    emulator.control("POST", "faults", endpoint="people_me", status=429, retry_after=42)

    page = client.get("/")

    assert page.status_code == 503
    assert page.headers["Retry-After"] == "42"
    assert re.search(r"Try again in <strong>42</strong> seconds", page.text)


def test_webex_failure_gives_502(
    client: FlaskClient, emulator: Any, emulator_settings: Callable[..., Any]
) -> None:
    sign_in(client)
    emulator.control("POST", "faults", endpoint="people_me", status=500)

    page = client.get("/")

    assert page.status_code == 502 and "Webex cannot be reached" in page.text


def test_an_unexpected_exception_is_a_plain_500_page(
    client: FlaskClient, vault: PluginStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(client)

    def broken(name: str) -> Credential:
        raise RuntimeError("a bug with a secret-looking detail")

    monkeypatch.setattr(vault, "credential", broken)
    page = client.get("/")

    assert page.status_code == 500
    assert "Internal Server Error" in page.text
    assert "secret-looking" not in page.text and "Traceback" not in page.text


def test_unknown_pages_are_404_with_the_same_headers(client: FlaskClient) -> None:
    page = client.get("/nope")
    assert page.status_code == 404
    assert page.headers["X-Content-Type-Options"] == "nosniff"


# --- Untrusted profile data ----------------------------------------------------------------------


def test_a_display_name_with_markup_is_shown_as_text(
    client: FlaskClient, webex_user: Callable[..., dict[str, Any]]
) -> None:
    webex_user(displayName="<script>alert(1)</script>", emails=['"><img src=x>@example.com'])

    page = sign_in(client)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text and "<img src=x>" not in page.text
    assert_no_inline_code(page.text)


def test_the_avatar_origin_is_allowed_for_that_page_only(
    client: FlaskClient, emulator: Any
) -> None:
    page = sign_in(client)

    assert f'src="{emulator.base_url}/_emulator/avatar/' in page.text
    assert f"img-src 'self' {emulator.base_url};" in page.headers["Content-Security-Policy"]
    assert "img-src 'self';" in client.get("/status").headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "avatar",
    [
        "javascript:alert(1)",
        "https://evil.example; script-src *",
        "https://evil.example'/x.png",
        "data:image/svg+xml,<svg onload=alert(1)>",
        "//evil.example/a.png",
    ],
)
def test_an_avatar_that_is_not_a_plain_http_url_is_left_out(
    client: FlaskClient, webex_user: Callable[..., dict[str, Any]], avatar: str
) -> None:
    webex_user(displayName="Mallory", avatar=avatar)

    page = sign_in(client)

    assert 'id="avatar"' not in page.text
    assert "img-src 'self';" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://webexapis.com/v1", "https://webexapis.com"),
        ("http://127.0.0.1:8600/v1", "http://127.0.0.1:8600"),
        ("https://user:pw@avatar.example.com:8443/a.png", "https://avatar.example.com:8443"),
        ("http://[::1]:8600/x", "http://[::1]:8600"),
        ("https://a.example;script-src/x", None),
        ("https://a.example:99999/", None),
        ("ftp://a.example/", None),
        ("https:///nohost", None),
    ],
)
def test_origin(url: str, origin: str | None) -> None:
    assert webex_vault_web.security.origin(url) == origin


# --- Headers, cookies, configuration ------------------------------------------------------------


def test_security_headers_on_every_page(client: FlaskClient, emulator: Any) -> None:
    sign_in(client)
    csp = (
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        f"form-action 'self' {emulator.base_url}; frame-ancestors 'none'; base-uri 'none'"
    )
    for path in ("/status", "/auth?state=x", "/nope"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == csp, path
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
    style = client.get("/static/style.css")
    assert style.status_code == 200 and style.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("redirect_url", "secure"),
    [("http://localhost:5000/auth", False), ("https://app.example.com/auth", True)],
)
def test_session_cookie_flags(
    make_app: Callable[..., Flask], redirect_url: str, secure: bool
) -> None:
    client = make_app(oauthapp_redirect_url=redirect_url).test_client()
    client.get("/")

    cookie = client.get_cookie("webex_vault_session")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"
    assert cookie.secure is secure


def test_the_app_refuses_to_start_without_a_secret_key(emulator: Any) -> None:
    with pytest.raises(SettingsError, match="FLASK_SECRET_KEY") as caught:
        create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator)})
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")

    debug_app = create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator), "DEBUG": True})
    assert len(debug_app.secret_key) >= 32


def test_the_secret_key_comes_from_the_settings(emulator: Any) -> None:
    app = create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator, flask_secret_key="s" * 40)})
    assert app.secret_key == "s" * 40


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"vault_role_id": None, "vault_secret_id": None, "vault_token": "s.root"}, "VAULT_ROLE"),
        ({"oauthapp_shared_credential": True, "oauthapp_credential": "people-me"}, "PREFIX"),
    ],
)
def test_the_app_refuses_unsafe_settings(emulator: Any, changes: dict[str, Any], key: str) -> None:
    with pytest.raises(SettingsError, match=key):
        create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator, **changes), "SECRET_KEY": "x"})


# --- Settings of the web app (webex_vault.Settings) ----------------------------------------------


@pytest.fixture
def web_env(tmp_path: Path) -> Path:
    path = tmp_path / "web.env"
    path.write_text(
        "VAULT_ADDR=http://127.0.0.1:8200\nVAULT_ROLE_ID=r\nVAULT_SECRET_ID=s\n"
        "OAUTHAPP_CREDENTIAL_PREFIX=team/webex\nOAUTHAPP_REDIRECT_URL=https://app.example/cb/\n"
    )
    path.chmod(0o600)
    return path


def web_settings_from(web_env: Path, **values: str) -> Settings:
    return Settings.from_environment(
        {"WEBEX_VAULT_WEB_ENV_FILE": str(web_env), **values},
        env_file_variable="WEBEX_VAULT_WEB_ENV_FILE",
        default_env_file=people_me_flask.DEFAULT_WEB_ENV_FILE,
    )


def test_web_settings_are_read_from_their_own_file(web_env: Path) -> None:
    settings = web_settings_from(web_env, FLASK_SECRET_KEY="f" * 32, OAUTHAPP_SCOPES="a:b, c:d")

    assert settings.oauthapp_credential_prefix == "team/webex"
    # Exactly as written: Webex and the Vault policy compare it character by character.
    assert settings.oauthapp_redirect_url == "https://app.example/cb/"
    assert settings.oauthapp_scopes == ("a:b", "c:d")
    assert not settings.oauthapp_shared_credential
    assert settings.flask_secret_key == "f" * 32
    assert "f" * 32 not in repr(settings)


def test_web_settings_defaults(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    settings = web_settings_from(
        empty, VAULT_ADDR="https://v:8200", VAULT_ROLE_ID="r", VAULT_SECRET_ID="s"
    )

    assert settings.oauthapp_credential_prefix == "webex"
    assert settings.oauthapp_redirect_url == "http://localhost:5000/auth"
    assert settings.oauthapp_scopes == ("spark:people_read",)
    assert settings.flask_secret_key is None


def test_web_settings_default_file_is_samples_web_env() -> None:
    assert (
        Path(people_me_flask.__file__).with_name("web.env") == people_me_flask.DEFAULT_WEB_ENV_FILE
    )


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"OAUTHAPP_REDIRECT_URL": "localhost:5000/auth"}, "OAUTHAPP_REDIRECT_URL"),
        ({"OAUTHAPP_REDIRECT_URL": "http://localhost:5000"}, "OAUTHAPP_REDIRECT_URL"),
        ({"OAUTHAPP_REDIRECT_URL": "http://localhost:5000/auth?x=1"}, "OAUTHAPP_REDIRECT_URL"),
        ({"OAUTHAPP_CREDENTIAL_PREFIX": "../x"}, "OAUTHAPP_CREDENTIAL_PREFIX"),
        ({"OAUTHAPP_SHARED_CREDENTIAL": "maybe"}, "OAUTHAPP_SHARED_CREDENTIAL"),
        ({"OAUTHAPP_SHARED_CREDENTIAL": "true"}, "OAUTHAPP_CREDENTIAL"),
        ({"OAUTHAPP_SCOPES": 'a,b c"d'}, "OAUTHAPP_SCOPES"),
        ({"OAUTHAPP_SCOPES": " , "}, "OAUTHAPP_SCOPES"),
        ({"FLASK_SECRET_KEY": "dev"}, "FLASK_SECRET_KEY"),
    ],
)
def test_web_settings_errors_name_the_key(web_env: Path, values: dict[str, str], key: str) -> None:
    with pytest.raises(SettingsError, match=key) as caught:
        web_settings_from(web_env, **values)
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")


def test_shared_credential_switch(web_env: Path) -> None:
    settings = web_settings_from(
        web_env, OAUTHAPP_SHARED_CREDENTIAL="true", OAUTHAPP_CREDENTIAL="team/webex/one"
    )
    assert settings.oauthapp_shared_credential
    assert settings.oauthapp_credential == "team/webex/one"


def test_a_web_env_file_with_the_secret_key_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "web.env"
    path.write_text(f"FLASK_SECRET_KEY={'z' * 40}\n")
    path.chmod(0o644)

    with pytest.raises(SettingsError, match="chmod 600"):
        web_settings_from(path)


def test_a_missing_web_env_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="WEBEX_VAULT_WEB_ENV_FILE.*samples/web.env"):
        web_settings_from(tmp_path / "missing.env")


# --- VaultConnection and the app against a real OpenBao dev server --------------------------------


@pytest.fixture(scope="module")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    """A dev server with the web app's AppRole. Credentials sit in a KV engine mounted at
    oauthapp/, which answers reads of oauthapp/creds/<name> the way the plugin does."""
    server = Bao(tmp_path_factory.mktemp("bao"))
    root = server.root
    root.sys.enable_secrets_engine("kv", path="oauthapp", options={"version": "1"})
    root.sys.enable_auth_method("approle")
    root.sys.create_or_update_policy(
        name="webex-app",
        policy='path "oauthapp/creds/webex/*" { capabilities = ["read", "update", "delete"] }',
    )
    root.sys.create_or_update_policy(
        name="elsewhere", policy='path "oauthapp/creds/other/*" { capabilities = ["read"] }'
    )
    for role, policy in (("webex-app", "webex-app"), ("elsewhere", "elsewhere")):
        root.auth.approle.create_or_update_approle(role, token_policies=[policy], token_ttl="5m")
    yield server
    server.stop()


def approle_settings(server: Bao, role: str = "webex-app") -> Settings:
    root = server.root
    role_id = root.auth.approle.read_role_id(role)["data"]["role_id"]
    secret_id = root.auth.approle.generate_secret_id(role)["data"]["secret_id"]
    return Settings(
        vault_addr=server.address,
        vault_role_id=role_id,
        vault_secret_id=secret_id,
        webex_api_base_url="https://webexapis.com/v1",
        http_timeout_seconds=5,
    )


def store_credential(server: Bao, name: str) -> str:
    token = secrets.token_urlsafe(24)
    expire = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    server.root.write(
        f"oauthapp/creds/{name}", access_token=token, expire_time=expire, server="webex-myapp"
    )
    return token


def test_vault_connection_logs_in_again_after_its_token_was_revoked(openbao: Bao) -> None:
    connection = VaultConnection(approle_settings(openbao))
    token = store_credential(openbao, "webex/alice")

    assert connection.credential("webex/alice").access_token == token
    first_login = connection.client.token
    openbao.root.auth.token.revoke(first_login)
    connection.forget("webex/alice")

    assert connection.credential("webex/alice").access_token == token  # read path
    second_login = connection.client.token
    assert second_login != first_login

    openbao.root.auth.token.revoke(second_login)
    connection.delete_credential("webex/alice")  # write path

    assert connection.client.token not in (first_login, second_login)
    assert openbao.root.read("oauthapp/creds/webex/alice") is None


def test_vault_connection_without_approle_cannot_log_in_again(openbao: Bao) -> None:
    settings = Settings(vault_addr=openbao.address, vault_token="not-a-token")
    connection = VaultConnection(settings)

    with pytest.raises(VaultTokenInvalid):
        connection.credential("webex/alice")


def signed_in_client(app: Flask, credential_id: str) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["credential_id"] = credential_id
        session["signed_in_at"] = time.time()
    return client


def test_the_app_with_a_policy_that_does_not_cover_its_prefix(openbao: Bao) -> None:
    store_credential(openbao, "webex/bob")
    app = create_app(
        {"WEBEX_VAULT_SETTINGS": approle_settings(openbao, "elsewhere"), "SECRET_KEY": SECRET_KEY}
    )

    page = signed_in_client(app, "bob").get("/status")

    assert page.status_code == 502
    assert "Vault refused this step" in page.text


def test_the_app_status_page_against_real_vault(openbao: Bao) -> None:
    token = store_credential(openbao, "webex/carol")
    app = create_app({"WEBEX_VAULT_SETTINGS": approle_settings(openbao), "SECRET_KEY": SECRET_KEY})

    page = signed_in_client(app, "carol").get("/status")

    assert page.status_code == 200
    assert "webex-myapp" in page.text and token not in page.text


def test_the_app_with_a_sealed_vault(tmp_path: Path, emulator: Any) -> None:
    server = Bao(tmp_path)
    try:
        # A sealed server answers nothing, not even the AppRole login: any identity will do.
        server.root.sys.seal()
        settings = Settings(
            vault_addr=server.address,
            vault_role_id="role",
            vault_secret_id="secret",
            webex_api_base_url=f"{emulator.base_url}/v1",
        )
        app = create_app({"WEBEX_VAULT_SETTINGS": settings, "SECRET_KEY": SECRET_KEY})

        page = signed_in_client(app, "dave").get("/")
        start = app.test_client()
        started = start.post("/login", data={"csrf_token": csrf_from(start)})
    finally:
        server.stop()

    assert page.status_code == 503 and "Vault is sealed" in page.text
    assert started.status_code == 503
    assert "Traceback" not in page.text


def test_the_app_logs_in_with_its_approle_only_when_needed(emulator: Any) -> None:
    """No token at start: the client carries only what an AppRole login gives it, later."""
    app = create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator), "SECRET_KEY": SECRET_KEY})
    client = app.extensions["webex_vault"].vault.client
    assert isinstance(client, hvac.Client)
    assert client.token in ("", None)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1209599, "in 13 days"),
        (7200, "in 2 hours"),
        (7199, "in 119 minutes"),
        (119, "in 119 seconds"),
        (0, "now"),
        (-5, "now"),
    ],
)
def test_expiry_in_words(seconds: int, words: str) -> None:
    assert webex_vault_web.people.in_words(timedelta(seconds=seconds)) == words
