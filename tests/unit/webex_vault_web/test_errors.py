"""Tests for webex_vault_web.errors: the error handlers (debug detail, a plain 500 page, 404 with
the same headers). Through Flask's test client, with the Webex emulator and a stand-in for Vault's
oauthapp engine (webex_vault_testing.web_app); the fixtures are in conftest.py."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from webex_vault import (
    Credential,
    VaultSealed,
)
from webex_vault_testing.samples import load_sample
from webex_vault_testing.web_app import (
    PluginStandIn,
    csrf_from,
    sign_in,
    web_settings,
)

people_me_flask = load_sample("people_me_flask")
create_app = people_me_flask.create_app


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
