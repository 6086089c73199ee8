"""ansible-playbook runs with structured results (the ansible.posix.json callback), and a
snapshot of everything the playbooks manage, to show what a bad input left alone."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hvac

from webex_vault_testing.base import BIN, REPO
from webex_vault_testing.oauthapp import MOUNT, STATE_MOUNT
from webex_vault_testing.stack import Stack


@dataclass
class PlaybookRun:
    """One ansible-playbook run through the ansible.posix.json callback."""

    returncode: int
    stdout: str
    stderr: str
    duration: float
    result: dict[str, Any] | None = None

    @property
    def stats(self) -> dict[str, Any]:
        if not self.result:
            return {}
        return next(iter(self.result.get("stats", {}).values()), {})

    @property
    def changed(self) -> int:
        return int(self.stats.get("changed", 0))

    def task_results(self) -> Iterator[tuple[str, dict[str, Any]]]:
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
    extra_vars: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def server_snapshot(stack: Stack) -> dict[str, Any]:
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


def diff_snapshots(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [key for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]
