"""The web sample: sign in with Webex; Vault keeps each visitor's tokens; the page greets them.

    python samples/people_me_flask.py [--host 127.0.0.1] [--port 5000] [--debug]

Settings come from the environment and samples/web.env, which `ansible-playbook site.yml` writes
with the app's own AppRole identity (WEBEX_VAULT_WEB_ENV_FILE names another file). The app also
needs FLASK_SECRET_KEY; see samples/.env.example.

The flow, for a browser session without a credential:
  POST /login (CSRF token) -> Vault <mount>/auth-code-url with a one-time state bound to the
  session -> Webex consent -> GET /auth?code&state -> Vault exchanges the code and keeps the
  tokens as <mount>/creds/<prefix>/<random id of this session> -> / shows the display name.
The plugin refreshes the tokens; this app only ever sees short-lived access tokens, in memory.
"""

from __future__ import annotations

import argparse
import logging
import re
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.serving import WSGIRequestHandler, run_simple
from werkzeug.wrappers import Response

# The helper package (src/webex_vault), installed into the virtualenv by `make venv`.
from webex_vault import (
    AuthorizationFailed,
    CredentialMissing,
    CredentialRefreshFailed,
    OAuthAppNotConfigured,
    SampleError,
    Settings,
    SettingsError,
    VaultConnection,
    VaultPermissionDenied,
    VaultRequestFailed,
    VaultSealed,
    VaultTokenInvalid,
    VaultUnreachable,
    WebexRateLimited,
    WebexRequestFailed,
    WebexUnauthorized,
    webex_people_me,
)

# The web app's own settings file (its AppRole identity), written by the playbook beside this file.
DEFAULT_WEB_ENV_FILE = Path(__file__).resolve().with_name("web.env")
STATE_TTL_SECONDS = 600
# Session keys. Flask's session is a signed (not encrypted) cookie: nothing secret goes in it.
_CREDENTIAL_ID = "credential_id"
_STATE = "oauth_state"
_STATE_EXPIRES = "oauth_state_expires"
_CSRF = "csrf_token"

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")

_log = logging.getLogger("people_me_flask")
web = Blueprint("web", __name__)


# --- What the visitor is told -------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A page for a failure: a title, what happened and what to do, as plain text."""

    status: int
    title: str
    message: str
    authorize: bool = False  # offer the Authorize button: signing in again is the fix


_OPERATOR = "If it keeps happening, tell the operator of this app."
# First match wins, so subclasses come before SampleError.
_PROBLEMS: tuple[tuple[type[SampleError], Problem], ...] = (
    (
        VaultSealed,
        Problem(
            503,
            "Vault is sealed",
            "The vault that keeps the Webex tokens is sealed. An operator must unseal it; "
            "then reload this page.",
        ),
    ),
    (
        VaultUnreachable,
        Problem(
            503,
            "Vault cannot be reached",
            f"The app cannot reach the vault that keeps the Webex tokens. Try again in a "
            f"minute. {_OPERATOR}",
        ),
    ),
    (
        VaultPermissionDenied,
        Problem(
            502,
            "Vault refused this step",
            "Vault's policy for this app does not allow what it just tried. The operator must "
            "re-run `ansible-playbook site.yml` so that the policy matches the app's settings.",
        ),
    ),
    (
        VaultTokenInvalid,
        Problem(
            502,
            "Vault refused the app's identity",
            "Vault no longer accepts this app's AppRole login. The operator must issue a new "
            "secret ID (re-run `ansible-playbook site.yml`) and restart the app.",
        ),
    ),
    (
        OAuthAppNotConfigured,
        Problem(
            502,
            "Webex sign-in is not set up",
            "Vault has no usable Webex configuration for this app. The operator must run "
            "`ansible-playbook site.yml`.",
        ),
    ),
    (
        CredentialRefreshFailed,
        Problem(
            502,
            "Your Webex sign-in could not be renewed",
            "Vault could not get a fresh Webex token for you: the sign-in was revoked, or Webex "
            "did not answer. Authorize again, or try again in a minute.",
            authorize=True,
        ),
    ),
    (
        AuthorizationFailed,
        Problem(
            502,
            "Webex did not accept the sign-in",
            "Webex refused to exchange the sign-in code; it may have expired. Start again.",
            authorize=True,
        ),
    ),
    (
        WebexRequestFailed,
        Problem(
            502,
            "Webex cannot be reached",
            f"Webex did not answer as expected. Try again in a minute. {_OPERATOR}",
        ),
    ),
    (
        SampleError,
        Problem(
            502,
            "Something went wrong",
            f"Vault or Webex gave an answer this app did not expect. {_OPERATOR}",
        ),
    ),
)
WEBEX_REJECTED_TOKEN = Problem(
    401,
    "Webex no longer accepts your sign-in",
    "Webex rejected the access token that Vault keeps for you. Authorize again.",
    authorize=True,
)
# A 503 with Retry-After: this app is the one that cannot serve the page for now.
RATE_LIMITED = Problem(
    503,
    "Webex asks this app to slow down",
    "Webex is rate-limiting this app (429 Too Many Requests).",
)
BAD_STATE = Problem(
    400,
    "This sign-in cannot be completed",
    "The answer from Webex does not belong to a sign-in started in this browser in the last "
    f"{STATE_TTL_SECONDS // 60} minutes (or it was used already). Nothing was stored. "
    "Start again.",
    authorize=True,
)
NO_CODE = Problem(
    400,
    "This sign-in cannot be completed",
    "Webex sent no authorization code. Nothing was stored. Start again.",
    authorize=True,
)
ACCESS_DENIED = Problem(
    403,
    "You did not allow access",
    "You declined to let this app see your Webex profile, so nothing was stored. You can "
    "authorize it whenever you like.",
    authorize=True,
)
PROVIDER_ERROR = Problem(
    502,
    "Webex could not sign you in",
    "Webex ended the sign-in with an error, so nothing was stored. Try again; if it keeps "
    "happening, tell the operator of this app the error code below.",
    authorize=True,
)
BAD_FORM = Problem(
    400,
    "This form has expired",
    "The form did not come from this page, or your session ended. Reload the page and try again.",
)


class FormExpired(BadRequest):
    """A POST without this session's CSRF token."""


def problem_for(error: SampleError) -> Problem:
    return next(problem for kind, problem in _PROBLEMS if isinstance(error, kind))


# --- The app ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebApp:
    """What the request handlers share: settings, one Vault connection, one Webex session."""

    settings: Settings
    vault: VaultConnection
    webex: requests.Session
    authorize_origin: str

    def credential_name(self) -> str | None:
        """This browser session's credential, or the shared one in the single-user mode."""
        if self.settings.oauthapp_shared_credential:
            return self.settings.oauthapp_credential
        credential_id = session.get(_CREDENTIAL_ID)
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


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The app factory. Tests may pass WEBEX_VAULT_SETTINGS (a Settings) and
    WEBEX_VAULT_CONNECTION (a VaultConnection, or a stand-in) in `config`."""
    app = Flask(__name__)
    app.config.update(config or {})
    settings: Settings = app.config.get("WEBEX_VAULT_SETTINGS") or Settings.from_environment(
        env_file_variable="WEBEX_VAULT_WEB_ENV_FILE",
        default_env_file=DEFAULT_WEB_ENV_FILE,
    )
    _check_settings(settings)

    secret_key = app.config.get("SECRET_KEY") or settings.flask_secret_key
    if not secret_key:
        if not app.debug:
            raise SettingsError(
                "FLASK_SECRET_KEY must be set (in the environment or samples/web.env) so that "
                "sessions survive a restart; only --debug runs without it."
            )
        secret_key = secrets.token_hex(32)
        _log.warning("FLASK_SECRET_KEY is not set: sessions end when this debug server stops.")
    app.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_NAME="webex_vault_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.oauthapp_redirect_url.startswith("https://"),
        MAX_CONTENT_LENGTH=16 * 1024,
    )

    vault = app.config.get("WEBEX_VAULT_CONNECTION") or VaultConnection(settings)
    app.extensions["webex_vault"] = WebApp(
        settings=settings,
        vault=vault,
        webex=requests.Session(),
        authorize_origin=_origin(settings.webex_api_base_url) or "",
    )
    app.register_blueprint(web)
    # The callback lives at exactly the path of the configured redirect URL.
    app.add_url_rule(
        urlsplit(settings.oauthapp_redirect_url).path, "callback", callback, methods=["GET"]
    )
    app.register_error_handler(SampleError, _sample_error_page)
    app.register_error_handler(HTTPException, _http_error_page)
    app.after_request(_security_headers)
    app.context_processor(lambda: {"csrf_token": csrf_token})
    return app


def _check_settings(settings: Settings) -> None:
    if not settings.uses_approle:
        raise SettingsError(
            "VAULT_ROLE_ID and VAULT_SECRET_ID must be set: the web app logs in with its own "
            "AppRole (ansible-playbook site.yml writes it to samples/web.env), never a token."
        )
    if _origin(settings.webex_api_base_url) is None:
        raise SettingsError("WEBEX_API_BASE_URL must be a URL with a plain host name.")
    prefix = settings.oauthapp_credential_prefix
    if settings.oauthapp_shared_credential and not settings.oauthapp_credential.startswith(
        f"{prefix}/"
    ):
        raise SettingsError(
            f"OAUTHAPP_CREDENTIAL must start with '{prefix}/' (OAUTHAPP_CREDENTIAL_PREFIX) "
            "when OAUTHAPP_SHARED_CREDENTIAL is true: the web app's policy covers only those."
        )


def _web() -> WebApp:
    return current_app.extensions["webex_vault"]


def _origin(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL, or None when it is anything else.

    Origins go into the Content-Security-Policy header, so the host must be a plain name or
    address: nothing that could end the directive."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.netloc.rpartition("@")[2]
    if port is not None:
        host = host.rsplit(":", 1)[0]
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


# --- CSRF and headers ---------------------------------------------------------------------------


def csrf_token() -> str:
    """The session's token for the POST forms (made on first use)."""
    if _CSRF not in session:
        session[_CSRF] = secrets.token_urlsafe(32)
    return session[_CSRF]


def _check_csrf() -> None:
    expected = session.get(_CSRF)
    sent = request.form.get(_CSRF, "")
    if not isinstance(expected, str) or not secrets.compare_digest(
        sent.encode(), expected.encode()
    ):
        raise FormExpired()


def _security_headers(response: Response) -> Response:
    img_sources = " ".join(["'self'", *g.get("avatar_origins", ())])
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; "
        f"img-src {img_sources}; "
        # The Authorize form's answer is a redirect to Webex, which form-action governs too.
        f"form-action 'self' {_web().authorize_origin}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    # no-referrer everywhere: the callback URL carries the code and the state.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


# --- Pages --------------------------------------------------------------------------------------


def render_problem(
    problem: Problem,
    *,
    detail: str | None = None,
    error_code: str | None = None,
    retry_after: int | None = None,
) -> tuple[str, int, dict[str, str]]:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    page = render_template(
        "problem.html",
        problem=problem,
        detail=detail if current_app.debug else None,
        error_code=error_code,
        retry_after=retry_after,
    )
    return page, problem.status, headers


def render_unauthorized(*, ended: bool = False) -> str:
    return render_template("unauthorized.html", ended=ended)


def _sample_error_page(error: SampleError) -> Any:
    if isinstance(error, CredentialMissing):
        # Deleted elsewhere, or reaped by the plugin after the refresh token died.
        had_one = session.pop(_CREDENTIAL_ID, None) is not None
        return render_unauthorized(ended=had_one)
    # The message is for the operator: one sentence, never a token.
    _log.warning("%s: %s", type(error).__name__, error)
    return render_problem(problem_for(error), detail=str(error))


def _http_error_page(error: HTTPException) -> Any:
    if isinstance(error, FormExpired):
        return render_problem(BAD_FORM)
    return render_problem(Problem(error.code or 500, error.name, error.description or ""))


@web.get("/")
def index() -> Any:
    app = _web()
    name = app.credential_name()
    if name is None:
        return render_unauthorized()
    access_token = app.vault.credential(name).access_token
    settings = app.settings
    try:
        person = webex_people_me(
            app.webex, settings.webex_api_base_url, access_token, settings.http_timeout_seconds
        )
    except WebexUnauthorized:
        app.vault.forget(name)
        return render_problem(WEBEX_REJECTED_TOKEN)
    except WebexRateLimited as error:
        return render_problem(RATE_LIMITED, retry_after=error.retry_after)

    display_name = person.get("displayName")
    avatar = person.get("avatar") if isinstance(person.get("avatar"), str) else None
    avatar_origin = _origin(avatar) if avatar else None
    if avatar_origin is None:
        avatar = None
    else:
        g.avatar_origins = (avatar_origin,)
    emails = person.get("emails")
    return render_template(
        "authorized.html",
        display_name=display_name if isinstance(display_name, str) else "",
        email=emails[0] if isinstance(emails, list) and emails else None,
        avatar=avatar,
    )


@web.get("/status")
def status() -> Any:
    app = _web()
    name = app.credential_name()
    if name is None:
        return render_unauthorized()
    credential = app.vault.credential(name)
    expire_time = credential.expire_time
    return render_template(
        "status.html",
        mount=app.settings.oauthapp_mount,
        server=credential.server,
        expire_time=expire_time.astimezone(UTC) if expire_time else None,
        expires_in=_in_words(expire_time - datetime.now(UTC)) if expire_time else None,
        warnings=credential.warnings,
    )


def _in_words(left: timedelta) -> str:
    seconds = int(left.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            return f"in {seconds // size} {unit}s"
    return f"in {seconds} seconds" if seconds > 0 else "now"


@web.post("/login")
def login() -> Any:
    _check_csrf()
    app = _web()
    state = secrets.token_urlsafe(32)
    link = app.vault.auth_code_url(state)
    if link.state != state or _origin(link.url) != app.authorize_origin:
        raise VaultRequestFailed(
            f"Vault's auth-code-url answer does not send the browser to {app.authorize_origin} "
            "with this sign-in's state; check the oauthapp server's auth_code_url and "
            "WEBEX_API_BASE_URL."
        )
    session[_STATE] = state
    session[_STATE_EXPIRES] = time.time() + STATE_TTL_SECONDS
    return redirect(link.url, code=303)


def callback() -> Any:
    """GET <redirect URL path>?code&state, or ?error&state: the end of the sign-in."""
    app = _web()
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
    app.vault.write_authorization_code(name, code)
    previous = app.credential_name()
    # A fresh session after sign-in: nothing from before it (or planted) carries over.
    session.clear()
    if credential_id is not None:
        session[_CREDENTIAL_ID] = credential_id
    if previous is not None and previous != name:
        try:
            app.vault.delete_credential(previous)
        except SampleError as delete_error:
            _log.warning("Could not delete the replaced credential: %s", delete_error)
    return redirect(url_for("web.index"))


@web.post("/logout")
def logout() -> Any:
    _check_csrf()
    app = _web()
    name = app.credential_name()
    if name is not None:
        # If Vault fails here the session stays, so the user can try again: forgetting the
        # name would leave tokens in Vault that nobody can delete through the app.
        app.vault.delete_credential(name)
    session.clear()
    return redirect(url_for("web.index"), code=303)


# --- Running it ---------------------------------------------------------------------------------


class RedactingRequestHandler(WSGIRequestHandler):
    """Logs method, path and status only: the callback's query string carries the code."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = getattr(code, "value", code)
        _log.info("%s %s %s", self.command, urlsplit(self.path).path, status)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        _log.warning("Rejected a malformed HTTP request")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        _log.info("HTTP server notice (details withheld: they may contain a query string)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sign in with Webex; Vault keeps the tokens.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=int, help="port to listen on (default: the redirect URL's port)"
    )
    parser.add_argument(
        "--debug", action="store_true", help="show error details; FLASK_SECRET_KEY optional"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    try:
        app = create_app({"DEBUG": True} if args.debug else None)
    except SampleError as error:
        print(f"people_me_flask: {error}", file=sys.stderr)
        return error.exit_code
    redirect_url = urlsplit(app.extensions["webex_vault"].settings.oauthapp_redirect_url)
    port = args.port or redirect_url.port or (443 if redirect_url.scheme == "https" else 80)
    _log.info("Open %s://%s/ in a browser.", redirect_url.scheme, redirect_url.netloc)
    run_simple(
        args.host,
        port,
        app,
        threaded=True,
        request_handler=RedactingRequestHandler,
        use_debugger=False,
        use_reloader=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
