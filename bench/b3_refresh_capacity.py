#!/usr/bin/env python3
"""B3 refresh capacity: can the plugin refresh N credentials that all expire at once, before
they expire?

    python bench/b3_refresh_capacity.py [--credentials 1000] [--latency-ms 0 100]
        [--configs defaults tuned] [--create-seconds 600]

For each N: an OpenBao dev server provisioned by site.yml (its own extra vars, free 127.0.0.1
port), the Webex emulator in a process of its own, and N credentials, each made by a real
authorization-code exchange through the plugin (the emulator approves at once). Then, for each
emulator latency and each plugin configuration:

  1. The background refresh is switched off (tune_refresh_check_interval_seconds=0) and every
     credential is refreshed once by a read with a huge minimum_seconds, while the emulator's
     access-token lifetime is adjusted every 0.2 s so that all N tokens expire at the same
     second T.
  2. The configuration under test is written at T - W - s, where W is the refresh window
     (check interval x expiry delta factor) and s = 3 s + 1 s per 1,000 credentials, the time
     a pass needs to look at them all. Writing it restarts the plugin's refresh loop, so its
     first pass finds nothing due, and the next one, one interval later, finds all N due with
     only W - interval + s left: close to the worst phase a check interval can have.
  3. The emulator's refresh_token grant counter is polled (every 0.5 s, 1 s for 10,000; it
     costs the emulator a walk over all its tokens): how many credentials
     were refreshed before T (and before T - 10 s, the plugin's own expiry margin), the rate,
     and when the last one was done. Every credential is read back at the end.

The plugin refreshes with 16 workers (pkg/backend/lifecycle.go, scheduler.NewSegment(16, ...)),
so with a per-request latency L it can do at most 16 / L refreshes per second.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import common
import hvac
import hvac.exceptions
import requests
from common import MOUNT, REDIRECT_URL, SERVER, log

# The plugin's defaults (pkg/persistence/config.go), as roles/oauthapp_webex writes them.
from raw_provision import CONFIG_DEFAULTS as PLUGIN_DEFAULTS

# What is measured. `tuned` keeps the 60 s interval (each pass reads every credential, see
# the scan cost) and widens the window to 3 intervals, so a burst gets at least 2 intervals
# (120 s) before it expires; a 10 s provider timeout frees a worker that a hanging Webex holds
# long before the default 30 s.
CONFIGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "tuned": {
        "tune_refresh_expiry_delta_factor": 3.0,
        "tune_provider_timeout_seconds": 10,
    },
}
PARKED = {"tune_refresh_check_interval_seconds": 0}
PLUGIN_EXPIRY_DELTA_S = 10  # pkg/backend/token.go defaultExpiryDelta
PLUGIN_WORKERS = 16
DEFAULT_LIFETIME = 1209599  # Webex's 14 days
FORCE_REFRESH_SECONDS = 15 * 86400  # more than any token here has left
# The pass that starts when the configuration is written must finish looking at every
# credential before any of them is due, or its tail already refreshes them (measured: a pass
# over 10,000 credentials took ~3 s). So the expiry is put this much beyond the window.
PHASE_SLACK_S = 3
PHASE_SLACK_S_PER_1000 = 1.0
POLL_S = 0.5


def plugin_config(overrides: dict[str, Any]) -> dict[str, Any]:
    return {**PLUGIN_DEFAULTS, **overrides, "default_server": SERVER}


def window(overrides: dict[str, Any]) -> tuple[int, float]:
    config = plugin_config(overrides)
    interval = config["tune_refresh_check_interval_seconds"]
    return interval, interval * config["tune_refresh_expiry_delta_factor"]


# --- The emulator's token lifetime, pinned to one expiry second ---------------------------------


class LifetimePin:
    """Keeps the emulator's access_token_lifetime at `target - now`, so that every token it
    issues expires at `target` (None: Webex's 14 days)."""

    def __init__(self, emulator: common.Emulator) -> None:
        self._emulator = emulator
        self.target: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="lifetime-pin")

    def __enter__(self) -> LifetimePin:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def set(self, target: float | None) -> None:
        self.target = target
        self._apply()

    def _apply(self) -> None:
        target = self.target
        lifetime = DEFAULT_LIFETIME if target is None else max(15, round(target - time.time()))
        self._emulator.settings(access_token_lifetime=lifetime)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._apply()


# --- Many credentials, in parallel ------------------------------------------------------------


def parallel(work: Callable[[str], Any], names: list[str], threads: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(work, names))


def thread_clients(url: str, token: str) -> Callable[[], tuple[hvac.Client, requests.Session]]:
    local = threading.local()

    def get() -> tuple[hvac.Client, requests.Session]:
        if not hasattr(local, "client"):
            local.client = hvac.Client(url=url, token=token, timeout=120)
            local.session = requests.Session()
        return local.client, local.session

    return get


def create_credentials(
    stack: common.Stack, emulator: common.Emulator, count: int, threads: int, budget_s: float
) -> tuple[list[str], float]:
    """Authorization-code exchanges through the plugin, `threads` at a time, until `count`
    exist or `budget_s` is spent. Returns the names made and the seconds it took."""
    clients = thread_clients(stack.url, stack.root_token)
    deadline = time.monotonic() + budget_s
    authorize_url = f"{emulator.base_url}/v1/authorize"

    def create(name: str) -> str | None:
        if time.monotonic() > deadline:
            return None
        client, session = clients()
        state = secrets.token_urlsafe(16)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": emulator.client_id,
                "redirect_uri": REDIRECT_URL,
                "scope": "spark:people_read",
                "state": state,
            }
        )
        answer = session.get(f"{authorize_url}?{query}", allow_redirects=False, timeout=60)
        location = parse_qs(urlsplit(answer.headers["Location"]).query)
        if location.get("state") != [state]:
            raise RuntimeError("the emulator sent back another state")
        client.write_data(
            f"{MOUNT}/creds/{name}",
            data={"server": SERVER, "code": location["code"][0], "redirect_url": REDIRECT_URL},
        )
        return name

    started = time.perf_counter()
    made = parallel(create, [f"user-{index:06d}" for index in range(count)], threads)
    return [name for name in made if name], time.perf_counter() - started


def force_refresh(stack: common.Stack, names: list[str], threads: int) -> float:
    """Refresh every credential now (a read whose minimum_seconds no token meets). The plugin
    stores the new token and then answers 'token expired', since the new one does not meet
    that minimum either."""
    clients = thread_clients(stack.url, stack.root_token)

    def refresh(name: str) -> None:
        client, _ = clients()
        with contextlib.suppress(hvac.exceptions.InvalidRequest):
            client.adapter.get(
                f"/v1/{MOUNT}/creds/{name}", params={"minimum_seconds": FORCE_REFRESH_SECONDS}
            )

    started = time.perf_counter()
    parallel(refresh, names, threads)
    return time.perf_counter() - started


def expire_times(stack: common.Stack, names: list[str], threads: int) -> list[float]:
    clients = thread_clients(stack.url, stack.root_token)

    def read(name: str) -> float:
        client, _ = clients()
        data = client.adapter.get(f"/v1/{MOUNT}/creds/{name}")["data"]
        return datetime.fromisoformat(data["expire_time"]).timestamp()

    return parallel(read, names, threads)


# --- Measurement ------------------------------------------------------------------------------


def refresh_grants(emulator: common.Emulator) -> tuple[int, int]:
    stats = emulator.stats()
    errors = sum(stats["token_errors"].values())
    return stats["grant_types"].get("refresh_token", 0), errors


def processes_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += common.cpu_seconds(pid)
    return total


def server_pids(stack: common.Stack) -> list[int]:
    pid = stack.server_pid()
    return [pid, *common.children_pids(pid)] if pid else []


def active_rate(timeline: list[tuple[float, int]]) -> float | None:
    """Refreshes per second while refreshes were happening: a pass that leaves some
    credentials to the next one (an interval later) must not count the wait in between."""
    busy_s = refreshed = 0.0
    for (before_at, before), (at, value) in zip(timeline, timeline[1:], strict=False):
        if value > before:
            busy_s += at - before_at
            refreshed += value - before
    return round(refreshed / busy_s, 1) if busy_s else None


def run_scenario(
    stack: common.Stack,
    emulator: common.Emulator,
    pin: LifetimePin,
    names: list[str],
    latency_ms: int,
    config_name: str,
    threads: int,
    realign_estimate_s: float,
    straggler_timeout_s: float,
) -> tuple[dict[str, Any], float]:
    root = stack.client()
    overrides = CONFIGS[config_name]
    interval, refresh_window = window(overrides)
    count = len(names)
    slack = PHASE_SLACK_S + PHASE_SLACK_S_PER_1000 * count / 1000

    # 1. All N due at one second T: no background refresh meanwhile.
    root.write_data(f"{MOUNT}/config", data=plugin_config(PARKED))
    emulator.settings(latency_ms=0)
    for attempt in range(3):
        lead_in = realign_estimate_s * (1.5 + attempt) + 5
        expiry = time.time() + lead_in + refresh_window + slack
        config_at = expiry - refresh_window - slack
        pin.set(expiry)
        realign_s = force_refresh(stack, names, threads)
        if time.time() < config_at - 1:
            break
        log(f"re-aligning took {realign_s:.0f} s, longer than planned; again with more time")
    else:
        raise RuntimeError("could not line up the expiry times in three attempts")
    realign_estimate_s = realign_s

    # 2. The configuration under test, at the worst phase.
    emulator.settings(latency_ms=latency_ms)
    pin.set(None)  # refreshed tokens live 14 days, so they cannot be mistaken for due ones
    before, errors_before = refresh_grants(emulator)
    time.sleep(max(0.0, config_at - time.time()))
    cpu_pids = server_pids(stack)
    server_cpu_before = processes_cpu(cpu_pids)
    emulator_cpu_before = processes_cpu([emulator.pid]) if emulator.pid else 0.0
    config_written = time.time()
    root.write_data(f"{MOUNT}/config", data=plugin_config(overrides))

    # 3. Watch the refreshes arrive. Each stats call walks every token the emulator ever
    # issued under its lock, which slows its token endpoint: so poll sparsely until the pass
    # that should find them due, and then no more often than the count needs.
    timeline: list[tuple[float, int]] = []
    give_up = expiry + straggler_timeout_s
    dense_from = config_written + interval - 2
    poll = max(POLL_S, count / 10000)
    stats_seconds: list[float] = []
    done = 0
    while time.time() < give_up:
        asked = time.perf_counter()
        grants, _ = refresh_grants(emulator)
        stats_seconds.append(time.perf_counter() - asked)
        done = grants - before
        timeline.append((round(time.time() - expiry, 2), done))
        if done >= count:
            break
        time.sleep(poll if done or time.time() >= dense_from else 5)
    server_cpu = processes_cpu(cpu_pids) - server_cpu_before
    emulator_cpu = (processes_cpu([emulator.pid]) - emulator_cpu_before) if emulator.pid else None
    _, errors_after = refresh_grants(emulator)
    root.write_data(f"{MOUNT}/config", data=plugin_config(PARKED))

    def refreshed_by(moment: float) -> int:
        # The last poll at or before `moment` (relative to T): a lower bound.
        seen = [value for at, value in timeline if at <= moment]
        return seen[-1] if seen else 0

    first = next((at for at, value in timeline if value > 0), None)
    last = next((at for at, value in timeline if value >= count), None)
    rate = active_rate(timeline)
    expires = expire_times(stack, names, threads)
    result = {
        "credentials": count,
        "latency_ms": latency_ms,
        "config": config_name,
        "tuning": plugin_config(overrides),
        "check_interval_s": interval,
        "refresh_window_s": refresh_window,
        "planned_lead_s": round(refresh_window - interval + slack, 1),
        "config_written_s_before_expiry": round(expiry - config_written, 1),
        "first_refresh_s_before_expiry": None if first is None else round(-first, 1),
        "refreshed_before_expiry": refreshed_by(0),
        "refreshed_before_plugin_margin": refreshed_by(-PLUGIN_EXPIRY_DELTA_S),
        "refreshed_total": done,
        "all_fresh": refreshed_by(0) >= count,
        "last_refresh_s_after_expiry": None if last is None else last,
        "refreshes_per_s": rate,
        "ceiling_refreshes_per_s": (
            round(PLUGIN_WORKERS / (latency_ms / 1000), 1) if latency_ms else None
        ),
        "token_errors": errors_after - errors_before,
        "read_back_refreshed": sum(1 for moment in expires if moment > expiry + 60),
        "server_cpu_s": round(server_cpu, 2),
        "emulator_cpu_s": None if emulator_cpu is None else round(emulator_cpu, 2),
        "realign_s": round(realign_s, 1),
        "poll_s": poll,
        "stats_call_ms_mean": round(1000 * sum(stats_seconds) / len(stats_seconds), 1),
        "stats_call_ms_max": round(1000 * max(stats_seconds), 1),
        "timeline": timeline,
    }
    return result, realign_estimate_s


def scan_cost(stack: common.Stack, seconds: float) -> dict[str, Any]:
    """Server CPU while the refresh loop passes over every credential every 5 s and finds
    nothing due (all tokens have 14 days left)."""
    root = stack.client()
    pids = server_pids(stack)
    root.write_data(
        f"{MOUNT}/config", data=plugin_config({"tune_refresh_check_interval_seconds": 5})
    )
    started = time.time()
    cpu_before = processes_cpu(pids)
    time.sleep(seconds)
    cpu = processes_cpu(pids) - cpu_before
    ended = time.time()
    root.write_data(f"{MOUNT}/config", data=plugin_config(PARKED))
    # One pass when the configuration is written, then one every 5 s.
    passes = math.ceil((ended - started) / 5)
    return {"seconds": round(ended - started, 1), "passes": passes, "server_cpu_s": round(cpu, 3)}


@contextlib.contextmanager
def stack_for(count: int, emulator: common.Emulator, mirror_port: int) -> Iterator[common.Stack]:
    with common.provisioned_stack(
        f"b3-{count}",
        emulator,
        mirror_port,
        # No background refresh until a scenario asks for it.
        oauthapp_webex_tuning=PARKED,
    ) as stack:
        yield stack


def measure(count: int, args: argparse.Namespace) -> dict[str, Any]:
    with (
        common.plugin_mirror() as mirror_port,
        common.emulator_process(auto_approve=True) as emulator,
        stack_for(count, emulator, mirror_port) as stack,
        LifetimePin(emulator) as pin,
    ):
        idle = scan_cost(stack, args.scan_seconds)
        log(f"N={count}: idle server with no credentials: {idle}")
        names, create_s = create_credentials(
            stack, emulator, count, args.create_threads, args.create_seconds
        )
        log(f"N={count}: created {len(names)} credentials in {create_s:.1f} s")
        scan = scan_cost(stack, args.scan_seconds)
        log(f"N={count}: refresh passes over {len(names)} credentials: {scan}")
        estimate = create_s
        scenarios = []
        for latency_ms in args.latency_ms:
            for config_name in args.configs:
                scenario, estimate = run_scenario(
                    stack,
                    emulator,
                    pin,
                    names,
                    latency_ms,
                    config_name,
                    args.create_threads,
                    estimate,
                    args.straggler_seconds,
                )
                summary = {k: v for k, v in scenario.items() if k not in ("timeline", "tuning")}
                log(f"N={count}: {summary}")
                scenarios.append(scenario)
    per_pass_cpu = max(0.0, scan["server_cpu_s"] - idle["server_cpu_s"]) / max(scan["passes"], 1)
    return {
        "credentials_requested": count,
        "credentials_created": len(names),
        "create_seconds": round(create_s, 1),
        "creates_per_s": round(len(names) / create_s, 1) if create_s else None,
        "create_threads": args.create_threads,
        "scan_idle": idle,
        "scan_loaded": scan,
        "scan_cpu_ms_per_1000_credentials_per_pass": (
            round(per_pass_cpu * 1000 * 1000 / len(names), 2) if names else None
        ),
        "scenarios": scenarios,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, nargs="+", default=[1000])
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 100])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--create-threads", type=int, default=16)
    parser.add_argument(
        "--create-seconds", type=float, default=600, help="time budget for making credentials"
    )
    parser.add_argument(
        "--straggler-seconds", type=float, default=120, help="how long to wait after expiry"
    )
    parser.add_argument("--scan-seconds", type=float, default=30)
    args = parser.parse_args()

    for count in args.credentials:
        load_before = os.getloadavg()
        measured = measure(count, args)
        measured["load_average_before"] = [round(value, 2) for value in load_before]
        measured["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
        common.write_result(f"b3_refresh_capacity-{count}", measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
