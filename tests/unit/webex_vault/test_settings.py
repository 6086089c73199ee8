"""Tests for webex_vault.settings: the settings of the samples and of the web app, from the
environment and their env files; each error is one sentence naming the variable. The rule for plain
http:// (loopback only) is in test_settings_http.py."""

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
from webex_vault_testing.samples import load_sample, settings_from
from webex_vault_testing.web_credentials import IDLE

people_me_flask = load_sample("people_me_flask")


def test_settings_defaults(env_file: Path) -> None:
    settings = settings_from(env_file, VAULT_ADDR="http://127.0.0.1:8200/", VAULT_TOKEN="s.abc")

    assert settings.vault_addr == "http://127.0.0.1:8200"
    assert settings.vault_token == "s.abc"
    assert not settings.uses_approle
    assert settings.oauthapp_mount == "oauthapp"
    assert settings.oauthapp_server == "webex-myapp"
    assert settings.oauthapp_credential == "people-me"
    assert settings.webex_api_base_url == "https://webexapis.com/v1"
    assert settings.http_timeout_seconds == 10
    assert settings.vault_approle_mount == "approle"
    assert settings.vault_cacert is None and settings.vault_namespace is None


def test_settings_approle_wins_over_a_token_and_secrets_stay_out_of_repr(env_file: Path) -> None:
    settings = settings_from(
        env_file,
        VAULT_ADDR="https://vault.example.com:8200",
        VAULT_TOKEN="s.operator-session",
        VAULT_ROLE_ID="role-1234",
        VAULT_SECRET_ID="secret-5678",
        VAULT_APPROLE_MOUNT="/apps/approle/",
        OAUTHAPP_CREDENTIAL="webex/alice",
        HTTP_TIMEOUT_SECONDS="2.5",
    )

    assert settings.uses_approle and settings.vault_token is None
    assert settings.vault_approle_mount == "apps/approle"
    assert settings.oauthapp_credential == "webex/alice"
    assert settings.http_timeout_seconds == 2.5
    for secret in ("s.operator-session", "role-1234", "secret-5678"):
        assert secret not in repr(settings)


GOOD = {"VAULT_ADDR": "http://127.0.0.1:8200", "VAULT_TOKEN": "s.secret-token"}


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"VAULT_ADDR": None}, "VAULT_ADDR"),
        ({"VAULT_ADDR": "127.0.0.1:8200"}, "VAULT_ADDR"),
        ({"VAULT_TOKEN": None}, "VAULT_TOKEN"),
        ({"VAULT_TOKEN": "  "}, "VAULT_TOKEN"),
        ({"VAULT_ROLE_ID": "r"}, "VAULT_SECRET_ID"),
        ({"VAULT_SECRET_ID": "s"}, "VAULT_ROLE_ID"),
        ({"HTTP_TIMEOUT_SECONDS": "ten"}, "HTTP_TIMEOUT_SECONDS"),
        ({"HTTP_TIMEOUT_SECONDS": "0"}, "HTTP_TIMEOUT_SECONDS"),
        ({"HTTP_TIMEOUT_SECONDS": "nan"}, "HTTP_TIMEOUT_SECONDS"),
        ({"HTTP_TIMEOUT_SECONDS": "301"}, "HTTP_TIMEOUT_SECONDS"),
        ({"OAUTHAPP_MOUNT": "../sys"}, "OAUTHAPP_MOUNT"),
        ({"OAUTHAPP_MOUNT": "oauth app"}, "OAUTHAPP_MOUNT"),
        ({"OAUTHAPP_SERVER": "webex/myapp"}, "OAUTHAPP_SERVER"),
        ({"OAUTHAPP_CREDENTIAL": "alice?x=1"}, "OAUTHAPP_CREDENTIAL"),
        ({"VAULT_APPROLE_MOUNT": "app role"}, "VAULT_APPROLE_MOUNT"),
        ({"VAULT_NAMESPACE": "team a"}, "VAULT_NAMESPACE"),
        ({"WEBEX_API_BASE_URL": "webexapis.com/v1"}, "WEBEX_API_BASE_URL"),
        ({"VAULT_CACERT": "/nonexistent/ca.pem"}, "VAULT_CACERT"),
    ],
)
def test_settings_errors_are_one_sentence_naming_the_key(
    env_file: Path, changes: dict[str, str | None], key: str
) -> None:
    values = {**GOOD, **changes}

    with pytest.raises(SettingsError) as caught:
        settings_from(env_file, **{k: v for k, v in values.items() if v is not None})

    message = str(caught.value)
    assert key in message
    assert_one_sentence(message)
    assert "s.secret-token" not in message
    assert caught.value.exit_code == 2


def test_settings_take_a_secret_id_or_a_wrapped_one_not_both(env_file: Path) -> None:
    with pytest.raises(
        SettingsError, match="VAULT_SECRET_ID and VAULT_SECRET_ID_WRAPPED"
    ) as caught:
        settings_from(env_file, VAULT_ROLE_ID="r", VAULT_SECRET_ID="s", VAULT_SECRET_ID_WRAPPED="w")
    assert_one_sentence(str(caught.value))


@pytest.fixture
def web_env(tmp_path: Path) -> Path:
    path = tmp_path / "web.env"
    path.write_text(
        "VAULT_ADDR=http://127.0.0.1:8200\nVAULT_ROLE_ID=r\nVAULT_SECRET_ID=s\n"
        "OAUTHAPP_CREDENTIAL_PREFIX=team/webex\nOAUTHAPP_REDIRECT_URL=https://app.example/cb/\n"
    )
    path.chmod(0o600)
    return path


def web_settings_from(web_env: Path, **values: str) -> Settings:
    return Settings.from_environment(
        {"WEBEX_VAULT_WEB_ENV_FILE": str(web_env), **values},
        env_file_variable="WEBEX_VAULT_WEB_ENV_FILE",
        default_env_file=people_me_flask.DEFAULT_WEB_ENV_FILE,
    )


def test_web_settings_are_read_from_their_own_file(web_env: Path) -> None:
    settings = web_settings_from(web_env, FLASK_SECRET_KEY="f" * 32, OAUTHAPP_SCOPES="a:b, c:d")

    assert settings.oauthapp_credential_prefix == "team/webex"
    # Exactly as written: Webex and the Vault policy compare it character by character.
    assert settings.oauthapp_redirect_url == "https://app.example/cb/"
    assert settings.oauthapp_scopes == ("a:b", "c:d")
    assert not settings.oauthapp_shared_credential
    assert settings.flask_secret_key == "f" * 32
    assert "f" * 32 not in repr(settings)


def test_web_settings_defaults(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    settings = web_settings_from(
        empty, VAULT_ADDR="https://v:8200", VAULT_ROLE_ID="r", VAULT_SECRET_ID="s"
    )

    assert settings.oauthapp_credential_prefix == "webex"
    assert settings.oauthapp_redirect_url == "http://localhost:5000/auth"
    assert settings.oauthapp_scopes == ("spark:people_read",)
    assert settings.flask_secret_key is None


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"OAUTHAPP_REDIRECT_URL": "localhost:5000/auth"}, "OAUTHAPP_REDIRECT_URL"),
        ({"OAUTHAPP_REDIRECT_URL": "http://localhost:5000"}, "OAUTHAPP_REDIRECT_URL"),
        ({"OAUTHAPP_REDIRECT_URL": "http://localhost:5000/auth?x=1"}, "OAUTHAPP_REDIRECT_URL"),
        ({"OAUTHAPP_CREDENTIAL_PREFIX": "../x"}, "OAUTHAPP_CREDENTIAL_PREFIX"),
        ({"OAUTHAPP_SHARED_CREDENTIAL": "maybe"}, "OAUTHAPP_SHARED_CREDENTIAL"),
        ({"OAUTHAPP_SHARED_CREDENTIAL": "true"}, "OAUTHAPP_CREDENTIAL"),
        ({"OAUTHAPP_SCOPES": 'a,b c"d'}, "OAUTHAPP_SCOPES"),
        ({"OAUTHAPP_SCOPES": " , "}, "OAUTHAPP_SCOPES"),
        ({"FLASK_SECRET_KEY": "dev"}, "FLASK_SECRET_KEY"),
    ],
)
def test_web_settings_errors_name_the_key(web_env: Path, values: dict[str, str], key: str) -> None:
    with pytest.raises(SettingsError, match=key) as caught:
        web_settings_from(web_env, **values)
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")


def test_shared_credential_switch(web_env: Path) -> None:
    settings = web_settings_from(
        web_env, OAUTHAPP_SHARED_CREDENTIAL="true", OAUTHAPP_CREDENTIAL="team/webex/one"
    )
    assert settings.oauthapp_shared_credential
    assert settings.oauthapp_credential == "team/webex/one"


def test_a_web_env_file_with_the_secret_key_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "web.env"
    path.write_text(f"FLASK_SECRET_KEY={'z' * 40}\n")
    path.chmod(0o644)

    with pytest.raises(SettingsError, match="chmod 600"):
        web_settings_from(path)


def test_a_missing_web_env_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="WEBEX_VAULT_WEB_ENV_FILE.*samples/web.env"):
        web_settings_from(tmp_path / "missing.env")


@pytest.mark.parametrize(
    ("value", "ok"),
    [("3600", True), ("31622400", True), ("3599", False), ("1e6", False), ("-5", False)],
)
def test_the_idle_lifetime_setting(value: str, ok: bool) -> None:
    environ = {
        "VAULT_ADDR": "http://127.0.0.1:8200",
        "VAULT_TOKEN": "t",
        "OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS": value,
        "OAUTHAPP_STATE_MOUNT": "/state/",
    }
    if ok:
        settings = Settings.from_environment(environ)
        assert settings.oauthapp_credential_max_idle_seconds == int(value)
        assert settings.oauthapp_state_mount == "state"
    else:
        with pytest.raises(SettingsError, match="OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS"):
            Settings.from_environment(environ)


def test_the_defaults_match_the_role() -> None:
    settings = Settings(vault_addr="http://v")
    assert settings.oauthapp_state_mount == "webex-vault-state"
    assert settings.oauthapp_credential_max_idle_seconds == IDLE
