"""Import a sample script (samples/*.py is a folder of scripts, not a package) by its path, and
read settings as the samples do, from an env file of the test's own."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from webex_vault import Settings
from webex_vault_testing.base import REPO

SAMPLES_DIR = REPO / "samples"


def load_sample(name: str) -> ModuleType:
    """samples/<name>.py as the module `name`, imported once (later calls return the same)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SAMPLES_DIR / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"no sample script samples/{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def settings_from(env_file: Path, **values: str) -> Settings:
    """Settings from these values and env_file only (never a developer's samples/.env)."""
    return Settings.from_environment({"WEBEX_VAULT_ENV_FILE": str(env_file), **values})
