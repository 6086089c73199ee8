"""Tests for samples/people_me.py, the CLI sample, run as a user runs it (a process of its own): its
output, one-line errors with distinct exit codes, --debug. Vault and Webex are stubs with recorded
answers; where Vault's own answers matter a real OpenBao dev server answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from webex_vault_testing import REPO, free_port
from webex_vault_testing.bao import Bao
from webex_vault_testing.recorded import (
    ACCESS_TOKEN,
    CREDENTIAL_MISSING,
    PERSON,
    REFRESH_REVOKED,
    SERVER_DELETED,
    WEBEX_401,
    recorded_read_ok,
)
from webex_vault_testing.stub import Stub

SAMPLES = REPO / "samples"


def run_cli(
    env_file: Path, cwd: Path = REPO, args: tuple[str, ...] = (), **values: str
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(env_file.parent),
        "WEBEX_VAULT_ENV_FILE": str(env_file),
        **values,
    }
    script = "people_me.py" if cwd == SAMPLES else "samples/people_me.py"
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def cli_env(stub_vault: Stub, stub_webex: Stub) -> dict[str, str]:
    stub_vault.route("GET", "/v1/oauthapp/creds/people-me", (200, lambda: recorded_read_ok()))
    stub_webex.route("GET", "/v1/people/me", (200, PERSON))
    return {
        "VAULT_ADDR": stub_vault.url,
        "VAULT_TOKEN": "s.app-token",
        "WEBEX_API_BASE_URL": f"{stub_webex.url}/v1",
    }


@pytest.mark.parametrize("cwd", [REPO, SAMPLES], ids=["from-repo-root", "from-samples"])
def test_cli_prints_the_display_name(
    env_file: Path, cli_env: dict[str, str], stub_vault: Stub, stub_webex: Stub, cwd: Path
) -> None:
    result = run_cli(env_file, cwd=cwd, **cli_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "User displayName: Alice Example\n"
    assert result.stderr == ""
    # A plain read: the sample's policy refuses minimum_seconds.
    assert stub_vault.seen[-1]["query"] == ""
    assert stub_webex.seen[-1]["headers"]["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def cli_failure(result: subprocess.CompletedProcess[str], exit_code: int) -> str:
    assert result.returncode == exit_code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("people_me: ")
    assert ACCESS_TOKEN not in result.stderr and "s.app-token" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("vault_answer", "webex_answer", "exit_code", "words"),
    [
        (CREDENTIAL_MISSING, None, 3, "make demo"),
        (REFRESH_REVOKED, None, 4, "re-authorize"),
        (None, (401, WEBEX_401), 5, "re-authorize"),
        (None, (429, None), 6, "15 seconds"),
        (SERVER_DELETED, None, 11, "OAUTHAPP_SERVER"),
        ((500, {"errors": ["internal error"]}), None, 13, "internal error"),
        (None, (500, {"message": "Internal Server Error"}), 14, "500"),
    ],
)
def test_cli_errors_are_one_line_with_distinct_exit_codes(
    env_file: Path,
    cli_env: dict[str, str],
    stub_vault: Stub,
    stub_webex: Stub,
    vault_answer: tuple[int, Any] | None,
    webex_answer: tuple[int, Any] | None,
    exit_code: int,
    words: str,
) -> None:
    if vault_answer:
        stub_vault.route("GET", "/v1/oauthapp/creds/people-me", vault_answer)
    if webex_answer:
        stub_webex.route("GET", "/v1/people/me", webex_answer)

    assert words in cli_failure(run_cli(env_file, **cli_env), exit_code)


def test_cli_settings_error(env_file: Path) -> None:
    assert "VAULT_ADDR" in cli_failure(run_cli(env_file, VAULT_TOKEN="s.app-token"), 2)


def test_cli_vault_unreachable(env_file: Path) -> None:
    address = f"http://127.0.0.1:{free_port()}"
    line = cli_failure(run_cli(env_file, VAULT_ADDR=address, VAULT_TOKEN="s.app-token"), 7)
    assert address in line


def test_cli_against_real_vault(bao: Bao, sealed_bao: Bao, env_file: Path) -> None:
    assert "VAULT_TOKEN" in cli_failure(
        run_cli(env_file, VAULT_ADDR=bao.address, VAULT_TOKEN="s.app-token"), 10
    )
    token = bao.root.auth.token.create(policies=["default"])["auth"]["client_token"]
    assert "denied access" in cli_failure(
        run_cli(env_file, VAULT_ADDR=bao.address, VAULT_TOKEN=token), 9
    )
    assert "sealed" in cli_failure(
        run_cli(env_file, VAULT_ADDR=sealed_bao.address, VAULT_TOKEN="s.app-token"), 8
    )


def test_cli_debug_shows_the_traceback(
    env_file: Path, cli_env: dict[str, str], stub_vault: Stub
) -> None:
    stub_vault.route("GET", "/v1/oauthapp/creds/people-me", CREDENTIAL_MISSING)

    result = run_cli(env_file, args=("--debug",), **cli_env)

    assert result.returncode == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("people_me: ")
