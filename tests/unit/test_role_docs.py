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
# The Vault API connection: the one set of names every role that calls the API shares.
CONNECTION_PREFIX = "vault_api_"
CONNECTION = [
    "vault_api_url",
    "vault_api_auth_method",
    "vault_api_token",
    "vault_api_role_id",
    "vault_api_secret_id",
    "vault_api_mount_point",
    "vault_api_ca_cert",
    "vault_api_namespace",
    "vault_api_validate_certs",
]
API_ROLES = ["oauthapp_plugin", "oauthapp_webex"]


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
        prefixes = (f"{role}_", CONNECTION_PREFIX)
        assert name.startswith(prefixes), f"{role}: {name} lacks the role prefix"


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


def role_options(role: str) -> dict[str, dict]:
    spec = load(REPO / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]
    return {name: options for name, options in ((n, e.get("options", {})) for n, e in spec.items())}


@pytest.mark.parametrize("role", API_ROLES)
def test_api_roles_declare_the_whole_connection_in_every_entry_point(role):
    """A role called with tasks_from gets its connection checked and defaulted too."""
    for entry_point, options in role_options(role).items():
        missing = [name for name in CONNECTION if name not in options]
        assert not missing, f"{role} {entry_point} does not declare {missing}"


def test_the_connection_is_the_same_in_every_role():
    """Same types, defaults (the environment fallbacks) and secrecy in every role."""
    specs = {
        (role, entry_point): {name: options[name] for name in CONNECTION}
        for role in API_ROLES
        for entry_point, options in role_options(role).items()
    }
    first = next(iter(specs.values()))
    assert all(spec == first for spec in specs.values()), specs
    assert first["vault_api_token"].get("no_log") and first["vault_api_secret_id"].get("no_log")
    environment = {
        "vault_api_url": "VAULT_ADDR",
        "vault_api_token": "VAULT_TOKEN",
        "vault_api_ca_cert": "VAULT_CACERT",
        "vault_api_namespace": "VAULT_NAMESPACE",
        "vault_api_role_id": "ANSIBLE_HASHI_VAULT_ROLE_ID",
        "vault_api_secret_id": "ANSIBLE_HASHI_VAULT_SECRET_ID",
    }
    for name, variable in environment.items():
        assert first[name]["default"] == f"{{{{ lookup('ansible.builtin.env', '{variable}') }}}}"


def test_roles_read_no_connection_of_the_play():
    """No role reads the playbooks' old connection dict or relies on a play's module_defaults:
    every role task file that calls the Vault API is under the role's own module_defaults."""
    for path in (REPO / "roles").glob("*/tasks/*.yml"):
        assert "vault_api_connection" not in path.read_text(), path
    assert not (REPO / "playbooks" / "vars").exists()
    for path in (REPO / "playbooks").glob("*.yml"):
        assert "module_defaults" not in path.read_text(), path


def test_connection_tasks_are_the_same_in_both_roles():
    """tasks/connection.yml is one file kept in two roles: only the role name differs."""
    plugin = (REPO / "roles/oauthapp_plugin/tasks/connection.yml").read_text()
    webex = (REPO / "roles/oauthapp_webex/tasks/connection.yml").read_text()
    assert plugin.replace("oauthapp_plugin", "oauthapp_webex") == webex
