#!/usr/bin/env python3
"""B4 (optional): wall time of `make demo` and `make test`, cold and warm.

    python bench/b4_make_times.py [--command "make demo" --command "make test"] [--in-place]

cold = after `make down` and removing .local/server and .local/downloads (the plugin mirror in
.local/mirror and the virtualenv are kept, so no Go build and no pip install is timed);
warm = the same command again right after.

By default the commands run in a scratch copy of this working tree (its .venv linked, its
.local/mirror copied), so that `make down` cannot stop a demo that someone is using here.
`make demo` listens on the fixed ports 8200, 8600 and 8601: when one of them is taken, it is
recorded as not run rather than timed against someone else's server; `make test` likewise
while another pytest or Molecule run is going on (Molecule's containers have fixed names).
--in-place runs in this checkout instead. --fresh-clone runs in a new `git clone` of the
committed HEAD instead: cold is then a first run on this machine as a new user meets it (the
virtualenv is created, the plugin built from the Go module proxy), with only the machine's
pip, Go module and Docker image caches kept; its result is written to
b4_make_times-fresh-clone.json. A failing command is recorded with its exit code and last
output lines.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import common
from common import REPO, log

DEMO_PORTS = (8200, 8600, 8601)


def others_testing() -> list[str]:
    """Test runs of someone else on this machine: Molecule's containers have fixed names, so
    a second `make test` would fight them, and both timings would be wrong."""
    found = []
    for pattern in ("molecule test", "bin/pytest", "ansible-test"):
        result = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
        pids = [pid for pid in result.stdout.split() if int(pid) != os.getpid()]
        if pids:
            found.append(f"{pattern} (pid {', '.join(pids)})")
    return found


def port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def work_tree(in_place: bool, fresh_clone: bool = False) -> Iterator[Path]:
    if in_place:
        yield REPO
        return
    with common.scratch_dir("b4") as root:
        tree = root / "webex-vault"
        if fresh_clone:
            subprocess.run(["git", "clone", "--quiet", str(REPO), str(tree)], check=True)
            try:
                yield tree
            finally:
                subprocess.run(["make", "down"], cwd=tree, capture_output=True, check=False)
            return
        shutil.copytree(
            REPO,
            tree,
            symlinks=True,
            ignore=shutil.ignore_patterns(
                ".venv", ".local", "__pycache__", ".pytest_cache", ".ruff_cache", "output"
            ),
        )
        (tree / ".venv").symlink_to(REPO / ".venv")
        shutil.copytree(REPO / ".local" / "mirror", tree / ".local" / "mirror")
        try:
            yield tree
        finally:
            subprocess.run(["make", "down"], cwd=tree, capture_output=True, check=False)


def run(command: str, tree: Path, limit: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = subprocess.run(
            shlex.split(command),
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=limit,
            env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
        )
        code: int | None = result.returncode
        tail = (result.stdout + result.stderr)[-1500:]
    except subprocess.TimeoutExpired as expired:
        code = None
        tail = f"stopped after the {limit:.0f} s limit; " + str(expired.stdout or "")[-1000:]
    wall = time.perf_counter() - started
    outcome = {"wall_s": round(wall, 1), "exit_code": code, "ok": code == 0}
    if code != 0:
        outcome["output_tail"] = tail
    return outcome


def make_cold(tree: Path) -> None:
    subprocess.run(["make", "down"], cwd=tree, capture_output=True, check=False)
    for path in (".local/server", ".local/downloads"):
        shutil.rmtree(tree / path, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--command", action="append", dest="commands")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--in-place", action="store_true")
    where.add_argument("--fresh-clone", action="store_true")
    parser.add_argument("--limit", type=float, default=3600, help="seconds per command run")
    args = parser.parse_args()
    commands = args.commands or ["make demo", "make test"]

    measured = []
    with work_tree(args.in_place, args.fresh_clone) as tree:
        for command in commands:
            entry: dict[str, Any] = {"command": command}
            taken = [port for port in DEMO_PORTS if port_taken(port)]
            busy = others_testing() if "test" in command else []
            if "demo" in command and taken:
                entry["not_run"] = (
                    f"ports {', '.join(map(str, taken))} are in use by another process; "
                    "make demo needs them"
                )
            elif busy:
                entry["not_run"] = f"other test runs in progress: {'; '.join(busy)}"
            if "not_run" in entry:
                log(f"{command}: not run: {entry['not_run']}")
                measured.append(entry)
                continue
            if not args.fresh_clone or measured:
                make_cold(tree)
            entry["cold"] = run(command, tree, args.limit)
            log(f"{command} cold: {entry['cold']['wall_s']} s, exit {entry['cold']['exit_code']}")
            entry["warm"] = run(command, tree, args.limit)
            log(f"{command} warm: {entry['warm']['wall_s']} s, exit {entry['warm']['exit_code']}")
            measured.append(entry)
            make_cold(tree)
    if args.fresh_clone:
        where = (
            "a fresh `git clone` of the committed HEAD (its own .venv and plugin build; this "
            "machine's pip, Go module and Docker image caches kept)"
        )
        cold_means = (
            "the first command in the new clone (the virtualenv created, the plugin built); "
            "a later command starts after `make down` and removing .local/server and "
            ".local/downloads, with .venv and .local/mirror kept"
        )
    else:
        where = "this checkout" if args.in_place else "a scratch copy of the working tree"
        cold_means = (
            "after `make down` and removing .local/server and .local/downloads; "
            ".local/mirror (the built plugin) and .venv kept"
        )
    common.write_result(
        "b4_make_times-fresh-clone" if args.fresh_clone else "b4_make_times",
        {
            "where": where,
            "cold_means": cold_means,
            "load_average_after": [round(value, 2) for value in os.getloadavg()],
            "commands": measured,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
