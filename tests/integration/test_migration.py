"""The move off puppetlabs, as docs/servers.md tells it: an OpenBao server that runs the
puppetlabs plugin 3.1.1, with credentials authorized before the move, gets
`oauthapp_plugin_distribution: openbao` in its inventory and runs site.yml. The fork is
installed and registered beside the old entry, the mount switches to it and is reloaded, the old
binary and catalog entry are pruned, and the credentials keep working: the CLI sample reads its
own, a token refreshes with the refresh token the old plugin stored, a web visitor signed in
before the move is still signed in and can sign out. The re-run changes nothing. The way back
(`puppetlabs` again) works the same way.

The tests run in file order on one server (the module's fixture).
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

import webex_vault
from webex_vault import CredentialMissing, Settings
from webex_vault_testing import (
    BIN,
    PLUGIN_RELEASES,
    REDIRECT_URL,
    REPO,
    Stack,
    authorize,
    recap,
    stack_for_test,
)
from webex_vault_testing.web_app import csrf_from, session_value, sign_in
from webex_vault_web import create_app

pytestmark = pytest.mark.integration

MOUNT = "oauthapp"
SERVER = "webex-myapp"


def release(distribution: str) -> tuple[str, str]:
    """The command (binary file name) and catalog version of a distribution's pinned release."""
    binary, version = (PLUGIN_RELEASES[distribution][k] for k in ("binary_name", "default_version"))
    return f"{binary}-v{version}", f"v{version}"


def set_distribution(stack: Stack, distribution: str) -> None:
    """What a user changes in the inventory: oauthapp_plugin_distribution, nothing else."""
    settings = json.loads(stack.vars_file.read_text())
    settings["oauthapp_plugin_distribution"] = distribution
    stack.vars_file.write_text(json.dumps(settings))


def web_credential(app: Flask, browser: FlaskClient) -> str:
    """The name of the visitor's credential in Vault."""
    prefix = app.extensions["webex_vault"].settings.oauthapp_credential_prefix
    return f"{prefix}/{session_value(browser, 'credential_id')}"


def run_cli(stack: Stack) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "python"), str(REPO / "samples" / "people_me.py")],
        env={**os.environ, "WEBEX_VAULT_ENV_FILE": str(stack.cli_env_file)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def catalog_versions(stack: Stack) -> list[str]:
    catalog = stack.client().read("sys/plugins/catalog")["data"]["detailed"]
    return sorted(entry["version"] for entry in catalog if entry["name"] == "oauthapp")


def refreshes_with_the_stored_refresh_token(stack: Stack, emulator, name: str) -> None:
    """Asking for a little more validity than the token has left makes the plugin refresh it
    now, with the refresh token in its storage."""
    client = stack.client()
    current = webex_vault.read_credential(client, MOUNT, name)
    refreshes = emulator.stats()["grant_types"].get("refresh_token", 0)
    remaining = (current.expire_time - datetime.now(UTC)).total_seconds()
    refreshed = webex_vault.read_credential(client, MOUNT, name, minimum_seconds=int(remaining) + 2)
    assert refreshed.access_token != current.access_token
    assert emulator.stats()["grant_types"]["refresh_token"] == refreshes + 1
    assert emulator.people_me(refreshed.access_token).json()["displayName"] == "Demo User"


@pytest.fixture(scope="module")
def moved(tmp_path_factory, plugin_mirror, emulator):
    """OpenBao with puppetlabs 3.1.1 and three credentials (the CLI sample's, one to refresh, a
    web visitor's), then site.yml with the distribution changed to openbao."""
    stack = stack_for_test(tmp_path_factory, plugin_mirror, emulator, "puppetlabs", "openbao")
    try:
        before = stack.playbook()
        assert before.returncode == 0, before.stdout[-5000:]
        for name in ("people-me", "to-refresh"):
            authorize(
                stack.client(),
                mount=MOUNT,
                server=SERVER,
                credential=name,
                redirect_url=REDIRECT_URL,
                scopes=["spark:people_read"],
            )
        settings = Settings.from_environment(
            {
                "WEBEX_VAULT_WEB_ENV_FILE": str(stack.app_env_file),
                "FLASK_SECRET_KEY": "migration-" + "k" * 40,
            },
            env_file_variable="WEBEX_VAULT_WEB_ENV_FILE",
        )
        app = create_app({"WEBEX_VAULT_SETTINGS": settings})
        visitor = app.test_client()
        assert "Demo User" in sign_in(visitor).text
        tokens = {
            name: webex_vault.read_credential(stack.client(), MOUNT, name).access_token
            for name in ("people-me", "to-refresh", web_credential(app, visitor))
        }

        set_distribution(stack, "openbao")
        move = stack.playbook()
        assert move.returncode == 0, move.stdout[-5000:]
        yield stack, move, app, visitor, tokens
    finally:
        stack.stop()


def test_the_move_switches_the_mount_and_prunes_the_old_plugin(moved):
    stack, move, *_ = moved
    assert recap(move.stdout)["changed"] > 0
    command, version = release("openbao")
    mount = stack.client().read(f"sys/mounts/{MOUNT}")["data"]
    assert mount["plugin_version"] == mount["running_plugin_version"] == version
    assert catalog_versions(stack) == [version]
    assert sorted(p.name for p in (stack.data_dir / "plugins").iterdir()) == [command]
    catalog = stack.client().read(f"sys/plugins/catalog/secret/oauthapp?version={version}")["data"]
    assert catalog["command"] == command
    assert mount["running_sha256"] == catalog["sha256"]


def test_credentials_authorized_before_the_move_keep_working(moved, emulator):
    stack, _, app, visitor, tokens = moved
    # Read: the same tokens, unchanged by the move.
    for name, token in tokens.items():
        assert webex_vault.read_credential(stack.client(), MOUNT, name).access_token == token
    cli = run_cli(stack)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.strip() == "User displayName: Demo User"
    # Refresh: with the refresh token the puppetlabs plugin stored.
    refreshes_with_the_stored_refresh_token(stack, emulator, "to-refresh")
    # Sign-out: the visitor signed in before the move still is, and signing out deletes the
    # credential in Vault.
    name = web_credential(app, visitor)
    assert "Demo User" in visitor.get("/").text
    assert visitor.post("/logout", data={"csrf_token": csrf_from(visitor)}).status_code == 303
    with pytest.raises(CredentialMissing):
        webex_vault.read_credential(stack.client(), MOUNT, name)


def test_the_rerun_after_the_move_changes_nothing(moved):
    stack, *_ = moved
    again = stack.playbook()
    assert again.returncode == 0, again.stdout[-5000:]
    assert recap(again.stdout)["changed"] == 0, again.stdout[-5000:]


def test_the_way_back_to_puppetlabs(moved, emulator):
    """docs/servers.md, "The way back": the same change in the other direction."""
    stack, *_ = moved
    set_distribution(stack, "puppetlabs")
    back = stack.playbook()
    assert back.returncode == 0, back.stdout[-5000:]
    assert recap(back.stdout)["changed"] > 0
    command, version = release("puppetlabs")
    mount = stack.client().read(f"sys/mounts/{MOUNT}")["data"]
    assert mount["plugin_version"] == mount["running_plugin_version"] == version
    assert catalog_versions(stack) == [version]
    assert sorted(p.name for p in (stack.data_dir / "plugins").iterdir()) == [command]
    refreshes_with_the_stored_refresh_token(stack, emulator, "to-refresh")
    cli = run_cli(stack)
    assert cli.returncode == 0, cli.stderr
    again = stack.playbook()
    assert recap(again.stdout)["changed"] == 0, again.stdout[-5000:]
