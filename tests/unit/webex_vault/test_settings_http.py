"""VAULT_ADDR, WEBEX_API_BASE_URL and OAUTHAPP_REDIRECT_URL carry tokens, codes or the session
cookie: plain http:// only to a loopback host. Web sessions expire (12 h unless configured)."""

from __future__ import annotations

import pytest

from webex_vault import Settings, SettingsError

TOKEN = {"VAULT_TOKEN": "s.secret-token"}
LOOPBACK_VAULT = "http://127.0.0.1:8200"


def settings(**values: str) -> Settings:
    # Only the given values: no env file, no variable of the calling shell.
    return Settings.from_environment({**TOKEN, **values}, default_env_file=None)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8200",
        "http://127.1.2.3:8200",  # all of 127.0.0.0/8
        "http://localhost:8200",
        "http://LOCALHOST:8200",
        "http://[::1]:8200",
        "https://vault.example.com:8200",
        "https://10.1.2.3:8200",
    ],
)
def test_loopback_or_https_addresses_are_accepted(url: str) -> None:
    assert settings(VAULT_ADDR=url).vault_addr == url
    assert settings(VAULT_ADDR=LOOPBACK_VAULT, WEBEX_API_BASE_URL=url).webex_api_base_url == url


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://vault.example.com:8200", "vault.example.com"),
        ("http://10.1.2.3:8200", "10.1.2.3"),
        ("http://192.0.2.1:8200", "192.0.2.1"),
        ("http://[2001:db8::1]:8200", "2001:db8::1"),
        ("http://128.0.0.1:8200", "128.0.0.1"),
        ("http://localhost.example.com:8200", "localhost.example.com"),
        ("http://127.0.0.1.nip.io:8200", "127.0.0.1.nip.io"),
        ("http://user:hunter2@vault.example.com:8200", "vault.example.com"),
    ],
)
@pytest.mark.parametrize("key", ["VAULT_ADDR", "WEBEX_API_BASE_URL"])
def test_plain_http_to_another_host_is_refused_naming_the_key(
    key: str, url: str, host: str
) -> None:
    values = {"VAULT_ADDR": LOOPBACK_VAULT, key: url}

    with pytest.raises(SettingsError) as caught:
        settings(**values)

    message = str(caught.value)
    assert message.startswith(f"{key} must be an https:// URL")
    assert f"'{host}'" in message
    assert "hunter2" not in message  # a password in the URL is not echoed
    assert "s.secret-token" not in message


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://app.example.com/auth", "app.example.com"),
        ("http://10.1.2.3:5000/auth", "10.1.2.3"),
        ("http://[2001:db8::1]:5000/auth", "2001:db8::1"),
        ("http://localhost.example.com/auth", "localhost.example.com"),
    ],
)
def test_a_plain_http_redirect_url_to_another_host_is_refused(url: str, host: str) -> None:
    """The session cookie is Secure only on https: elsewhere it (and the code) would cross a
    network in clear."""
    with pytest.raises(SettingsError) as caught:
        settings(VAULT_ADDR=LOOPBACK_VAULT, OAUTHAPP_REDIRECT_URL=url)

    assert str(caught.value).startswith("OAUTHAPP_REDIRECT_URL must be an https:// URL")
    assert f"'{host}'" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["http://localhost:5000/auth", "http://127.0.0.1:5000/auth", "https://app.example.com/auth"],
)
def test_a_loopback_or_https_redirect_url_is_accepted(url: str) -> None:
    assert (
        settings(VAULT_ADDR=LOOPBACK_VAULT, OAUTHAPP_REDIRECT_URL=url).oauthapp_redirect_url == url
    )


def test_web_sessions_last_twelve_hours_unless_configured() -> None:
    assert settings(VAULT_ADDR=LOOPBACK_VAULT).web_session_lifetime_seconds == 12 * 3600
    configured = settings(VAULT_ADDR=LOOPBACK_VAULT, WEB_SESSION_LIFETIME_SECONDS="3600")
    assert configured.web_session_lifetime_seconds == 3600


@pytest.mark.parametrize("value", ["0", "299", "604801", "12h", "-5", "1e4"])
def test_a_session_lifetime_out_of_bounds_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="^WEB_SESSION_LIFETIME_SECONDS must be"):
        settings(VAULT_ADDR=LOOPBACK_VAULT, WEB_SESSION_LIFETIME_SECONDS=value)
