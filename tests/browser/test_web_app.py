"""The web sample end to end: headless Chromium -> the app -> OpenBao + the real oauthapp
plugin (provisioned by site.yml) -> the Webex emulator. Screenshots of each step go to
tests/output/browser/<test>/; WEBEX_VAULT_UPDATE_DOCS_IMAGES=1 also refreshes
docs/images/web-app-authorized.png from the authorized page.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

import webex_vault
from webex_vault import CredentialMissing
from webex_vault_testing import approve

pytestmark = [pytest.mark.integration, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
DOCS_SCREENSHOT = REPO / "docs" / "images" / "web-app-authorized.png"
MOUNT = "oauthapp"
MARKUP_NAME = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def open_consent(tab, web_app, emulator) -> None:
    """Open the app and press Authorize: the browser ends on the emulator's consent page."""
    page = tab.page
    response = page.goto(f"{web_app.url}/")
    assert response.status == 200
    assert page.locator("#heading").inner_text() == "Unauthorized!"
    tab.screenshot("unauthorized")
    with page.expect_navigation(url=re.compile(re.escape(emulator.base_url) + r"/v1/authorize")):
        page.click("#authorize")
    assert page.locator("#approve").is_visible()
    tab.screenshot("consent")


def sign_in(tab, web_app, emulator) -> str:
    """Authorize, approve, come back; returns the credential name under the mount."""
    open_consent(tab, web_app, emulator)
    with tab.page.expect_navigation(url=f"{web_app.url}/"):
        tab.page.click("#approve")
    assert tab.page.locator("#heading").inner_text() == "Authorized!"
    credential_id = web_app.credential_id(tab.context)
    assert credential_id and re.fullmatch(r"[0-9a-f]{32}", credential_id)
    return f"{web_app.settings.oauthapp_credential_prefix}/{credential_id}"


def read_as_admin(stack, name: str) -> webex_vault.Credential:
    return webex_vault.read_credential(stack.client(), MOUNT, name)


def exchanges(emulator) -> int:
    return emulator.stats()["grant_types"].get("authorization_code", 0)


def test_sign_in_shows_the_display_name(tab, web_app, stack, emulator) -> None:
    name = sign_in(tab, web_app, emulator)
    page = tab.page

    assert page.locator("#display-name").inner_text() == "Demo User"
    assert page.locator("#avatar").evaluate("image => image.naturalWidth") > 0
    shot = tab.screenshot("authorized")
    if os.environ.get("WEBEX_VAULT_UPDATE_DOCS_IMAGES") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)

    credential = read_as_admin(stack, name)  # Vault holds this session's own credential
    assert credential.server == web_app.settings.oauthapp_server
    page.click("#status-link")
    assert page.locator("#server").inner_text().endswith(web_app.settings.oauthapp_server)
    assert (
        credential.expire_time.strftime("%Y-%m-%d %H:%M")
        in page.locator("#expire-time").inner_text()
    )
    assert credential.access_token not in page.content()
    tab.screenshot("status")
    assert tab.dialogs == [] and tab.errors_on(web_app.url) == []


def test_a_display_name_with_markup_is_shown_as_text_and_runs_nothing(
    tab, web_app, emulator
) -> None:
    original = emulator.control("GET", "user")["id"]
    emulator.control("POST", "users", displayName=MARKUP_NAME)
    try:
        sign_in(tab, web_app, emulator)
    finally:
        emulator.control("POST", "login", id=original)
    page = tab.page

    assert page.locator("#display-name").inner_text() == MARKUP_NAME
    assert page.locator("#display-name script, #display-name img").count() == 0
    page.reload()  # a second render, after the consent page and redirects settled
    tab.screenshot("markup-name")
    assert tab.dialogs == []
    assert tab.errors_on(web_app.url) == []


def test_a_tampered_state_is_refused_and_nothing_is_written(tab, web_app, emulator, caplog) -> None:
    caplog.set_level(logging.INFO, logger="webex_vault_web.access")
    open_consent(tab, web_app, emulator)
    page = tab.page
    # Approve the consent outside the browser, as authorize_user.py does, to get a real code
    # and the state this browser session is waiting for.
    state = parse_qs(urlsplit(page.url).query)["state"][0]
    code = approve(page.url, state, requests.Session())
    # Change the last two characters, whatever they were.
    forged = state[:-2] + ("yy" if state.endswith("xx") else "xx")
    tampered = f"{web_app.url}/auth?{urlencode({'code': code, 'state': forged})}"
    untouched = f"{web_app.url}/auth?{urlencode({'code': code, 'state': state})}"
    before = exchanges(emulator)

    response = page.goto(tampered)

    assert response.status == 400
    assert page.locator("#heading").inner_text() == "This sign-in cannot be completed"
    tab.screenshot("tampered-state")
    # The state is spent: the untouched callback is refused now too.
    assert page.goto(untouched).status == 400
    assert exchanges(emulator) == before, "the plugin exchanged a code: something was written"
    assert web_app.credential_id(tab.context) is None
    # The request log has the path, never the query with the code.
    assert "GET /auth 400" in caplog.text and code not in caplog.text


def test_denied_consent_shows_a_friendly_page(tab, web_app, emulator) -> None:
    open_consent(tab, web_app, emulator)
    before = exchanges(emulator)
    with tab.page.expect_navigation(url=re.compile(re.escape(web_app.url) + r"/auth\?")):
        tab.page.click("#deny")

    assert tab.page.locator("#heading").inner_text() == "You did not allow access"
    tab.screenshot("denied")
    assert exchanges(emulator) == before


def test_sign_out_removes_the_credential_from_vault(tab, web_app, stack, emulator) -> None:
    name = sign_in(tab, web_app, emulator)
    assert read_as_admin(stack, name).access_token

    with tab.page.expect_navigation(url=f"{web_app.url}/"):
        tab.page.click("#sign-out")

    assert tab.page.locator("#heading").inner_text() == "Unauthorized!"
    tab.screenshot("signed-out")
    with pytest.raises(CredentialMissing):
        read_as_admin(stack, name)
    assert web_app.credential_id(tab.context) is None


def test_the_app_logs_in_again_when_vault_revoked_its_token(tab, web_app, stack, emulator) -> None:
    connection = web_app.app.extensions["webex_vault"].vault
    sign_in(tab, web_app, emulator)  # the app is logged in now
    revoked = connection.client.token
    stack.client().auth.token.revoke(revoked)

    with tab.page.expect_navigation(url=f"{web_app.url}/"):
        tab.page.click("#sign-out")  # a Vault delete with the revoked token, then a re-login

    assert tab.page.locator("#heading").inner_text() == "Unauthorized!"
    assert connection.client.token != revoked
