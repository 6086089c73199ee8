"""Tests for webex_vault_web.auth: Authorize (/login), the callback from Webex with its one-time
state, and sign-out; what Webex sends back instead of a code. Through Flask's test client, with the
Webex emulator and a stand-in for Vault's oauthapp engine (webex_vault_testing.web_app); the
fixtures are in conftest.py."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

import webex_vault_web.auth
import webex_vault_web.people
import webex_vault_web.security
from webex_vault import (
    SampleError,
    VaultUnreachable,
)
from webex_vault_testing import approve
from webex_vault_testing.base import REDIRECT_URL
from webex_vault_testing.web_app import (
    FAILURES,
    PluginStandIn,
    assert_no_inline_code,
    callback_url,
    consent,
    csrf_from,
    session_value,
    sign_in,
    start_sign_in,
    state_of,
)


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


@pytest.mark.parametrize(("error", "status", "title"), FAILURES[:4])
def test_vault_failures_when_starting_the_sign_in(
    client: FlaskClient, vault: PluginStandIn, error: SampleError, status: int, title: str
) -> None:
    csrf = csrf_from(client)
    vault.fail["auth_code_url"] = error

    response = client.post("/login", data={"csrf_token": csrf})

    assert response.status_code == status and title in response.text
    assert session_value(client, "oauth_state") is None
