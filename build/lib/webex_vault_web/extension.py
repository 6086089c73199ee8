"""What the request handlers of one app share, kept in `app.extensions["webex_vault"]`: the
settings, one Vault connection and the visitors' credentials through it, one HTTP session for
Webex, and which credential belongs to the browser session at hand."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import requests
from flask import current_app, session

from webex_vault import Settings

from .credentials import Credentials, Vault

EXTENSION = "webex_vault"
# Session key of this browser's credential id (a random name, never a token).
CREDENTIAL_ID = "credential_id"


@dataclass(frozen=True)
class WebApp:
    """One app's settings and connections, shared by all its request threads."""

    settings: Settings
    vault: Vault
    credentials: Credentials
    webex: requests.Session
    authorize_origin: str

    def credential_name(self) -> str | None:
        """This browser session's credential, or the shared one in the single-user mode."""
        if self.settings.oauthapp_shared_credential:
            return self.settings.oauthapp_credential
        credential_id = session.get(CREDENTIAL_ID)
        if not isinstance(credential_id, str):
            return None
        return f"{self.settings.oauthapp_credential_prefix}/{credential_id}"

    def new_credential_name(self) -> tuple[str, str | None]:
        """A name for the credential of a new sign-in, and the session id to remember."""
        if self.settings.oauthapp_shared_credential:
            return self.settings.oauthapp_credential, None
        # A new id at every sign-in: a session id planted before the sign-in is worthless.
        credential_id = secrets.token_hex(16)
        return f"{self.settings.oauthapp_credential_prefix}/{credential_id}", credential_id


def web_app() -> WebApp:
    """The WebApp of the app handling the current request."""
    extension: WebApp = current_app.extensions[EXTENSION]
    return extension
