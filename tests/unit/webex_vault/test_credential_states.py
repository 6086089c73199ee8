"""Tests for webex_vault.credential_states, the one classifier of the plugin's answers (the
collection's plugin_utils/credential_states.py, of which the package's module is a link; its
action is tested in tests/unit/plugins/test_credential_info.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webex_vault.credential_states import (
    CRITICAL,
    STATES,
    Health,
    classify,
    counts,
    seconds_left,
)
from webex_vault_testing.base import REPO
from webex_vault_testing.recorded import (
    CREDENTIAL_MISSING,
    REFRESH_FAILING_WARNING,
    REFRESH_REVOKED,
    REVOKED_WARNING,
    SERVER_DELETED,
    TOKEN_EXPIRED,
    recorded_read_warned,
)

NOW = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)


def test_the_package_and_the_collection_share_one_file() -> None:
    package = REPO / "src" / "webex_vault" / "credential_states.py"
    collection = REPO / "plugins" / "plugin_utils" / "credential_states.py"
    assert package.is_symlink() and package.resolve() == collection.resolve()


@pytest.mark.parametrize(
    ("answer", "state", "detail", "failures"),
    [
        (CREDENTIAL_MISSING, "missing", "", 0),
        (TOKEN_EXPIRED, "expired", "token expired", 0),
        ((400, {"errors": ["token pending issuance"]}), "expired", "token pending issuance", 0),
        (
            REFRESH_REVOKED,
            "reauthorize",
            "refresh failed: server rejected request: invalid_grant: refresh token revoked",
            0,
        ),
        (SERVER_DELETED, "server_misconfigured", SERVER_DELETED[1]["errors"][0], 0),
        (
            (404, {"errors": ["no handler for route 'oauthapp/creds/x'"]}),
            "unreadable",
            "HTTP 404: no handler for route 'oauthapp/creds/x'",
            0,
        ),
        (
            (403, {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}),
            "unreadable",
            "HTTP 403: permission denied",
            0,
        ),
    ],
)
def test_errors(answer, state: str, detail: str, failures: int) -> None:
    health = classify(answer[0], answer[1], NOW)
    assert (health.state, health.detail, health.refresh_failures) == (state, detail, failures)
    assert health.seconds_to_expiry is None


def test_warnings_keep_the_seconds_left() -> None:
    failing = classify(*recorded_read_warned(600, REFRESH_FAILING_WARNING), datetime.now(UTC))
    revoked = classify(*recorded_read_warned(600, REVOKED_WARNING), datetime.now(UTC))

    assert failing.state == "refresh_failing" and failing.refresh_failures == 2
    assert failing.detail.startswith("refresh failed: oauth2: cannot fetch token: 503")
    assert "\n" not in failing.detail and "Response: {" in failing.detail
    assert revoked.state == "reauthorize" and revoked.detail.startswith("refresh failed: ")
    assert 590 <= failing.seconds_to_expiry <= 600 and 590 <= revoked.seconds_to_expiry <= 600
    assert revoked.action == "Webex refused the refresh token: authorize again"


def test_the_server_warning_wins_as_the_plugin_gives_only_one() -> None:
    warning = 'server "webex-myapp" has configuration problems: server does not exist'
    health = classify(*recorded_read_warned(60, warning), datetime.now(UTC))
    assert health.state == "server_misconfigured" and health.detail == warning


def test_details_are_clipped() -> None:
    health = classify(400, {"errors": ["refresh failed: " + "x" * 500]}, NOW)
    assert len(health.detail) == 200 and health.detail.endswith("…")


@pytest.mark.parametrize(
    ("expire_time", "seconds"),
    [
        ("2026-12-05T20:01:40.123456789Z", 100),
        ("2026-12-05T20:01:40Z", 100),
        ("2026-12-05T21:01:40+01:00", 100),
        ("2026-12-05T19:59:00Z", -60),
        (None, None),
        ("", None),
        ("not a time", None),
    ],
)
def test_seconds_left(expire_time, seconds) -> None:
    assert seconds_left(expire_time, NOW) == seconds


def test_counts_name_every_state() -> None:
    found = counts([Health("healthy"), Health("missing"), Health("missing")])
    assert list(found) == list(STATES) and found["missing"] == 2 and found["expired"] == 0
    assert "healthy" not in CRITICAL and "refresh_failing" not in CRITICAL
