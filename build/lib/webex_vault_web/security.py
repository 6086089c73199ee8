"""What keeps the browser side safe: CSRF tokens for the POST forms, the response headers
(Content-Security-Policy and friends), origins that may appear in them, and a request log
without query strings (the callback's query carries the authorization code)."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, g, request, session
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

# How long a sign-in may take between pressing Authorize and coming back from Webex.
STATE_TTL_SECONDS = 600
# Session key of the CSRF token. Flask's session is a signed (not encrypted) cookie: nothing
# secret goes in it.
CSRF = "csrf_token"

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")
_QUERY = re.compile(r"\?[^\s\"]*")

access_log = logging.getLogger("webex_vault_web.access")


class FormExpired(BadRequest):
    """A POST without this session's CSRF token."""


def origin(url: str) -> str | None:
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


def csrf_token() -> str:
    """The session's token for the POST forms (made on first use)."""
    token = session.get(CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF] = token
    return token


def check_csrf() -> None:
    """Refuse (400, "This form has expired") a POST without this session's token."""
    expected = session.get(CSRF)
    sent = request.form.get(CSRF, "")
    if not isinstance(expected, str) or not secrets.compare_digest(
        sent.encode(), expected.encode()
    ):
        raise FormExpired()


def allow_images_from(origins: Iterable[str]) -> None:
    """Let this response's page show images from these origins too (e.g. the avatar's)."""
    g.avatar_origins = tuple(origins)


def init_app(app: Flask, authorize_origin: str) -> None:
    """Headers on every response, the CSRF token in every template, a redacted request log."""

    @app.after_request
    def security_headers(response: Response) -> Response:
        img_sources = " ".join(["'self'", *g.get("avatar_origins", ())])
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; "
            f"img-src {img_sources}; "
            # The Authorize form's answer is a redirect to Webex, which form-action governs too.
            f"form-action 'self' {authorize_origin}; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        # no-referrer everywhere: the callback URL carries the code and the state.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        # Method, path and status only, whichever server runs the app.
        access_log.info("%s %s %s", request.method, request.path, response.status_code)
        return response

    app.context_processor(lambda: {"csrf_token": csrf_token})
    # `flask run` (Werkzeug's development server) logs each request line with its query.
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactQueryStrings) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactQueryStrings())


class RedactQueryStrings(logging.Filter):
    """Cuts query strings out of log records (Werkzeug's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = _QUERY.sub("", message)
            record.args = ()
        return True
