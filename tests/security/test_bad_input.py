"""Bad input fails early, with one sentence that names the variable, and changes nothing.

Every case runs the one stage playbook its input belongs to (or the sample it configures)
against the provisioned security stack. The server's catalog, mounts, auth methods, policies,
AppRole roles, plugin configuration, server configuration, plugin directory and settings files
are read with the root token before and after the whole batch and must be identical; each run
must also report changed=0 and fail in a validation task (argument spec, assert, health gate).

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

import pytest

from .security_helpers import (
    OUTPUT_DIR,
    authorize_credential,
    diff_snapshots,
    free_port,
    new_stack,
    run_playbook,
    run_sample,
    server_snapshot,
)

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


CASES: list[Case] = [
    # --- oauthapp_plugin (playbooks/oauthapp.yml) ---
    Case(
        "plugin-unknown-distribution",
        "oauthapp",
        "oauthapp_plugin_distribution",
        "must be one of: openbao, puppetlabs",
        {"oauthapp_plugin_distribution": "hashicorp"},
    ),
    Case(
        "plugin-version-two-parts",
        "oauthapp",
        "oauthapp_plugin_version",
        "must be a release number",
        {"oauthapp_plugin_version": "3.1"},
    ),
    Case(
        "plugin-sha256-not-hex",
        "oauthapp",
        "oauthapp_plugin_archive_sha256",
        "64 hexadecimal characters",
        {"oauthapp_plugin_archive_sha256": "z" * 64},
    ),
    Case(
        "plugin-sha256-mismatch",
        "oauthapp",
        "oauthapp_plugin_archive_sha256",
        "does not match",
        {"oauthapp_plugin_archive_sha256": "0123456789abcdef" * 4},
    ),
    Case(
        "plugin-base-url-ftp",
        "oauthapp",
        "oauthapp_plugin_base_url",
        r"must be an http\(s\):// or file:// URL",
        {"oauthapp_plugin_base_url": "ftp://mirror/x"},
    ),
    Case(
        "plugin-base-url-plain-http-remote",
        "oauthapp",
        "oauthapp_plugin_base_url",
        r"must be https:// \(plain http:// only for a loopback mirror\)",
        {"oauthapp_plugin_base_url": "http://mirror.example.com/oauthapp"},
    ),
    Case(
        "plugin-checksum-neither-pinned-nor-trusted",
        "oauthapp",
        "oauthapp_plugin_archive_sha256",
        "pin the release archive's sha256",
        {"oauthapp_plugin_trust_published_checksum": False},
    ),
    Case(
        "plugin-directory-relative",
        "oauthapp",
        "oauthapp_plugin_directory",
        "must be absolute paths",
        {"oauthapp_plugin_directory": "plugins"},
    ),
    Case(
        "plugin-directory-missing",
        "oauthapp",
        "oauthapp_plugin_directory",
        "not a directory",
        {"oauthapp_plugin_directory": "/nonexistent/webex-vault/plugins"},
    ),
    Case(
        "plugin-catalog-name-path",
        "oauthapp",
        "oauthapp_plugin_catalog_name",
        "a plain name",
        {"oauthapp_plugin_catalog_name": "oauth/app"},
    ),
    # --- oauthapp_webex (playbooks/oauthapp.yml) ---
    Case(
        "webex-client-id-empty",
        "oauthapp",
        "oauthapp_webex_client_id",
        "is empty",
        env={"WEBEX_CLIENT_ID": ""},
    ),
    Case(
        "webex-client-secret-empty",
        "oauthapp",
        "oauthapp_webex_client_secret",
        "is empty",
        env={"WEBEX_CLIENT_SECRET": ""},
    ),
    Case(
        "webex-token-url-plain-http",
        "oauthapp",
        "oauthapp_webex_token_url",
        "must be an https:// URL",
        {
            "oauthapp_webex_authorize_url": "https://webexapis.com/v1/authorize",
            "oauthapp_webex_token_url": "http://webexapis.com/v1/access_token",
            "oauthapp_webex_allow_insecure_urls": False,
        },
    ),
    Case(
        "webex-mount-reserved",
        "oauthapp",
        "oauthapp_webex_mount",
        "must be a mount path",
        {"oauthapp_webex_mount": "sys"},
    ),
    Case(
        "webex-mount-used-by-kv",
        "oauthapp",
        "oauthapp_webex_mount",
        "must be free or an 'oauthapp' engine",
        {"oauthapp_webex_mount": "secret"},
    ),
    Case(
        "webex-tuning-leeway-below-one",
        "oauthapp",
        "oauthapp_webex_tuning.tune_provider_timeout_expiry_leeway_factor",
        "a number from 1",
        {"oauthapp_webex_tuning": {"tune_provider_timeout_expiry_leeway_factor": 0.5}},
    ),
    Case(
        "webex-auth-url-params-redirect",
        "oauthapp",
        "oauthapp_webex_auth_url_params",
        "must not set redirect_uri",
        {"oauthapp_webex_auth_url_params": {"redirect_uri": "https://attacker.example/cb"}},
    ),
    Case(
        "webex-previous-secret-is-current",
        "oauthapp",
        "oauthapp_webex_client_secrets_previous",
        "other than",
        {"oauthapp_webex_client_secrets_previous": ["rotating-secret"]},
        env={"WEBEX_CLIENT_SECRET": "rotating-secret"},
    ),
    # --- app access (playbooks/app_access.yml) ---
    Case(
        "access-approle-mount-space",
        "app_access",
        "oauthapp_webex_approle_mount",
        "must be a mount path",
        {"oauthapp_webex_approle_mount": "app role"},
    ),
    Case(
        "access-cli-credential-wildcard",
        "app_access",
        "oauthapp_webex_cli_credential",
        "must be a credential name",
        {"oauthapp_webex_cli_credential": "*"},
    ),
    Case(
        "access-redirect-policy-injection",
        "app_access",
        "oauthapp_webex_app_redirect_url",
        "must be the web app's https:// callback URL",
        {
            "oauthapp_webex_app_redirect_url": 'http://localhost:5000/auth"] } '
            'path "sys/*" { capabilities = ["sudo'
        },
    ),
    Case(
        "access-redirect-plain-http",
        "app_access",
        "oauthapp_webex_app_redirect_url",
        "must be the web app's https:// callback URL",
        {"oauthapp_webex_app_redirect_url": "http://app.example.com/auth"},
    ),
    Case(
        "access-token-ttl-above-max",
        "app_access",
        "oauthapp_webex_app_token_ttl",
        "at most",
        {"oauthapp_webex_app_token_ttl": 7200},
    ),
    Case(
        "access-env-file-missing-dir",
        "app_access",
        "oauthapp_webex_cli_env_file",
        "existing directory",
        {"oauthapp_webex_cli_env_file": "/nonexistent/dir/cli.env"},
    ),
    Case(
        "access-env-vault-addr",
        "app_access",
        "oauthapp_webex_env_vault_addr",
        "must be an http:// or https:// URL",
        {"oauthapp_webex_env_vault_addr": "vault:8200"},
    ),
    Case(
        "access-env-vault-namespace",
        "app_access",
        "oauthapp_webex_env_vault_namespace",
        "must be empty or a namespace path",
        {"oauthapp_webex_env_vault_namespace": "team-a\nVAULT_TOKEN=x"},
    ),
    Case(
        "access-operator-credential-wildcard",
        "app_access",
        "oauthapp_webex_operator_credentials",
        "must list credential names",
        {"oauthapp_webex_operator_credentials": ["agents/*/x"]},
    ),
    # --- vault_server (playbooks/server.yml) ---
    Case(
        "server-unknown-mode",
        "server",
        "vault_server_mode",
        "must be one of",
        {"vault_server_mode": "production"},
    ),
    Case(
        "server-listen-without-port",
        "server",
        "vault_server_listen_address",
        "must be host:port",
        {"vault_server_listen_address": "localhost"},
    ),
    # --- reaching the server (playbooks/oauthapp.yml) ---
    Case(
        "api-unreachable",
        "oauthapp",
        "vault_api_url",
        "does not answer",
        {"vault_api_url": "http://127.0.0.1:@free_port@"},
    ),
    Case(
        "api-wrong-token",
        "oauthapp",
        "vault_api_token",
        "does not accept",
        {"vault_api_token": "s.not-a-token"},
    ),
    # --- the CLI sample (samples/people_me.py) and the authorization helper ---
    Case(
        "sample-env-file-malformed",
        "people_me.py",
        "WEBEX_VAULT_ENV_FILE",
        r"line \d",
        env={"WEBEX_VAULT_ENV_FILE": "@malformed_env@"},
        exit_code=2,
    ),
    Case(
        "sample-env-file-readable",
        "people_me.py",
        "chmod 600",
        "other users may read it",
        env={"WEBEX_VAULT_ENV_FILE": "@readable_env@"},
        exit_code=2,
    ),
    Case(
        "sample-env-file-missing",
        "people_me.py",
        "WEBEX_VAULT_ENV_FILE",
        "which is not a file",
        env={"WEBEX_VAULT_ENV_FILE": "/nonexistent/.env"},
        exit_code=2,
    ),
    Case(
        "sample-vault-addr-not-url",
        "people_me.py",
        "VAULT_ADDR",
        "must be an http:// or https:// URL",
        env={"VAULT_ADDR": "vault:8200"},
        exit_code=2,
    ),
    Case(
        "sample-vault-addr-closed-port",
        "people_me.py",
        "VAULT_ADDR",
        "Cannot connect to Vault",
        env={"VAULT_ADDR": "http://127.0.0.1:@free_port@"},
        exit_code=7,
    ),
    Case(
        "sample-secret-id-missing",
        "people_me.py",
        "VAULT_SECRET_ID",
        "must be set too",
        env={"VAULT_SECRET_ID": ""},
        exit_code=2,
    ),
    Case(
        "sample-secret-id-wrong",
        "people_me.py",
        "VAULT_SECRET_ID",
        "rejected the AppRole login",
        env={"VAULT_SECRET_ID": "00000000-0000-0000-0000-000000000000"},
        exit_code=10,
    ),
    Case(
        "sample-approle-mount-wrong",
        "people_me.py",
        "VAULT_APPROLE_MOUNT",
        "AppRole login",
        env={"VAULT_APPROLE_MOUNT": "no-such-approle"},
        exit_code=10,
    ),
    Case(
        "sample-token-wrong",
        "people_me.py",
        "VAULT_TOKEN",
        "rejected the client token",
        env={"WEBEX_VAULT_ENV_FILE": os.devnull, "VAULT_ADDR": "@url@", "VAULT_TOKEN": "s.bogus"},
        exit_code=10,
    ),
    Case(
        "sample-mount-traversal",
        "people_me.py",
        "OAUTHAPP_MOUNT",
        "must be a Vault path",
        env={"OAUTHAPP_MOUNT": "../sys"},
        exit_code=2,
    ),
    Case(
        "sample-credential-space",
        "people_me.py",
        "OAUTHAPP_CREDENTIAL",
        "must be a Vault path",
        env={"OAUTHAPP_CREDENTIAL": "people me"},
        exit_code=2,
    ),
    Case(
        "sample-timeout-text",
        "people_me.py",
        "HTTP_TIMEOUT_SECONDS",
        "must be a number of seconds",
        env={"HTTP_TIMEOUT_SECONDS": "soon"},
        exit_code=2,
    ),
    Case(
        "sample-cacert-missing",
        "people_me.py",
        "VAULT_CACERT",
        "is not a file",
        env={"VAULT_CACERT": "/nonexistent/ca.pem"},
        exit_code=2,
    ),
    Case(
        "sample-webex-url-ftp",
        "people_me.py",
        "WEBEX_API_BASE_URL",
        "must be an http:// or https:// URL",
        env={"WEBEX_API_BASE_URL": "ftp://webex"},
        exit_code=2,
    ),
    Case(
        "helper-no-token",
        "authorize_user.py",
        "VAULT_TOKEN",
        "set VAULT_TOKEN",
        env={"VAULT_ADDR": "@url@"},
        exit_code=2,
        args=("--credential", "people-me"),
    ),
    Case(
        "helper-vault-addr-closed-port",
        "authorize_user.py",
        "VAULT_ADDR",
        "Cannot connect to Vault",
        env={"VAULT_ADDR": "http://127.0.0.1:@free_port@", "VAULT_TOKEN": "s.any"},
        exit_code=1,
        args=("--credential", "people-me"),
    ),
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
