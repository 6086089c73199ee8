"""Tests for webex_vault_web.problems: each Vault failure gives its own page (status and what to
do), operator details stay in the log; with a real OpenBao that is sealed or whose policy does not
cover the app's prefix. Through Flask's test client, with the Webex emulator and a stand-in for
Vault's oauthapp engine (webex_vault_testing.web_app); the fixtures are in conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from webex_vault import (
    CredentialRefreshFailed,
    SampleError,
    Settings,
)
from webex_vault_testing.bao import Bao, approle_settings, store_credential
from webex_vault_testing.samples import load_sample
from webex_vault_testing.web_app import (
    FAILURES,
    SECRET_KEY,
    PluginStandIn,
    csrf_from,
    sign_in,
    signed_in_client,
)

people_me_flask = load_sample("people_me_flask")
create_app = people_me_flask.create_app


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


def test_the_app_with_a_policy_that_does_not_cover_its_prefix(openbao: Bao) -> None:
    store_credential(openbao, "webex/bob")
    app = create_app(
        {"WEBEX_VAULT_SETTINGS": approle_settings(openbao, "elsewhere"), "SECRET_KEY": SECRET_KEY}
    )

    page = signed_in_client(app, "bob").get("/status")

    assert page.status_code == 502
    assert "Vault refused this step" in page.text


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
