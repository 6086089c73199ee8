"""Helpers of the security tests: stacks of their own, playbook runs with structured results,
snapshots of everything a bad input must not change, and the samples run as a user runs them.

A plain module (not a conftest) so that the test modules can import it by a unique name.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import secrets
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import requests

from webex_vault_testing import (  # noqa: F401 - re-exported to the security tests
    BIN,
    REDIRECT_URL,
    REPO,
    SERVERS,
    Emulator,
    Stack,
    approve,
    authorize,
    free_port,
    recap,
    start_emulator_thread,
)
from webex_vault_testing import stack_for_test as new_stack  # noqa: F401

OUTPUT_DIR = REPO / "tests" / "output"
MOUNT = "oauthapp"
SERVER = "webex-myapp"
STATE_MOUNT = "webex-vault-state"
SCOPES = ["spark:people_read"]
# The scopes as the web app sends them, and as its policy pins them: one comma-separated string.
SCOPE = ",".join(SCOPES)
# Above the plugin's 10 s expiry delta: a shorter token counts as expired the moment it is issued.
SHORT_LIFETIME = 13


# --- The Webex emulator, one per concern ------------------------------------------------------


@dataclass
class RecordingEmulator(Emulator):
    """An emulator of our own (faults and settings of other tests cannot reach it) that records
    every code, access token and refresh token it issues, for the secret-hygiene scan.

    The recording wraps two methods of the in-process emulator object; the emulator's code is
    not changed.
    """

    server: Any = field(default=None, repr=False)
    issued: dict[str, set[str]] = field(
        default_factory=lambda: {"codes": set(), "access_tokens": set(), "refresh_tokens": set()}
    )

    def set_client_secret(self, client_secret: str) -> None:
        """Rotate the secret on the Webex side. The emulator holds exactly one secret per client
        and its control API cannot change it, so the test swaps it in the in-process object."""
        state = self.server.state
        with state._lock:
            state._settings = dataclasses.replace(state._settings, client_secret=client_secret)
        self.client_secret = client_secret

    def all_secrets(self) -> dict[str, set[str]]:
        return {
            "client_secret": {self.client_secret},
            **{k: set(v) for k, v in self.issued.items()},
        }

    def shutdown(self) -> None:
        self.server.shutdown()


def start_emulator(log_file: Path | None = None) -> RecordingEmulator:
    server, client = start_emulator_thread(display_name="Demo User")
    emulator = RecordingEmulator(
        client.base_url, client.client_id, client.client_secret, server=server
    )
    state = server.state
    issue_code, issue_tokens = state.issue_code, state._issue_tokens_locked

    def recording_issue_code(*args, **kwargs):
        code = issue_code(*args, **kwargs)
        emulator.issued["codes"].add(code)
        return code

    def recording_issue_tokens(*args, **kwargs):
        tokens = issue_tokens(*args, **kwargs)
        emulator.issued["access_tokens"].add(tokens["access_token"])
        emulator.issued["refresh_tokens"].add(tokens["refresh_token"])
        return tokens

    state.issue_code = recording_issue_code
    state._issue_tokens_locked = recording_issue_tokens
    if log_file is not None:
        # The emulator logs method, path and status of each request; keep them for the scan.
        handler = logging.FileHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger = logging.getLogger("webex_emulator")
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    return emulator


# --- Stacks -----------------------------------------------------------------------------------


def wait_healthy(url: str, codes=(200,), timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    status = -1
    while time.monotonic() < deadline:
        try:
            status = requests.get(f"{url}/v1/sys/health", timeout=2).status_code
        except requests.RequestException:
            status = -1
        if status in codes:
            return status
        time.sleep(0.2)
    raise AssertionError(f"{url} answered {status}, not {codes}, within {timeout} s")


def restart_dev_server_with(stack: Stack, *extra_configs: Path) -> None:
    """Restart the stack's dev server the way roles/vault_server starts it, plus extra HCL files.

    OpenBao 2.x refuses audit devices enabled through the API ("use declarative, config-based
    audit device management"), so the hygiene tests declare theirs in an extra config file
    there (Vault gets it through the API: enable_audit_device). The root token goes through
    the environment, never the command line.
    """
    stop_server(stack)
    data_dir = stack.data_dir
    env = {
        **os.environ,
        "BAO_DEV_ROOT_TOKEN_ID": stack.root_token,
        "VAULT_DEV_ROOT_TOKEN_ID": stack.root_token,
    }
    command = [
        str(stack.binary),
        "server",
        "-dev",
        f"-dev-listen-address=127.0.0.1:{stack.port}",
        f"-config={data_dir / 'server.hcl'}",
        *(f"-config={path}" for path in extra_configs),
    ]
    old_umask = os.umask(0o077)
    try:
        with (data_dir / "server.log").open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
    finally:
        os.umask(old_umask)
    (data_dir / "server.pid").write_text(str(process.pid))
    stack.server_process = process
    wait_healthy(stack.url)


AUDIT_PATH = "security-tests"


def audit_config(path: Path, log_file: Path) -> Path:
    path.write_text(
        f'audit "file" "{AUDIT_PATH}" {{\n  options {{\n    file_path = "{log_file}"\n  }}\n}}\n'
    )
    return path


def enable_audit_device(stack: Stack, log_file: Path) -> None:
    """A file audit device at AUDIT_PATH: declared in a config file for OpenBao (which refuses
    the API for it), enabled through sys/audit on Vault (which has no declarative devices)."""
    if stack.server == "openbao":
        restart_dev_server_with(stack, audit_config(log_file.with_suffix(".hcl"), log_file))
        return
    stack.client().sys.enable_audit_device(
        "file", path=AUDIT_PATH, options={"file_path": str(log_file)}
    )


# --- A server with storage on disk (restart tests) ---


def persistent_config(stack) -> Path:
    data_dir = stack.data_dir
    cluster_port = stack.cluster_port
    config = data_dir / "persistent.hcl"
    config.write_text(
        f'storage "raft" {{\n  path = "{data_dir / "raft"}"\n  node_id = "security-tests"\n}}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{stack.port}"\n'
        f'  cluster_address = "127.0.0.1:{cluster_port}"\n  tls_disable = true\n}}\n'
        f'api_addr = "{stack.url}"\ncluster_addr = "http://127.0.0.1:{cluster_port}"\n'
        f'plugin_directory = "{data_dir / "plugins"}"\n'
        # Vault locks memory unless told not to; OpenBao 2 has no mlock and warns about it.
        + ("disable_mlock = true\n" if stack.server == "vault" else "")
    )
    return config


def start_persistent_server(stack) -> None:
    """Start (or restart) the non-dev server; it comes up sealed."""
    data_dir = stack.data_dir
    with (data_dir / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [str(stack.binary), "server", f"-config={data_dir / 'persistent.hcl'}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (data_dir / "server.pid").write_text(str(process.pid))
    stack.server_process = process
    wait_healthy(stack.url, codes=(501, 503))


def unseal_persistent_server(stack) -> None:
    key = (stack.data_dir / "unseal-key").read_text().strip()
    response = requests.put(f"{stack.url}/v1/sys/unseal", json={"key": key}, timeout=10)
    response.raise_for_status()
    wait_healthy(stack.url)


def stop_server(stack) -> None:
    """Stop the stack's server: our own child process, or the one the role started."""
    process = getattr(stack, "server_process", None)
    if process is not None and process.poll() is None:
        process.terminate()
        process.wait(timeout=30)
        return
    stack.stop()


# --- The plugin binary -----------------------------------------------------------------------


def catalog_entry(stack: Stack) -> dict:
    """The catalog entry of the plugin version the oauthapp mount runs."""
    client = stack.client()
    version = client.read(f"sys/mounts/{MOUNT}")["data"]["plugin_version"]
    return client.read(f"sys/plugins/catalog/secret/oauthapp?version={version}")["data"]


def forge_plugin_binary(binary: Path) -> None:
    """Overwrite the plugin file with a build that is not the registered one. A running binary
    cannot be opened for writing ("text file busy"), so the file is replaced."""
    forged = binary.with_name(binary.name + ".forged")
    shutil.copyfile(binary, forged)
    with forged.open("ab") as file:
        file.write(b"\0not the registered build")
    forged.chmod(0o750)
    forged.replace(binary)


# --- Playbook runs ----------------------------------------------------------------------------


@dataclass
class PlaybookRun:
    """One ansible-playbook run through the ansible.posix.json callback."""

    returncode: int
    stdout: str
    stderr: str
    duration: float
    result: dict | None = None

    @property
    def stats(self) -> dict:
        if not self.result:
            return {}
        return next(iter(self.result.get("stats", {}).values()), {})

    @property
    def changed(self) -> int:
        return int(self.stats.get("changed", 0))

    def task_results(self):
        for play in (self.result or {}).get("plays", []):
            for task in play.get("tasks", []):
                for host_result in task.get("hosts", {}).values():
                    yield task["task"]["name"], host_result

    @property
    def failure(self) -> tuple[str, str] | None:
        """(task name, message) of the failure that stopped the run: the last failed task, so
        that a failure a rescue block turned into a clearer message reports that message."""
        last = None
        for name, result in self.task_results():
            if not result.get("failed"):
                continue
            message = result.get("msg", "")
            for item in result.get("results", []) or []:
                if item.get("failed"):
                    message = item.get("msg", message)
                    break
            last = (name, str(message))
        return last


def run_playbook(
    stack: Stack,
    playbook: str,
    extra_vars: dict | None = None,
    env: dict | None = None,
    *args: str,
    json_output: bool = True,
) -> PlaybookRun:
    command = [str(BIN / "ansible-playbook"), playbook, "-e", f"@{stack.vars_file}"]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    command += list(args)
    run_env = {**stack.env, **(env or {})}
    if json_output:
        run_env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=REPO, env=run_env, capture_output=True, text=True, timeout=600
    )
    run = PlaybookRun(
        completed.returncode, completed.stdout, completed.stderr, time.monotonic() - started
    )
    if json_output:
        start = completed.stdout.find("{")
        if start >= 0:
            try:
                run.result = json.loads(completed.stdout[start:])
            except ValueError:
                run.result = None
    return run


# --- What a bad input must leave alone --------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def server_snapshot(stack: Stack) -> dict:
    """Everything the playbooks manage, read with the root token, plus the files they write."""
    client = stack.client()

    def read(path: str) -> Any:
        try:
            response = client.read(path)
        except hvac.exceptions.InvalidPath:
            return None
        return response.get("data") if isinstance(response, dict) else response

    def listing(path: str) -> list[str]:
        try:
            response = client.list(path)
        except hvac.exceptions.InvalidPath:
            return []
        return sorted((response or {}).get("data", {}).get("keys", []))

    mounts = read("sys/mounts") or {}
    snapshot: dict[str, Any] = {
        "catalog": read("sys/plugins/catalog"),
        "mounts": mounts,
        "auth": read("sys/auth"),
        "audit": read("sys/audit"),
        "policies": {
            name: read(f"sys/policies/acl/{name}") for name in listing("sys/policies/acl")
        },
        "server_config": read("sys/config/state/sanitized"),
    }
    for path, mount in sorted(mounts.items()):
        if mount.get("type") == "oauthapp":
            base = path.rstrip("/")
            snapshot[f"{base}/config"] = read(f"{base}/config")
            snapshot[f"{base}/servers"] = {
                name: read(f"{base}/servers/{name}") for name in listing(f"{base}/servers")
            }
        if mount.get("type") == "kv" and path.rstrip("/") == STATE_MOUNT:
            snapshot["fingerprints"] = {
                name: (read(f"{STATE_MOUNT}/metadata/{MOUNT}/servers/{name}") or {}).get(
                    "current_version"
                )
                for name in listing(f"{STATE_MOUNT}/metadata/{MOUNT}/servers")
            }
    for path, method in sorted((snapshot["auth"] or {}).items()):
        if method.get("type") == "approle":
            base = f"auth/{path.rstrip('/')}"
            snapshot[base] = {
                name: {
                    "role": read(f"{base}/role/{name}"),
                    "role_id": read(f"{base}/role/{name}/role-id"),
                    "secret_ids": listing(f"{base}/role/{name}/secret-id"),
                }
                for name in listing(f"{base}/role")
            }
    plugin_dir = stack.data_dir / "plugins"
    snapshot["plugin_dir"] = {
        entry.name: _sha256(entry) for entry in sorted(plugin_dir.iterdir()) if entry.is_file()
    }
    snapshot["env_files"] = {
        path.name: _sha256(path) if path.exists() else None
        for path in (stack.cli_env_file, stack.app_env_file)
    }
    return snapshot


def diff_snapshots(before: dict, after: dict) -> list[str]:
    return [key for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


# --- Credentials and the samples --------------------------------------------------------------


def authorize_credential(client: hvac.Client, name: str, mount: str = MOUNT) -> None:
    authorize(
        client,
        mount=mount,
        server=SERVER,
        credential=name,
        redirect_url=REDIRECT_URL,
        scopes=SCOPES,
    )


def get_code(client: hvac.Client, mount: str = MOUNT) -> str:
    """Start a sign-in with `client` and approve it; the code the plugin would exchange."""
    state = secrets.token_urlsafe(24)
    response = client.write_data(
        f"{mount}/auth-code-url",
        data={"server": SERVER, "redirect_url": REDIRECT_URL, "scopes": SCOPE, "state": state},
    )
    return approve(response["data"]["url"], state, requests.Session())


def raw(stack: Stack, method: str, path: str, token: str | None = None, **kwargs):
    """A Vault API call without hvac's exception mapping: (status, JSON body or None)."""
    response = requests.request(
        method,
        f"{stack.url}/v1/{path}",
        headers={"X-Vault-Token": token or stack.root_token},
        timeout=60,
        **kwargs,
    )
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = {"raw": response.text}
    return response.status_code, body


def run_sample(script: str, env: dict[str, str], *args: str, timeout: float = 120):
    """Run samples/<script> or tools/<script> as a user would, with only the given settings."""
    path = REPO / ("tools" if script == "authorize_user.py" else "samples") / script
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VAULT_", "OAUTHAPP_", "WEBEX_", "BAO_", "HTTP_TIMEOUT"))
    }
    return subprocess.run(
        [str(BIN / "python"), str(path), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def run_report(env_file: Path, *args: str, timeout: float = 120):
    """The operator's credential report (python -m webex_vault.credential_report) with the
    settings file the playbook wrote, and nothing of this process's environment."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VAULT_", "OAUTHAPP_", "WEBEX_", "BAO_", "HTTP_TIMEOUT"))
    }
    return subprocess.run(
        [str(BIN / "python"), "-m", "webex_vault.credential_report", "--env-file", str(env_file)]
        + list(args),
        env=base,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def wait_for(predicate, timeout: float, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} not reached within {timeout} s")


class Background:
    """Run callables in threads and collect their results (provisioning several stacks at once)."""

    def __init__(self) -> None:
        self._threads: dict[str, threading.Thread] = {}
        self._results: dict[str, Any] = {}

    def start(self, name: str, function, *args) -> None:
        def target() -> None:
            try:
                self._results[name] = ("ok", function(*args))
            except BaseException as error:  # noqa: BLE001 - reported to the waiting fixture
                self._results[name] = ("error", error)

        thread = threading.Thread(target=target, name=f"provision-{name}", daemon=True)
        self._threads[name] = thread
        thread.start()

    def result(self, name: str) -> Any:
        self._threads[name].join()
        status, value = self._results[name]
        if status == "error":
            raise value
        return value
