"""VAULT_ADDR and WEBEX_API_BASE_URL carry tokens: plain http:// only to a loopback host."""

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
