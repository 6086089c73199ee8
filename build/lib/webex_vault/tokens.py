"""The token cache: each credential's access token, reused until it nears its expiry."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import hvac

from webex_vault.errors import CredentialRefreshFailed, VaultTokenInvalid, authorize_hint
from webex_vault.vault import Credential, read_credential

DEFAULT_MARGIN_SECONDS = 60


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TokenProvider:
    """Hands out each credential's access token until it is within `margin_seconds` of expiry.

    One provider serves many credential names (the web app keeps one per user). It is
    thread-safe, and concurrent callers for the same name share a single Vault read.

    Reads are plain: the samples' policies refuse `minimum_seconds`, which would let any reader
    make the plugin refresh at Webex on every read. The plugin refreshes in the background
    ahead of expiry and on a read within its own 10 s of it; a token that Vault returns inside
    the margin is therefore handed out, but not cached, so the next call asks Vault again.
    """

    def __init__(
        self,
        client: hvac.Client,
        mount: str,
        *,
        margin_seconds: float = DEFAULT_MARGIN_SECONDS,
        relogin: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if margin_seconds < 0:
            raise ValueError("margin_seconds must not be negative")
        self._client = client
        self._mount = mount
        self._margin = margin_seconds
        self._relogin = relogin
        self._clock = clock
        self._lock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}
        self._cache: dict[str, Credential] = {}

    def access_token(self, name: str) -> str:
        return self.credential(name).access_token

    def credential(self, name: str) -> Credential:
        with self._name_lock(name):
            with self._lock:
                cached = self._cache.get(name)
            if cached is not None and self._outside_margin(cached):
                return cached
            fresh = self._read(name)
            if fresh.expire_time is not None and fresh.expire_time <= self._clock():
                raise CredentialRefreshFailed(
                    f"Vault returned a Webex token for {self._mount}/creds/{name} that has "
                    f"already expired; try again in a minute, or re-authorize it: "
                    f"{authorize_hint(self._mount, name)}."
                )
            with self._lock:
                # A token without an expiry could be revoked at any time, and one inside the
                # margin is about to be refreshed: ask Vault again next time.
                if self._outside_margin(fresh):
                    self._cache[name] = fresh
                else:
                    self._cache.pop(name, None)
            return fresh

    def forget(self, name: str) -> None:
        """Drop a cached token, e.g. after Webex answered 401 or the user signed out."""
        with self._lock:
            self._cache.pop(name, None)

    def _name_lock(self, name: str) -> threading.Lock:
        with self._lock:
            return self._name_locks.setdefault(name, threading.Lock())

    def _outside_margin(self, credential: Credential) -> bool:
        if credential.expire_time is None:
            return False
        return (credential.expire_time - self._clock()).total_seconds() > self._margin

    def _read(self, name: str) -> Credential:
        try:
            return read_credential(self._client, self._mount, name)
        except VaultTokenInvalid:
            if self._relogin is None:
                raise
            self._relogin()  # an AppRole token has a short TTL; log in again once
            return read_credential(self._client, self._mount, name)
