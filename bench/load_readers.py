#!/usr/bin/env python3
"""Load benchmark: N concurrent sample readers of one credential for a fixed time.

Each reader does what samples/people_me.py does, in a loop: it logs in once with the sample's
AppRole identity (the settings file app_access wrote), then, until the time is up, reads the
credential from Vault exactly as the sample does (a plain read of <mount>/creds/<name>)
and calls GET /people/me with the token. Nothing is cached between iterations, so every
iteration costs Vault one read. Readers are threads of one process.

    python bench/load_readers.py [--readers 50] [--duration 60] [--env-file samples/.env]
        [--credential people-me] [--no-webex] [--output bench/results/load_readers.json]

Needs a running stack whose credential is authorized (`make demo` does both). Prints the
result as JSON and writes it to --output. Exit status 0 when no request failed, 1 when some
did; before any load, the samples' exit codes (2 settings, 3 no credential, 7 Vault down, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import requests

import webex_vault

REPO = Path(__file__).resolve().parent.parent

DEFAULT_OUTPUT = REPO / "bench" / "results" / "load_readers.json"


class Reader(threading.Thread):
    def __init__(
        self, settings, start: threading.Barrier, stop: threading.Event, webex: bool
    ) -> None:
        super().__init__(daemon=True)
        self.settings = settings
        self.start_barrier = start
        self.stop = stop
        self.relogins = 0
        self.webex = webex
        self.latencies: dict[str, list[float]] = {
            "vault_read": [],
            "people_me": [],
            "iteration": [],
        }
        self.errors: Counter[str] = Counter()
        self.samples: dict[str, str] = {}

    def _fail(self, error: Exception) -> None:
        kind = type(error).__name__
        self.errors[kind] += 1
        self.samples.setdefault(kind, str(error))

    def run(self) -> None:
        try:
            client = webex_vault.vault_client(self.settings)
        except webex_vault.SampleError as error:
            self._fail(error)
            self.start_barrier.abort()
            return
        try:
            self.start_barrier.wait()
        except threading.BrokenBarrierError:
            return
        with requests.Session() as session:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    credential = webex_vault.read_credential(
                        client,
                        self.settings.oauthapp_mount,
                        self.settings.oauthapp_credential,
                    )
                    read_done = time.perf_counter()
                    if self.webex:
                        webex_vault.webex_people_me(
                            session,
                            self.settings.webex_api_base_url,
                            credential.access_token,
                            self.settings.http_timeout_seconds,
                        )
                except webex_vault.VaultTokenInvalid:
                    # The login's short TTL ran out: log in again, as a long-running app would.
                    webex_vault.login(client, self.settings)
                    self.relogins += 1
                    continue
                except (webex_vault.SampleError, requests.RequestException) as error:
                    self._fail(error)
                    continue
                finished = time.perf_counter()
                self.latencies["vault_read"].append(read_done - started)
                if self.webex:
                    self.latencies["people_me"].append(finished - read_done)
                self.latencies["iteration"].append(finished - started)


def summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else None

    def ms(value: float) -> float:
        return round(value * 1000, 2)

    return {
        "count": len(ordered),
        "p50": ms(cuts[49] if cuts else ordered[0]),
        "p90": ms(cuts[89] if cuts else ordered[0]),
        "p99": ms(cuts[98] if cuts else ordered[0]),
        "max": ms(ordered[-1]),
        "mean": ms(statistics.fmean(ordered)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="N concurrent sample readers of one credential.")
    parser.add_argument("--readers", type=int, default=50, help="concurrent readers (50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument(
        "--env-file",
        type=Path,
        help="the CLI sample's settings file (default: WEBEX_VAULT_ENV_FILE or samples/.env)",
    )
    parser.add_argument("--credential", help="credential name (default: the settings' one)")
    parser.add_argument(
        "--no-webex", action="store_true", help="read from Vault only, skip GET /people/me"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON result file")
    args = parser.parse_args(argv)
    if args.readers < 1 or args.duration <= 0:
        print("load_readers: --readers must be at least 1 and --duration above 0.", file=sys.stderr)
        return 2

    environ = dict(os.environ)
    if args.env_file:
        environ["WEBEX_VAULT_ENV_FILE"] = str(args.env_file)
    if args.credential:
        environ["OAUTHAPP_CREDENTIAL"] = args.credential
    try:
        settings = webex_vault.Settings.from_environment(environ)
    except webex_vault.SettingsError as error:
        print(f"load_readers: {error}", file=sys.stderr)
        return 2

    # One read first: a missing credential or a wrong identity is one sentence, not N x errors.
    try:
        webex_vault.read_credential(
            webex_vault.vault_client(settings),
            settings.oauthapp_mount,
            settings.oauthapp_credential,
        )
    except webex_vault.SampleError as error:
        print(f"load_readers: {error}", file=sys.stderr)
        return error.exit_code

    # Logins happen before the clock starts; the barrier releases every reader at once.
    barrier = threading.Barrier(args.readers + 1)
    stop = threading.Event()
    readers = [
        Reader(settings, barrier, stop, webex=not args.no_webex) for _ in range(args.readers)
    ]
    for reader in readers:
        reader.start()
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        message = next((m for r in readers for m in r.samples.values()), "login timed out")
        print(f"load_readers: the readers could not log in: {message}", file=sys.stderr)
        stop.set()
        return 1
    started_at = datetime.now(UTC)
    started = time.monotonic()
    stop.wait(args.duration)
    stop.set()
    for reader in readers:
        reader.join()
    elapsed = time.monotonic() - started

    latencies: dict[str, list[float]] = {"vault_read": [], "people_me": [], "iteration": []}
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    for reader in readers:
        for key, values in reader.latencies.items():
            latencies[key].extend(values)
        errors.update({key: count for key, count in reader.errors.items() if count})
        for key, message in reader.samples.items():
            samples.setdefault(key, message)
    iterations = len(latencies["iteration"])
    result = {
        "benchmark": "load_readers",
        "started_at": started_at.isoformat(timespec="seconds"),
        "readers": args.readers,
        "duration_seconds": round(elapsed, 2),
        "credential": f"{settings.oauthapp_mount}/creds/{settings.oauthapp_credential}",
        "vault_addr": settings.vault_addr,
        "webex_calls": not args.no_webex,
        "iterations": iterations,
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors),
        "relogins": sum(reader.relogins for reader in readers),
        "error_examples": samples,
        "iterations_per_second": round(iterations / elapsed, 1) if elapsed else None,
        "latency_ms": {key: summary(values) for key, values in latencies.items()},
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    text = json.dumps(result, indent=2)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")
    return 0 if result["errors"] == 0 and iterations > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
