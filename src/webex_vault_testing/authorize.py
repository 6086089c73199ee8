"""Authorize a user without a browser: the scripted stand-in for "open the link and click Approve".

It asks Vault's oauthapp engine for the authorize URL (with a fresh one-time state), opens it
like a browser would, approves the emulator's consent page, checks that the state came back
unchanged, and has the plugin exchange the code (a creds write). The code never leaves this
process except towards Vault. tools/authorize_user.py is its command line (`make demo`).
"""

from __future__ import annotations

import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import hvac
import requests

import webex_vault


class _ConsentForm(HTMLParser):
    """Collects the consent form's action, hidden fields and the Approve button."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = attributes.get("action", "")
        elif tag == "input" and attributes.get("type") == "hidden" and "name" in attributes:
            self.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "button" and attributes.get("value") == "approve" and "name" in attributes:
            self.fields[attributes["name"]] = "approve"


class AuthorizationError(Exception):
    """The provider did not hand back a code for this request."""


def approve(authorize_url: str, expected_state: str, session: requests.Session) -> str:
    """Open the authorize URL, approve the consent page, return the authorization code."""
    response = session.get(authorize_url, allow_redirects=False, timeout=10)
    if response.status_code == 200:
        form = _ConsentForm()
        form.feed(response.text)
        if form.action is None or form.fields.get("decision") != "approve":
            raise AuthorizationError(
                "the authorize page has no consent form with an Approve button"
            )
        response = session.post(
            urljoin(authorize_url, form.action), data=form.fields, allow_redirects=False, timeout=10
        )
    if response.status_code not in (302, 303) or "Location" not in response.headers:
        raise AuthorizationError(f"the authorize endpoint answered HTTP {response.status_code}")
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    if "error" in query:
        raise AuthorizationError(f"the provider refused: {query['error'][0]}")
    if not secrets.compare_digest(query.get("state", [""])[0], expected_state):
        raise AuthorizationError("the state that came back is not the one that was sent")
    if not query.get("code"):
        raise AuthorizationError("the redirect carries no code")
    return query["code"][0]


def authorize(
    client: hvac.Client,
    *,
    mount: str,
    server: str,
    credential: str,
    redirect_url: str,
    scopes: list[str],
    session: requests.Session | None = None,
) -> None:
    """Run the whole authorization for `credential` (auth-code-url, consent, creds write)."""
    session = session or requests.Session()
    state = secrets.token_urlsafe(32)
    link = webex_vault.auth_code_url(
        client, mount, server=server, redirect_url=redirect_url, scopes=scopes, state=state
    )
    code = approve(link.url, state, session)
    webex_vault.write_authorization_code(
        client, mount, credential, server=server, code=code, redirect_url=redirect_url
    )
