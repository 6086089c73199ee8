"""What every benchmark needs: free loopback ports, the plugin mirror, the Webex emulator, an
OpenBao dev server provisioned by site.yml, timing helpers and the results files.

Each benchmark starts what it needs itself and stops it; nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import hvac
import requests

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS_DIR = REPO / "bench" / "results"
MIRROR_DIR = REPO / ".local" / "mirror"
REDIRECT_URL = "http://localhost:5000/auth"
DISTRIBUTION = os.environ.get("WEBEX_VAULT_BENCH_DISTRIBUTION", "puppetlabs")
MOUNT = "oauthapp"
SERVER = "webex-myapp"

sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "samples"))

from webex_emulator import EmulatorSettings, start_in_thread  # noqa: E402


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


# --- Plugin mirror ----------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@contextlib.contextmanager
def plugin_mirror() -> Iterator[int]:
    """Build the plugin release once (reused when present) and serve .local/mirror; yields
    the port."""
    subprocess.run(
        [str(REPO / "tools" / "build-plugin.sh"), "--distribution", DISTRIBUTION],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    handler = functools.partial(_QuietHandler, directory=str(MIRROR_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="plugin-mirror")
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


# --- Webex emulator ---------------------------------------------------------------------------


@dataclass
class Emulator:
    base_url: str
    client_id: str
    client_secret: str
    pid: int | None = None  # set when the emulator runs in a process of its own
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def control(self, method: str, path: str, **body: Any) -> dict[str, Any]:
        response = self.session.request(
            method, f"{self.base_url}/_emulator/{path}", json=body or None, timeout=30
        )
        response.raise_for_status()
        return response.json() if response.content else {}

    def settings(self, **changes: Any) -> dict[str, Any]:
        return self.control("POST", "settings", **changes)

    def stats(self) -> dict[str, Any]:
        return self.control("GET", "stats")


@contextlib.contextmanager
def emulator(**settings: Any) -> Iterator[Emulator]:
    """The Webex emulator in a thread of this process, on a free loopback port."""
    client_id = "C" + secrets.token_hex(16)
    client_secret = secrets.token_hex(32)
    server, base_url = start_in_thread(
        EmulatorSettings(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=(REDIRECT_URL,),
            **settings,
        )
    )
    try:
        yield Emulator(base_url=base_url, client_id=client_id, client_secret=client_secret)
    finally:
        server.shutdown()


@contextlib.contextmanager
def emulator_process(**settings: Any) -> Iterator[Emulator]:
    """The Webex emulator in a process of its own: a load test of the plugin must not queue
    behind this process's own threads for the interpreter lock."""
    client_id = "C" + secrets.token_hex(16)
    client_secret = secrets.token_hex(32)
    port = free_port()
    argv = [
        str(BIN / "python"),
        str(REPO / "tools" / "webex_emulator.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--redirect-uri",
        REDIRECT_URL,
    ]
    for name, value in settings.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        else:
            argv += [flag, str(value)]
    env = {
        **os.environ,
        "WEBEX_EMULATOR_CLIENT_ID": client_id,
        "WEBEX_EMULATOR_CLIENT_SECRET": client_secret,
    }
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if "listening on" not in line:
            raise RuntimeError(f"the Webex emulator did not start: {line!r}")
        yield Emulator(
            base_url=f"http://127.0.0.1:{port}",
            client_id=client_id,
            client_secret=client_secret,
            pid=process.pid,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- A server provisioned by site.yml ---------------------------------------------------------


@dataclass
class Stack:
    """One OpenBao dev server in a scratch directory, provisioned by this repository's
    playbooks with an extra-vars file of its own (as tests/conftest.py does)."""

    work_dir: Path
    vars_file: Path
    env: dict[str, str]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def local_dir(self) -> Path:
        return self.work_dir / "local"

    @property
    def data_dir(self) -> Path:
        return self.local_dir / "server"

    @property
    def root_token(self) -> str:
        return (self.data_dir / "root-token").read_text().strip()

    def client(self, token: str | None = None) -> hvac.Client:
        return hvac.Client(url=self.url, token=token or self.root_token, timeout=60)

    def playbook(
        self, *args: str, playbook: str = "site.yml", env: dict[str, str] | None = None
    ) -> tuple[float, subprocess.CompletedProcess]:
        """Run a playbook; returns (wall seconds, result). Fails loudly on a failed run."""
        started = time.perf_counter()
        result = subprocess.run(
            [str(BIN / "ansible-playbook"), playbook, "-e", f"@{self.vars_file}", *args],
            cwd=REPO,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=900,
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(
                f"ansible-playbook {playbook} failed (exit {result.returncode}):\n"
                + result.stdout[-4000:]
                + result.stderr[-2000:]
            )
        return elapsed, result

    def stop(self) -> None:
        pid_file = self.data_dir / "server.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def server_pid(self) -> int | None:
        pid_file = self.data_dir / "server.pid"
        return int(pid_file.read_text()) if pid_file.exists() else None


def recap(output: str) -> dict[str, int]:
    """The PLAY RECAP counters of an ansible-playbook run (one host)."""
    match = re.search(r"^\S+\s+:\s+(ok=\d+.*)$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no PLAY RECAP in:\n{output[-3000:]}")
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def make_stack(
    root: Path, name: str, mirror_port: int, emulator: Emulator, **extra_vars: Any
) -> Stack:
    work_dir = root / name
    work_dir.mkdir(parents=True)
    port = free_port()
    stack_vars = {
        "webex_vault_local_dir": str(work_dir / "local"),
        "webex_vault_server_port": port,
        "webex_vault_emulator_port": emulator.port,
        "webex_vault_mirror_port": mirror_port,
        "oauthapp_plugin_distribution": DISTRIBUTION,
        "oauthapp_webex_cli_env_file": str(work_dir / "cli.env"),
        "oauthapp_webex_app_env_file": str(work_dir / "web.env"),
        **extra_vars,
    }
    vars_file = work_dir / "vars.json"
    vars_file.write_text(json.dumps(stack_vars))
    vars_file.chmod(0o600)
    env = {
        **os.environ,
        "WEBEX_CLIENT_ID": emulator.client_id,
        "WEBEX_CLIENT_SECRET": emulator.client_secret,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }
    return Stack(work_dir, vars_file, env, port)


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
            elapsed, _ = stack.playbook()
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
