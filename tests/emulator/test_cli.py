"""Tests for webex_emulator.cli: flags over environment variables, usage errors, loopback only, and
a ready line and log that keep secrets out. The Flask app runs in-process with a fake clock
(fixtures in conftest.py, requests shaped like golang.org/x/oauth2's in
webex_vault_testing.emulator_app)."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
import requests

import webex_emulator as emu
from webex_vault_testing.emulator_app import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    authorize_params,
    go_basic_auth,
)


def test_cli_refuses_a_non_loopback_host(capsys, monkeypatch):
    for name in list(os.environ):
        if name.startswith(emu.ENV_PREFIX):
            monkeypatch.delenv(name)
    argv = ["--host", "192.0.2.10", "--client-id", "a", "--client-secret", "b"]

    status = emu.main([*argv, "--redirect-uri", REDIRECT_URI])

    assert status == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("Refusing to listen on 192.0.2.10:")
    assert "\n" not in error and error.endswith(".")


@pytest.mark.parametrize(
    "argv",
    [
        ["--client-secret", "b", "--redirect-uri", REDIRECT_URI],
        ["--client-id", "a", "--client-secret", "b"],
        ["--client-id", "a", "--client-secret", "b", "--redirect-uri", "r", "--error-style", "x"],
    ],
)
def test_cli_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        emu.settings_from_args(argv, {})

    assert exit_info.value.code == 2
    assert capsys.readouterr().err


def test_cli_flags_win_over_environment_variables():
    environ = {
        "WEBEX_EMULATOR_CLIENT_ID": "env-id",
        "WEBEX_EMULATOR_CLIENT_SECRET": "env-secret",
        "WEBEX_EMULATOR_REDIRECT_URI": "http://127.0.0.1:1/a  http://127.0.0.1:2/b",
        "WEBEX_EMULATOR_PORT": "9000",
        "WEBEX_EMULATOR_AUTO_APPROVE": "true",
        "WEBEX_EMULATOR_ROTATE_REFRESH_TOKENS": "yes",
        "WEBEX_EMULATOR_ACCESS_TOKEN_LIFETIME": "60",
        "WEBEX_EMULATOR_DISPLAY_NAME": "Env Person",
    }

    settings = emu.settings_from_args(
        ["--client-id", "flag-id", "--no-auto-approve", "--code-lifetime", "5"], environ
    )

    assert settings.client_id == "flag-id"
    assert settings.client_secret == "env-secret"
    assert settings.redirect_uris == ("http://127.0.0.1:1/a", "http://127.0.0.1:2/b")
    assert (settings.port, settings.access_token_lifetime, settings.code_lifetime) == (9000, 60, 5)
    assert settings.auto_approve is False
    assert settings.rotate_refresh_tokens is True
    assert settings.display_name == "Env Person"


def test_cli_defaults_to_port_8600_and_rejects_a_bad_environment_value(capsys):
    environ = {
        "WEBEX_EMULATOR_CLIENT_ID": "a",
        "WEBEX_EMULATOR_CLIENT_SECRET": "b",
        "WEBEX_EMULATOR_REDIRECT_URI": REDIRECT_URI,
    }
    assert emu.settings_from_args([], environ).port == 8600

    with pytest.raises(SystemExit):
        emu.settings_from_args([], {**environ, "WEBEX_EMULATOR_AUTO_APPROVE": "perhaps"})
    assert "WEBEX_EMULATOR_AUTO_APPROVE" in capsys.readouterr().err


def test_cli_prints_the_ready_line_serves_and_keeps_secrets_out_of_its_log():
    environ = {name: value for name, value in os.environ.items() if not name.startswith("WEBEX_")}
    environ.update(WEBEX_EMULATOR_CLIENT_SECRET=CLIENT_SECRET, WEBEX_EMULATOR_AUTO_APPROVE="1")
    command = [
        sys.executable,
        "-m",
        "webex_emulator",
        "--port",
        "0",
        "--client-id",
        CLIENT_ID,
        "--redirect-uri",
        REDIRECT_URI,
    ]
    process = subprocess.Popen(
        command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "the emulator printed nothing within 20 s"
        line = process.stdout.readline().strip()
        match = re.fullmatch(r"Webex emulator listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        base_url = match.group(1)
        authorize = requests.get(
            f"{base_url}/v1/authorize",
            params=authorize_params(state="STATE-MARKER"),
            allow_redirects=False,
            timeout=5,
        )
        code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
        token = requests.post(
            f"{base_url}/v1/access_token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
            headers=go_basic_auth(),
            timeout=5,
        )
        assert token.status_code == 200
    finally:
        process.terminate()
        _, log = process.communicate(timeout=10)

    assert "GET /v1/authorize 302" in log
    assert "POST /v1/access_token 200" in log
    for secret in ("STATE-MARKER", code, token.json()["access_token"], quote_plus(CLIENT_SECRET)):
        assert secret not in log
