"""The scenario's fixtures come from molecule/shared/scenario.py, with its shared code."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

from scenario import host, scenario_fixture, vault  # noqa: E402, F401 - fixtures
