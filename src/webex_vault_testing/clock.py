"""A clock the tests move by hand, for code that takes a `clock` callable (Unix seconds)."""

from __future__ import annotations


class FakeClock:
    """Unix time that moves only when the test says so."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
