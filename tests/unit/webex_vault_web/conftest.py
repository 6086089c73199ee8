"""Fixtures of the web app's tests: the app and its test client over a stand-in for Vault's oauthapp
engine that exchanges codes with the Webex emulator (the `emulator` fixture of tests/conftest.py), a
person of its own at the emulator, and the stand-ins that webex_vault_web.credentials works with."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webex_vault_testing import FakeClock
from webex_vault_testing.samples import load_sample
from webex_vault_testing.web_app import (
    SECRET_KEY,
    PluginStandIn,
    web_settings,
)
from webex_vault_testing.web_credentials import IDLE, CachingVault, MemoryRecords
from webex_vault_web.credentials import Credentials

people_me_flask = load_sample("people_me_flask")
create_app = people_me_flask.create_app


@pytest.fixture
def vault(emulator: Any) -> PluginStandIn:
    return PluginStandIn(emulator)


@pytest.fixture
def make_app(emulator: Any, vault: PluginStandIn) -> Callable[..., Flask]:
    def make(**settings_changes: Any) -> Flask:
        return create_app(
            {
                "WEBEX_VAULT_SETTINGS": web_settings(emulator, **settings_changes),
                "WEBEX_VAULT_CONNECTION": vault,
                "SECRET_KEY": SECRET_KEY,
            }
        )

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def webex_user(emulator: Any) -> Iterator[Callable[..., dict[str, Any]]]:
    """Sign in to the emulator as a new person; the original person comes back afterwards."""
    original = emulator.control("GET", "user")["id"]

    def become(**fields: Any) -> dict[str, Any]:
        return emulator.control("POST", "users", **fields)

    yield become
    emulator.control("POST", "login", id=original)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def caching_vault() -> CachingVault:
    return CachingVault()


@pytest.fixture
def records() -> MemoryRecords:
    return MemoryRecords()


@pytest.fixture
def credentials(
    caching_vault: CachingVault, records: MemoryRecords, clock: FakeClock
) -> Credentials:
    return Credentials(caching_vault, records, max_idle_seconds=IDLE, clock=clock)
