"""Signing in and out.

POST /login (CSRF token) -> Vault <mount>/auth-code-url with a one-time state bound to the
session -> Webex consent -> GET <redirect URL path>?code&state (the callback) -> Vault
exchanges the code and keeps the tokens as <mount>/creds/<prefix>/<random id of this session>.
POST /logout deletes that credential from Vault.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Blueprint, redirect, request, session, url_for
from werkzeug.wrappers import Response

from webex_vault import SampleError, VaultRequestFailed

from .errors import Page, render_problem
from .extension import CREDENTIAL_ID, web_app
from .problems import ACCESS_DENIED, BAD_STATE, NO_CODE, PROVIDER_ERROR
from .security import STATE_TTL_SECONDS, check_csrf, origin

# Session keys of a sign-in in progress.
_STATE = "oauth_state"
_STATE_EXPIRES = "oauth_state_expires"
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")

_log = logging.getLogger("webex_vault_web")
bp = Blueprint("auth", __name__)


@bp.post("/login")
def login() -> Response:
    check_csrf()
    app = web_app()
    state = secrets.token_urlsafe(32)
    link = app.vault.auth_code_url(state)
    if link.state != state or origin(link.url) != app.authorize_origin:
        raise VaultRequestFailed(
            f"Vault's auth-code-url answer does not send the browser to {app.authorize_origin} "
            "with this sign-in's state; check the oauthapp server's auth_code_url and "
            "WEBEX_API_BASE_URL."
        )
    session[_STATE] = state
    session[_STATE_EXPIRES] = time.time() + STATE_TTL_SECONDS
    return redirect(link.url, code=303)


def callback() -> Response | Page:
    """GET <redirect URL path>?code&state, or ?error&state: the end of the sign-in.

    Not a route of the blueprint: create_app adds it at the path of the configured redirect URL.
    """
    app = web_app()
    # One attempt per state, whatever comes back.
    expected = session.pop(_STATE, None)
    expires = session.pop(_STATE_EXPIRES, 0)
    received = request.args.get("state", "")
    if not (
        isinstance(expected, str)
        and received
        and secrets.compare_digest(received.encode(), expected.encode())
        and isinstance(expires, int | float)
        and time.time() < expires
    ):
        return render_problem(BAD_STATE)

    error = request.args.get("error")
    if error is not None:
        if error == "access_denied":
            return render_problem(ACCESS_DENIED)
        # Only a code that looks like an OAuth error code is shown: the rest of the query is
        # whatever the link said, and this page must not repeat it.
        shown = error if _ERROR_CODE.fullmatch(error) else "unknown"
        _log.warning("The sign-in ended with the provider error %s.", shown)
        return render_problem(PROVIDER_ERROR, error_code=shown)

    code = request.args.get("code", "")
    if not code:
        return render_problem(NO_CODE)

    name, credential_id = app.new_credential_name()
    app.credentials.create(name, code)
    previous = app.credential_name()
    # A fresh session after sign-in: nothing from before it (or planted) carries over.
    session.clear()
    if credential_id is not None:
        session[CREDENTIAL_ID] = credential_id
    if previous is not None and previous != name:
        try:
            app.credentials.delete(previous)
        except SampleError as delete_error:
            _log.warning("Could not delete the replaced credential: %s", delete_error)
    return redirect(url_for("people.index"))


@bp.post("/logout")
def logout() -> Response:
    check_csrf()
    app = web_app()
    name = app.credential_name()
    if name is not None:
        # If Vault fails here the session stays, so the user can try again: forgetting the
        # name would leave tokens in Vault that nobody can delete through the app.
        app.credentials.delete(name)
    session.clear()
    return redirect(url_for("people.index"), code=303)
