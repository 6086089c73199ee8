#!/usr/bin/env python3
"""Authorize a user without a browser: the scripted stand-in for "open the link and click Approve".

Used by `make demo` and the tests. It asks Vault's oauthapp engine for the authorize URL (with a
fresh one-time state), opens it like a browser would, approves the emulator's consent page, checks
that the state came back unchanged, and has the plugin exchange the code (a creds write). The
code never leaves this process except towards Vault.

    python tools/authorize_user.py --credential people-me [--mount oauthapp]
        [--server webex-myapp] [--redirect-url http://localhost:5000/auth]
        [--scope spark:people_read]

Vault address and token come from VAULT_ADDR and VAULT_TOKEN (or --token-file).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import hvac
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples"))
import webex_vault  # noqa: E402


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credential", required=True, help="name under <mount>/creds/")
    parser.add_argument("--mount", default="oauthapp")
    parser.add_argument("--server", default="webex-myapp")
    parser.add_argument("--redirect-url", default="http://localhost:5000/auth")
    parser.add_argument("--scope", action="append", dest="scopes", help="repeatable")
    parser.add_argument("--token-file", type=Path, help="file holding the Vault token")
    args = parser.parse_args()

    address = os.environ.get("VAULT_ADDR", "http://127.0.0.1:8200")
    token = (
        args.token_file.read_text().strip() if args.token_file else os.environ.get("VAULT_TOKEN")
    )
    if not token:
        print("authorize_user: set VAULT_TOKEN or pass --token-file.", file=sys.stderr)
        return 2
    client = hvac.Client(url=address, token=token, timeout=30)
    try:
        authorize(
            client,
            mount=args.mount,
            server=args.server,
            credential=args.credential,
            redirect_url=args.redirect_url,
            scopes=args.scopes or ["spark:people_read"],
        )
    except (AuthorizationError, webex_vault.SampleError, requests.RequestException) as error:
        print(f"authorize_user: {error}", file=sys.stderr)
        return 1
    print(f"authorize_user: {args.mount}/creds/{args.credential} now holds the user's tokens.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
