"""EmulatorState: every mutable thing of one emulator (users, codes, tokens, faults, counters)."""

from __future__ import annotations

import base64
import copy
import dataclasses
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from webex_emulator.authorize import AuthorizeRequest, check_code_verifier
from webex_emulator.faults import FAULT_ENDPOINTS, FaultsAndCounters, new_stats
from webex_emulator.people import check_profile_changes, new_person, webex_time
from webex_emulator.records import AuthorizationCode, ControlError, IssuedToken, OAuthError
from webex_emulator.settings import EmulatorSettings, check_runtime_setting

TOKEN_KINDS = ("access", "refresh", "all")


class EmulatorState(FaultsAndCounters):
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
        self._faults = {endpoint: [] for endpoint in FAULT_ENDPOINTS}
        self._stats = new_stats()

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

    # -- stats -------------------------------------------------------------------------------

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
