#!/usr/bin/env python3
"""A fake Webex OAuth and People API server for the tests, the benchmarks and the local demo.

LOOPBACK TEST HARNESS ONLY. Its tokens are worthless, its consent page has no login and no CSRF
protection, and anyone who can reach the /_emulator/ control API can rewrite its state. It
therefore refuses to listen on anything but a loopback address.

It follows Webex's public documentation ("Login with Webex", the webex-openapi-specs). Where Webex
leaves behaviour undocumented (error body shape of /v1/access_token, refresh-token rotation) both
variants are available behind a switch.

Webex endpoints
  GET  /v1/authorize      Checks client_id, redirect_uri (exact match; optional when only one is
                          registered), response_type=code, scope, optional PKCE. An unknown client
                          or redirect_uri gets a 400 page, never a redirect. Shows the consent page,
                          or redirects straight away with a code when auto-approve is on.
  POST /v1/authorize      The consent form. decision=approve: 302 to redirect_uri?code=..&state=..;
                          decision=deny: 302 to redirect_uri?error=access_denied&..&state=..
  POST /v1/access_token   Form-encoded. Client auth by HTTP Basic (id and secret URL-escaped, as
                          golang.org/x/oauth2 sends them) or client_id/client_secret in the body.
                          grant_type=authorization_code or refresh_token.
  GET  /v1/people/me      Bearer token with spark:people_read or spark:all: the signed-in person.

Control API (JSON)
  GET      /_emulator/health          {"status": "ok"}
  GET|POST /_emulator/settings        read, or partially update, the runtime settings
  GET|PUT  /_emulator/user            read, or partially update, the signed-in user's profile
  GET|POST /_emulator/users           list the profiles, or add one and sign in as it
  POST     /_emulator/login           {"id": person id}: sign in as another profile
  POST     /_emulator/tokens/expire   {"kind": "access"|"refresh"|"all", "token": optional}
  POST     /_emulator/tokens/revoke   {"token": optional}: that token's grant, or every grant
  POST     /_emulator/faults          {"endpoint", "count", "status", "error", "hang_seconds",
                                      "retry_after"}: the next `count` calls to that endpoint
                                      hang and/or fail with `status`; no status means a slow
                                      but normal answer. A 429 carries Retry-After (1 s unless
                                      retry_after is given; null leaves it out). Faults queue.
  DELETE   /_emulator/faults          drop the queued faults
  GET      /_emulator/stats           request, grant, client-auth and fault counters; live tokens
  POST     /_emulator/reset           tokens, faults, stats, settings and users back to the start
  GET      /_emulator/avatar/<id>     the default avatar picture (SVG), so pages load nothing remote

Run it with
  python tools/webex_emulator.py --client-id ID --client-secret SECRET --redirect-uri URI
(see --help; every flag can also be set as WEBEX_EMULATOR_<FLAG>). From pytest use
`start_in_thread(EmulatorSettings(...))`, which returns `(server, base_url)`.
"""

from __future__ import annotations

import argparse
import base64
import copy
import dataclasses
import hashlib
import http
import ipaddress
import logging
import os
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.serving import WSGIRequestHandler, make_server

_log = logging.getLogger("webex_emulator")

TEMPLATE_DIR = Path(__file__).resolve().parent / "webex_emulator_templates"
ENV_PREFIX = "WEBEX_EMULATOR_"
DEFAULT_CLI_PORT = 8600

ERROR_STYLES = ("rfc", "webex")
PKCE_METHODS = ("S256", "plain")
PEOPLE_READ_SCOPES = frozenset({"spark:people_read", "spark:all"})
FAULT_ENDPOINTS = ("access_token", "people_me")
TOKEN_KINDS = ("access", "refresh", "all")
WEBEX_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.000Z"

# The exact 401 text of the real API (asserted by a live-API test in thrzn41/WebexTeamsAPIClient).
UNAUTHORIZED_MESSAGE = (
    "The request requires a valid access token set in the Authorization request header."
)
# What /v1/people/me answers without spark:people_read (quoted in webex/webex-js-sdk PR #4011).
MISSING_SCOPE_MESSAGE = (
    "The server understood the request, but refused to fulfill it because the access token is"
    " missing required scopes or the user is missing required roles or licenses."
)
# Webex REST errors put a generic sentence per status in "message" and the detail in
# errors[].description (the 400 sentence is the one /v1/device/authorize returns).
WEBEX_STATUS_MESSAGES = {
    400: "The request could not be understood by the server due to malformed syntax.",
    401: "Authentication credentials were missing or incorrect.",
    403: "The request is understood, but it has been refused or access is not allowed.",
    404: "The URI requested is invalid or the resource requested does not exist.",
    429: "Too many requests have been sent in a given amount of time and the request has been"
    " rate limited.",
    500: "Something went wrong on the server.",
    503: "Server is overloaded with requests. Try again later.",
}

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

_RUNTIME_SETTINGS = (
    "access_token_lifetime",
    "refresh_token_lifetime",
    "code_lifetime",
    "error_style",
    "rotate_refresh_tokens",
    "auto_approve",
    "latency_ms",
)
_PROFILE_READ_ONLY = ("id", "orgId", "created", "lastModified")
_PROFILE_STRING_FIELDS = (
    "displayName",
    "nickName",
    "firstName",
    "lastName",
    "avatar",
    "status",
    "type",
    "department",
    "title",
    "timezone",
    "extension",
    "locationId",
    "manager",
    "managerId",
)
_PROFILE_LIST_FIELDS = (
    "emails",
    "phoneNumbers",
    "roles",
    "licenses",
    "addresses",
    "siteUrls",
    "sipAddresses",
)


# --------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class EmulatorSettings:
    """Start values. The _RUNTIME_SETTINGS can be changed later through /_emulator/settings."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    client_name: str = "Webex Vault Demo"
    host: str = "127.0.0.1"
    port: int = 0  # 0 picks a free port; the CLI defaults to 8600
    access_token_lifetime: int = 1209599
    refresh_token_lifetime: int = 7775999
    code_lifetime: int = 300
    error_style: str = "rfc"
    rotate_refresh_tokens: bool = False
    auto_approve: bool = False
    latency_ms: int = 0
    display_name: str = "Demo User"
    email: str = "demo.user@example.com"

    def __post_init__(self) -> None:
        # Accept any sequence (a list from JSON or argparse) but keep the frozen value hashable.
        object.__setattr__(self, "redirect_uris", tuple(self.redirect_uris))
        for name in ("client_id", "client_secret", "client_name", "display_name", "email"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string.")
        if not self.redirect_uris or not all(
            isinstance(uri, str) and uri for uri in self.redirect_uris
        ):
            raise ValueError("At least one redirect URI must be registered.")
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ValueError("port must be a number from 0 to 65535.")
        for name in _RUNTIME_SETTINGS:
            check_runtime_setting(name, getattr(self, name))


def check_runtime_setting(name: str, value: Any) -> None:
    """Raise ValueError (one sentence) unless value suits the runtime setting `name`."""
    if name in ("access_token_lifetime", "refresh_token_lifetime", "code_lifetime"):
        # 0 would mean "no expiry" to golang.org/x/oauth2, which is not what a test wants.
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a whole number of seconds, at least 1.")
    elif name == "latency_ms":
        if not _is_int(value) or value < 0:
            raise ValueError("latency_ms must be a whole number of milliseconds, at least 0.")
    elif name == "error_style":
        if value not in ERROR_STYLES:
            raise ValueError("error_style must be 'rfc' or 'webex'.")
    elif name in ("rotate_refresh_tokens", "auto_approve"):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false.")
    else:
        raise ValueError(
            f"Unknown setting {name!r}; changeable settings: {', '.join(_RUNTIME_SETTINGS)}."
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def public_settings(settings: EmulatorSettings) -> dict[str, Any]:
    """The settings as JSON, without the client secret."""
    values = dataclasses.asdict(settings)
    del values["client_secret"]
    values["redirect_uris"] = list(settings.redirect_uris)
    return values


# --------------------------------------------------------------------------------------------
# State


@dataclass
class AuthorizationCode:
    client_id: str
    user_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    expires_at: float
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass
class IssuedToken:
    """An access or a refresh token. grant_id links every token issued from one consent, so
    revoking any of them revokes the whole family, as revoking an authorization does at Webex."""

    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    grant_id: str
    expires_at: float


@dataclass
class Fault:
    remaining: int
    status: int | None
    error: str | None
    hang_seconds: float
    retry_after: int | None


class OAuthError(Exception):
    """A token endpoint error: rendered in the RFC 6749 or the Webex shape."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class ControlError(Exception):
    """A control API request the emulator cannot honour."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class EmulatorState:
    """Everything mutable, behind one lock: the request threads and the control API share it."""

    def __init__(self, settings: EmulatorSettings, clock: Callable[[], float] = time.time):
        self._lock = threading.Lock()
        self._clock = clock
        self._initial_settings = settings
        self.org_uuid = str(uuid.uuid4())
        first_user = new_person(self.org_uuid, settings.display_name, settings.email, clock())
        self._initial_users = {first_user["id"]: first_user}
        self._initial_user_id = first_user["id"]
        # Set to wake injected hangs and latency sleeps early, on reset and on shutdown.
        self.stop_waiting = threading.Event()
        with self._lock:
            self._reset_locked()

    def _reset_locked(self) -> None:
        self._settings = self._initial_settings
        self._users = copy.deepcopy(self._initial_users)
        self._current_user_id = self._initial_user_id
        self._codes: dict[str, AuthorizationCode] = {}
        self._access_tokens: dict[str, IssuedToken] = {}
        self._refresh_tokens: dict[str, IssuedToken] = {}
        self._faults: dict[str, list[Fault]] = {endpoint: [] for endpoint in FAULT_ENDPOINTS}
        self._stats: dict[str, dict[str, Any]] = {
            "requests": dict.fromkeys(("authorize", "access_token", "people_me"), 0),
            "responses": {},
            "grant_types": dict.fromkeys(("authorization_code", "refresh_token", "other"), 0),
            "client_auth": dict.fromkeys(("basic", "body", "none"), 0),
            "client_auth_failures": dict.fromkeys(("basic", "body", "none"), 0),
            "token_errors": {},
            "faults_injected": dict.fromkeys(FAULT_ENDPOINTS, 0),
            "issued": dict.fromkeys(("codes", "access_tokens", "refresh_tokens"), 0),
        }

    def reset(self) -> None:
        with self._lock:
            self._reset_locked()
        self.stop_waiting.set()  # release requests stuck in an injected hang ...
        self.stop_waiting.clear()  # ... without cutting short the hangs injected after this

    # -- settings ----------------------------------------------------------------------------

    @property
    def settings(self) -> EmulatorSettings:
        # No lock needed: the settings object is immutable and swapped in one assignment.
        return self._settings

    def update_settings(self, changes: Mapping[str, Any]) -> EmulatorSettings:
        for name, value in changes.items():
            check_runtime_setting(name, value)
        with self._lock:
            self._settings = dataclasses.replace(self._settings, **changes)
            return self._settings

    # -- users -------------------------------------------------------------------------------

    def current_user(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._users[self._current_user_id])

    def user(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._users.get(user_id))

    def users(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._users.values()))

    def update_current_user(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        check_profile_changes(changes)
        with self._lock:
            profile = self._users[self._current_user_id]
            profile.update(copy.deepcopy(dict(changes)))
            profile["lastModified"] = webex_time(self._clock())
            return copy.deepcopy(profile)

    def add_user(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Add a profile and sign in as it, as if another person logged in to Webex."""
        check_profile_changes(fields)
        with self._lock:
            number = len(self._users) + 1
            display_name = fields.get("displayName") or f"Demo User {number}"
            emails = fields.get("emails") or [f"demo.user{number}@example.com"]
            profile = new_person(self.org_uuid, display_name, emails[0], self._clock())
            profile.update(copy.deepcopy(dict(fields)))
            self._users[profile["id"]] = profile
            self._current_user_id = profile["id"]
            return copy.deepcopy(profile)

    def sign_in(self, user_id: str) -> dict[str, Any]:
        with self._lock:
            if user_id not in self._users:
                raise ControlError("No user profile has this id.", status=404)
            self._current_user_id = user_id
            return copy.deepcopy(self._users[user_id])

    # -- codes and tokens --------------------------------------------------------------------

    def issue_code(self, client_id: str, authorize: AuthorizeRequest) -> str:
        with self._lock:
            now = self._clock()
            self._drop_expired_codes_locked(now)
            code = self._new_secret_locked()
            self._codes[code] = AuthorizationCode(
                client_id=client_id,
                user_id=self._current_user_id,
                redirect_uri=authorize.redirect_uri,
                scopes=authorize.scopes,
                expires_at=now + self._settings.code_lifetime,
                code_challenge=authorize.code_challenge,
                code_challenge_method=authorize.code_challenge_method,
            )
            self._stats["issued"]["codes"] += 1
            return code

    def exchange_code(
        self, client_id: str, code: str, redirect_uri: str, code_verifier: str | None
    ) -> dict[str, Any]:
        """The authorization_code grant. The caller has already authenticated the client."""
        with self._lock:
            record = self._codes.get(code)
            if record is None or record.expires_at <= self._clock():
                raise OAuthError(
                    400, "invalid_grant", "The authorization code is invalid, expired or used."
                )
            if record.client_id != client_id:
                raise OAuthError(
                    400, "invalid_grant", "The authorization code was issued to another client."
                )
            if record.redirect_uri != redirect_uri:
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "redirect_uri does not match the one used at the authorize endpoint.",
                )
            check_code_verifier(record, code_verifier)
            # Consumed only now: golang.org/x/oauth2 retries a failed exchange once with the
            # other client-auth style, and burning the code on the first failure would hide
            # the real error behind "code already used" on the retry.
            del self._codes[code]
            return self._issue_tokens_locked(
                record.client_id, record.user_id, record.scopes, uuid.uuid4().hex
            )

    def refresh(self, client_id: str, refresh_token: str) -> dict[str, Any]:
        """The refresh_token grant. The caller has already authenticated the client."""
        with self._lock:
            record = self._refresh_tokens.get(refresh_token)
            if (
                record is None
                or record.expires_at <= self._clock()
                or record.client_id != client_id
            ):
                raise OAuthError(
                    400, "invalid_grant", "The refresh token is invalid, expired or revoked."
                )
            if self._settings.rotate_refresh_tokens:
                del self._refresh_tokens[refresh_token]
                reused_refresh_token = None
            else:
                reused_refresh_token = refresh_token
            return self._issue_tokens_locked(
                record.client_id,
                record.user_id,
                record.scopes,
                record.grant_id,
                refresh_token=reused_refresh_token,
            )

    def _issue_tokens_locked(
        self,
        client_id: str,
        user_id: str,
        scopes: tuple[str, ...],
        grant_id: str,
        refresh_token: str | None = None,
    ) -> dict[str, Any]:
        settings = self._settings
        now = self._clock()
        access_token = self._new_secret_locked()
        self._access_tokens[access_token] = IssuedToken(
            client_id, user_id, scopes, grant_id, now + settings.access_token_lifetime
        )
        if refresh_token is None:
            refresh_token = self._new_secret_locked()
            self._stats["issued"]["refresh_tokens"] += 1
        # A reused refresh token gets a fresh expiry: Webex says refresh tokens that are used
        # regularly "will be refreshed to last forever".
        self._refresh_tokens[refresh_token] = IssuedToken(
            client_id, user_id, scopes, grant_id, now + settings.refresh_token_lifetime
        )
        self._stats["issued"]["access_tokens"] += 1
        return {
            "access_token": access_token,
            "expires_in": settings.access_token_lifetime,
            "refresh_token": refresh_token,
            "refresh_token_expires_in": settings.refresh_token_lifetime,
            "token_type": "Bearer",
        }

    def valid_access_token(self, access_token: str) -> IssuedToken | None:
        with self._lock:
            record = self._access_tokens.get(access_token)
            if record is None or record.expires_at <= self._clock():
                return None
            return record

    def expire_tokens(self, kind: str, token: str | None) -> int:
        with self._lock:
            tables = self._token_tables_locked(kind)
            if token is not None:
                tables = [table for table in tables if token in table]
                if not tables:
                    raise ControlError(f"No {kind} token matches.", status=404)
            now = self._clock()
            expired = 0
            for table in tables:
                for value, record in table.items():
                    if token is None or value == token:
                        record.expires_at = min(record.expires_at, now)
                        expired += 1
            return expired

    def _token_tables_locked(self, kind: str) -> list[dict[str, IssuedToken]]:
        if kind not in TOKEN_KINDS:
            raise ControlError("kind must be 'access', 'refresh' or 'all'.")
        return {
            "access": [self._access_tokens],
            "refresh": [self._refresh_tokens],
            "all": [self._access_tokens, self._refresh_tokens],
        }[kind]

    def revoke_tokens(self, token: str | None) -> dict[str, int]:
        """Revoke the grant `token` belongs to (refresh and access tokens alike), or all."""
        with self._lock:
            if token is None:
                revoked = {"access": len(self._access_tokens), "refresh": len(self._refresh_tokens)}
                self._access_tokens.clear()
                self._refresh_tokens.clear()
                return revoked
            record = self._refresh_tokens.get(token) or self._access_tokens.get(token)
            if record is None:
                raise ControlError("No access or refresh token matches.", status=404)
            return {
                "access": _drop_grant(self._access_tokens, record.grant_id),
                "refresh": _drop_grant(self._refresh_tokens, record.grant_id),
            }

    def _new_secret_locked(self) -> str:
        # Shaped like real Webex codes and tokens: <base64 text>_PF84_<org uuid>. The base64 of
        # hex digits never contains '+' or '/', so the value is URL safe.
        body = base64.b64encode(secrets.token_hex(24).encode()).decode()
        return f"{body}_PF84_{self.org_uuid}"

    def _drop_expired_codes_locked(self, now: float) -> None:
        for code in [code for code, record in self._codes.items() if record.expires_at <= now]:
            del self._codes[code]

    # -- faults and stats --------------------------------------------------------------------

    def add_fault(self, endpoint: str, fault: Fault) -> int:
        with self._lock:
            self._faults[endpoint].append(fault)
            return sum(queued.remaining for queued in self._faults[endpoint])

    def clear_faults(self) -> None:
        with self._lock:
            for queue in self._faults.values():
                queue.clear()

    def take_fault(self, endpoint: str) -> Fault | None:
        """The fault to apply to this call, if one is queued (faults apply in the order added)."""
        with self._lock:
            queue = self._faults[endpoint]
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining == 0:
                queue.pop(0)
            self._stats["faults_injected"][endpoint] += 1
            return fault

    def count(self, group: str, key: str) -> None:
        with self._lock:
            counters = self._stats[group]
            counters[key] = counters.get(key, 0) + 1

    def count_response(self, endpoint: str, status: int) -> None:
        with self._lock:
            counters = self._stats["responses"].setdefault(endpoint, {})
            counters[str(status)] = counters.get(str(status), 0) + 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            snapshot: dict[str, Any] = copy.deepcopy(self._stats)
            snapshot["live_tokens"] = {
                "access": _count_live(self._access_tokens.values(), now),
                "refresh": _count_live(self._refresh_tokens.values(), now),
                "codes": _count_live(self._codes.values(), now),
            }
            snapshot["queued_faults"] = {
                endpoint: sum(fault.remaining for fault in queue)
                for endpoint, queue in self._faults.items()
            }
            return snapshot


def _drop_grant(table: dict[str, IssuedToken], grant_id: str) -> int:
    doomed = [value for value, record in table.items() if record.grant_id == grant_id]
    for value in doomed:
        del table[value]
    return len(doomed)


def _count_live(records: Any, now: float) -> int:
    return sum(1 for record in records if record.expires_at > now)


# --------------------------------------------------------------------------------------------
# People


def webex_id(kind: str, raw_uuid: str) -> str:
    """Webex ids are unpadded base64 of ciscospark://us/<KIND>/<uuid>."""
    return (
        base64.urlsafe_b64encode(f"ciscospark://us/{kind}/{raw_uuid}".encode()).decode().rstrip("=")
    )


def webex_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime(WEBEX_TIME_FORMAT)


def new_person(org_uuid: str, display_name: str, email: str, now: float) -> dict[str, Any]:
    """A profile with the field names of GET /v1/people/me (webex-openapi-specs).

    No "avatar" key means the emulator serves its own picture; avatar null means none."""
    first_name, _, last_name = display_name.partition(" ")
    created = webex_time(now)
    return {
        "id": webex_id("PEOPLE", str(uuid.uuid4())),
        "emails": [email],
        "phoneNumbers": [],
        "displayName": display_name,
        "nickName": first_name,
        "firstName": first_name,
        "lastName": last_name,
        "orgId": webex_id("ORGANIZATION", org_uuid),
        "created": created,
        "lastModified": created,
        "status": "active",
        "type": "person",
    }


def check_profile_changes(changes: Mapping[str, Any]) -> None:
    """Raise ControlError unless every change names a writable field with a fitting type.
    null is allowed everywhere: it removes the field from the people/me answer."""
    for name, value in changes.items():
        if name in _PROFILE_READ_ONLY:
            raise ControlError(f"The profile field {name!r} cannot be changed.")
        if name in _PROFILE_STRING_FIELDS:
            expected: type = str
        elif name in _PROFILE_LIST_FIELDS:
            expected = list
        else:
            raise ControlError(f"Unknown profile field {name!r}.")
        if value is not None and not isinstance(value, expected):
            kind = "a string" if expected is str else "a list"
            raise ControlError(f"The profile field {name!r} must be {kind} or null.")


def person_document(profile: Mapping[str, Any]) -> dict[str, Any]:
    """The people/me answer: the default avatar filled in, null fields left out."""
    document = dict(profile)
    document.setdefault(
        "avatar", url_for("control.avatar", person_id=profile["id"], _external=True)
    )
    return {name: value for name, value in document.items() if value is not None}


def initials(display_name: str) -> str:
    return "".join(word[0] for word in display_name.split()[:2]).upper() or "?"


# --------------------------------------------------------------------------------------------
# The authorize endpoint


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
    response = redirect(urlunsplit(parts._replace(query=query)), code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------------------------
# Responses


def tracking_id() -> str:
    """One Webex-style tracking id per request, shared by the error body and the header."""
    if "tracking_id" not in g:
        g.tracking_id = f"ROUTER_{str(uuid.uuid4()).upper()}"
    return g.tracking_id


def webex_error(status: int, description: str, message: str | None = None) -> Response:
    """The Webex REST error shape: {"message", "errors": [{"description"}], "trackingId"}."""
    if message is None:
        message = WEBEX_STATUS_MESSAGES.get(status) or http.HTTPStatus(status).phrase
    response = jsonify(
        message=message, errors=[{"description": description}], trackingId=tracking_id()
    )
    response.status_code = status
    return response


def token_error(status: int, error: str, description: str) -> Response:
    """A token endpoint error in the shape chosen by the error_style setting."""
    state = emulator_state()
    if state.settings.error_style == "webex":
        response = webex_error(status, description)
    else:
        response = jsonify(error=error, error_description=description)
        response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="webex-emulator"'
    state.count("token_errors", error)
    return response


def default_fault_error(status: int) -> str:
    if status == 401:
        return "invalid_client"
    if status in (429, 503):
        return "temporarily_unavailable"
    return "invalid_grant" if status < 500 else "server_error"


def emulator_state() -> EmulatorState:
    return current_app.extensions["webex_emulator"]


def apply_fault(endpoint: str, make_error: Callable[[int, str, str], Response]) -> Response | None:
    """Take the next queued fault for endpoint: hang if asked, then return its error response,
    or None when the fault only delays the call (a slow answer, not a failed one)."""
    state = emulator_state()
    fault = state.take_fault(endpoint)
    if fault is None:
        return None
    if fault.hang_seconds:
        state.stop_waiting.wait(fault.hang_seconds)
    if fault.status is None:
        return None
    error = fault.error or default_fault_error(fault.status)
    response = make_error(fault.status, error, "Injected by the Webex emulator's fault API.")
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    return response


# --------------------------------------------------------------------------------------------
# Webex blueprint: /v1/authorize, /v1/access_token, /v1/people/me

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
    faulted = apply_fault("access_token", token_error)
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


# --------------------------------------------------------------------------------------------
# Control blueprint: /_emulator/

control = Blueprint("control", __name__, url_prefix="/_emulator")


@control.errorhandler(ControlError)
def _control_error(exc: ControlError) -> tuple[Response, int]:
    return jsonify(error=exc.message), exc.status


def json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise ControlError("The request body must be a JSON object.")
    return body


@control.get("/health")
def health() -> Response:
    return jsonify(status="ok")


@control.route("/settings", methods=["GET", "POST"])
def settings_endpoint() -> Response:
    state = emulator_state()
    if request.method == "POST":
        try:
            state.update_settings(json_object())
        except ValueError as exc:
            raise ControlError(str(exc)) from exc
    return jsonify(public_settings(state.settings))


@control.route("/user", methods=["GET", "PUT"])
def user_endpoint() -> Response:
    state = emulator_state()
    if request.method == "PUT":
        return jsonify(person_document(state.update_current_user(json_object())))
    return jsonify(person_document(state.current_user()))


@control.route("/users", methods=["GET", "POST"])
def users_endpoint() -> Response | tuple[Response, int]:
    state = emulator_state()
    if request.method == "POST":
        return jsonify(person_document(state.add_user(json_object()))), 201
    current_id = state.current_user()["id"]
    return jsonify(
        items=[person_document(profile) for profile in state.users()], current=current_id
    )


@control.post("/login")
def login() -> Response:
    user_id = json_object().get("id")
    if not isinstance(user_id, str):
        raise ControlError('Send the person id to sign in as: {"id": "..."}.')
    return jsonify(person_document(emulator_state().sign_in(user_id)))


@control.post("/tokens/expire")
def expire_tokens() -> Response:
    body = json_object()
    token = _optional_token(body)
    expired = emulator_state().expire_tokens(body.get("kind", "all"), token)
    return jsonify(expired=expired)


@control.post("/tokens/revoke")
def revoke_tokens() -> Response:
    return jsonify(revoked=emulator_state().revoke_tokens(_optional_token(json_object())))


def _optional_token(body: Mapping[str, Any]) -> str | None:
    token = body.get("token")
    if token is not None and not isinstance(token, str):
        raise ControlError("token must be a string.")
    return token


@control.route("/faults", methods=["POST", "DELETE"])
def faults() -> Response:
    state = emulator_state()
    if request.method == "DELETE":
        state.clear_faults()
        return jsonify(queued=0)
    endpoint, fault = parse_fault(json_object())
    return jsonify(endpoint=endpoint, queued=state.add_fault(endpoint, fault))


def parse_fault(body: Mapping[str, Any]) -> tuple[str, Fault]:
    unknown = set(body) - {"endpoint", "count", "status", "error", "hang_seconds", "retry_after"}
    if unknown:
        raise ControlError(f"Unknown fault field(s): {', '.join(sorted(unknown))}.")
    endpoint = body.get("endpoint")
    if endpoint not in FAULT_ENDPOINTS:
        raise ControlError("endpoint must be 'access_token' or 'people_me'.")
    count = body.get("count", 1)
    status = body.get("status")
    error = body.get("error")
    hang_seconds = body.get("hang_seconds", 0)
    if not _is_int(count) or count < 1:
        raise ControlError("count must be a whole number, at least 1.")
    if status is not None and (not _is_int(status) or not 400 <= status <= 599):
        raise ControlError("status must be an HTTP error status from 400 to 599.")
    if error is not None and not isinstance(error, str):
        raise ControlError("error must be a string such as 'invalid_grant'.")
    if not isinstance(hang_seconds, int | float) or not 0 <= hang_seconds <= 600:
        raise ControlError("hang_seconds must be a number from 0 to 600.")
    if status is None and not hang_seconds:
        raise ControlError("A fault needs a status, a hang_seconds, or both.")
    # Retry-After goes with every 429 (1 s unless told); an explicit null leaves it out, to test
    # the SDK's 15 s default.
    retry_after = body.get("retry_after", 1 if status == 429 else None)
    if retry_after is not None and (not _is_int(retry_after) or retry_after < 0):
        raise ControlError("retry_after must be a whole number of seconds or null.")
    return endpoint, Fault(count, status, error, float(hang_seconds), retry_after)


@control.get("/stats")
def stats() -> Response:
    return jsonify(emulator_state().stats())


@control.post("/reset")
def reset() -> Response:
    emulator_state().reset()
    return jsonify(status="reset")


@control.get("/avatar/<person_id>")
def avatar(person_id: str) -> Response:
    profile = emulator_state().user(person_id)
    if profile is None:
        raise ControlError("No user profile has this id.", status=404)
    svg = render_template("avatar.svg", initials=initials(profile.get("displayName") or ""))
    return Response(svg, mimetype="image/svg+xml")


# --------------------------------------------------------------------------------------------
# App and server


def create_app(settings: EmulatorSettings, clock: Callable[[], float] = time.time) -> Flask:
    """The emulator as a WSGI app. clock lets tests move time instead of sleeping."""
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR), static_folder=None)
    app.json.sort_keys = False  # keep the documented field order of Webex answers
    app.extensions["webex_emulator"] = EmulatorState(settings, clock)
    app.register_blueprint(webex)
    app.register_blueprint(control)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _http_error(exc: HTTPException) -> Response:
    """Unknown paths and wrong methods answer in JSON, like the API they imitate."""
    status = exc.code or 500
    if request.path.startswith("/v1/"):
        response = webex_error(status, exc.description or exc.name)
        response.headers.setdefault("trackingId", tracking_id())
    else:
        response = jsonify(error=exc.description or exc.name)
        response.status_code = status
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


class RedactingRequestHandler(WSGIRequestHandler):
    """Logs method, path and status only: query strings carry codes, states and challenges."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = getattr(code, "value", code)
        _log.info("%s %s %s", self.command, urlsplit(self.path).path, status)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        # http.server puts the raw request line, query string included, into these messages.
        _log.warning("Rejected a malformed HTTP request")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        _log.info("HTTP server notice (details withheld: they may contain a query string)")


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class EmulatorServer:
    """The emulator behind a threaded werkzeug server on a loopback address."""

    def __init__(self, settings: EmulatorSettings, clock: Callable[[], float] = time.time):
        if not is_loopback_host(settings.host):
            raise ValueError(
                f"Refusing to listen on {settings.host}: the Webex emulator is a test harness"
                " and only binds to loopback addresses such as 127.0.0.1."
            )
        self.app = create_app(settings, clock)
        self.state: EmulatorState = self.app.extensions["webex_emulator"]
        self._server = make_server(
            settings.host,
            settings.port,
            self.app,
            threaded=True,
            request_handler=RedactingRequestHandler,
        )
        self.port: int = self._server.server_port
        self.base_url = base_url(settings.host, self.port)
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> None:
        # A short poll interval makes shutdown() return quickly between tests.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="webex-emulator",
            daemon=True,
        )
        self._thread.start()

    def shutdown(self) -> None:
        self.state.stop_waiting.set()  # end injected hangs so their threads finish
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()


def start_in_thread(
    settings: EmulatorSettings, clock: Callable[[], float] = time.time
) -> tuple[EmulatorServer, str]:
    """Start the emulator in a daemon thread; call server.shutdown() when done."""
    server = EmulatorServer(settings, clock)
    server.start()
    return server, server.base_url


# --------------------------------------------------------------------------------------------
# Command line

# Every option: (flags, dest, type, help). Each one can also come from WEBEX_EMULATOR_<DEST>.
_OPTIONS: tuple[tuple[str, str, Callable[[str], Any], str], ...] = (
    ("--host", "host", str, "loopback address to listen on (default 127.0.0.1)"),
    ("--port", "port", int, f"port, 0 for any free one (default {DEFAULT_CLI_PORT})"),
    ("--client-id", "client_id", str, "the integration's client id (required)"),
    ("--client-secret", "client_secret", str, "the integration's client secret (required)"),
    ("--client-name", "client_name", str, "name shown on the consent page"),
    ("--access-token-lifetime", "access_token_lifetime", int, "seconds (default 1209599)"),
    ("--refresh-token-lifetime", "refresh_token_lifetime", int, "seconds (default 7775999)"),
    ("--code-lifetime", "code_lifetime", int, "authorization code lifetime, seconds (default 300)"),
    ("--error-style", "error_style", str, "token error body: rfc (default) or webex"),
    ("--latency-ms", "latency_ms", int, "delay added to every token endpoint answer"),
    ("--display-name", "display_name", str, "the signed-in user's displayName (default Demo User)"),
    ("--email", "email", str, "the signed-in user's email (default demo.user@example.com)"),
)
_SWITCHES = (
    ("--rotate-refresh-tokens", "rotate_refresh_tokens", "issue a new refresh token on refresh"),
    ("--auto-approve", "auto_approve", "skip the consent page and approve at once"),
)


def env_name(dest: str) -> str:
    return ENV_PREFIX + dest.upper()


def parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Fake Webex OAuth server for local tests (loopback only).",
        epilog="Flags win over the WEBEX_EMULATOR_<FLAG> environment variables.",
    )
    # Defaults are None so that an unset flag can fall back to its environment variable.
    for flag, dest, convert, help_text in _OPTIONS:
        parser.add_argument(flag, dest=dest, type=convert, help=f"{help_text}; {env_name(dest)}")
    parser.add_argument(
        "--redirect-uri",
        dest="redirect_uri",
        action="append",
        help="a registered redirect URI, repeatable (required); "
        f"{env_name('redirect_uri')} takes a space-separated list",
    )
    for flag, dest, help_text in _SWITCHES:
        parser.add_argument(
            flag,
            dest=dest,
            action=argparse.BooleanOptionalAction,
            help=f"{help_text}; {env_name(dest)}=true|false",
        )
    return parser


def settings_from_args(argv: list[str] | None, environ: Mapping[str, str]) -> EmulatorSettings:
    """Flags, then WEBEX_EMULATOR_* variables, then the defaults. Exits on a usage error."""
    parser = build_parser()
    args = vars(parser.parse_args(argv))
    converters: dict[str, Callable[[str], Any]] = {
        dest: convert for _, dest, convert, _ in _OPTIONS
    }
    converters.update({dest: parse_bool for _, dest, _ in _SWITCHES})
    converters["redirect_uri"] = str.split
    for dest, convert in converters.items():
        raw = environ.get(env_name(dest), "")
        if args[dest] is None and raw.strip():
            try:
                args[dest] = convert(raw)
            except ValueError:
                parser.error(f"{env_name(dest)} has an invalid value {raw!r}.")
    for dest, flag in (
        ("client_id", "--client-id"),
        ("client_secret", "--client-secret"),
        ("redirect_uri", "--redirect-uri"),
    ):
        if not args[dest]:
            parser.error(f"{flag} (or {env_name(dest)}) is required.")
    args["redirect_uris"] = args.pop("redirect_uri")
    if args["port"] is None:
        args["port"] = DEFAULT_CLI_PORT
    try:
        return EmulatorSettings(
            **{name: value for name, value in args.items() if value is not None}
        )
    except ValueError as exc:
        parser.error(str(exc))
        raise  # parser.error exits; this line keeps type checkers content


def main(argv: list[str] | None = None) -> int:
    settings = settings_from_args(argv, os.environ)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        server = EmulatorServer(settings)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"Cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}.",
            file=sys.stderr,
        )
        return 1
    # Harnesses wait for this exact line before they send requests.
    print(f"Webex emulator listening on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
