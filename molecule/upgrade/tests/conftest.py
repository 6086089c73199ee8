"""Fixtures of the upgrade scenario's tests (shared code in molecule/shared/scenario.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

from scenario import Scenario  # noqa: E402


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return Scenario()


@pytest.fixture(scope="session")
def host(scenario):
    return scenario.host()


@pytest.fixture(scope="session")
def vault(scenario):
    return scenario.client()
