"""Tests for webex_vault_web.security: CSRF tokens on every form, the origin check, the headers of
every page (CSP with the avatar's origin for one page only) and the session cookie. Through Flask's
test client, with the Webex emulator and a stand-in for Vault's oauthapp engine
(webex_vault_testing.web_app); the fixtures are in conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import webex_vault_web.auth
import webex_vault_web.people
import webex_vault_web.security
from webex_vault_testing.web_app import (
    PluginStandIn,
    session_value,
    sign_in,
)


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


def test_the_avatar_origin_is_allowed_for_that_page_only(
    client: FlaskClient, emulator: Any
) -> None:
    page = sign_in(client)

    assert f'src="{emulator.base_url}/_emulator/avatar/' in page.text
    assert f"img-src 'self' {emulator.base_url};" in page.headers["Content-Security-Policy"]
    assert "img-src 'self';" in client.get("/status").headers["Content-Security-Policy"]


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
