"""The repository's Python layout: packages are imported, never found by editing the import
path, and the product's modules stay a size one reads in a sitting."""

from __future__ import annotations

import ast
import os
import re
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


# --- The tests mirror the code (tests/README.md) ---------------------------------------------

TESTS = REPO / "tests"
MAX_TEST_LINES = 400


def files_under_tests() -> list[Path]:
    return [path for path in python_files() if path.is_relative_to(TESTS)]


def names_of_test_files() -> set[str]:
    """What a module under tests/ could be imported as: its file's name (pytest puts a folder
    without __init__.py on the import path), the top folders of tests/, and tests itself."""
    names = {"tests"} | {path.stem for path in files_under_tests() if path.name != "__init__.py"}
    return names | {path.name for path in TESTS.iterdir() if path.is_dir()}


def imports_of_test_files(source: str, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            found.append("." * node.level + (node.module or ""))
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            modules = [node.module]
        found += [module for module in modules if module.split(".")[0] in names]
    return found


def test_test_modules_share_only_through_conftest_and_webex_vault_testing() -> None:
    names = names_of_test_files()
    assert {"test_layout", "conftest", "unit", "emulator"} <= names
    offenders = {
        path.relative_to(REPO).as_posix(): imported
        for path in files_under_tests()
        if (imported := imports_of_test_files(path.read_text(encoding="utf-8"), names))
    }
    # What the check finds: relative imports, and test modules or folders by name (in a
    # function too); not the packages under test, whose names test folders share.
    sample = "from . import a\nfrom .b import c\nimport test_layout, os\nimport webex_vault\n"
    sample += "def f():\n    from unit.conftest import d\n    from webex_vault_testing import e\n"
    assert imports_of_test_files(sample, names) == [".", ".b", "test_layout", "unit.conftest"]
    assert offenders == {}


def test_test_modules_are_at_most_400_lines() -> None:
    sizes = {
        path.relative_to(REPO).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in files_under_tests()
    }
    assert "tests/unit/webex_vault/test_settings.py" in sizes and len(sizes) > 60
    too_long = {name: lines for name, lines in sizes.items() if lines > MAX_TEST_LINES}
    assert too_long == {}


def import_name(path: Path) -> str:
    """The module name pytest imports a test file as: its dotted path from the first folder up
    that is not a package (a folder without __init__.py goes on the import path itself)."""
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def test_no_two_test_modules_import_as_the_same_name() -> None:
    # Two folders without __init__.py holding test_x.py each: pytest stops collecting with
    # "import file mismatch" (tests/integration and tests/unit/plugins both had one).
    seen: dict[str, list[str]] = {}
    for path in files_under_tests():
        if path.name.startswith("test_"):
            seen.setdefault(import_name(path), []).append(path.relative_to(REPO).as_posix())
    settings = TESTS / "unit" / "webex_vault" / "test_settings.py"
    assert import_name(settings) == "unit.webex_vault.test_settings"
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


def test_make_test_runs_every_test_file_once() -> None:
    # `make test` runs pytest as sessions side by side, each given folders and test files; a
    # file named in one session is ignored by the session naming its folder. A test file in
    # none of them would never run in CI, one in two would run twice.
    makefile = (REPO / "Makefile").read_text().replace("\\\n", " ")
    sessions = [
        line.split() for line in re.findall(r"^PYTEST_SESSION_\d+ := (.+)$", makefile, re.M)
    ]
    named_files = {path for session in sessions for path in session if path.endswith(".py")}
    test_files = [
        path.relative_to(REPO).as_posix()
        for path in files_under_tests()
        if path.name.startswith("test_")
    ]

    def runs(session: list[str], test_file: str) -> bool:
        if test_file in session:
            return True
        folder = "/".join(test_file.split("/")[:2])
        return folder in session and test_file not in named_files

    assert len(sessions) >= 2
    assert all((REPO / path).exists() for session in sessions for path in session)
    assert {f: n for f in test_files if (n := sum(runs(s, f) for s in sessions)) != 1} == {}
    for one, other in (("1", "2"), ("2", "1")):
        ignored = f"$(addprefix --ignore=,$(filter %.py,$(PYTEST_SESSION_{other})))"
        assert f"$(PYTEST_SESSION_{one}) {ignored}" in makefile
