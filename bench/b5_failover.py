#!/usr/bin/env python3
"""B5 failover: how long a 3-node Raft cluster needs, after its leader dies, to serve
credentials again and to refresh them in the background, and whether refreshes that fall due
during the election are done afterwards (and how late).

    python bench/b5_failover.py [--server openbao|vault] [--performance-multiplier N]
                                [--runs 5] [--credentials 5] [--idle 120]

A cluster of three OpenBao (or HashiCorp Vault) processes on 127.0.0.1
(webex_vault_testing.raft_cluster: each node
its own API and cluster port, its server.hcl from the vault_server role's template with
retry_join, initialised, joined and unsealed by the role's own steps), provisioned by site.yml
with a cluster inventory (plugin on every node, engine written through the active node), the
plugin with the role's default tuning (refresh check every 60 s, window 60 s x 1.2 = 72 s), and
the Webex emulator; with --performance-multiplier N, every node's raft stanza sets
`performance_multiplier = N` (the vault_server role's vault_server_raft_performance_multiplier;
0, the default, leaves it out: the servers' own 5).

Stability first: the cluster idles for --idle seconds and every Raft election the nodes log
("entering candidate state") in that time is counted; a setting that stays stable has none.
Then each run:

  1. N credentials are made by real authorization-code exchanges, with 87 s access tokens
     (the emulator's lifetime is set back to 14 days right after, so a refresh gives a
     long-lived token and is counted once). A token falls due for the background refresh
     72 s before it expires, so these fall due about 15 s after they were made.
  2. The leader's process is killed (SIGKILL: no step-down, as in a crash) 1 s before the
     first of them falls due; that is t = 0.
  3. Polled every 50 ms: when a survivor first answers sys/health 200 (new leader); when a
     `creds/<name>` read through a survivor first succeeds; and the emulator's refresh_token
     grant counter, each increment being one background refresh (nothing reads the tokens
     again until all are refreshed, and a read refreshes only a token with 10 s or less left).
  4. The killed node is started again and unsealed (HTTP, the init file's keys); the next
     run waits for 3 voters. The elections the survivors logged for this kill are counted.

The figures are medians over the runs, with min and max. The result goes to
bench/results/b5_failover-<server>-<default|mN>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import common
import hvac
import requests
from common import MOUNT, REDIRECT_URL, SERVER, log

from webex_vault_testing import authorize
from webex_vault_testing.raft_cluster import LoopbackCluster, Node

LIFETIME_S = 87
WINDOW_S = 60 * 1.2  # the role's default check interval x expiry delta factor
DEFAULT_LIFETIME_S = 1209599
POLL_S = 0.05
KILL_BEFORE_DUE_S = 1.0


def expiry(client: hvac.Client, name: str) -> float:
    data = client.read(f"{MOUNT}/creds/{name}")["data"]
    return datetime.fromisoformat(data["expire_time"].replace("Z", "+00:00")).timestamp()


def refresh_grants(emulator: common.Emulator) -> int:
    return emulator.stats()["grant_types"].get("refresh_token", 0)


def survivor_read(cluster: LoopbackCluster, survivors: list[Node], name: str) -> bool:
    for node in survivors:
        try:
            response = requests.get(
                f"{node.api_url}/v1/{MOUNT}/creds/{name}",
                headers={"X-Vault-Token": cluster.root_token()},
                timeout=1,
            )
            if response.status_code == 200 and response.json()["data"].get("access_token"):
                return True
        except requests.RequestException:
            pass
    return False


def elections(cluster: LoopbackCluster) -> int:
    """Raft elections started so far, as all nodes' logs tell (each node that times out waiting
    for a leader logs it as it becomes a candidate)."""
    return sum(
        (node.folder / "server.log").read_text(errors="replace").count("entering candidate state")
        for node in cluster.nodes
        if (node.folder / "server.log").exists()
    )


def unseal(cluster: LoopbackCluster, node: Node) -> None:
    keys = json.loads(cluster.init_file.read_text())["keys_base64"]
    for key in keys[:2]:
        requests.put(f"{node.api_url}/v1/sys/unseal", json={"key": key}, timeout=10)
    deadline = time.monotonic() + 60
    while node.health() not in (200, 429):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{node.name} did not come back")
        time.sleep(0.2)


def one_run(
    cluster: LoopbackCluster, emulator: common.Emulator, index: int, count: int
) -> dict[str, Any]:
    leader = cluster.leader()
    client = cluster.client(leader)
    names = [f"b5-{index}-{n}" for n in range(count)]
    emulator.settings(access_token_lifetime=LIFETIME_S)
    try:
        for name in names:
            authorize(
                client,
                mount=MOUNT,
                server=SERVER,
                credential=name,
                redirect_url=REDIRECT_URL,
                scopes=["spark:people_read"],
            )
    finally:
        emulator.settings(access_token_lifetime=DEFAULT_LIFETIME_S)
    expiries = sorted(expiry(client, name) for name in names)
    due = [value - WINDOW_S for value in expiries]
    grants_before = refresh_grants(emulator)

    wait = due[0] - KILL_BEFORE_DUE_S - time.time()
    if wait < 0:
        raise RuntimeError("the credentials took too long to make; use fewer")
    time.sleep(wait)
    survivors = [node for node in cluster.nodes if node is not leader]
    elections_before = elections(cluster)
    t0 = time.time()
    cluster.stop(leader, signal.SIGKILL)

    elected = read_ok = None
    refreshes: list[float] = []
    deadline = t0 + WINDOW_S + 90
    while time.time() < deadline and (len(refreshes) < count or None in (elected, read_ok)):
        now = time.time() - t0
        if elected is None and any(node.health() == 200 for node in survivors):
            elected = now
        if read_ok is None and survivor_read(cluster, survivors, names[0]):
            read_ok = time.time() - t0
        done = refresh_grants(emulator) - grants_before
        refreshes += [time.time() - t0] * (done - len(refreshes))
        time.sleep(POLL_S)

    new_leader = cluster.leader()
    survivor = cluster.client(new_leader)
    tokens_ok = all(
        survivor.read(f"{MOUNT}/creds/{name}")["data"]["access_token"] for name in names
    )
    for name in names:
        survivor.delete(f"{MOUNT}/creds/{name}")
    elections_after_kill = elections(cluster) - elections_before

    cluster.start(leader)
    unseal(cluster, leader)
    cluster.wait_voters(new_leader, 3)

    due_after_kill = [value - t0 for value in due]
    expired_after_kill = [value - t0 for value in expiries]
    # Refreshes come in the order the tokens fall due (same lifetime, made one after the other).
    lateness = [done - was_due for done, was_due in zip(refreshes, due_after_kill, strict=False)]
    return {
        "killed": leader.name,
        "new_leader": new_leader.name,
        "elected_s": elected,
        "first_read_s": read_ok,
        "first_refresh_s": refreshes[0] if refreshes else None,
        "refreshes_s": refreshes,
        "due_s": due_after_kill,
        "expires_s": expired_after_kill,
        "refreshed": len(refreshes),
        "all_refreshed": len(refreshes) == count,
        "max_late_after_due_s": max(lateness) if lateness else None,
        "refreshed_after_expiry": sum(
            1 for done, dies in zip(refreshes, expired_after_kill, strict=False) if done > dies
        ),
        "credentials_readable": tokens_ok,
        "elections": elections_after_kill,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=["openbao", "vault"], default="openbao")
    parser.add_argument(
        "--performance-multiplier",
        type=int,
        choices=range(11),
        default=0,
        help="the raft stanza's performance_multiplier (0: left out, the servers' default 5)",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--credentials", type=int, default=5)
    parser.add_argument("--idle", type=int, default=120, help="seconds of idling before the runs")
    args = parser.parse_args()
    multiplier = args.performance_multiplier

    load_before = list(os.getloadavg())
    runs: list[dict[str, Any]] = []
    with (
        common.plugin_mirror() as mirror_port,
        common.emulator() as emulator,
        common.scratch_dir("b5-") as work,
    ):
        cluster = LoopbackCluster(
            Path(work) / "cluster",
            server=args.server,
            mirror_port=mirror_port,
            emulator=emulator,
            extra_vars={"vault_server_raft_performance_multiplier": multiplier},
        )
        try:
            for step, run in (
                ("configure", cluster.configure),
                ("start", lambda: [cluster.start(node) for node in cluster.nodes]),
                ("unseal", cluster.unseal),
                ("site.yml", lambda: cluster.playbook("site.yml")),
            ):
                log(f"cluster: {step}")
                result = run()
                if isinstance(result, subprocess.CompletedProcess) and result.returncode:
                    raise RuntimeError(f"{step} failed:\n{result.stdout[-5000:]}")
            cluster.wait_voters(cluster.leader(), 3)
            log(f"cluster: idle for {args.idle} s, counting elections")
            idle_before = elections(cluster)
            time.sleep(args.idle)
            idle_elections = elections(cluster) - idle_before
            log(f"cluster: {idle_elections} elections while idle")
            for index in range(args.runs):
                run = one_run(cluster, emulator, index, args.credentials)
                log(
                    f"run {index + 1}: elected {run['elected_s']} s, read {run['first_read_s']} s,"
                    f" first refresh {run['first_refresh_s']} s,"
                    f" {run['refreshed']}/{args.credentials} refreshed,"
                    f" {run['elections']} elections"
                )
                runs.append(run)
        finally:
            cluster.stop_all()

    def summary(key: str) -> dict[str, float | None]:
        values = [run[key] for run in runs if run[key] is not None]
        if not values:
            return {"median": None, "min": None, "max": None}
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    common.write_result(
        f"b5_failover-{args.server}-{f'm{multiplier}' if multiplier else 'default'}",
        {
            "runs": runs,
            "nodes": 3,
            "server": args.server,
            "server_version": common.server_version(args.server),
            "performance_multiplier": multiplier,
            "idle_s": args.idle,
            "idle_elections": idle_elections,
            "credentials_per_run": args.credentials,
            "token_lifetime_s": LIFETIME_S,
            "refresh_window_s": WINDOW_S,
            "refresh_check_interval_s": 60,
            "kill_before_due_s": KILL_BEFORE_DUE_S,
            "elected_s": summary("elected_s"),
            "first_read_s": summary("first_read_s"),
            "first_refresh_s": summary("first_refresh_s"),
            "max_late_after_due_s": summary("max_late_after_due_s"),
            "all_refreshed": all(run["all_refreshed"] for run in runs),
            "refreshed_after_expiry": sum(run["refreshed_after_expiry"] for run in runs),
            "load_average_before": load_before,
            "load_average_after": list(os.getloadavg()),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
