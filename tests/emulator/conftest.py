"""Fixtures of the emulator's tests: the Flask app with a fake clock (expiry is tested by moving
time, not by sleeping), its test client and state, and the real threaded server."""

from __future__ import annotations

import pytest

import webex_emulator as emu
from webex_vault_testing import FakeClock
from webex_vault_testing.emulator_app import (
    make_settings,
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def app(clock):
    return emu.create_app(make_settings(), clock)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def state(app):
    return app.extensions["webex_emulator"]


@pytest.fixture
def live_server():
    server, base_url = emu.start_in_thread(make_settings())
    yield server, base_url
    server.shutdown()
