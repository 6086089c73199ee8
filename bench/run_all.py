#!/usr/bin/env python3
"""`make bench`: run the benchmarks, then write docs/performance.md from bench/results/*.json.

    python bench/run_all.py [--only b1 b2 b3] [--full] [--with-b4] [--report-only]

Default (about 15-20 minutes on 2 cores): B1 provisioning (with the before/after of the
re-run speed edits), B2 token fetch, B3 refresh capacity with 1,000 credentials, B5
failover of a 3-node Raft cluster on OpenBao and on HashiCorp Vault, each at the default Raft
timing and at performance_multiplier 1 (about 50 minutes more). --full
adds B3 with 10,000 credentials (about 25 more minutes). --with-b4 also times `make demo`
and `make test` cold and warm, in a scratch copy and in a fresh clone (about an hour; see
bench/b4_make_times.py). Each benchmark is a separate process with a time limit, and
starts and stops everything it uses.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
# B1's before/after of one speed edit (`b1_provisioning.py --baseline REF --baseline-paths
# playbooks roles`) is run by hand for that edit: an older tree whose roles want another
# desired state (the AppRole settings changed since d3f9206, the last baseline) would undo the
# current tree's work on the shared server, and B1 then refuses the comparison.


def steps(args: argparse.Namespace) -> list[tuple[str, list[str], int]]:
    """(name, argv, time limit in seconds) of each benchmark to run."""
    b1 = [PYTHON, str(HERE / "b1_provisioning.py")]
    planned = [
        ("b1", b1, 1800),
        ("b2", [PYTHON, str(HERE / "b2_token_fetch.py")], 900),
        ("b3", [PYTHON, str(HERE / "b3_refresh_capacity.py"), "--credentials", "1000"], 1800),
    ]
    # B5 per server, at the servers' Raft timing and at the fastest setting (docs/cluster.md);
    # the fast one idles longer first, to see whether it stays stable.
    for server in ("openbao", "vault"):
        b5 = [PYTHON, str(HERE / "b5_failover.py"), "--server", server]
        planned.append(("b5", b5, 1800))
        planned.append(("b5", [*b5, "--performance-multiplier", "1", "--idle", "600"], 2400))
    if args.full:
        planned.append(
            (
                "b3",
                [PYTHON, str(HERE / "b3_refresh_capacity.py"), "--credentials", "10000"],
                3600,
            )
        )
    if args.with_b4:
        planned.append(("b4", [PYTHON, str(HERE / "b4_make_times.py")], 7200))
        planned.append(("b4", [PYTHON, str(HERE / "b4_make_times.py"), "--fresh-clone"], 7200))
    return [step for step in planned if not args.only or step[0] in args.only]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=["b1", "b2", "b3", "b4", "b5"])
    parser.add_argument("--full", action="store_true", help="B3 with 10,000 credentials too")
    parser.add_argument("--with-b4", action="store_true", help="time make demo and make test")
    parser.add_argument("--report-only", action="store_true", help="only rewrite the report")
    args = parser.parse_args()

    failed = []
    if not args.report_only:
        for name, argv, limit in steps(args):
            print(f"==> {name}: {' '.join(Path(arg).name for arg in argv[1:])}", flush=True)
            started = time.monotonic()
            try:
                result = subprocess.run(argv, cwd=HERE, timeout=limit, check=False)
                ok = result.returncode == 0
            except subprocess.TimeoutExpired:
                ok = False
                print(f"{name}: stopped after its {limit} s limit", file=sys.stderr)
            print(f"<== {name}: {time.monotonic() - started:.0f} s", flush=True)
            if not ok:
                failed.append(name)
    subprocess.run([PYTHON, str(HERE / "report.py")], cwd=HERE, check=True)
    if failed:
        print(f"run_all: {', '.join(failed)} failed; the report shows their last results.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
