"""A server restart with persistent storage, and a plugin binary swapped while it was down.

The dev server keeps everything in memory, so these tests use a production-shaped OpenBao that
the fixture runs itself (Raft storage on disk, initialised with one key share, unsealed by the
test) and that site.yml then provisions like any other server. No systemd and no
vault_server_mode: service are needed; the service mode's own restart handling (the role's
unseal after a restart) is for the Molecule scenarios.

Expected behaviour (SECURITY.md, "Faults"):
- after a restart the server is sealed: the playbooks stop at the health gate ("is sealed"),
  the samples exit 8; nothing is lost: once unsealed, the AppRole identities, the credentials
  (same access token) and the plugin (relaunched after its sha256 is checked) are all back, and
  a converge changes nothing;
- a plugin binary replaced while the server was down is refused when the engine starts
  ("checksums did not match"): the mount has no backend and the samples exit 11 until a
  converge restores the registered binary and reloads the engine.
"""

from __future__ import annotations

import hashlib

import pytest

from webex_vault_testing.oauthapp import MOUNT, authorize_credential, raw
from webex_vault_testing.playbook_run import run_playbook
from webex_vault_testing.processes import run_sample
from webex_vault_testing.server_control import (
    catalog_entry,
    forge_plugin_binary,
    start_persistent_server,
    stop_server,
    unseal_persistent_server,
)

pytestmark = pytest.mark.integration

# The task that puts the plugin binary in place (one plugin_binary module run).
INSTALL_TASK = (
    "webex_vault.oauthapp.oauthapp_plugin : download | "
    "Download, verify, unpack and install the plugin binary"
)


def cli(stack, **env):
    return run_sample("people_me.py", {"WEBEX_VAULT_ENV_FILE": str(stack.cli_env_file), **env})


def restart(stack, before_start=None) -> None:
    stop_server(stack)
    if before_start is not None:
        before_start()
    start_persistent_server(stack)


def test_restart_keeps_identities_credentials_and_plugin(persistent_stack):
    stack = persistent_stack
    authorize_credential(stack.client(), "people-me")
    token = raw(stack, "GET", f"{MOUNT}/creds/people-me")[1]["data"]["access_token"]
    assert cli(stack).returncode == 0

    restart(stack)

    sealed = cli(stack)
    assert sealed.returncode == 8, sealed.stderr
    assert len(sealed.stderr.strip().splitlines()) == 1
    gate = run_playbook(stack, "playbooks/oauthapp.yml")
    assert gate.failure is not None and "is sealed; unseal it first" in gate.failure[1]
    assert gate.changed == 0

    unseal_persistent_server(stack)
    after = cli(stack)
    assert after.returncode == 0, after.stderr
    status, body = raw(stack, "GET", f"{MOUNT}/creds/people-me")
    assert status == 200 and body["data"]["access_token"] == token
    entry = catalog_entry(stack)
    assert stack.client().read(f"sys/mounts/{MOUNT}")["data"]["running_sha256"] == entry["sha256"]
    for stage in ("playbooks/oauthapp.yml", "playbooks/app_access.yml"):
        run = run_playbook(stack, stage)
        assert run.returncode == 0, run.stdout[-3000:]
        assert run.changed == 0, [n for n, r in run.task_results() if r.get("changed")]


def test_plugin_replaced_while_down_is_refused_until_restored(persistent_stack):
    stack = persistent_stack
    authorize_credential(stack.client(), "people-me")
    token = raw(stack, "GET", f"{MOUNT}/creds/people-me")[1]["data"]["access_token"]
    entry = catalog_entry(stack)
    binary = stack.data_dir / "plugins" / entry["command"]

    restart(stack, before_start=lambda: forge_plugin_binary(binary))
    unseal_persistent_server(stack)

    status, body = raw(stack, "GET", f"{MOUNT}/creds/people-me")
    assert status >= 400, body
    refused = cli(stack)
    assert refused.returncode in (11, 13), refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    log = (stack.data_dir / "server.log").read_text()
    assert "checksums did not match" in log

    run = run_playbook(stack, "playbooks/oauthapp.yml")
    assert run.returncode == 0, run.stdout[-3000:]
    changed = {name for name, result in run.task_results() if result.get("changed")}
    assert INSTALL_TASK in changed, changed
    assert hashlib.sha256(binary.read_bytes()).hexdigest() == entry["sha256"]
    status, body = raw(stack, "GET", f"{MOUNT}/creds/people-me")
    assert status == 200 and body["data"]["access_token"] == token
    assert cli(stack).returncode == 0
