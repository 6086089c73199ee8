"""Tests for webex_vault.errors: each error class has an exit code of its own."""

from __future__ import annotations

from webex_vault import (
    SampleError,
)


def test_exit_codes_are_distinct() -> None:
    classes = [SampleError]
    for cls in classes:
        classes.extend(cls.__subclasses__())
    codes = [cls.exit_code for cls in classes]
    assert len(set(codes)) == len(codes) and 0 not in codes
