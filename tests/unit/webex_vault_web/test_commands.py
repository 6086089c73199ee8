"""Tests for webex_vault_web.commands: `flask prune-credentials` and the periodic prune, with a
Vault that caches like VaultConnection, records in memory and a clock the test moves
(webex_vault_testing.web_credentials). tests/integration/test_web_credentials.py runs the same
behaviours against a real server, the real plugin and the role's policy."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from webex_vault import (
    VaultPermissionDenied,
    VaultUnreachable,
)
from webex_vault_testing import FakeClock
from webex_vault_testing.web_credentials import IDLE, CachingVault, MemoryRecords, app_with
from webex_vault_web.commands import prune_periodically
from webex_vault_web.credentials import Credentials


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


def test_the_prune_command(
    caching_vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    app = app_with(caching_vault, records, clock)
    credentials = app.extensions["webex_vault"].credentials
    credentials.create("webex/old", "c1")
    clock.advance(IDLE / 2)
    credentials.create("webex/new", "c2")
    clock.advance(IDLE / 2 + 1)

    result = app.test_cli_runner().invoke(args=["prune-credentials"])

    assert result.exit_code == 0
    assert result.output == "Removed 1 idle credentials, kept 1.\n"
    assert list(caching_vault.stored) == ["webex/new"]


def test_the_prune_command_fails_when_a_delete_fails(
    caching_vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    app = app_with(caching_vault, records, clock)
    app.extensions["webex_vault"].credentials.create("webex/old", "c1")
    caching_vault.fail_delete.add("webex/old")
    clock.advance(IDLE + 1)

    result = app.test_cli_runner().invoke(args=["prune-credentials"])

    assert result.exit_code == 1
    assert "could not remove 1" in result.output


def test_the_prune_command_says_why_it_could_not_list(
    caching_vault: CachingVault,
    records: MemoryRecords,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def denied() -> Iterator[tuple[str, float | None]]:
        raise VaultPermissionDenied("Vault denied access to webex-vault-state/metadata/x.")

    monkeypatch.setattr(records, "last_uses", denied)
    result = (
        app_with(caching_vault, records, clock).test_cli_runner().invoke(args=["prune-credentials"])
    )

    assert result.exit_code == 1
    assert "Vault denied access to webex-vault-state/metadata/x." in result.output
