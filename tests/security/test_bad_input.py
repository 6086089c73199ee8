"""Bad input fails early, with one sentence that names the variable, and changes nothing.

Every case (a table in bad_input_cases.yml) runs the one stage playbook its input belongs to (or
the sample it configures) against the provisioned security stack. The server's catalog, mounts,
auth methods, policies, AppRole roles, plugin configuration, server configuration, plugin
directory and settings files are read with the root token before and after the whole batch and
must be identical; each run must also report changed=0 and fail in a validation task (argument
spec, assert, health gate).

The playbook runs are independent and change nothing, so they run a few at a time; each case is
still reported on its own.

The number of cases run is printed and written to tests/output/security-bad-input.json.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from webex_vault_testing import free_port
from webex_vault_testing import stack_for_test as new_stack
from webex_vault_testing.base import OUTPUT_DIR
from webex_vault_testing.oauthapp import authorize_credential
from webex_vault_testing.playbook_run import diff_snapshots, run_playbook, server_snapshot
from webex_vault_testing.processes import run_sample

pytestmark = pytest.mark.integration

PARALLEL_RUNS = 3
# The tasks where a bad input may stop a run: argument specs, asserts and the health gate, and
# the checksum check (it can only run once the archive is downloaded, before anything installs).
VALIDATION_TASK = re.compile(
    r"Validating arguments|assert|[Ss]top unless the server|Refuse mount paths"
    r"|Explain why the archive was refused",
    re.IGNORECASE,
)
PLAYBOOKS = {
    "server": "playbooks/server.yml",
    "oauthapp": "playbooks/oauthapp.yml",
    "app_access": "playbooks/app_access.yml",
}


@dataclass(frozen=True)
class Case:
    id: str
    target: str  # a key of PLAYBOOKS, or a script: people_me.py, authorize_user.py
    names: str  # the variable the message must name
    expect: str  # regex the message must match
    extra_vars: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    exit_code: int | None = None  # scripts only
    args: tuple[str, ...] = ()  # scripts only


# One run per case; the cases are a table in bad_input_cases.yml.
CASES: list[Case] = [
    Case(**{**entry, "args": tuple(entry.get("args", ()))})
    for entry in yaml.safe_load(Path(__file__).with_name("bad_input_cases.yml").read_text())
]


def _fill(value, values: dict):
    """Put the stack's own values in for the @name@ placeholders of a case."""
    if isinstance(value, str):
        for name, replacement in values.items():
            value = value.replace(f"@{name}@", str(replacement))
        return value
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    return value


@dataclass
class Outcome:
    case: Case
    kind: str  # playbook or script
    failed: bool
    message: str
    task: str = ""
    changed: int = 0
    exit_code: int | None = None
    stderr_lines: int = 0
    seconds: float = 0.0


def _run_case(stack, case: Case, values: dict) -> Outcome:
    extra_vars, env = _fill(case.extra_vars, values), _fill(case.env, values)
    if case.target in PLAYBOOKS:
        run = run_playbook(stack, PLAYBOOKS[case.target], extra_vars, env)
        failure = run.failure
        if run.result is None:
            return Outcome(
                case,
                "playbook",
                run.returncode != 0,
                (run.stdout + run.stderr)[-2000:],
                "(no JSON output)",
                -1,
                seconds=run.duration,
            )
        return Outcome(
            case,
            "playbook",
            run.returncode != 0 and failure is not None,
            failure[1] if failure else "",
            failure[0] if failure else "",
            run.changed,
            seconds=run.duration,
        )
    sample_env = {"WEBEX_VAULT_ENV_FILE": str(stack.cli_env_file), **env}
    result = run_sample(case.target, sample_env, *case.args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return Outcome(
        case,
        "script",
        result.returncode != 0,
        result.stderr.strip(),
        exit_code=result.returncode,
        stderr_lines=len(lines),
    )


@pytest.fixture(scope="module")
def bad_input_results(security_stack, tmp_path_factory):
    work = tmp_path_factory.mktemp("bad-input")
    malformed = work / "malformed.env"
    malformed.write_text('VAULT_ADDR=http://127.0.0.1:1\nthis line is not an assignment\n"\n')
    malformed.chmod(0o600)
    readable = work / "readable.env"
    readable.write_text(security_stack.cli_env_file.read_text())
    readable.chmod(0o644)
    values = {
        "free_port": free_port(),
        "port": security_stack.port,
        "url": security_stack.url,
        "malformed_env": str(malformed),
        "readable_env": str(readable),
    }
    # The CLI credential exists, so that a sample that got past its settings would succeed.
    authorize_credential(security_stack.client(), "people-me")
    before = server_snapshot(security_stack)
    # The slowest runs (the whole plugin stage, or the health gate's retries) start first.
    ordered = sorted(CASES, key=lambda case: case.target not in ("oauthapp",))
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        outcomes = list(pool.map(lambda case: _run_case(security_stack, case, values), ordered))
    after = server_snapshot(security_stack)
    report = {
        "cases_run": len(outcomes),
        "playbook_runs": sum(outcome.kind == "playbook" for outcome in outcomes),
        "script_runs": sum(outcome.kind == "script" for outcome in outcomes),
        "server_state_changed": diff_snapshots(before, after),
        "cases": {
            outcome.case.id: {
                "target": outcome.case.target,
                "failed": outcome.failed,
                "task": outcome.task,
                "message": outcome.message,
                "changed": outcome.changed,
                "exit_code": outcome.exit_code,
                "seconds": round(outcome.seconds, 1),
            }
            for outcome in outcomes
        },
    }
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / "security-bad-input.json").write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"\nbad input: ran {len(outcomes)} cases ({report['playbook_runs']} playbook runs, "
        f"{report['script_runs']} sample runs)"
    )
    return {outcome.case.id: outcome for outcome in outcomes}, before, after


def test_bad_input_suite_is_large_enough():
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_bad_input_fails_early_with_one_clear_sentence(bad_input_results, case):
    outcomes, before, after = bad_input_results
    outcome = outcomes[case.id]
    assert outcome.failed, f"{case.id} did not fail: {outcome.message[-1500:]}"
    message = " ".join(outcome.message.split())
    assert case.names in message, f"the message does not name {case.names}: {message}"
    assert re.search(case.expect, message), f"unexpected message: {message}"
    if outcome.kind == "playbook":
        assert VALIDATION_TASK.search(outcome.task), f"failed late, in '{outcome.task}'"
        assert outcome.changed == 0, f"{case.id} reported changed={outcome.changed}"
    else:
        assert outcome.exit_code == case.exit_code, outcome.message
        assert outcome.stderr_lines == 1, f"not one line on stderr: {outcome.message!r}"
        assert "Traceback" not in outcome.message
    assert diff_snapshots(before, after) == []


# --- A server that is not provisioned yet, and one that is sealed ------------------------------


@pytest.fixture(scope="module")
def fresh_stack(tmp_path_factory, plugin_mirror, security_stack):
    """A server on which only playbooks/server.yml ran: nothing installed or configured yet."""
    stack = new_stack(
        tmp_path_factory, plugin_mirror, security_stack.emulator, server=security_stack.server
    )
    result = run_playbook(stack, "playbooks/server.yml", json_output=False)
    assert result.returncode == 0, result.stdout[-5000:]
    yield stack
    stack.stop()


def test_bad_webex_input_installs_no_plugin_on_a_fresh_server(fresh_stack):
    before = server_snapshot(fresh_stack)
    run = run_playbook(fresh_stack, PLAYBOOKS["oauthapp"], None, {"WEBEX_CLIENT_ID": ""})
    assert run.failure is not None and "oauthapp_webex_client_id" in run.failure[1]
    assert diff_snapshots(before, server_snapshot(fresh_stack)) == []


def test_sealed_server_stops_every_stage_and_the_sample(fresh_stack):
    """`operator seal`: the playbooks stop at the health gate, the sample exits 8."""
    before = server_snapshot(fresh_stack)
    cli_env = {
        **os.environ,
        **{f"{prefix}_ADDR": fresh_stack.url for prefix in ("BAO", "VAULT")},
        **{f"{prefix}_TOKEN": fresh_stack.root_token for prefix in ("BAO", "VAULT")},
    }
    sealed = subprocess.run(
        [str(fresh_stack.binary), "operator", "seal"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sealed.returncode == 0, sealed.stderr
    try:
        for stage in ("oauthapp", "app_access"):
            run = run_playbook(fresh_stack, PLAYBOOKS[stage])
            assert run.failure is not None, run.stdout[-3000:]
            task, message = run.failure
            assert "stop unless the server" in task.lower()
            assert f"The server at {fresh_stack.url} is sealed; unseal it first." in message
            assert run.changed == 0
        sample = run_sample(
            "people_me.py",
            {
                "WEBEX_VAULT_ENV_FILE": os.devnull,
                "VAULT_ADDR": fresh_stack.url,
                "VAULT_TOKEN": fresh_stack.root_token,
            },
        )
        assert sample.returncode == 8, sample.stderr
        assert len(sample.stderr.strip().splitlines()) == 1
        assert "is sealed" in sample.stderr
    finally:
        log = (fresh_stack.data_dir / "server.log").read_text()
        key = re.search(r"^Unseal Key: (\S+)$", log, re.MULTILINE).group(1)
        unsealed = subprocess.run(
            [str(fresh_stack.binary), "operator", "unseal", key],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert unsealed.returncode == 0, unsealed.stderr
    assert diff_snapshots(before, server_snapshot(fresh_stack)) == []
