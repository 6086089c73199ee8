"""webex_vault.oauthapp.credential_info against the fake Vault: the oauthapp plugin's answers
(recorded from both distributions, puppetlabs 3.1.1 and openbao 3.2.0, whose texts are the same)
become states, and no token leaves the action."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest

TOKEN = "access-" + secrets.token_hex(16)


def soon(seconds: int) -> str:
    """An expire_time as the plugin writes it (Go's RFC 3339 with nanoseconds)."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.123456789Z")


def ok(seconds: int, *warnings: str):
    data = {"access_token": TOKEN, "expire_time": soon(seconds), "server": "w", "type": "Bearer"}
    return 200, {"data": data, "warnings": list(warnings) or None}


def answers():
    """name -> (the plugin's answer, expected state, expected detail, expected failures), with
    expiry times from now."""
    return {
        "healthy": (ok(3600), "healthy", "", 0),
        "failing": (
            ok(
                1800,
                "3 attempt(s) to refresh this token failed, most recently: refresh failed: "
                "oauth2: cannot fetch token: 503 Service Unavailable\nResponse: {}",
            ),
            "refresh_failing",
            "refresh failed: oauth2: cannot fetch token: 503 Service Unavailable Response: {}",
            3,
        ),
        "revoked": (
            ok(
                900,
                "token will expire: refresh failed: server rejected request: invalid_grant: "
                "The refresh token is invalid, expired or revoked.",
            ),
            "reauthorize",
            "refresh failed: server rejected request: invalid_grant: "
            "The refresh token is invalid, expired or revoked.",
            0,
        ),
        "revoked-and-expired": (
            (400, {"errors": ["refresh failed: server rejected request: invalid_grant"]}),
            "reauthorize",
            "refresh failed: server rejected request: invalid_grant",
            0,
        ),
        "broken-server": (
            ok(600, 'server "webex-myapp" has configuration problems: server does not exist'),
            "server_misconfigured",
            'server "webex-myapp" has configuration problems: server does not exist',
            0,
        ),
        "broken-server-expired": (
            (400, {"errors": ['server "gone" has configuration problems: server does not exist']}),
            "server_misconfigured",
            'server "gone" has configuration problems: server does not exist',
            0,
        ),
        "expired": ((400, {"errors": ["token expired"]}), "expired", "token expired", 0),
        "webex/nested": (ok(60), "healthy", "", 0),
    }


@pytest.fixture(autouse=True)
def engines(vault):
    vault.enable("oauthapp", "oauthapp")
    vault.enable("webex-vault-state", "kv", options={"version": "2"})


def index(vault, *names):
    for name in names:
        vault.kv[f"webex-vault-state/data/oauthapp/index/{name}"] = {
            "name": name,
            "mount": "oauthapp",
            "server": "webex-myapp",
            "created_by": "test",
            "created_at": "2026-12-05T19:00:00Z",
        }


def test_each_answer_of_the_plugin_is_one_state(run, vault):
    table = answers()
    index(vault, *table, "deleted")
    for name, (answer, *_) in table.items():
        vault.creds[f"oauthapp/creds/{name}"] = answer

    result = run("credential_info")

    rows = {row["name"]: row for row in result["credentials"]}
    assert list(rows) == sorted([*table, "deleted"])
    for name, (_, state, detail, failures) in table.items():
        assert (rows[name]["state"], rows[name]["detail"], rows[name]["refresh_failures"]) == (
            state,
            detail,
            failures,
        ), name
    assert rows["deleted"]["state"] == "missing"
    assert 3590 <= rows["healthy"]["seconds_to_expiry"] <= 3600
    assert rows["expired"]["seconds_to_expiry"] is None
    assert rows["healthy"]["created_by"] == "test" and rows["healthy"]["server"] == "webex-myapp"
    assert result["counts"] == {
        "healthy": 2,
        "refresh_failing": 1,
        "reauthorize": 2,
        "server_misconfigured": 2,
        "expired": 1,
        "missing": 1,
        "unreadable": 0,
    }
    assert result["needs_action"] is True and result["changed"] is False


def test_no_token_leaves_the_action(run, vault):
    index(vault, "healthy", "failing")
    vault.creds["oauthapp/creds/healthy"] = answers()["healthy"][0]
    vault.creds["oauthapp/creds/failing"] = answers()["failing"][0]

    result = run("credential_info")

    assert TOKEN not in json.dumps(result, default=str)  # all a callback could print
    assert all("access_token" not in row for row in result["credentials"])


def test_check_mode_reads_the_same_and_writes_nothing(run, vault):
    index(vault, "healthy")
    vault.creds["oauthapp/creds/healthy"] = answers()["healthy"][0]

    result = run("credential_info", check_mode=True)

    assert [row["state"] for row in result["credentials"]] == ["healthy"]
    assert result["needs_action"] is False and result["changed"] is False
    assert vault.writes() == []


def test_an_empty_index_is_healthy(run, vault):
    result = run("credential_info")

    assert result["credentials"] == [] and result["needs_action"] is False


def test_a_credential_the_identity_may_not_read_is_unreadable(run, vault):
    index(vault, "private")
    vault.creds["oauthapp/creds/private"] = (
        403,
        {"errors": ["1 error occurred:\n\t* permission denied\n\n"]},
    )

    result = run("credential_info")

    row = result["credentials"][0]
    assert row["state"] == "unreadable" and "denied" in row["detail"]
    assert result["counts"]["unreadable"] == 1 and result["needs_action"] is True


def test_a_mount_that_is_not_a_path_fails_in_one_sentence(run, vault):
    result = run("credential_info", mount="oauthapp/*")

    assert result["failed"] is True
    assert result["msg"] == (
        "mount must be a Vault path of letters, digits, '_', '.', '-' separated by '/', "
        "not 'oauthapp/*'."
    )
