"""What every benchmark needs: free loopback ports, the plugin mirror, the Webex emulator, an
OpenBao dev server provisioned by site.yml, timing helpers and the results files.

Each benchmark starts what it needs itself and stops it; nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import webex_vault_testing as harness
from webex_vault_testing import (  # noqa: F401 - re-exported to the benchmarks
    BIN,
    REDIRECT_URL,
    Emulator,
    Stack,
    emulator_process,
    free_port,
    recap,
)

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
DISTRIBUTION = os.environ.get("WEBEX_VAULT_BENCH_DISTRIBUTION", "puppetlabs")
MOUNT = "oauthapp"
SERVER = "webex-myapp"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def command_line() -> str:
    """How this benchmark was started, relative to the repository, for the report."""
    script = Path(sys.argv[0]).resolve()
    with contextlib.suppress(ValueError):
        script = script.relative_to(REPO)
    return shlex.join([".venv/bin/python", str(script), *sys.argv[1:]])


# --- Machine ----------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """The facts that decide how far a number travels: cores, memory, CPU, versions."""
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
                break
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu_model": cpu_model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "ansible_core": _version([str(BIN / "ansible"), "--version"], r"core ([\d.]+)"),
        "server": _version([str(BIN / "bao"), "version"], r"(OpenBao v[\d.]+)"),
        "hvac": _package_version("hvac"),
        "plugin": {
            "puppetlabs": "vault-plugin-secrets-oauthapp v3.1.1 (puppetlabs)",
            "openbao": "openbao-plugin-secrets-oauthapp v3.2.0",
        }.get(DISTRIBUTION, DISTRIBUTION),
    }


def server_version(server: str) -> str:
    """The version of the server binary a benchmark ran ("OpenBao v2.7.2", "Vault v1.19.0")."""
    if server == "openbao":
        return _version([str(BIN / "bao"), "version"], r"(OpenBao v[\d.]+)")
    return _version([str(harness.server_binary(server)), "version"], r"(Vault v[\d.]+)")


def _version(argv: list[str], pattern: str) -> str:
    try:
        output = subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    match = re.search(pattern, output)
    return match.group(1) if match else "unknown"


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


# --- Results ----------------------------------------------------------------------------------


def write_result(name: str, result: dict[str, Any]) -> Path:
    """bench/results/<name>.json, with the machine and the command that produced it."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "command": command_line(),
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine_info(),
        **result,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    log(f"wrote {path.relative_to(REPO)}")
    return path


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# --- Plugin mirror, Webex emulator, provisioned servers (shared with the tests) ---------------


@contextlib.contextmanager
def plugin_mirror() -> Iterator[int]:
    """Build the plugin release once (reused when present) and serve .local/mirror; yields
    the port."""
    with harness.plugin_mirror([DISTRIBUTION], quiet=True) as url:
        yield harness.url_port(url)


@contextlib.contextmanager
def emulator(**settings: Any) -> Iterator[Emulator]:
    """The Webex emulator in a thread of this process, on a free loopback port."""
    server, client = harness.start_emulator_thread(**settings)
    try:
        yield client
    finally:
        server.shutdown()


def make_stack(
    root: Path, name: str, mirror_port: int, emulator_: Emulator, **extra_vars: Any
) -> Stack:
    return harness.make_stack(root / name, mirror_port, emulator_, DISTRIBUTION, **extra_vars)


def run_playbook(
    stack: Stack, *args: str, playbook: str = "site.yml", env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess]:
    """Run a playbook; returns (wall seconds, result). Fails loudly on a failed run."""
    started = time.perf_counter()
    result = stack.playbook(*args, playbook=playbook, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"ansible-playbook {playbook} failed (exit {result.returncode}):\n"
            + result.stdout[-4000:]
            + result.stderr[-2000:]
        )
    return elapsed, result


@contextlib.contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"webex-vault-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def provisioned_stack(
    name: str, emulator_: Emulator, mirror_port: int, **extra_vars: Any
) -> Iterator[Stack]:
    """A server provisioned once by site.yml, stopped and removed afterwards."""
    with scratch_dir(name) as root:
        stack = make_stack(root, name, mirror_port, emulator_, **extra_vars)
        try:
            elapsed, _ = run_playbook(stack)
            log(f"{name}: site.yml converged in {elapsed:.1f} s on {stack.url}")
            yield stack
        finally:
            stack.stop()


# --- Processes --------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    # fields[11..14] are utime, stime, cutime, cstime (stat fields 14..17).
    return sum(int(value) for value in fields[11:15]) / ticks


def children_pids(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(value) for value in path.read_text().split()]
    except OSError:
        return []
