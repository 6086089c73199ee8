"""Tests for webex_vault_web.credentials: the 30-second re-read, the last-use records, the index
entries and the pruning of idle credentials, with a Vault that caches like VaultConnection,
records in memory and a clock the test moves (webex_vault_testing.web_credentials).
tests/integration/test_web_credentials.py runs the same behaviours against a real server, the real
plugin and the role's policy."""

from __future__ import annotations

import pytest

from webex_vault import (
    AuthorizationFailed,
    Credential,
    CredentialMissing,
    VaultPermissionDenied,
    VaultUnreachable,
)
from webex_vault_testing import FakeClock
from webex_vault_testing.web_credentials import (
    IDLE,
    CachingVault,
    MemoryIndex,
    MemoryRecords,
    app_with,
)
from webex_vault_web.credentials import RECHECK_SECONDS, Credentials


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
    credentials: Credentials, caching_vault: CachingVault, clock: FakeClock
) -> None:
    credentials.create("webex/a", "c1")
    for _ in range(5):
        credentials.credential("webex/a")
        clock.advance(RECHECK_SECONDS / 4)
    assert caching_vault.reads == 2  # at 0 s and at 30 s


def test_the_record_is_written_before_the_credential(
    credentials: Credentials, caching_vault: CachingVault, records: MemoryRecords
) -> None:
    records.fail = VaultPermissionDenied("Vault denied access to webex-vault-state/data/x.")

    with pytest.raises(VaultPermissionDenied):
        credentials.create("webex/a", "c1")

    assert caching_vault.stored == {}  # nothing the pruning could not find


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
    credentials: Credentials, caching_vault: CachingVault, records: MemoryRecords, clock: FakeClock
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
    assert sorted(caching_vault.stored) == sorted(f"webex/{index}" for index in range(10))
    assert sorted(records.last_used) == sorted(caching_vault.stored)


def test_prune_keeps_the_record_when_vault_refuses_the_delete(
    credentials: Credentials, caching_vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    credentials.create("webex/a", "c1")
    caching_vault.fail_delete.add("webex/a")
    clock.advance(IDLE + 1)

    result = credentials.prune()

    assert (result.removed, result.failed) == (0, 1)
    assert "webex/a" in records.last_used  # tried again next time


def test_the_shared_credential_is_never_recorded_or_pruned(
    caching_vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    app = app_with(
        caching_vault,
        records,
        clock,
        oauthapp_shared_credential=True,
        oauthapp_credential="webex/team",
    )
    credentials = app.extensions["webex_vault"].credentials
    caching_vault.stored["webex/team"] = Credential("t", None, "webex-myapp")
    credentials.credential("webex/team")
    clock.advance(10 * IDLE)

    assert credentials.prune().removed == 0
    assert records.writes == [] and "webex/team" in caching_vault.stored


# --- The credential index (the operator report's list of credentials) ----------------------------


@pytest.fixture
def index() -> MemoryIndex:
    return MemoryIndex()


@pytest.fixture
def indexed(
    caching_vault: CachingVault, records: MemoryRecords, index: MemoryIndex, clock: FakeClock
) -> Credentials:
    return Credentials(caching_vault, records, index=index, max_idle_seconds=IDLE, clock=clock)


def test_sign_in_indexes_the_credential_and_sign_out_unindexes_it(
    indexed: Credentials, caching_vault: CachingVault, index: MemoryIndex
) -> None:
    indexed.create("webex/a", "c1")
    assert index.names == {"webex/a"} and "webex/a" in caching_vault.stored

    indexed.delete("webex/a")

    assert index.names == set() and caching_vault.stored == {}


def test_a_refused_exchange_leaves_no_index_entry(
    indexed: Credentials, caching_vault: CachingVault, index: MemoryIndex
) -> None:
    with pytest.raises(AuthorizationFailed):
        indexed.create("webex/a", "refused")

    assert index.names == set() and caching_vault.stored == {}


def test_prune_unindexes_what_it_deletes(
    indexed: Credentials, index: MemoryIndex, clock: FakeClock
) -> None:
    indexed.create("webex/old", "c1")
    clock.advance(IDLE + 1)
    indexed.create("webex/new", "c2")

    result = indexed.prune()

    assert (result.removed, result.kept) == (1, 1)
    assert index.names == {"webex/new"}


def test_prune_keeps_the_record_when_the_index_entry_cannot_go(
    indexed: Credentials,
    caching_vault: CachingVault,
    index: MemoryIndex,
    records: MemoryRecords,
    clock: FakeClock,
) -> None:
    """The record is the pruning's memory: while it is there, the next run tries again."""
    indexed.create("webex/old", "c1")
    clock.advance(IDLE + 1)
    index.fail_remove = VaultUnreachable("Cannot connect to Vault at http://127.0.0.1:9.")

    assert indexed.prune().failed == 1
    assert "webex/old" in records.last_used and "webex/old" not in caching_vault.stored

    index.fail_remove = None
    assert indexed.prune().removed == 1
    assert index.names == set() and records.last_used == {}


def test_a_sign_out_succeeds_when_the_index_entry_cannot_go(
    indexed: Credentials, caching_vault: CachingVault, index: MemoryIndex
) -> None:
    indexed.create("webex/a", "c1")
    index.fail_remove = VaultUnreachable("Cannot connect to Vault at http://127.0.0.1:9.")

    indexed.delete("webex/a")  # the report shows it as missing; the pruning removes it later

    assert caching_vault.stored == {} and index.names == {"webex/a"}


def test_the_app_indexes_per_user_credentials_but_not_the_shared_one(
    caching_vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    index = MemoryIndex()
    per_user = app_with(caching_vault, records, clock, index)
    shared = app_with(
        caching_vault,
        records,
        clock,
        index,
        oauthapp_shared_credential=True,
        oauthapp_credential="webex/team",
    )

    assert per_user.extensions["webex_vault"].credentials.index is index
    assert shared.extensions["webex_vault"].credentials.index is None


def test_health_is_read_from_vault_and_a_gone_credential_ends_like_a_read(
    credentials: Credentials, caching_vault: CachingVault
) -> None:
    credentials.create("webex/a", "c1")
    assert credentials.health("webex/a").state == "healthy"

    caching_vault.stored.clear()

    with pytest.raises(CredentialMissing):
        credentials.health("webex/a")
