"""How long the app trusts, and keeps, a visitor's credential.

- **Deleted elsewhere, gone here within RECHECK_SECONDS (30 s).** The token cache keeps an
  access token until it nears expiry (Webex: hours), so a credential deleted in Vault by sign-out
  on another instance, by an operator or by the pruning below would go on working here. Every
  instance therefore reads a credential from Vault again when its last read is 30 s old; a
  credential that is gone ends the session ("Your earlier sign-in has ended").
- **Abandoned credentials do not pile up.** A browser that never signs out leaves its
  credential in Vault. Each credential's last use is recorded in the KV v2 state mount the role
  creates, `<state mount>/data/<oauthapp mount>/last-use/<credential name>` =
  `{"last_used": <Unix time>}`: written at sign-in (before the credential exists), then at
  most once every `touch_seconds` per instance while it is used. `prune()` deletes every
  credential, and its record, unused for longer than the idle lifetime
  (OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS, 14 days by default): `flask --app people_me_flask
  prune-credentials`, and the waitress entry point every hour.

- **Every credential is in the index** (webex_vault.credential_index), which the operator report
  reads: registered at sign-in before the code is exchanged (and removed again if the exchange
  fails), removed with the credential at sign-out and by the pruning.

The shared credential of the single-user mode is the operator's: it is never recorded, indexed
or pruned here (the operator registers it, as the role does for the CLI's).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from webex_vault import AuthCodeURL, Credential, CredentialMissing, SampleError
from webex_vault.credential_states import Health

RECHECK_SECONDS = 30.0
# How often, at most, an instance rewrites the last-use record of a credential in use.
TOUCH_SECONDS = 3600.0

_log = logging.getLogger("webex_vault_web")


class Vault(Protocol):
    """What the app asks of Vault: webex_vault.VaultConnection, or a test's stand-in."""

    def auth_code_url(self, state: str) -> AuthCodeURL: ...

    def write_authorization_code(self, name: str, code: str) -> None: ...

    def credential(self, name: str) -> Credential: ...

    def health(self, name: str) -> Health:
        """How the credential is; CredentialMissing when Vault holds none."""
        ...

    def forget(self, name: str) -> None: ...

    def delete_credential(self, name: str) -> None: ...


class UsageRecords(Protocol):
    """Where the last use of each credential is kept: Vault's KV v2 (usage.py), or a test's."""

    def record(self, name: str, when: float) -> None: ...

    def last_uses(self) -> Iterator[tuple[str, float | None]]:
        """(credential name, last use or None when unreadable) of every record."""
        ...

    def remove(self, name: str) -> None: ...


class CredentialIndex(Protocol):
    """The credential index's entries of this app (usage.py), or a test's."""

    def register(self, name: str) -> None: ...

    def remove(self, name: str) -> None: ...


@dataclass(frozen=True)
class PruneResult:
    removed: int
    kept: int
    failed: int = 0


class Credentials:
    """The visitors' credentials in Vault, re-read every `recheck_seconds` and recorded as used.

    Thread-safe: one instance serves every request thread of an app.
    """

    def __init__(
        self,
        vault: Vault,
        records: UsageRecords | None,
        *,
        index: CredentialIndex | None = None,
        max_idle_seconds: float,
        recheck_seconds: float = RECHECK_SECONDS,
        touch_seconds: float = TOUCH_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.vault = vault
        self.records = records
        self.index = index
        self.max_idle_seconds = max_idle_seconds
        self.recheck_seconds = recheck_seconds
        # A credential in use must be recorded well within its idle lifetime.
        self.touch_seconds = min(touch_seconds, max_idle_seconds / 4)
        self.clock = clock
        self._lock = threading.Lock()
        self._read_at: dict[str, float] = {}
        self._touched_at: dict[str, float] = {}

    def credential(self, name: str) -> Credential:
        """The credential from Vault, read again if this instance last read it
        `recheck_seconds` ago or more; its use is recorded."""
        now = self.clock()
        with self._lock:
            read_at = self._read_at.get(name)
        # Never read here (or dropped since): the cache has nothing of it either.
        stale = read_at is None or now - read_at >= self.recheck_seconds
        if read_at is not None and stale:
            self.vault.forget(name)  # the next read goes to Vault, not the cache
        try:
            credential = self.vault.credential(name)
        except CredentialMissing:
            self._drop(name)
            raise
        with self._lock:
            if stale:
                self._read_at[name] = now
        self._touch(name, now)
        return credential

    def health(self, name: str) -> Health:
        """How the credential is, read from Vault now (the /status page); its use is recorded."""
        try:
            health = self.vault.health(name)
        except CredentialMissing:
            self._drop(name)
            raise
        self._touch(name, self.clock())
        return health

    def create(self, name: str, code: str) -> None:
        """Have Vault exchange a sign-in's code for the credential `name`.

        The last-use record and the index entry come first: if they cannot be written, nothing
        is created that the pruning or the operator's report could not find; if the exchange
        fails, the index entry goes again and the record is pruned in time."""
        now = self.clock()
        if self.records is not None:
            self.records.record(name, now)
            with self._lock:
                self._touched_at[name] = now
        if self.index is not None:
            self.index.register(name)
        try:
            self.vault.write_authorization_code(name, code)
        except SampleError:
            self._unindex(name)
            raise
        with self._lock:
            self._read_at.pop(name, None)

    def delete(self, name: str) -> None:
        """Delete the credential (sign-out, a replaced sign-in), then its index entry and its
        last-use record."""
        self.vault.delete_credential(name)
        self._drop(name)
        self._unindex(name)
        if self.records is not None:
            try:
                self.records.remove(name)
            except SampleError as error:  # pruned later: it names a credential that is gone
                _log.warning("Could not delete the last-use record of a credential: %s", error)

    def forget(self, name: str) -> None:
        """Drop the cached token (Webex refused it): the next use reads Vault again."""
        self.vault.forget(name)
        with self._lock:
            self._read_at.pop(name, None)

    def prune(self) -> PruneResult:
        """Delete the credentials unused for longer than the idle lifetime, and their records."""
        if self.records is None:
            return PruneResult(removed=0, kept=0)
        now = self.clock()
        removed = kept = failed = 0
        for name, last_used in list(self.records.last_uses()):
            if last_used is not None and now - last_used <= self.max_idle_seconds:
                kept += 1
                continue
            try:
                self.vault.delete_credential(name)
                # The record goes last: while it is there, the next pruning tries again.
                if self.index is not None:
                    self.index.remove(name)
                self.records.remove(name)
            except SampleError as error:
                _log.warning("Could not prune an idle credential: %s", error)
                failed += 1
                continue
            self._drop(name)
            removed += 1
        _log.info("Pruned idle credentials: %d removed, %d kept, %d failed.", removed, kept, failed)
        return PruneResult(removed=removed, kept=kept, failed=failed)

    def _unindex(self, name: str) -> None:
        if self.index is None:
            return
        try:
            self.index.remove(name)
        except SampleError as error:  # the report shows it as missing until the pruning
            _log.warning("Could not remove a credential from the index: %s", error)

    def _touch(self, name: str, now: float) -> None:
        if self.records is None:
            return
        with self._lock:
            touched_at = self._touched_at.get(name)
            if touched_at is not None and now - touched_at < self.touch_seconds:
                return
            self._touched_at[name] = now
        try:
            self.records.record(name, now)
        except SampleError as error:
            # The page still works; the next use tries again.
            with self._lock:
                self._touched_at.pop(name, None)
            _log.warning("Could not record the use of a credential: %s", error)

    def _drop(self, name: str) -> None:
        self.vault.forget(name)
        with self._lock:
            self._read_at.pop(name, None)
            self._touched_at.pop(name, None)
