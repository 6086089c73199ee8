"""Import a sample script (samples/*.py is a folder of scripts, not a package) by its path."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

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
