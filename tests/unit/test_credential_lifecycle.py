"""Unit tests for webex_vault_web.credentials: the 30-second re-read, the last-use records and
the pruning of idle credentials, with a Vault that caches like VaultConnection, records in
memory and a clock the test moves. tests/integration/test_web_credentials.py runs the same
behaviours against a real server, the real plugin and the role's policy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from webex_vault import (
    AuthCodeURL,
    AuthorizationFailed,
    Credential,
    CredentialMissing,
    Settings,
    SettingsError,
    VaultPermissionDenied,
    VaultUnreachable,
)
from webex_vault_testing import FakeClock
from webex_vault_web import create_app
from webex_vault_web.commands import prune_periodically
from webex_vault_web.credentials import RECHECK_SECONDS, Credentials

DAY = 86400.0
IDLE = 14 * DAY


class CachingVault:
    """Vault's credentials, and a cache in front of them that keeps a token until forget(),
    as VaultConnection's token cache does until the token nears expiry."""

    def __init__(self, stored: dict[str, Credential] | None = None) -> None:
        self.stored: dict[str, Credential] = {} if stored is None else stored
        self.cache: dict[str, Credential] = {}
        self.reads = 0
        self.fail_delete: set[str] = set()

    def auth_code_url(self, state: str) -> AuthCodeURL:
        raise NotImplementedError

    def write_authorization_code(self, name: str, code: str) -> None:
        if code == "refused":
            raise AuthorizationFailed("Vault could not exchange the authorization code.")
        self.cache.pop(name, None)
        self.stored[name] = Credential(
            access_token=f"token-{code}",
            expire_time=datetime.now(UTC) + timedelta(hours=1),
            server="webex-myapp",
        )

    def credential(self, name: str) -> Credential:
        if name in self.cache:
            return self.cache[name]
        self.reads += 1
        if name not in self.stored:
            raise CredentialMissing("oauthapp", name)
        self.cache[name] = self.stored[name]
        return self.cache[name]

    def forget(self, name: str) -> None:
        self.cache.pop(name, None)

    def delete_credential(self, name: str) -> None:
        if name in self.fail_delete:
            raise VaultPermissionDenied("Vault denied access to oauthapp/creds/x.")
        self.cache.pop(name, None)
        self.stored.pop(name, None)


class MemoryRecords:
    def __init__(self) -> None:
        self.last_used: dict[str, float | None] = {}
        self.writes: list[str] = []
        self.fail: Exception | None = None

    def record(self, name: str, when: float) -> None:
        if self.fail is not None:
            raise self.fail
        self.writes.append(name)
        self.last_used[name] = when

    def last_uses(self) -> Iterator[tuple[str, float | None]]:
        yield from list(self.last_used.items())

    def remove(self, name: str) -> None:
        self.last_used.pop(name, None)


class MemoryIndex:
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.fail_remove: Exception | None = None

    def register(self, name: str) -> None:
        self.names.add(name)

    def remove(self, name: str) -> None:
        if self.fail_remove is not None:
            raise self.fail_remove
        self.names.discard(name)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def vault() -> CachingVault:
    return CachingVault()


@pytest.fixture
def records() -> MemoryRecords:
    return MemoryRecords()


@pytest.fixture
def credentials(vault: CachingVault, records: MemoryRecords, clock: FakeClock) -> Credentials:
    return Credentials(vault, records, max_idle_seconds=IDLE, clock=clock)


def test_a_credential_deleted_in_vault_is_noticed_within_the_recheck_interval(
    records: MemoryRecords, clock: FakeClock
) -> None:
    """Two instances: one Vault, a token cache each."""
    stored: dict[str, Credential] = {}
    here = Credentials(CachingVault(stored), records, max_idle_seconds=IDLE, clock=clock)
    there = Credentials(CachingVault(stored), records, max_idle_seconds=IDLE, clock=clock)
    here.create("webex/a", "c1")
    here.credential("webex/a")
    there.credential("webex/a")

    there.delete("webex/a")  # sign-out on the other instance

    clock.advance(RECHECK_SECONDS - 1)
    assert here.credential("webex/a").access_token == "token-c1"  # cached, within the bound
    clock.advance(1)
    with pytest.raises(CredentialMissing):
        here.credential("webex/a")


def test_reads_go_to_vault_once_per_recheck_interval(
    credentials: Credentials, vault: CachingVault, clock: FakeClock
) -> None:
    credentials.create("webex/a", "c1")
    for _ in range(5):
        credentials.credential("webex/a")
        clock.advance(RECHECK_SECONDS / 4)
    assert vault.reads == 2  # at 0 s and at 30 s


def test_the_record_is_written_before_the_credential(
    credentials: Credentials, vault: CachingVault, records: MemoryRecords
) -> None:
    records.fail = VaultPermissionDenied("Vault denied access to webex-vault-state/data/x.")

    with pytest.raises(VaultPermissionDenied):
        credentials.create("webex/a", "c1")

    assert vault.stored == {}  # nothing the pruning could not find


def test_use_is_recorded_at_most_once_an_hour(
    credentials: Credentials, records: MemoryRecords, clock: FakeClock
) -> None:
    credentials.create("webex/a", "c1")
    for _ in range(12):
        clock.advance(600)
        credentials.credential("webex/a")
    assert records.writes == ["webex/a"] * 3  # sign-in, after 1 h, after 2 h
    assert records.last_used["webex/a"] == clock.now


def test_a_record_that_cannot_be_written_does_not_break_the_page(
    credentials: Credentials, records: MemoryRecords, clock: FakeClock
) -> None:
    credentials.create("webex/a", "c1")
    clock.advance(2 * 3600)
    records.fail = VaultPermissionDenied("denied")
    assert credentials.credential("webex/a").access_token == "token-c1"
    records.fail = None
    clock.advance(1)
    credentials.credential("webex/a")  # tried again at the next use
    assert records.last_used["webex/a"] == clock.now


def test_prune_removes_idle_and_unreadable_records_and_keeps_recent_ones(
    credentials: Credentials, vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    for index in range(50):
        credentials.create(f"webex/{index}", f"c{index}")
    records.last_used["webex/broken"] = None  # a record without a usable time
    clock.advance(IDLE - 3600)
    for index in range(10):
        credentials.credential(f"webex/{index}")
    clock.advance(3601)

    result = credentials.prune()

    assert (result.removed, result.kept, result.failed) == (41, 10, 0)
    assert sorted(vault.stored) == sorted(f"webex/{index}" for index in range(10))
    assert sorted(records.last_used) == sorted(vault.stored)


def test_prune_keeps_the_record_when_vault_refuses_the_delete(
    credentials: Credentials, vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    credentials.create("webex/a", "c1")
    vault.fail_delete.add("webex/a")
    clock.advance(IDLE + 1)

    result = credentials.prune()

    assert (result.removed, result.failed) == (0, 1)
    assert "webex/a" in records.last_used  # tried again next time


def test_prune_periodically_prunes_at_once_and_stops_when_told(
    credentials: Credentials, clock: FakeClock
) -> None:
    credentials.create("webex/a", "c1")
    clock.advance(IDLE + 1)
    stop = threading.Event()
    stop.set()

    results = prune_periodically(credentials, 3600, stop)

    assert [result.removed if result else None for result in results] == [1]


def test_prune_periodically_survives_a_failure(
    credentials: Credentials, records: MemoryRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> Iterator[tuple[str, float | None]]:
        raise VaultUnreachable("Cannot connect to Vault at http://v.")

    monkeypatch.setattr(records, "last_uses", unreachable)
    stop = threading.Event()
    stop.set()

    assert prune_periodically(credentials, 3600, stop) == [None]


# --- Through the app ------------------------------------------------------------------------------


def web_settings(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "vault_addr": "http://127.0.0.1:9",
        "vault_role_id": "role-id",
        "vault_secret_id": "secret-id",
        "webex_api_base_url": "http://127.0.0.1:9/v1",
    }
    return Settings(**{**values, **changes})


def app_with(
    vault: CachingVault, records: MemoryRecords, clock: FakeClock, **changes: Any
) -> Flask:
    return create_app(
        {
            "WEBEX_VAULT_SETTINGS": web_settings(**changes),
            "WEBEX_VAULT_CONNECTION": vault,
            "WEBEX_VAULT_USAGE_RECORDS": records,
            "WEBEX_VAULT_CLOCK": clock,
            "SECRET_KEY": "k" * 64,
        }
    )


def test_the_prune_command(vault: CachingVault, records: MemoryRecords, clock: FakeClock) -> None:
    app = app_with(vault, records, clock)
    credentials = app.extensions["webex_vault"].credentials
    credentials.create("webex/old", "c1")
    clock.advance(IDLE / 2)
    credentials.create("webex/new", "c2")
    clock.advance(IDLE / 2 + 1)

    result = app.test_cli_runner().invoke(args=["prune-credentials"])

    assert result.exit_code == 0
    assert result.output == "Removed 1 idle credentials, kept 1.\n"
    assert list(vault.stored) == ["webex/new"]


def test_the_prune_command_fails_when_a_delete_fails(
    vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    app = app_with(vault, records, clock)
    app.extensions["webex_vault"].credentials.create("webex/old", "c1")
    vault.fail_delete.add("webex/old")
    clock.advance(IDLE + 1)

    result = app.test_cli_runner().invoke(args=["prune-credentials"])

    assert result.exit_code == 1
    assert "could not remove 1" in result.output


def test_the_prune_command_says_why_it_could_not_list(
    vault: CachingVault, records: MemoryRecords, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied() -> Iterator[tuple[str, float | None]]:
        raise VaultPermissionDenied("Vault denied access to webex-vault-state/metadata/x.")

    monkeypatch.setattr(records, "last_uses", denied)
    result = app_with(vault, records, clock).test_cli_runner().invoke(args=["prune-credentials"])

    assert result.exit_code == 1
    assert "Vault denied access to webex-vault-state/metadata/x." in result.output


def test_the_shared_credential_is_never_recorded_or_pruned(
    vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    app = app_with(
        vault,
        records,
        clock,
        oauthapp_shared_credential=True,
        oauthapp_credential="webex/team",
    )
    credentials = app.extensions["webex_vault"].credentials
    vault.stored["webex/team"] = Credential("t", None, "webex-myapp")
    credentials.credential("webex/team")
    clock.advance(10 * IDLE)

    assert credentials.prune().removed == 0
    assert records.writes == [] and "webex/team" in vault.stored


def test_the_app_reads_the_idle_lifetime_and_state_mount_from_its_settings(
    vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    app = app_with(vault, records, clock, oauthapp_credential_max_idle_seconds=7200)
    assert app.extensions["webex_vault"].credentials.max_idle_seconds == 7200


@pytest.mark.parametrize(
    ("value", "ok"),
    [("3600", True), ("31622400", True), ("3599", False), ("1e6", False), ("-5", False)],
)
def test_the_idle_lifetime_setting(value: str, ok: bool) -> None:
    environ = {
        "VAULT_ADDR": "http://127.0.0.1:8200",
        "VAULT_TOKEN": "t",
        "OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS": value,
        "OAUTHAPP_STATE_MOUNT": "/state/",
    }
    if ok:
        settings = Settings.from_environment(environ)
        assert settings.oauthapp_credential_max_idle_seconds == int(value)
        assert settings.oauthapp_state_mount == "state"
    else:
        with pytest.raises(SettingsError, match="OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS"):
            Settings.from_environment(environ)


def test_the_defaults_match_the_role() -> None:
    settings = Settings(vault_addr="http://v")
    assert settings.oauthapp_state_mount == "webex-vault-state"
    assert settings.oauthapp_credential_max_idle_seconds == IDLE


# --- The credential index (the operator report's list of credentials) ----------------------------


@pytest.fixture
def index() -> MemoryIndex:
    return MemoryIndex()


@pytest.fixture
def indexed(
    vault: CachingVault, records: MemoryRecords, index: MemoryIndex, clock: FakeClock
) -> Credentials:
    return Credentials(vault, records, index=index, max_idle_seconds=IDLE, clock=clock)


def test_sign_in_indexes_the_credential_and_sign_out_unindexes_it(
    indexed: Credentials, vault: CachingVault, index: MemoryIndex
) -> None:
    indexed.create("webex/a", "c1")
    assert index.names == {"webex/a"} and "webex/a" in vault.stored

    indexed.delete("webex/a")

    assert index.names == set() and vault.stored == {}


def test_a_refused_exchange_leaves_no_index_entry(
    indexed: Credentials, vault: CachingVault, index: MemoryIndex
) -> None:
    with pytest.raises(AuthorizationFailed):
        indexed.create("webex/a", "refused")

    assert index.names == set() and vault.stored == {}


def test_prune_unindexes_what_it_deletes(
    indexed: Credentials, index: MemoryIndex, records: MemoryRecords, clock: FakeClock
) -> None:
    indexed.create("webex/old", "c1")
    clock.advance(IDLE + 1)
    indexed.create("webex/new", "c2")

    result = indexed.prune()

    assert (result.removed, result.kept) == (1, 1)
    assert index.names == {"webex/new"}


def test_prune_keeps_the_record_when_the_index_entry_cannot_go(
    indexed: Credentials,
    vault: CachingVault,
    index: MemoryIndex,
    records: MemoryRecords,
    clock: FakeClock,
) -> None:
    """The record is the pruning's memory: while it is there, the next run tries again."""
    indexed.create("webex/old", "c1")
    clock.advance(IDLE + 1)
    index.fail_remove = VaultUnreachable("Cannot connect to Vault at http://127.0.0.1:9.")

    assert indexed.prune().failed == 1
    assert "webex/old" in records.last_used and "webex/old" not in vault.stored

    index.fail_remove = None
    assert indexed.prune().removed == 1
    assert index.names == set() and records.last_used == {}


def test_a_sign_out_succeeds_when_the_index_entry_cannot_go(
    indexed: Credentials, vault: CachingVault, index: MemoryIndex
) -> None:
    indexed.create("webex/a", "c1")
    index.fail_remove = VaultUnreachable("Cannot connect to Vault at http://127.0.0.1:9.")

    indexed.delete("webex/a")  # the report shows it as missing; the pruning removes it later

    assert vault.stored == {} and index.names == {"webex/a"}


def test_the_app_indexes_per_user_credentials_but_not_the_shared_one(
    vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    index = MemoryIndex()

    def app(**changes: Any) -> Flask:
        return create_app(
            {
                "WEBEX_VAULT_SETTINGS": web_settings(**changes),
                "WEBEX_VAULT_CONNECTION": vault,
                "WEBEX_VAULT_USAGE_RECORDS": records,
                "WEBEX_VAULT_CREDENTIAL_INDEX": index,
                "SECRET_KEY": "k" * 64,
            }
        )

    per_user = app()
    shared = app(oauthapp_shared_credential=True, oauthapp_credential="webex/team")

    assert per_user.extensions["webex_vault"].credentials.index is index
    assert shared.extensions["webex_vault"].credentials.index is None
