"""Run what a user runs (the samples, tools/authorize_user.py, the operator's credential report)
with only the given settings, wait
for a condition, and run callables in threads (provisioning several stacks at once)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from webex_vault_testing.base import BIN, REPO


def run_sample(
    script: str, env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
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


def run_report(
    env_file: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """python -m webex_vault.credential_report with the settings file the playbook wrote, and
    nothing of this process's Vault settings."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VAULT_", "OAUTHAPP_", "WEBEX_", "BAO_", "HTTP_TIMEOUT"))
    }
    command = [str(BIN / "python"), "-m", "webex_vault.credential_report"]
    return subprocess.run(
        [*command, "--env-file", str(env_file), *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def wait_for(
    predicate: Callable[[], Any], timeout: float, interval: float = 0.1, message: str = "condition"
) -> Any:
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

    def start(self, name: str, function: Callable[..., Any], *args: Any) -> None:
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
