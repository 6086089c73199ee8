"""The credential report against the real plugin, with the emulator's faults: four credentials,
one healthy, one whose refresh token Webex revokes, one whose refreshes keep failing (503), one
deleted, give exactly those four states in the report (table, JSON, exit status), its metrics
and the collection's credential_info, read with the operator identity, on both servers.

The fault stack's plugin refreshes in the background every second for this test, and treats a
token as due once less than 58 s of its 60 s are left: refresh happens within seconds, and a
failing one is still served (with the plugin's warning) for most of a minute. The emulator aims
the 503s at one grant, so the other credentials' refreshes are untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from webex_vault.credential_health import report
from webex_vault_testing.base import BIN, OUTPUT_DIR, REPO
from webex_vault_testing.oauthapp import MOUNT, STATE_MOUNT, raw
from webex_vault_testing.processes import run_report, run_sample, wait_for

pytestmark = pytest.mark.integration

LIFETIME = 60
CLI_CREDENTIAL = "people-me"  # the healthy one: the role indexed it, the tool authorizes it
EXPECTED = {
    CLI_CREDENTIAL: "healthy",
    "health/revoked": "reauthorize",
    "health/transient": "refresh_failing",
    "health/deleted": "missing",
}
# Every token the emulator issues ends like this: no output may contain one.
TOKEN_MARK = "_PF84_"


def background_refresh(stack, interval: int, factor: float) -> None:
    client = stack.client()
    config = client.read(f"{MOUNT}/config")["data"]
    config.update(
        tune_refresh_check_interval_seconds=interval, tune_refresh_expiry_delta_factor=factor
    )
    client.write_data(f"{MOUNT}/config", data=config)


def authorize_user(stack, name: str) -> None:
    result = run_sample(
        "authorize_user.py",
        {"VAULT_ADDR": stack.url, "VAULT_TOKEN": stack.root_token},
        "--credential",
        name,
    )
    assert result.returncode == 0, result.stderr
    assert TOKEN_MARK not in result.stdout + result.stderr


def states(stack) -> dict[str, str]:
    rows = report(stack.client(), STATE_MOUNT, MOUNT)
    return {row.entry.name: row.health.state for row in rows}


def credential_info(stack, operator_env, work_dir) -> list[dict]:
    """webex_vault.oauthapp.credential_info with the operator's AppRole, once as it is and once
    in check mode (one ansible-playbook run): the two tasks' results."""
    settings = dict(
        line.split("=", 1) for line in operator_env.read_text().splitlines() if "=" in line
    )
    module_args = {
        "url": stack.url,
        "auth_method": "approle",
        "mount_point": settings["VAULT_APPROLE_MOUNT"],
        "role_id": settings["VAULT_ROLE_ID"],
        "secret_id": settings["VAULT_SECRET_ID"],
    }
    task = {"webex_vault.oauthapp.credential_info": module_args}
    play = [
        {"hosts": "localhost", "gather_facts": False, "tasks": [task, {**task, "check_mode": True}]}
    ]
    playbook = work_dir / "credential-info.yml"
    playbook.write_text(json.dumps(play))
    result = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            str(playbook),
        ],
        cwd=REPO,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("VAULT_")},
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_LOCALHOST_WARNING": "0",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert TOKEN_MARK not in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = json.loads(result.stdout[result.stdout.index("{") :])
    return [task["hosts"]["localhost"] for task in output["plays"][0]["tasks"]]


def test_four_credentials_give_four_states(fault_stack, fault_emulator):
    stack, emulator = fault_stack, fault_emulator
    operator_env = stack.local_dir / "operator.env"
    emulator.settings(access_token_lifetime=LIFETIME, error_style="rfc")
    client = stack.client()
    try:
        for name in EXPECTED:
            authorize_user(stack, name)
        revoked = raw(stack, "GET", f"{MOUNT}/creds/health/revoked")[1]["data"]["access_token"]
        transient = raw(stack, "GET", f"{MOUNT}/creds/health/transient")[1]["data"]
        emulator.control("POST", "tokens/revoke", token=revoked)
        emulator.fault(status=503, count=1000, token=transient["access_token"])
        client.delete(f"{MOUNT}/creds/health/deleted")

        background_refresh(stack, 1, LIFETIME - 2)
        wait_for(lambda: states(stack) == EXPECTED, timeout=20, message="the four states")

        table = run_report(operator_env)
        as_json = run_report(operator_env, "--json", "--textfile", str(stack.work_dir / "h.prom"))
        info, checked = credential_info(stack, operator_env, stack.work_dir)
    finally:
        background_refresh(stack, 0, 1.2)
        for name in EXPECTED:
            client.delete(f"{MOUNT}/creds/{name}")
            if name != CLI_CREDENTIAL:  # the role's entry stays, as the role wrote it
                client.secrets.kv.v2.delete_metadata_and_all_versions(
                    f"{MOUNT}/index/{name}", mount_point=STATE_MOUNT
                )

    # The table as docs/credential-health.md shows it.
    (OUTPUT_DIR / f"credential-report-{stack.server}.txt").write_text(table.stdout)
    for result in (table, as_json):
        assert result.returncode == 2, result.stderr  # CRITICAL
        assert result.stderr == "" and TOKEN_MARK not in result.stdout
    rows = {line.split()[0]: line.split()[1] for line in table.stdout.splitlines()[1:5]}
    assert rows == EXPECTED
    assert "health/revoked: Webex refused the refresh token: authorize again" in table.stdout
    assert "server rejected request: invalid_grant" in table.stdout
    # The transient one's last error, as each plugin release words a 503 (test_faults.py,
    # PROVIDER_ERROR: the openbao fork's newer golang.org/x/oauth2 names the RFC 6749 code).
    last_error = {"puppetlabs": "503", "openbao": '"temporarily_unavailable"'}
    assert last_error[stack.distribution] in table.stdout

    reported = json.loads(as_json.stdout)
    by_name = {row["name"]: row for row in reported["credentials"]}
    assert {name: row["state"] for name, row in by_name.items()} == EXPECTED
    assert by_name["health/transient"]["refresh_failures"] >= 1
    assert 10 < by_name["health/transient"]["seconds_to_expiry"] <= LIFETIME
    assert by_name["health/revoked"]["seconds_to_expiry"] > 10
    assert by_name[CLI_CREDENTIAL]["created_by"] == "role oauthapp_webex (app_access)"
    assert by_name["health/transient"]["created_by"] == "tools/authorize_user.py"

    metrics = (stack.work_dir / "h.prom").read_text()
    assert TOKEN_MARK not in metrics
    samples = {
        (sample.name, sample.labels.get("state")): sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
    }
    counted = {state: samples[("webex_vault_credentials", state)] for state in EXPECTED.values()}
    assert counted == dict.fromkeys(EXPECTED.values(), 1)
    assert samples[("webex_vault_credentials", "expired")] == 0
    assert samples[("webex_vault_credentials", "server_misconfigured")] == 0
    assert samples[("webex_vault_credential_refresh_failures", None)] >= 1
    assert 10 < samples[("webex_vault_credential_reauthorize_deadline_seconds", None)] <= LIFETIME

    for result in (info, checked):
        assert result["changed"] is False and result["needs_action"] is True
        assert {row["name"]: row["state"] for row in result["credentials"]} == EXPECTED
