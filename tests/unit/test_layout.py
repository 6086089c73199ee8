"""The repository's Python layout: packages are imported, never found by editing the import
path, and the product's modules stay a size one reads in a sitting."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Not part of the repository: the virtualenv, local state and links, git's own files.
SKIPPED_DIRS = {".venv", ".local", ".git", ".ansible", ".pytest_cache", ".ruff_cache", "output"}
# Spelled in two parts so that this file does not find itself.
IMPORT_PATH_EDIT = "sys" + ".path"
MAX_LINES = 300
# Where every module must stay within MAX_LINES: the packages and the sample scripts.
SIZE_CHECKED = ("src", "samples")


def python_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = sorted(name for name in dirs if name not in SKIPPED_DIRS)
        found += [Path(folder) / name for name in sorted(files) if name.endswith(".py")]
    return found


def test_the_walk_sees_the_repository() -> None:
    names = {path.relative_to(REPO).as_posix() for path in python_files()}
    assert {"src/webex_vault/settings.py", "tests/unit/test_layout.py"} <= names
    assert not any(name.startswith((".venv/", ".local/")) for name in names)


def test_no_python_file_edits_the_import_path() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if IMPORT_PATH_EDIT in line
    ]
    assert offenders == [], f"{IMPORT_PATH_EDIT} in: {', '.join(offenders)}"


def test_modules_are_at_most_300_lines() -> None:
    sizes = {
        path.relative_to(REPO).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in python_files()
        if path.relative_to(REPO).parts[0] in SIZE_CHECKED
    }
    assert "samples/people_me.py" in sizes and len(sizes) > 20
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}


# --- One way to Vault, and no dependency's internals ----------------------------------------

# The product: the collection's plugins and the installable packages.
PRODUCT = ("plugins", "src")
# Names that reach into Ansible's internals: AnsibleModule's argument globals and the action
# base's parser of a module's raw output.
INTERNALS = {"_ANSIBLE_ARGS", "_ANSIBLE_PROFILE", "_parse_returned_data"}


def private_uses(path: Path) -> list[str]:
    """Each import of a private (_-prefixed) module or name of Ansible or of a collection
    (community.hashi_vault's _authenticator, _connection_options, ...), each use of
    ansible.module_utils.basic's private names, and each name in INTERNALS."""
    import ast

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
                found.append(f"{path.relative_to(REPO)}:{node.lineno} .{node.attr}")
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
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {module} {private}")
    return found


def test_private_uses_are_found() -> None:
    """The check itself finds each kind of private use it looks for."""
    import tempfile

    with tempfile.TemporaryDirectory(dir=REPO) as folder:
        sample = Path(folder) / "sample.py"
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
