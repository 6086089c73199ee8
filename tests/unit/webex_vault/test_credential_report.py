"""Tests for webex_vault.credential_report, the operator's command: the table, --json and the exit
status, against a stub of Vault's HTTP API answering as OpenBao and the oauthapp plugin do
(webex_vault_testing.recorded). tests/security/test_credential_health.py runs the same command
against the real plugin with the emulator's faults."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from webex_vault import credential_report
from webex_vault_testing.recorded import (
    ACCESS_TOKEN,
    CREDENTIAL_MISSING,
    REFRESH_FAILING_WARNING,
    REVOKED_WARNING,
    TOKEN_EXPIRED,
    index_answers,
    recorded_read_warned,
)
from webex_vault_testing.stub import Stub

DENIED = (403, {"errors": ["1 error occurred:\n\t* permission denied\n\n"]})
FAILING = recorded_read_warned(60, "1 attempt(s) to refresh this token failed, most recently: x")


def plugin(stub: Stub, answers: dict[str, tuple[int, Any]]) -> None:
    """Index the credentials and have the plugin answer their reads."""
    for (method, path), answer in index_answers(
        list(answers), "webex-vault-state", "oauthapp"
    ).items():
        stub.route(method, path, answer)
    for name, answer in answers.items():
        stub.route("GET", f"/v1/oauthapp/creds/{name}", answer)


def four_credentials(stub: Stub) -> None:
    """The fault test's four, as the plugin answers them."""
    plugin(
        stub,
        {
            "healthy": recorded_read_warned(3600),
            "revoked": recorded_read_warned(900, REVOKED_WARNING),
            "webex/transient": recorded_read_warned(1800, REFRESH_FAILING_WARNING),
            "deleted": CREDENTIAL_MISSING,
        },
    )


@pytest.fixture(autouse=True)
def environment(stub_vault: Stub, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("VAULT_", "OAUTHAPP_", "WEBEX_VAULT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VAULT_ADDR", stub_vault.url)
    monkeypatch.setenv("VAULT_TOKEN", "operator-token")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = credential_report.main(list(argv))
    out, err = capsys.readouterr()
    assert ACCESS_TOKEN not in out + err
    return status, out, err


def test_the_table_names_each_state_and_what_to_do(
    stub_vault: Stub, capsys: pytest.CaptureFixture[str]
) -> None:
    four_credentials(stub_vault)

    status, out, err = run(capsys)

    assert status == credential_report.CRITICAL_STATUS and err == ""
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [*credential_report.COLUMNS]
    rows = {line.split()[0]: line.split()[1] for line in lines[1:5]}
    assert rows == {
        "deleted": "missing",
        "healthy": "healthy",
        "revoked": "reauthorize",
        "webex/transient": "refresh_failing",
    }
    assert lines[5] == ""
    assert "revoked: Webex refused the refresh token: authorize again (refresh failed:" in out
    assert "webex/transient: the plugin retries" in out and "deleted: indexed, but" in out
    assert "healthy:" not in out and len(lines) == 9


def test_json_carries_the_same_and_never_a_token(
    stub_vault: Stub, capsys: pytest.CaptureFixture[str]
) -> None:
    four_credentials(stub_vault)

    status, out, _ = run(capsys, "--json")

    report = json.loads(out)
    assert report["exit_status"] == status == 2
    states = {row["name"]: row for row in report["credentials"]}
    assert states["webex/transient"]["refresh_failures"] == 2
    assert states["webex/transient"]["state"] == "refresh_failing"
    assert "\n" not in states["webex/transient"]["detail"]
    assert 3590 <= states["healthy"]["seconds_to_expiry"] <= 3600
    assert states["deleted"]["seconds_to_expiry"] is None
    assert report["counts"]["missing"] == 1 and report["counts"]["healthy"] == 1
    assert all("access_token" not in row for row in report["credentials"])


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ({}, 0),
        ({"a": recorded_read_warned(60)}, 0),
        ({"a": FAILING}, 1),
        ({"a": recorded_read_warned(60), "b": TOKEN_EXPIRED}, 2),
        ({"a": DENIED}, 3),
        ({"a": DENIED, "b": FAILING}, 3),
        ({"a": DENIED, "b": TOKEN_EXPIRED}, 2),
    ],
    ids=[
        "none",
        "healthy",
        "warning",
        "critical",
        "unknown",
        "unknown-over-warning",
        "critical-over-unknown",
    ],
)
def test_exit_status(
    stub_vault: Stub,
    capsys: pytest.CaptureFixture[str],
    answers: dict[str, tuple[int, Any]],
    status: int,
) -> None:
    if answers:
        plugin(stub_vault, answers)
    else:
        stub_vault.route(
            "LIST", "/v1/webex-vault-state/metadata/oauthapp/index", (404, {"errors": []})
        )

    result, out, _ = run(capsys)

    assert result == status
    if not answers:
        assert out == "No credential is indexed.\n"


def test_an_unreachable_vault_is_unknown_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VAULT_ADDR", "http://127.0.0.1:9")

    status, out, err = run(capsys)

    assert status == credential_report.UNKNOWN and out == ""
    assert err.startswith("credential_report: Cannot connect to Vault at http://127.0.0.1:9")
    assert err.count("\n") == 1


def test_bad_settings_are_unknown_and_name_the_variable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env_file = tmp_path / "operator.env"
    env_file.write_text("OAUTHAPP_MOUNT=oauth app\n")
    env_file.chmod(0o600)

    status, _, err = run(capsys, "--env-file", str(env_file))

    assert status == credential_report.UNKNOWN and "OAUTHAPP_MOUNT" in err
