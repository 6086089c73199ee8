"""The Webex emulator for tests and benchmarks: in a thread or a process, and its client."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from webex_emulator import EmulatorServer, EmulatorSettings, start_in_thread
from webex_vault_testing.base import BIN, REDIRECT_URL, free_port, url_port


@dataclass
class Emulator:
    """A client of one running emulator: its control API and the API the samples call."""

    base_url: str
    client_id: str
    client_secret: str
    pid: int | None = None  # set when the emulator runs in a process of its own
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def port(self) -> int:
        return url_port(self.base_url)

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

    def fault(self, **fault: Any) -> dict[str, Any]:
        return self.control(
            "POST", "faults", endpoint=fault.pop("endpoint", "access_token"), **fault
        )

    def people_me(self, access_token: str) -> requests.Response:
        return self.session.get(
            f"{self.base_url}/v1/people/me",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
        )


def new_client() -> tuple[str, str]:
    """A client ID and secret shaped like Webex's."""
    return "C" + secrets.token_hex(16), secrets.token_hex(32)


def start_emulator_thread(**settings: Any) -> tuple[EmulatorServer, Emulator]:
    """The emulator in a thread of this process, on a free loopback port; (server, client).
    Stop it with server.shutdown()."""
    client_id, client_secret = new_client()
    server, base_url = start_in_thread(
        EmulatorSettings(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=(REDIRECT_URL,),
            **settings,
        )
    )
    return server, Emulator(base_url=base_url, client_id=client_id, client_secret=client_secret)


@contextlib.contextmanager
def emulator_process(**settings: Any) -> Iterator[Emulator]:
    """The emulator in a process of its own: a load test of the plugin must not queue behind
    this process's own threads for the interpreter lock."""
    client_id, client_secret = new_client()
    port = free_port()
    argv = [
        str(BIN / "python"),
        "-m",
        "webex_emulator",
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
