"""Tests for webex_vault.env_file: the env file is read, the real environment wins, a file with a
secret must be private."""

from __future__ import annotations

from pathlib import Path

import pytest

from webex_vault import (
    Settings,
    SettingsError,
)
from webex_vault_testing.recorded import (
    assert_one_sentence,
)


def test_env_file_is_read_and_real_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "sample.env"
    path.write_text(
        "VAULT_ADDR=http://127.0.0.1:8200\nVAULT_TOKEN=s.from-file\nOAUTHAPP_MOUNT=from-file\n"
    )
    path.chmod(0o600)

    settings = Settings.from_environment(
        {"WEBEX_VAULT_ENV_FILE": str(path), "OAUTHAPP_MOUNT": "from-env"}
    )

    assert settings.vault_token == "s.from-file"
    assert settings.oauthapp_mount == "from-env"


def test_env_file_with_a_secret_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "sample.env"
    path.write_text("VAULT_ADDR=http://127.0.0.1:8200\nVAULT_SECRET_ID=abc\nVAULT_ROLE_ID=r\n")
    path.chmod(0o644)

    with pytest.raises(SettingsError, match=r"chmod 600") as caught:
        Settings.from_environment({"WEBEX_VAULT_ENV_FILE": str(path)})

    assert "abc" not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_env_file_path_must_exist_when_given(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="WEBEX_VAULT_ENV_FILE"):
        Settings.from_environment({"WEBEX_VAULT_ENV_FILE": str(tmp_path / "missing.env")})
