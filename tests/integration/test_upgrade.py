"""A plugin upgrade on each server (WEBEX_VAULT_TEST_SERVERS): site.yml installs v3.0.0 and a
user authorizes under it, then site.yml with the pinned v3.1.1 registers, tunes and reloads the
mount and retires v3.0.0. The credential made under v3.0.0 still reads and refreshes.

The Molecule `upgrade` scenario proves the same for OpenBao as a systemd service; this test
proves it on both servers' dev mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import webex_vault
from webex_vault_testing import (
    PLUGIN_RELEASES,
    REDIRECT_URL,
    SERVERS,
    authorize,
    build_plugin,
    recap,
    stack_for_test,
)

pytestmark = pytest.mark.integration

MOUNT = "oauthapp"
# Within the puppetlabs distribution, the one with two releases to build here (3.0.0, 3.1.1);
# the move between distributions is test_migration.py.
DISTRIBUTION = "puppetlabs"
OLD, NEW = "3.0.0", PLUGIN_RELEASES[DISTRIBUTION]["default_version"]


@pytest.fixture(params=SERVERS)
def upgraded(request, tmp_path_factory, plugin_mirror, emulator):
    """A stack converged on v3.0.0 with a credential, then converged on the pinned v3.1.1."""
    build_plugin(DISTRIBUTION, OLD)
    stack = stack_for_test(tmp_path_factory, plugin_mirror, emulator, DISTRIBUTION, request.param)
    try:
        old = stack.playbook("-e", f"oauthapp_plugin_version={OLD}")
        assert old.returncode == 0, old.stdout[-5000:]
        authorize(
            stack.client(),
            mount=MOUNT,
            server="webex-myapp",
            credential="kept",
            redirect_url=REDIRECT_URL,
            scopes=["spark:people_read"],
        )
        before = webex_vault.read_credential(stack.client(), MOUNT, "kept")
        new = stack.playbook()
        assert new.returncode == 0, new.stdout[-5000:]
        yield stack, before, new
    finally:
        stack.stop()


def test_upgrade_runs_the_new_version_and_keeps_the_credential(upgraded, emulator):
    stack, before, run = upgraded
    assert recap(run.stdout)["changed"] > 0
    client = stack.client()
    mount = client.read(f"sys/mounts/{MOUNT}")["data"]
    assert mount["plugin_version"] == mount["running_plugin_version"] == f"v{NEW}"
    catalog = client.read("sys/plugins/catalog")["data"]["detailed"]
    assert [entry["version"] for entry in catalog if entry["name"] == "oauthapp"] == [f"v{NEW}"]
    assert sorted(p.name for p in (stack.data_dir / "plugins").iterdir()) == [
        f"{PLUGIN_RELEASES[DISTRIBUTION]['binary_name']}-v{NEW}"
    ]

    kept = webex_vault.read_credential(client, MOUNT, "kept")
    assert kept.access_token == before.access_token
    # Asking for a little more validity than the token has left makes v3.1.1 refresh it now,
    # with the refresh token v3.0.0 stored.
    refreshes = emulator.stats()["grant_types"].get("refresh_token", 0)
    remaining = (kept.expire_time - datetime.now(UTC)).total_seconds()
    refreshed = webex_vault.read_credential(
        client, MOUNT, "kept", minimum_seconds=int(remaining) + 2
    )
    assert refreshed.access_token != kept.access_token
    assert emulator.stats()["grant_types"]["refresh_token"] == refreshes + 1
    assert emulator.people_me(refreshed.access_token).json()["displayName"] == "Demo User"

    again = stack.playbook()
    assert recap(again.stdout)["changed"] == 0, again.stdout[-5000:]
