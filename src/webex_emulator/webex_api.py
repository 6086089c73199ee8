"""The Webex blueprint: /v1/authorize, /v1/access_token and /v1/people/me."""

from __future__ import annotations

import base64
import secrets
from typing import Any
from urllib.parse import unquote_plus

from flask import Blueprint, Response, jsonify, render_template, request

from webex_emulator.authorize import (
    AuthorizePageError,
    AuthorizeRedirectError,
    AuthorizeRequest,
    parse_authorize_request,
    redirect_with,
)
from webex_emulator.people import person_document
from webex_emulator.records import OAuthError
from webex_emulator.responses import (
    MISSING_SCOPE_MESSAGE,
    UNAUTHORIZED_MESSAGE,
    apply_fault,
    emulator_state,
    token_error,
    tracking_id,
    webex_error,
)
from webex_emulator.settings import EmulatorSettings

PEOPLE_READ_SCOPES = frozenset({"spark:people_read", "spark:all"})

webex = Blueprint("webex", __name__)


@webex.after_request
def _finish_webex_response(response: Response) -> Response:
    # Webex sends a tracking id with every answer; the SDK falls back to the header.
    response.headers.setdefault("trackingId", tracking_id())
    if request.endpoint:
        emulator_state().count_response(
            request.endpoint.removeprefix("webex."), response.status_code
        )
    return response


@webex.route("/v1/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    state = emulator_state()
    state.count("requests", "authorize")
    settings = state.settings
    params = request.args if request.method == "GET" else request.form
    try:
        authorize_request = parse_authorize_request(params, settings)
    except AuthorizePageError as exc:
        return error_page("Invalid authorization request", str(exc))
    except AuthorizeRedirectError as exc:
        return redirect_with(
            exc.redirect_uri,
            {"error": exc.error, "error_description": exc.description, "state": exc.state},
        )

    if request.method == "GET" and not settings.auto_approve:
        return consent_page(settings, authorize_request)
    decision = "approve" if request.method == "GET" else request.form.get("decision")
    if decision == "approve":
        code = state.issue_code(settings.client_id, authorize_request)
        return redirect_with(
            authorize_request.redirect_uri, {"code": code, "state": authorize_request.state}
        )
    if decision == "deny":
        return redirect_with(
            authorize_request.redirect_uri,
            {
                "error": "access_denied",
                "error_description": "The user denied the authorization request.",
                "state": authorize_request.state,
            },
        )
    return error_page("Invalid consent form", "The decision must be approve or deny.")


def consent_page(settings: EmulatorSettings, authorize_request: AuthorizeRequest) -> Response:
    user = emulator_state().current_user()
    html = render_template(
        "consent.html",
        client_name=settings.client_name,
        user=user,
        scopes=authorize_request.scopes,
        redirect_uri=authorize_request.redirect_uri,
        form_fields=authorize_request.form_fields,
    )
    return html_response(html, 200)


def error_page(title: str, message: str) -> Response:
    return html_response(render_template("error.html", title=title, message=message), 400)


def html_response(html: str, status: int) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    # No form-action: browsers apply it to the redirect that follows the consent form too.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@webex.post("/v1/access_token")
def access_token() -> Response:
    state = emulator_state()
    latency_ms = state.settings.latency_ms
    if latency_ms:
        state.stop_waiting.wait(latency_ms / 1000)
    state.count("requests", "access_token")
    # A refresh names its grant: a fault aimed at that grant applies to it alone.
    refreshing = request.form.get("grant_type") == "refresh_token"
    grant_id = state.grant_of(request.form.get("refresh_token")) if refreshing else None
    faulted = apply_fault("access_token", token_error, grant_id)
    if faulted is not None:
        return faulted
    try:
        result = handle_token_request()
    except OAuthError as exc:
        return token_error(exc.status, exc.error, exc.description)
    response = jsonify(result)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def handle_token_request() -> dict[str, Any]:
    state = emulator_state()
    if request.mimetype != "application/x-www-form-urlencoded":
        raise OAuthError(
            400, "invalid_request", "The body must be application/x-www-form-urlencoded."
        )
    # Client credentials are checked before the code or refresh token is even looked at:
    # golang.org/x/oauth2 (AuthStyleAutoDetect) tries HTTP Basic first and, on any error, retries
    # once with the credentials in the body. The code must still be there for that retry.
    client_id = authenticate_client()
    form = request.form
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError(400, "invalid_request", "The grant_type parameter is missing.")
    known_grant = grant_type in ("authorization_code", "refresh_token")
    state.count("grant_types", grant_type if known_grant else "other")
    if grant_type == "authorization_code":
        code = form.get("code")
        redirect_uri = form.get("redirect_uri")
        if not code:
            raise OAuthError(400, "invalid_request", "The code parameter is missing.")
        if not redirect_uri:
            raise OAuthError(400, "invalid_request", "The redirect_uri parameter is missing.")
        return state.exchange_code(client_id, code, redirect_uri, form.get("code_verifier"))
    if grant_type == "refresh_token":
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise OAuthError(400, "invalid_request", "The refresh_token parameter is missing.")
        return state.refresh(client_id, refresh_token)
    raise OAuthError(
        400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token."
    )


def authenticate_client() -> str:
    """Return the authenticated client_id, or raise invalid_client (401)."""
    state = emulator_state()
    settings = state.settings
    if "Authorization" in request.headers:
        style = "basic"
    elif "client_id" in request.form or "client_secret" in request.form:
        style = "body"
    else:
        style = "none"
    state.count("client_auth", style)
    try:
        client_id, client_secret = read_client_credentials(style)
    except OAuthError:
        state.count("client_auth_failures", style)
        raise
    if not (_same(client_id, settings.client_id) and _same(client_secret, settings.client_secret)):
        state.count("client_auth_failures", style)
        raise OAuthError(401, "invalid_client", "Client authentication failed.")
    return client_id


def read_client_credentials(style: str) -> tuple[str, str]:
    form = request.form
    if style == "none":
        raise OAuthError(
            401,
            "invalid_client",
            "Authenticate the client with HTTP Basic or client_id and client_secret in the body.",
        )
    if style == "body":
        return form.get("client_id", ""), form.get("client_secret", "")
    client_id, client_secret = decode_basic_credentials(request.headers["Authorization"])
    # RFC 6749 section 2.3.1: one authentication method per request. A client_id alone in the
    # body is not a method (RFC 6749 section 4.1.3 lists it), so it only has to agree.
    if "client_secret" in form:
        raise OAuthError(
            400,
            "invalid_request",
            "Use HTTP Basic or client_secret in the body to authenticate, not both.",
        )
    if "client_id" in form and form["client_id"] != client_id:
        raise OAuthError(401, "invalid_client", "client_id in the body differs from HTTP Basic.")
    return client_id, client_secret


def decode_basic_credentials(header: str) -> tuple[str, str]:
    """Decode `Basic base64(escape(id):escape(secret))`.

    RFC 6749 section 2.3.1 form-encodes id and secret before Base64, and golang.org/x/oauth2
    does so with url.QueryEscape, hence unquote_plus."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(
            401, "invalid_client", "The Authorization header must use the Basic scheme."
        )
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise OAuthError(
            401, "invalid_client", "The Basic credentials are not valid Base64."
        ) from exc
    raw_id, colon, raw_secret = decoded.partition(":")
    if not colon:
        raise OAuthError(401, "invalid_client", "The Basic credentials have no ':' separator.")
    return unquote_plus(raw_id), unquote_plus(raw_secret)


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


@webex.get("/v1/people/me")
def people_me() -> Response:
    state = emulator_state()
    state.count("requests", "people_me")
    faulted = apply_fault("people_me", people_error)
    if faulted is not None:
        return faulted
    token = bearer_token(request.headers.get("Authorization", ""))
    record = state.valid_access_token(token) if token else None
    profile = state.user(record.user_id) if record else None
    if record is None or profile is None:
        return webex_error(401, UNAUTHORIZED_MESSAGE, message=UNAUTHORIZED_MESSAGE)
    if not PEOPLE_READ_SCOPES.intersection(record.scopes):
        return webex_error(403, MISSING_SCOPE_MESSAGE, message=MISSING_SCOPE_MESSAGE)
    return jsonify(person_document(profile))


def people_error(status: int, _error: str, description: str) -> Response:
    """Faults on the REST API always use the Webex shape: error_style is for the token endpoint."""
    return webex_error(status, description)


def bearer_token(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
