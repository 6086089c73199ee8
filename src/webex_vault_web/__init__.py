"""The web app: sign in with Webex; Vault keeps each visitor's tokens; the page greets them.

Shaped like Flask's tutorial app: `create_app()` builds an app from settings and registers
one blueprint per concern:

  auth.py      sign-in (POST /login, the callback at the redirect URL's path), sign-out
  people.py    / (the visitor's Webex profile) and /status (the token's expiry)
  errors.py    a page for every failure, from the table in problems.py
  security.py  CSRF tokens, response headers, a request log without query strings
  extension.py what the handlers share: settings, the Vault connection, the Webex session
  credentials.py  re-reads every credential from Vault every 30 s, records its last use and
               its index entry (usage.py) and prunes the idle ones (commands.py:
               `flask prune-credentials`)

The plugin refreshes the tokens; this app only ever sees short-lived access tokens, in memory.
samples/people_me_flask.py is the entry point (`flask --app people_me_flask run`, or a
production server: see serving.py).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask

from webex_vault import Settings, SettingsError, VaultConnection

from . import auth, commands, errors, people, security
from .credentials import CredentialIndex, Credentials, UsageRecords, Vault
from .extension import EXTENSION, WebApp
from .usage import VaultCredentialIndex, VaultUsageRecords

__all__ = ["create_app"]

_log = logging.getLogger("webex_vault_web")


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    default_env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Flask:
    """The app factory.

    Settings come from the environment and the env file that WEBEX_VAULT_WEB_ENV_FILE names
    (else `default_env_file`); `environ` replaces the process environment when given. Tests
    may pass WEBEX_VAULT_SETTINGS (a Settings),
    WEBEX_VAULT_CONNECTION (a VaultConnection, or a stand-in), WEBEX_VAULT_USAGE_RECORDS and
    WEBEX_VAULT_CREDENTIAL_INDEX (see credentials.py) and WEBEX_VAULT_CLOCK (Unix time, for
    credentials.py) in `test_config`, and any Flask setting such as SECRET_KEY or DEBUG.
    """
    app = Flask(__name__)
    app.config.update(test_config or {})
    settings: Settings = app.config.get("WEBEX_VAULT_SETTINGS") or Settings.from_environment(
        environ,
        env_file_variable="WEBEX_VAULT_WEB_ENV_FILE",
        default_env_file=default_env_file,
    )
    _check_settings(settings)
    app.config.update(
        SECRET_KEY=_secret_key(app, settings),
        SESSION_COOKIE_NAME="webex_vault_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.oauthapp_redirect_url.startswith("https://"),
        MAX_CONTENT_LENGTH=16 * 1024,
    )

    vault: Vault = app.config.get("WEBEX_VAULT_CONNECTION") or VaultConnection(settings)
    authorize_origin = security.origin(settings.webex_api_base_url) or ""
    app.extensions[EXTENSION] = WebApp(
        settings=settings,
        vault=vault,
        credentials=Credentials(
            vault,
            _usage_records(app, settings, vault),
            index=_index(app, settings, vault),
            max_idle_seconds=settings.oauthapp_credential_max_idle_seconds,
            clock=app.config.get("WEBEX_VAULT_CLOCK") or time.time,
        ),
        webex=requests.Session(),
        authorize_origin=authorize_origin,
    )

    app.register_blueprint(auth.bp)
    app.register_blueprint(people.bp)
    # The callback lives at exactly the path of the configured redirect URL.
    app.add_url_rule(
        urlsplit(settings.oauthapp_redirect_url).path,
        "auth.callback",
        auth.callback,
        methods=["GET"],
    )
    errors.init_app(app)
    security.init_app(app, authorize_origin)
    commands.init_app(app)
    return app


def _usage_records(app: Flask, settings: Settings, vault: Vault) -> UsageRecords | None:
    """Where the last use of each credential is kept: none for the operator's shared credential,
    else the state mount (or what a test passes as WEBEX_VAULT_USAGE_RECORDS; a stand-in Vault
    without it keeps none)."""
    if settings.oauthapp_shared_credential:
        return None
    records: UsageRecords | None = app.config.get("WEBEX_VAULT_USAGE_RECORDS")
    if records is None and isinstance(vault, VaultConnection):
        records = VaultUsageRecords(
            vault.call,
            state_mount=settings.oauthapp_state_mount,
            oauthapp_mount=settings.oauthapp_mount,
            prefix=settings.oauthapp_credential_prefix,
        )
    return records


def _index(app: Flask, settings: Settings, vault: Vault) -> CredentialIndex | None:
    """Where the app registers its credentials for the operator's report (as the records:
    not for the shared credential, and what a test passes as WEBEX_VAULT_CREDENTIAL_INDEX)."""
    if settings.oauthapp_shared_credential:
        return None
    index: CredentialIndex | None = app.config.get("WEBEX_VAULT_CREDENTIAL_INDEX")
    if index is None and isinstance(vault, VaultConnection):
        index = VaultCredentialIndex(
            vault.call,
            state_mount=settings.oauthapp_state_mount,
            oauthapp_mount=settings.oauthapp_mount,
            server=settings.oauthapp_server,
        )
    return index


def _secret_key(app: Flask, settings: Settings) -> str:
    secret_key: str | None = app.config.get("SECRET_KEY") or settings.flask_secret_key
    if secret_key:
        return secret_key
    if not app.debug:
        raise SettingsError(
            "FLASK_SECRET_KEY must be set (in the environment or samples/web.env) so that "
            "sessions survive a restart; only --debug runs without it."
        )
    _log.warning("FLASK_SECRET_KEY is not set: sessions end when this debug server stops.")
    return secrets.token_hex(32)


def _check_settings(settings: Settings) -> None:
    if not settings.uses_approle:
        raise SettingsError(
            "VAULT_ROLE_ID and VAULT_SECRET_ID must be set: the web app logs in with its own "
            "AppRole (ansible-playbook site.yml writes it to samples/web.env), never a token."
        )
    if security.origin(settings.webex_api_base_url) is None:
        raise SettingsError("WEBEX_API_BASE_URL must be a URL with a plain host name.")
    prefix = settings.oauthapp_credential_prefix
    if settings.oauthapp_shared_credential and not settings.oauthapp_credential.startswith(
        f"{prefix}/"
    ):
        raise SettingsError(
            f"OAUTHAPP_CREDENTIAL must start with '{prefix}/' (OAUTHAPP_CREDENTIAL_PREFIX) "
            "when OAUTHAPP_SHARED_CREDENTIAL is true: the web app's policy covers only those."
        )
