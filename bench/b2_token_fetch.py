#!/usr/bin/env python3
"""B2 token fetch: how fast a caller gets a Webex access token out of Vault.

    python bench/b2_token_fetch.py [--duration 5] [--concurrency 1 8 32]

Variants, each run by 1, 8 and 32 threads for --duration seconds after a short warm-up:
  original  the original sample's pattern: a new hvac client (new connection) and a read of
            <mount>/creds/<name> on every call
  provider  webex_vault.TokenProvider: one client, the token cached until its
            expire_time minus the margin (60 s); repeated calls do not reach Vault
  creds     one client, a read of <mount>/creds/<name> on every call (the plugin's cost)
  kv        one client, a KV version 2 read of a small static secret (the floor for any
            server read)

Reported: p50/p99 latency, calls/s, and the server's CPU time per call (OpenBao plus the plugin
process, from /proc). The server is an OpenBao dev server provisioned by site.yml on a free
127.0.0.1 port, the credential comes from a real authorization-code exchange with the Webex
emulator (in this process), and everything stops at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import common
import hvac
from common import MOUNT, REDIRECT_URL, SERVER, log

import webex_vault
from webex_vault_testing import authorize

CREDENTIAL = "bench-b2"
KV_MOUNT = "bench-kv"
KV_PATH = "static"
WARMUP_SECONDS = 0.5


def server_cpu(pid: int) -> float:
    """CPU seconds of the server and its live plugin processes."""
    total = common.cpu_seconds(pid)
    for child in common.children_pids(pid):
        with contextlib.suppress(OSError):
            total += common.cpu_seconds(child)
    return total


def hammer(
    call: Callable[[], object], threads: int, duration: float, server_pid: int
) -> dict[str, Any]:
    """Run `call` in a loop on `threads` threads for `duration` seconds; latency stats."""
    latencies: list[list[int]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    start_line = threading.Barrier(threads + 1)
    measuring = threading.Event()
    stop = threading.Event()

    def worker(index: int) -> None:
        mine = latencies[index]
        start_line.wait()
        try:
            while not stop.is_set():
                started = time.perf_counter_ns()
                call()
                if measuring.is_set():
                    mine.append(time.perf_counter_ns() - started)
        except BaseException as error:  # noqa: BLE001 - reported, and the run is void
            errors.append(error)
            stop.set()

    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in workers:
        thread.start()
    start_line.wait()
    time.sleep(WARMUP_SECONDS)
    cpu_before = server_cpu(server_pid)
    measuring.set()
    began = time.perf_counter()
    time.sleep(duration)
    measuring.clear()
    elapsed = time.perf_counter() - began
    cpu_used = server_cpu(server_pid) - cpu_before
    stop.set()
    for thread in workers:
        thread.join(timeout=60)
    if errors:
        raise RuntimeError(f"a call failed: {errors[0]!r}") from errors[0]
    samples = sorted(value / 1e6 for values in latencies for value in values)
    calls = len(samples)
    return {
        "threads": threads,
        "seconds": round(elapsed, 3),
        "calls": calls,
        "calls_per_s": round(calls / elapsed, 1),
        "p50_ms": round(common.percentile(samples, 0.50), 4),
        "p99_ms": round(common.percentile(samples, 0.99), 4),
        "max_ms": round(samples[-1], 3) if samples else None,
        "server_cpu_ms_per_call": round(cpu_used * 1000 / calls, 4) if calls else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()

    results: dict[str, list[dict[str, Any]]] = {}
    load_before = os.getloadavg()
    with (
        common.plugin_mirror() as mirror_port,
        common.emulator() as emulator,
        common.provisioned_stack("b2", emulator, mirror_port) as stack,
    ):
        root = stack.client()
        authorize(
            root,
            mount=MOUNT,
            server=SERVER,
            credential=CREDENTIAL,
            redirect_url=REDIRECT_URL,
            scopes=["spark:people_read"],
        )
        root.sys.enable_secrets_engine("kv", path=KV_MOUNT, options={"version": "2"})
        secret = {"client_id": "C" + "0" * 32, "api_base_url": "https://webexapis.com/v1"}
        root.secrets.kv.v2.create_or_update_secret(
            path=KV_PATH, secret=secret, mount_point=KV_MOUNT
        )
        token, url, pid = stack.root_token, stack.url, stack.server_pid()
        creds_path = f"{MOUNT}/creds/{CREDENTIAL}"

        def original() -> object:
            # CiscoDevNet/webex-vault-samples: hvac.Client(url, token) then client.read(...)
            # wherever a token is needed.
            client = hvac.Client(url=url, token=token, timeout=30)
            try:
                return client.read(creds_path)["data"]["access_token"]
            finally:
                client.adapter.close()

        provider = webex_vault.TokenProvider(hvac.Client(url=url, token=token, timeout=30), MOUNT)
        shared = hvac.Client(url=url, token=token, timeout=30)

        def cached() -> object:
            return provider.access_token(CREDENTIAL)

        def creds() -> object:
            return shared.read(creds_path)["data"]["access_token"]

        def kv() -> object:
            return shared.secrets.kv.v2.read_secret_version(
                path=KV_PATH, mount_point=KV_MOUNT, raise_on_deleted_version=True
            )["data"]["data"]

        variants = {"original": original, "provider": cached, "creds": creds, "kv": kv}
        for threads in args.concurrency:
            for name, call in variants.items():
                measured = hammer(call, threads, args.duration, pid)
                results.setdefault(name, []).append(measured)
                log(f"{name} x{threads}: {measured}")

    by_threads = {name: {run["threads"]: run for run in runs} for name, runs in results.items()}
    comparisons = []
    for threads in args.concurrency:
        original_run = by_threads["original"][threads]
        provider_run = by_threads["provider"][threads]
        creds_run, kv_run = by_threads["creds"][threads], by_threads["kv"][threads]
        comparisons.append(
            {
                "threads": threads,
                "provider_vs_original_throughput": round(
                    provider_run["calls_per_s"] / original_run["calls_per_s"], 1
                ),
                "provider_vs_original_p50": round(
                    original_run["p50_ms"] / provider_run["p50_ms"], 1
                ),
                "creds_p99_vs_kv_p99": round(creds_run["p99_ms"] / kv_run["p99_ms"], 2),
                "creds_p50_vs_kv_p50": round(creds_run["p50_ms"] / kv_run["p50_ms"], 2),
                "original_p99_vs_kv_p99": round(original_run["p99_ms"] / kv_run["p99_ms"], 2),
            }
        )
    result = {
        "duration_s": args.duration,
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "variants": results,
        "comparisons": comparisons,
        "targets": {
            "provider_at_least_100x_original": all(
                row["provider_vs_original_throughput"] >= 100 for row in comparisons
            ),
            "creds_p99_at_most_1.5x_kv_p99": all(
                row["creds_p99_vs_kv_p99"] <= 1.5 for row in comparisons
            ),
        },
    }
    common.write_result("b2_token_fetch", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
