"""Tests for webex_vault_web.people: the home and status pages (the display name, the expiry, the
credential's state with Authorize again when only a new sign-in helps, never the token),
untrusted profile data, and what Webex's 401, 429 and 5xx answers show. Through Flask's test
client, with the Webex emulator and a stand-in for Vault's oauthapp engine
(webex_vault_testing.web_app); the fixtures are in conftest.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

import webex_vault_web.auth
import webex_vault_web.people
import webex_vault_web.security
from webex_vault_testing.bao import Bao, approle_settings, store_credential
from webex_vault_testing.samples import load_sample
from webex_vault_testing.web_app import (
    CSRF_FIELD,
    SECRET_KEY,
    PluginStandIn,
    assert_no_inline_code,
    session_value,
    sign_in,
    signed_in_client,
)

people_me_flask = load_sample("people_me_flask")
create_app = people_me_flask.create_app


def test_first_visit_offers_authorize_as_a_post_form(client: FlaskClient) -> None:
    page = client.get("/")

    assert page.status_code == 200
    assert "Unauthorized!" in page.text
    assert re.search(r'<form class="inline" method="post" action="/login">', page.text)
    assert CSRF_FIELD.search(page.text)
    assert_no_inline_code(page.text)


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


def test_a_display_name_with_markup_is_shown_as_text(
    client: FlaskClient, webex_user: Callable[..., dict[str, Any]]
) -> None:
    webex_user(displayName="<script>alert(1)</script>", emails=['"><img src=x>@example.com'])

    page = sign_in(client)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text and "<img src=x>" not in page.text
    assert_no_inline_code(page.text)


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


def test_the_app_status_page_against_real_vault(openbao: Bao) -> None:
    token = store_credential(openbao, "webex/carol")
    app = create_app({"WEBEX_VAULT_SETTINGS": approle_settings(openbao), "SECRET_KEY": SECRET_KEY})

    page = signed_in_client(app, "carol").get("/status")

    assert page.status_code == 200
    assert "webex-myapp" in page.text and token not in page.text


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


# --- /status: the credential's state, as the operator's report says it ---------------------------

REVOKED = (
    "token will expire: refresh failed: server rejected request: invalid_grant: "
    "The refresh token is invalid, expired or revoked."
)


def signed_in_with(client: FlaskClient, vault: PluginStandIn, answer: tuple[int, Any]) -> str:
    """Sign in, then have the plugin answer reads of the credential with `answer`."""
    sign_in(client)
    (name,) = vault.creds
    vault.answers[name] = answer
    return name


def read_ok(vault: PluginStandIn, name: str, *warnings: str) -> tuple[int, Any]:
    expire = vault.creds[name].expire_time
    return 200, {"data": {"expire_time": expire.isoformat()}, "warnings": list(warnings)}


def authorize_button(page: str) -> bool:
    return bool(re.search(r'action="/login">\s*<input[^>]+csrf_token[^>]+>\s*<button', page))


def test_a_healthy_credential_says_so_and_offers_no_authorize(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)

    page = client.get("/status").text

    assert "Your Webex sign-in is healthy" in page and 'id="state">healthy<' in page
    assert not authorize_button(page)


def test_a_refused_refresh_token_asks_to_authorize_again_before_expiry(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)
    (name,) = vault.creds
    vault.answers[name] = read_ok(vault, name, REVOKED)
    credential = vault.creds[name]

    page = client.get("/status")

    assert page.status_code == 200
    assert "Webex refused the refresh token: authorize again." in page.text
    assert authorize_button(page.text) and "Authorize again" in page.text
    assert credential.expire_time.strftime("%Y-%m-%d %H:%M:%S UTC") in page.text
    assert "server rejected request: invalid_grant" in page.text  # the plugin's words
    assert credential.access_token not in page.text
    assert_no_inline_code(page.text)


def test_an_expired_revoked_credential_asks_to_authorize_again(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    error = "refresh failed: server rejected request: invalid_grant"
    signed_in_with(client, vault, (400, {"errors": [error]}))

    page = client.get("/status").text

    assert "Webex refused the refresh token: authorize again." in page
    assert 'id="expire-time">expired<' in page and authorize_button(page)


def test_failing_refreshes_say_the_plugin_retries_without_a_button(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)
    (name,) = vault.creds
    warning = "3 attempt(s) to refresh this token failed, most recently: refresh failed: 503"
    vault.answers[name] = read_ok(vault, name, warning)

    page = client.get("/status").text

    assert "could not refresh your Webex token (3 attempt(s) so far)" in page
    assert 'id="refresh-failures">3<' in page and not authorize_button(page)


def test_a_broken_server_entry_is_the_operators_to_fix(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    error = 'server "webex-myapp" has configuration problems: server does not exist'
    signed_in_with(client, vault, (400, {"errors": [error]}))

    page = client.get("/status").text

    assert "which the operator must fix" in page and not authorize_button(page)


def test_a_credential_gone_from_vault_ends_the_session_on_status_too(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)
    vault.creds.clear()

    page = client.get("/status")

    assert "Your earlier sign-in has ended" in page.text
    assert session_value(client, "credential_id") is None


def test_the_home_page_warns_while_the_token_still_works(
    client: FlaskClient, vault: PluginStandIn
) -> None:
    sign_in(client)
    (name,) = vault.creds
    credential = vault.creds[name]
    vault.creds[name] = replace(credential, warnings=(REVOKED,))
    vault.forget(name)

    page = client.get("/").text

    assert "Authorized!" in page  # the profile still shows
    assert "Webex refused the refresh token: authorize again." in page
    assert authorize_button(page)
    assert_no_inline_code(page)
