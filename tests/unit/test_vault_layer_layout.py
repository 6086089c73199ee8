"""One way to Vault, checked on the repository's files: the product (the collection's plugins
and the packages in src/) imports no private module of Ansible or of community.hashi_vault and
touches no internals of ansible.module_utils.basic or the action base."""

from __future__ import annotations

import ast
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", ".local", ".git", ".ansible", ".pytest_cache", ".ruff_cache", "output"}


def python_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = sorted(name for name in dirs if name not in SKIPPED_DIRS)
        found += [Path(folder) / name for name in sorted(files) if name.endswith(".py")]
    return found


# --- Private internals -------------------------------------------------------------------

# The product: the collection's plugins and the installable packages.
PRODUCT = ("plugins", "src")
# Names that reach into Ansible's internals: AnsibleModule's argument globals and the action
# base's parser of a module's raw output.
INTERNALS = {"_ANSIBLE_ARGS", "_ANSIBLE_PROFILE", "_parse_returned_data"}


def private_uses(path: Path) -> list[str]:
    """Each import of a private (_-prefixed) module or name of Ansible or of a collection
    (community.hashi_vault's _authenticator, _connection_options, ...), each use of
    ansible.module_utils.basic's private names, and each name in INTERNALS."""
    where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            modules, names = [alias.name for alias in node.names], []
        elif isinstance(node, ast.Attribute):
            base = node.value.id if isinstance(node.value, ast.Name) else ""
            if node.attr in INTERNALS or (base == "basic" and node.attr.startswith("_")):
                found.append(f"{where}:{node.lineno} .{node.attr}")
            continue
        else:
            continue
        for module in modules:
            if module.split(".")[0] not in ("ansible", "ansible_collections"):
                continue
            parts = module.split(".")
            private = [part for part in parts if part.startswith("_")]
            private += [name for name in names if name.startswith("_")]
            if private:
                found.append(f"{where}:{node.lineno} {module} {private}")
    return found


def test_private_uses_are_found(tmp_path) -> None:
    """The check itself finds each kind of private use it looks for."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from ansible_collections.community.hashi_vault.plugins.module_utils."
        "_authenticator import HashiVaultAuthenticator\n"
        "from ansible.module_utils import basic\n"
        "basic._ANSIBLE_ARGS = b''\n"
        "self._parse_returned_data({})\n"
        "from ansible.module_utils.basic import _load_params\n"
    )
    assert len(private_uses(sample)) == 4


def test_the_product_uses_no_private_internals() -> None:
    offenders = [
        use
        for path in python_files()
        if path.relative_to(REPO).parts[0] in PRODUCT
        for use in private_uses(path)
    ]
    assert offenders == []
