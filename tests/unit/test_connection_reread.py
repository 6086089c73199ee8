"""VaultConnection reads its settings file again when Vault refuses its login (issue 20): the
playbook may have written a new secret ID, or `make demo` may have switched servers, while the
web app runs. It logs in with what the file holds now, once; a file that still holds the
refused identity changes nothing. The same behaviour against real servers is
tests/integration/test_reprovision.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import webex_vault.connection
from webex_vault import Settings, SettingsError, VaultConnection, VaultTokenInvalid

ENV_VARIABLE = "WEBEX_VAULT_WEB_ENV_FILE"


def write_settings(
    path: Path, role_id: str, secret_id: str, addr: str = "http://127.0.0.1:9"
) -> None:
    path.write_text(
        f"VAULT_ADDR={addr}\nVAULT_ROLE_ID={role_id}\nVAULT_SECRET_ID={secret_id}\n",
        encoding="utf-8",
    )
    path.chmod(0o600)


class Logins:
    """Stands in for webex_vault.connection.login: accepts only `valid` secret IDs."""

    def __init__(self, valid: set[str]) -> None:
        self.valid = valid
        self.tried: list[tuple[str, str | None, str | None]] = []

    def __call__(self, client: Any, settings: Settings) -> None:
        self.tried.append((client.url, settings.vault_role_id, settings.vault_secret_id))
        if settings.vault_secret_id not in self.valid:
            raise VaultTokenInvalid("Vault rejected the AppRole login at auth/approle.")
        client.token = f"token-for-{settings.vault_secret_id}"


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "web.env"
    write_settings(path, "role-1", "secret-1")
    return path


def connection_for(env_file: Path) -> VaultConnection:
    settings = Settings.from_environment(
        {ENV_VARIABLE: str(env_file)}, env_file_variable=ENV_VARIABLE
    )
    return VaultConnection(settings)


def test_a_refused_login_reads_the_settings_file_again_and_logs_in_once(
    env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins = Logins({"secret-1"})
    monkeypatch.setattr(webex_vault.connection, "login", logins)
    connection = connection_for(env_file)
    connection.relogin()
    assert connection.client.token == "token-for-secret-1"

    # The playbook issued a new secret ID and destroyed the old one.
    logins.valid = {"secret-2"}
    write_settings(env_file, "role-1", "secret-2")
    connection.relogin(connection.client.token)

    assert connection.client.token == "token-for-secret-2"
    assert [tried[2] for tried in logins.tried] == ["secret-1", "secret-1", "secret-2"]
    assert connection.settings.vault_secret_id == "secret-2"


def test_an_unchanged_settings_file_means_no_second_try(
    env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins = Logins(set())
    monkeypatch.setattr(webex_vault.connection, "login", logins)
    connection = connection_for(env_file)

    with pytest.raises(VaultTokenInvalid, match="rejected the AppRole login"):
        connection.relogin()
    assert len(logins.tried) == 1


def test_a_new_server_address_gets_a_new_client_and_an_empty_token_cache(
    env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins = Logins({"secret-1"})
    monkeypatch.setattr(webex_vault.connection, "login", logins)
    connection = connection_for(env_file)
    connection.relogin()
    old_client = connection.client
    cleared: list[Any] = []
    monkeypatch.setattr(connection.tokens, "use_client", cleared.append)

    logins.valid = {"secret-9"}
    write_settings(env_file, "role-9", "secret-9", addr="http://127.0.0.2:9")
    connection.relogin(connection.client.token)

    assert connection.client is not old_client
    assert connection.client.url == "http://127.0.0.2:9"
    assert cleared == [connection.client]
    assert logins.tried[-1] == ("http://127.0.0.2:9", "role-9", "secret-9")


def test_settings_built_in_code_are_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    logins = Logins(set())
    monkeypatch.setattr(webex_vault.connection, "login", logins)
    connection = VaultConnection(
        Settings(vault_addr="http://127.0.0.1:9", vault_role_id="r", vault_secret_id="s")
    )
    with pytest.raises(VaultTokenInvalid):
        connection.relogin()
    assert len(logins.tried) == 1


def test_a_broken_settings_file_says_so(env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logins = Logins(set())
    monkeypatch.setattr(webex_vault.connection, "login", logins)
    connection = connection_for(env_file)
    env_file.chmod(0o644)  # holds a secret ID, readable by others: refused

    with pytest.raises(SettingsError, match="chmod 600"):
        connection.relogin()
