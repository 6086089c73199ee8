"""Tests for webex_vault_web's app factory (create_app): the secret key, settings it refuses,
settings it reads, and an AppRole login only when needed. Through Flask's test client, with the
Webex emulator and a stand-in for Vault's oauthapp engine (webex_vault_testing.web_app); the
fixtures are in conftest.py."""

from __future__ import annotations

from typing import Any

import hvac
import pytest

from webex_vault import (
    SettingsError,
)
from webex_vault_testing import FakeClock
from webex_vault_testing.samples import load_sample
from webex_vault_testing.web_app import (
    SECRET_KEY,
    web_settings,
)
from webex_vault_testing.web_credentials import CachingVault, MemoryRecords, app_with

people_me_flask = load_sample("people_me_flask")
create_app = people_me_flask.create_app


def test_the_app_refuses_to_start_without_a_secret_key(emulator: Any) -> None:
    with pytest.raises(SettingsError, match="FLASK_SECRET_KEY") as caught:
        create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator)})
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")

    debug_app = create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator), "DEBUG": True})
    assert len(debug_app.secret_key) >= 32


def test_the_secret_key_comes_from_the_settings(emulator: Any) -> None:
    app = create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator, flask_secret_key="s" * 40)})
    assert app.secret_key == "s" * 40


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"vault_role_id": None, "vault_secret_id": None, "vault_token": "s.root"}, "VAULT_ROLE"),
        ({"oauthapp_shared_credential": True, "oauthapp_credential": "people-me"}, "PREFIX"),
    ],
)
def test_the_app_refuses_unsafe_settings(emulator: Any, changes: dict[str, Any], key: str) -> None:
    with pytest.raises(SettingsError, match=key):
        create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator, **changes), "SECRET_KEY": "x"})


def test_the_app_logs_in_with_its_approle_only_when_needed(emulator: Any) -> None:
    """No token at start: the client carries only what an AppRole login gives it, later."""
    app = create_app({"WEBEX_VAULT_SETTINGS": web_settings(emulator), "SECRET_KEY": SECRET_KEY})
    client = app.extensions["webex_vault"].vault.client
    assert isinstance(client, hvac.Client)
    assert client.token in ("", None)


def test_the_app_reads_the_idle_lifetime_and_state_mount_from_its_settings(
    caching_vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> None:
    app = app_with(caching_vault, records, clock, oauthapp_credential_max_idle_seconds=7200)
    assert app.extensions["webex_vault"].credentials.max_idle_seconds == 7200
