"""A short run of the load benchmark (bench/load_readers.py): 10 readers for 5 s, no errors.

A smoke test of the benchmark and of the read path under concurrency, not a timed test: the
numbers are written to tests/output/ and asserted on only for errors. The real benchmark
(50 readers, 60 s) writes bench/results/load_readers.json.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from webex_vault_testing import BIN, REPO
from webex_vault_testing.base import OUTPUT_DIR
from webex_vault_testing.oauthapp import authorize_credential

pytestmark = pytest.mark.integration


def test_concurrent_readers_see_no_errors(security_stack):
    authorize_credential(security_stack.client(), "people-me")
    output = OUTPUT_DIR / "load_readers_smoke.json"
    result = subprocess.run(
        [
            str(BIN / "python"),
            str(REPO / "bench" / "load_readers.py"),
            "--readers",
            "10",
            "--duration",
            "5",
            "--env-file",
            str(security_stack.cli_env_file),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr + result.stdout[-2000:]
    report = json.loads(output.read_text())
    assert report["errors"] == 0, report["error_examples"]
    assert report["iterations"] > 0
    assert report["latency_ms"]["iteration"]["p99"] > 0
