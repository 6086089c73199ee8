"""The authorize endpoint's checks (RFC 6749 order, PKCE) and its redirects."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Response, redirect

from webex_emulator.records import AuthorizationCode, OAuthError
from webex_emulator.settings import EmulatorSettings

PKCE_METHODS = ("S256", "plain")
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
# RFC 7636 section 4.1: 43 to 128 characters from the unreserved set.
_PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


@dataclass(frozen=True)
class AuthorizeRequest:
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    form_fields: dict[str, str]  # the parameters as received, for the consent form


class AuthorizePageError(Exception):
    """The client or its redirect_uri is not verified: answer with a page, never a redirect."""


class AuthorizeRedirectError(Exception):
    """An error that is safe to report to the client at its verified redirect_uri."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None):
        super().__init__(description)
        self.redirect_uri = redirect_uri
        self.error = error
        self.description = description
        self.state = state


def parse_authorize_request(
    params: Mapping[str, str], settings: EmulatorSettings
) -> AuthorizeRequest:
    """Validate in RFC 6749 order: client and redirect_uri first, because until both are
    verified an error must not be sent anywhere the request names."""
    client_id = params.get("client_id")
    if not client_id:
        raise AuthorizePageError("The client_id parameter is missing.")
    if client_id != settings.client_id:
        raise AuthorizePageError("No integration is registered with this client_id.")
    redirect_uri = resolve_redirect_uri(params.get("redirect_uri"), settings.redirect_uris)
    state = params.get("state")

    def fail(error: str, description: str) -> AuthorizeRedirectError:
        return AuthorizeRedirectError(redirect_uri, error, description, state)

    response_type = params.get("response_type")
    if not response_type:
        raise fail("invalid_request", "The response_type parameter is missing.")
    if response_type != "code":
        raise fail("unsupported_response_type", "Only response_type=code is supported.")
    scopes = tuple(params.get("scope", "").split())
    if not scopes:
        raise fail("invalid_scope", "The scope parameter is missing or empty.")
    code_challenge, code_challenge_method = parse_pkce(params, fail)
    return AuthorizeRequest(
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        form_fields={name: params[name] for name in AUTHORIZE_PARAMS if name in params},
    )


def resolve_redirect_uri(given: str | None, registered: tuple[str, ...]) -> str:
    if given is None:
        if len(registered) == 1:
            return registered[0]
        raise AuthorizePageError(
            "The redirect_uri parameter is required: several redirect URIs are registered."
        )
    if given not in registered:  # exact string match (RFC 9700 section 4.1.3)
        raise AuthorizePageError("The redirect_uri does not match any registered redirect URI.")
    return given


def parse_pkce(
    params: Mapping[str, str], fail: Callable[[str, str], AuthorizeRedirectError]
) -> tuple[str | None, str | None]:
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            raise fail("invalid_request", "code_challenge_method needs a code_challenge.")
        return None, None
    method = method or "plain"  # the RFC 7636 default
    if method not in PKCE_METHODS:
        raise fail("invalid_request", "code_challenge_method must be S256 or plain.")
    if not _PKCE_VALUE.fullmatch(challenge):
        raise fail("invalid_request", "code_challenge must be 43 to 128 unreserved characters.")
    return challenge, method


def check_code_verifier(record: AuthorizationCode, verifier: str | None) -> None:
    if record.code_challenge is None:
        # RFC 9700 section 2.1.1: a verifier without a stored challenge is a downgrade attempt.
        if verifier is not None:
            raise OAuthError(
                400, "invalid_grant", "code_verifier sent but no code_challenge was used."
            )
        return
    if verifier is None:
        raise OAuthError(400, "invalid_grant", "code_verifier is required for this code.")
    if record.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        derived = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    else:
        derived = verifier
    if not secrets.compare_digest(derived.encode(), record.code_challenge.encode()):
        raise OAuthError(400, "invalid_grant", "code_verifier does not match the code_challenge.")


def redirect_with(uri: str, params: Mapping[str, str | None]) -> Response:
    """302 to uri with params appended to any query the registered URI already has."""
    parts = urlsplit(uri)
    extra = urlencode({name: value for name, value in params.items() if value is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    # flask.redirect builds the app's response class, a flask Response.
    response = cast(Response, redirect(urlunsplit(parts._replace(query=query)), code=302))
    response.headers["Cache-Control"] = "no-store"
    return response
