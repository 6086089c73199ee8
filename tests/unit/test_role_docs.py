"""Every role variable is a default, is in the argument spec with the same default, and is
documented in the README's variable table: specs must not drift from defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ROLES = sorted(path.name for path in (REPO / "roles").iterdir() if path.is_dir())


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


@pytest.mark.parametrize("role", ROLES)
def test_argument_spec_matches_defaults(role):
    defaults = load(REPO / "roles" / role / "defaults" / "main.yml")
    entry_points = load(REPO / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]
    # Each entry point (main, and e.g. prune) declares its own options; together they cover
    # every default; an option repeated in several entry points keeps one default.
    options = {}
    for entry_point in entry_points.values():
        for name, spec in entry_point.get("options", {}).items():
            earlier = options.get(name, spec)
            assert earlier.get("default") == spec.get("default"), f"{role}: {name} default differs"
            options[name] = spec
    assert sorted(options) == sorted(defaults), "every default needs a spec entry and back"
    for name, spec in options.items():
        assert spec.get("default") == defaults[name], f"{role}: default of {name} drifted"
        assert spec.get("description"), f"{role}: {name} has no description"
        assert name.startswith(f"{role}_"), f"{role}: {name} lacks the role prefix"


@pytest.mark.parametrize("role", ROLES)
def test_every_default_has_a_comment(role):
    """Each variable sits in a block (no blank line) that carries a comment above it."""
    lines = (REPO / "roles" / role / "defaults" / "main.yml").read_text().splitlines()
    for number, line in enumerate(lines):
        if not line or line.startswith((" ", "#", "-")) or ":" not in line:
            continue
        block = []
        for above in reversed(lines[:number]):
            if not above.strip():
                break
            block.append(above)
        name = line.split(":")[0]
        assert any(row.startswith("#") for row in block), f"{role}: {name} has no comment"


@pytest.mark.parametrize("role", ROLES)
def test_readme_lists_every_variable(role):
    readme = (REPO / "README.md").read_text()
    defaults = load(REPO / "roles" / role / "defaults" / "main.yml")
    missing = [name for name in defaults if f"`{name}`" not in readme]
    assert not missing, f"README.md does not document {missing}"


def test_readme_tables_are_generated_from_the_specs():
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "role-variables.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
