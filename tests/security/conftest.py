"""Fixtures of the security tests: stacks and Webex emulators of their own.

The integration tests' `stack` and `emulator` are left alone. Every stack here has its own
emulator, so that injected faults and secret rotation reach only the stack under test, and the
stacks are provisioned in parallel at first use (each site.yml converge takes half a minute):

  security_stack     site.yml at -vvv (output kept for the hygiene scan), plugin defaults for
                     tuning, a declared file audit device; identities, bad input, load, hygiene
  fault_stack        provider timeout 2 s, background refresh off until a test turns it on
  rotation_stack     client secret rotation
  persistent_stack   a non-dev server (Raft storage on disk, init + unseal by the test) that can
                     be restarted without losing data: restart and plugin tampering at restart
  admin_stack        a server the vault_server role initialised and handed over to the admin
                     identity (no root token; the first run stopped before revoking it, the
                     next one finished), and admin_root, a break-glass root token for
                     what the tests set up behind the roles' back: test_admin_identity,
                     test_admin_surface
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from webex_vault_testing import SERVERS, free_port
from webex_vault_testing import stack_for_test as new_stack
from webex_vault_testing.admin_identity import (
    THRESHOLD,
    AdminStack,
    admin_connection,
    api_vars,
    call,
    decrypt,
    generate_root,
    replay_stopped_handover,
    run,
    start_server,
)
from webex_vault_testing.oauthapp import MOUNT
from webex_vault_testing.playbook_run import run_playbook
from webex_vault_testing.processes import Background
from webex_vault_testing.recording_emulator import start_emulator
from webex_vault_testing.server_control import (
    enable_audit_device,
    persistent_config,
    start_persistent_server,
    stop_server,
    unseal_persistent_server,
)

FAULT_TUNING = {"tune_provider_timeout_seconds": 2, "tune_refresh_check_interval_seconds": 0}


@pytest.fixture(scope="session", params=SERVERS)
def security_server(request) -> str:
    """The server every security stack runs: each security test runs once per server."""
    return request.param


@pytest.fixture(scope="session")
def security_emulators(security_server, output_dir):
    emulators = {
        "security": start_emulator(output_dir / f"security-emulator-{security_server}.log"),
        "fault": start_emulator(),
        "rotation": start_emulator(),
        "persistent": start_emulator(),
    }
    yield emulators
    for emulator in emulators.values():
        emulator.shutdown()


def _provision_security(stack, output_dir: Path):
    server = run_playbook(stack, "playbooks/server.yml", json_output=False)
    assert server.returncode == 0, server.stdout[-5000:]
    audit_dir = stack.work_dir / "audit"
    audit_dir.mkdir(mode=0o700)
    stack.audit_log = audit_dir / "audit.log"
    enable_audit_device(stack, stack.audit_log)
    # The first converge of everything else, at -vvv, is the hygiene test's main exhibit.
    first = run_playbook(stack, "site.yml", None, None, "-vvv", json_output=False)
    (output_dir / "security-site-vvv.log").write_text(first.stdout + first.stderr)
    assert first.returncode == 0, first.stdout[-5000:]
    stack.first_run = first
    return stack


def _provision(stack):
    first = run_playbook(stack, "site.yml", json_output=False)
    assert first.returncode == 0, first.stdout[-5000:]
    stack.first_run = first
    return stack


def _provision_persistent(stack):
    stack.cluster_port = free_port()
    data_dir = stack.data_dir
    for path in (data_dir, data_dir / "plugins", data_dir / "raft"):
        path.mkdir(parents=True, exist_ok=True, mode=0o750)
    persistent_config(stack)
    start_persistent_server(stack)
    response = requests.put(
        f"{stack.url}/v1/sys/init", json={"secret_shares": 1, "secret_threshold": 1}, timeout=30
    )
    response.raise_for_status()
    init = response.json()
    for name, value in (("root-token", init["root_token"]), ("unseal-key", init["keys_base64"][0])):
        path = data_dir / name
        path.write_text(value)
        path.chmod(0o600)
    unseal_persistent_server(stack)
    # site.yml finds a healthy server on the port, so its server stage starts nothing.
    return _provision(stack)


@pytest.fixture(scope="session")
def security_stacks(
    tmp_path_factory, plugin_mirror, security_server, security_emulators, output_dir
):
    tuning = {
        "security": {},  # the plugin's defaults
        "fault": FAULT_TUNING,
        # No background refresh: the rotation test counts each refresh it causes.
        "rotation": {"tune_refresh_check_interval_seconds": 0},
        "persistent": {},
    }
    stacks = {
        name: new_stack(
            tmp_path_factory,
            plugin_mirror,
            security_emulators[name],
            server=security_server,
            oauthapp_webex_tuning=value,
            # The credential report's fault test keeps its credentials under health/.
            oauthapp_webex_operator_credentials=["health/*"],
        )
        for name, value in tuning.items()
    }
    for name, stack in stacks.items():
        stack.emulator = security_emulators[name]
    provisioning = Background()
    provisioning.start("security", _provision_security, stacks["security"], output_dir)
    provisioning.start("fault", _provision, stacks["fault"])
    provisioning.start("rotation", _provision, stacks["rotation"])
    provisioning.start("persistent", _provision_persistent, stacks["persistent"])
    yield provisioning
    for stack in stacks.values():
        stop_server(stack)


@pytest.fixture(scope="session")
def security_stack(security_stacks):
    return security_stacks.result("security")


@pytest.fixture(scope="session")
def fault_stack(security_stacks):
    return security_stacks.result("fault")


@pytest.fixture(scope="session")
def rotation_stack(security_stacks):
    return security_stacks.result("rotation")


@pytest.fixture(scope="session")
def persistent_stack(security_stacks):
    return security_stacks.result("persistent")


def _reset_emulator(emulator, before: dict) -> None:
    emulator.control("DELETE", "faults")
    emulator.settings(
        **{key: before[key] for key in ("access_token_lifetime", "error_style", "auto_approve")}
    )


@pytest.fixture
def security_emulator(security_stack):
    """The security stack's emulator; faults and settings come back afterwards."""
    emulator = security_stack.emulator
    before = emulator.control("GET", "settings")
    yield emulator
    _reset_emulator(emulator, before)


@pytest.fixture
def fault_emulator(fault_stack):
    emulator = fault_stack.emulator
    before = emulator.control("GET", "settings")
    yield emulator
    _reset_emulator(emulator, before)


@pytest.fixture
def fault_credential(fault_stack, credential_name):
    """A credential name on the fault stack, deleted afterwards: a leftover credential would be
    refreshed in the background and could take the faults meant for the next test."""
    yield credential_name
    fault_stack.client().delete(f"{MOUNT}/creds/{credential_name}")


@pytest.fixture(scope="session")
def admin_stack(tmp_path_factory, plugin_mirror, security_server) -> Iterator[AdminStack]:
    """Set up by the vault_server role, handed over to the admin identity, which converged
    oauthapp.yml and app_access.yml. The hand-over is replayed with a stop (issue 20): the first
    run is killed right after it wrote the admin file, a --check run follows, and the next run
    finishes the hand-over (test_admin_identity.py checks each; stack.handover)."""
    emulator = start_emulator()
    stack = start_server(tmp_path_factory, plugin_mirror, emulator, security_server)
    try:
        stack.handover = replay_stopped_handover(stack, *api_vars(stack))
        first = stack.handover.finished
        assert first.returncode == 0, first.stdout[-5000:]
        stack.first_run = first
        for playbook in ("playbooks/oauthapp.yml", "playbooks/app_access.yml"):
            converge = run(stack, playbook, *admin_connection(stack))
            assert converge.returncode == 0, converge.stdout[-5000:]
        yield stack
    finally:
        stop_server(stack)
        emulator.shutdown()


@pytest.fixture(scope="session")
def admin_root(admin_stack: AdminStack) -> Iterator[str]:
    """Break glass once: a root token from the unseal keys, to set up what the refusals need
    (a secret/ KV mount with data) and the drift a converge undoes, revoked at the end."""
    init = decrypt(admin_stack, admin_stack.init_file)
    root = generate_root(admin_stack, init["keys_base64"][:THRESHOLD])
    status, body = call(admin_stack.url, "GET", "auth/token/lookup-self", root)
    assert status == 200 and body["data"]["policies"] == ["root"], body
    status, _ = call(admin_stack.url, "POST", "sys/mounts/secret", root, json={"type": "kv-v2"})
    assert status in (200, 204)
    yield root
    status, _ = call(admin_stack.url, "POST", "auth/token/revoke-self", root)
    assert status == 204
