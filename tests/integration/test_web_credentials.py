"""The web app's bounds on its visitors' credentials, against a server provisioned by site.yml,
the real plugin and the Webex emulator.

Each app is create_app() with the AppRole identity and policy that the playbook wrote for the
web app (stack.app_env_file), as two instances behind a load balancer would run, and a clock
the test moves (credentials.py reads it; nothing sleeps). Each test keeps its credentials under
a prefix of its own inside the app's `webex/` prefix, so counts are exact.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

import webex_vault
from webex_vault import CredentialMissing, Settings
from webex_vault_testing import FakeClock, approve
from webex_vault_web import create_app
from webex_vault_web.credentials import RECHECK_SECONDS

pytestmark = pytest.mark.integration

MOUNT = "oauthapp"
STATE_MOUNT = "webex-vault-state"
SECRET_KEY = "integration-" + "k" * 40
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ENDED = "Your earlier sign-in has ended"


@pytest.fixture
def prefix() -> str:
    return f"webex/t{secrets.token_hex(4)}"


def web_settings(stack, prefix: str) -> Settings:
    settings = Settings.from_environment(
        {"WEBEX_VAULT_WEB_ENV_FILE": str(stack.app_env_file), "FLASK_SECRET_KEY": SECRET_KEY},
        env_file_variable="WEBEX_VAULT_WEB_ENV_FILE",
    )
    assert settings.uses_approle and settings.oauthapp_state_mount == STATE_MOUNT
    # Sign-ins that outlast the idle lifetime (14 days; a sign-in's own is 12 h by default),
    # so that the pruning's bounds can be watched on visitors who come back.
    return replace(
        settings, oauthapp_credential_prefix=prefix, web_session_lifetime_seconds=30 * 86400
    )


def instance(stack, prefix: str, clock: FakeClock) -> Flask:
    return create_app(
        {"WEBEX_VAULT_SETTINGS": web_settings(stack, prefix), "WEBEX_VAULT_CLOCK": clock}
    )


def csrf(browser: FlaskClient) -> str:
    match = CSRF_FIELD.search(browser.get("/").text)
    assert match
    return match.group(1)


def sign_in(browser: FlaskClient, prefix: str) -> str:
    """Authorize at the emulator and come back; returns the credential name."""
    started = browser.post("/login", data={"csrf_token": csrf(browser)})
    assert started.status_code == 303, started.text
    authorize_url = started.headers["Location"]
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    code = approve(authorize_url, state, requests.Session())
    back = browser.get(f"/auth?{urlencode({'code': code, 'state': state})}")
    assert back.status_code == 302, back.text
    with browser.session_transaction() as session:
        return f"{prefix}/{session['credential_id']}"


def same_browser_on(app: Flask, name: str) -> FlaskClient:
    """The browser of `name`'s session, routed to another instance (same secret key)."""
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["credential_id"] = name.rsplit("/", 1)[1]
        session["signed_in_at"] = app.config["WEBEX_VAULT_CLOCK"]()
    return browser


def in_vault(stack, name: str) -> bool:
    try:
        webex_vault.read_credential(stack.client(), MOUNT, name)
    except CredentialMissing:
        return False
    return True


def last_use_records(stack, prefix: str) -> list[str]:
    try:
        listed = stack.client().secrets.kv.v2.list_secrets(
            f"{MOUNT}/last-use/{prefix}", mount_point=STATE_MOUNT
        )
    except Exception:  # noqa: BLE001 - 404 when there is none
        return []
    return sorted(listed["data"]["keys"])


@pytest.mark.parametrize("deleted_by", ["sign-out on the other instance", "an operator"])
def test_a_credential_deleted_in_vault_stops_working_on_every_instance(
    stack, prefix: str, deleted_by: str
) -> None:
    clock = FakeClock(time.time())
    first, second = instance(stack, prefix, clock), instance(stack, prefix, clock)
    on_first = first.test_client()
    name = sign_in(on_first, prefix)
    on_second = same_browser_on(second, name)
    assert on_second.get("/status").status_code == 200  # the second instance has it cached
    assert on_first.get("/status").status_code == 200

    if deleted_by == "an operator":
        stack.client().delete(f"{MOUNT}/creds/{name}")
        still_signed_in = [on_first, on_second]
    else:
        assert on_first.post("/logout", data={"csrf_token": csrf(on_first)}).status_code == 303
        still_signed_in = [on_second]
    assert not in_vault(stack, name)

    clock.advance(RECHECK_SECONDS)
    for browser in still_signed_in:
        page = browser.get("/status")
        assert page.status_code == 200 and ENDED in page.text
        with browser.session_transaction() as session:
            assert "credential_id" not in session


def test_idle_credentials_are_pruned_and_recent_ones_kept(stack, prefix: str) -> None:
    clock = FakeClock(time.time())
    app = instance(stack, prefix, clock)
    idle_lifetime = app.extensions["webex_vault"].settings.oauthapp_credential_max_idle_seconds
    browsers = [app.test_client() for _ in range(50)]
    names = [sign_in(browser, prefix) for browser in browsers]
    assert len(last_use_records(stack, prefix)) == 50

    # Ten visitors come back an hour before the others' idle lifetime ends, forty never do.
    clock.advance(idle_lifetime - 3600)
    for browser in browsers[:10]:
        assert browser.get("/").status_code == 200
    clock.advance(3601)

    result = app.test_cli_runner().invoke(args=["prune-credentials"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Removed 40 idle credentials, kept 10."
    assert [in_vault(stack, name) for name in names] == [True] * 10 + [False] * 40
    assert last_use_records(stack, prefix) == sorted(name.rsplit("/", 1)[1] for name in names[:10])
    assert browsers[0].get("/").status_code == 200
    assert ENDED in browsers[10].get("/").text
    # Nothing left to do on a second run.
    again = app.test_cli_runner().invoke(args=["prune-credentials"])
    assert again.output.strip() == "Removed 0 idle credentials, kept 10."
