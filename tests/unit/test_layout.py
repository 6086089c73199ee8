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
