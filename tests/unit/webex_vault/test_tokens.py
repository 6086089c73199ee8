"""Tests for webex_vault.tokens: the TokenProvider's cache, with a fake read_credential and a clock
the test moves."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import webex_vault
from webex_vault import (
    Credential,
    CredentialRefreshFailed,
    TokenProvider,
    VaultTokenInvalid,
)
from webex_vault_testing.recorded import (
    assert_one_sentence,
)


class FakeVault:
    """Stands in for read_credential: hands out numbered tokens that expire `lifetime` later."""

    def __init__(self, clock: Callable[[], datetime], lifetime: float = 600) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls: list[tuple[str, int]] = []
        self.delay = 0.0
        self.lock = threading.Lock()

    def __call__(self, client: Any, mount: str, name: str, minimum_seconds: int = 0) -> Credential:
        with self.lock:
            self.calls.append((name, minimum_seconds))
            number = len(self.calls)
        time.sleep(self.delay)
        return Credential(
            access_token=f"token-{number}",
            expire_time=self.clock() + timedelta(seconds=self.lifetime),
            server="webex-myapp",
        )


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_vault(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> FakeVault:
    fake = FakeVault(clock)
    monkeypatch.setattr(webex_vault.tokens, "read_credential", fake)
    return fake


def test_cache_reuses_a_token_until_the_margin(fake_vault: FakeVault, clock: Clock) -> None:
    tokens = TokenProvider(object(), "oauthapp", margin_seconds=60, clock=clock)

    first = tokens.access_token("alice")
    clock.advance(600 - 61)  # 61 s left: still outside the margin
    assert tokens.access_token("alice") == first
    clock.advance(1)  # exactly 60 s left: inside the margin, never served from the cache
    assert tokens.access_token("alice") != first

    # Plain reads: the samples' policies refuse minimum_seconds (a forced refresh at Webex).
    assert fake_vault.calls == [("alice", 0), ("alice", 0)]


def test_a_token_inside_the_margin_is_served_but_not_cached(
    fake_vault: FakeVault, clock: Clock
) -> None:
    # Vault hands out a token that the plugin will refresh soon (in the background, or on a
    # read within its own 10 s): usable now, asked for again next time.
    fake_vault.lifetime = 30
    tokens = TokenProvider(object(), "oauthapp", margin_seconds=60, clock=clock)

    assert tokens.access_token("alice") == "token-1"
    assert tokens.access_token("alice") == "token-2"
    assert fake_vault.calls == [("alice", 0), ("alice", 0)]


def test_cache_never_serves_an_expired_token(fake_vault: FakeVault, clock: Clock) -> None:
    fake_vault.lifetime = -5  # e.g. a clock skew between this host and Vault
    tokens = TokenProvider(object(), "oauthapp", margin_seconds=60, clock=clock)

    with pytest.raises(CredentialRefreshFailed, match="has already expired") as caught:
        tokens.access_token("alice")
    assert "token-1" not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_cache_keeps_names_apart_and_forgets(fake_vault: FakeVault, clock: Clock) -> None:
    tokens = TokenProvider(object(), "oauthapp", clock=clock)

    alice, bob = tokens.access_token("alice"), tokens.access_token("bob")
    assert alice != bob
    tokens.forget("alice")
    assert tokens.access_token("alice") not in (alice, bob)
    assert tokens.access_token("bob") == bob
    assert [name for name, _ in fake_vault.calls] == ["alice", "bob", "alice"]


def test_tokens_without_expiry_are_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []

    def no_expiry(client: Any, mount: str, name: str, minimum_seconds: int = 0) -> Credential:
        reads.append(name)
        return Credential(access_token="forever", expire_time=None, server="s")

    monkeypatch.setattr(webex_vault.tokens, "read_credential", no_expiry)
    tokens = TokenProvider(object(), "oauthapp")

    assert tokens.access_token("alice") == tokens.access_token("alice") == "forever"
    assert reads == ["alice", "alice"]


def test_cache_is_thread_safe_with_one_vault_read_per_name(
    fake_vault: FakeVault, clock: Clock
) -> None:
    fake_vault.delay = 0.05  # long enough for all threads to pile up behind the first read
    tokens = TokenProvider(object(), "oauthapp", clock=clock)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(tokens.access_token, ["alice"] * 24 + ["bob"] * 8))

    assert set(results[:24]) == {results[0]}
    assert set(results[24:]) == {results[24]} and results[24] != results[0]
    assert sorted(name for name, _ in fake_vault.calls) == ["alice", "bob"]


def test_cache_logs_in_again_once_when_the_vault_token_expired(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    answers: list[Any] = [VaultTokenInvalid("Vault rejected the client token."), "fresh"]

    def read(client: Any, mount: str, name: str, minimum_seconds: int = 0) -> Credential:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Credential(answer, clock() + timedelta(hours=1), "webex-myapp")

    logins: list[bool] = []
    monkeypatch.setattr(webex_vault.tokens, "read_credential", read)
    tokens = TokenProvider(object(), "oauthapp", relogin=lambda: logins.append(True), clock=clock)

    assert tokens.access_token("alice") == "fresh"
    assert logins == [True]
