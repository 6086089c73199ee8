"""The upgrade scenario: plugin v3.0.0 installed and used, then site.yml with v3.1.1 and the
oauthapp_plugin role's prune entry point. The credential made under v3.0.0 must survive."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import PurePosixPath

import webex_vault
from webex_vault_testing.molecule import (
    CATALOG,
    MOUNT,
    PLUGIN_BINARY,
    PLUGIN_DIR,
    SERVER,
    sha256_of,
)

OLD, NEW = "v3.0.0", "v3.1.1"
KEPT = "webex/kept-from-v3-0-0"


def test_server_came_from_the_release_archive(host, scenario):
    release = json.loads((scenario.state_dir / "openbao-release.json").read_text())
    archive = f"/var/cache/vault-server/{PurePosixPath(release['path']).name}"
    assert sha256_of(host, archive) == release["sha256"]
    unpacked = archive.removesuffix(".tar.gz") + "/bao"
    assert sha256_of(host, unpacked) == sha256_of(host, "/usr/local/bin/bao")


def test_catalog_holds_only_the_new_version(vault):
    catalog = vault.read("sys/plugins/catalog")["data"]["detailed"]
    versions = [entry["version"] for entry in catalog if entry["name"] == "oauthapp"]
    assert versions == [NEW]


def test_old_binary_is_gone_and_new_one_is_registered_and_running(host, vault):
    assert host.file(PLUGIN_DIR).listdir() == [f"{PLUGIN_BINARY}-{NEW}"]
    entry = vault.read(f"{CATALOG}?version={NEW}")["data"]
    mount = vault.read(f"sys/mounts/{MOUNT}")["data"]
    assert mount["plugin_version"] == mount["running_plugin_version"] == NEW
    on_disk = sha256_of(host, f"{PLUGIN_DIR}/{PLUGIN_BINARY}-{NEW}")
    assert on_disk == entry["sha256"] == mount["running_sha256"]


def test_credential_from_the_old_version_still_reads(vault, scenario):
    kept = (scenario.state_dir / "kept-token.sha256").read_text().strip()
    credential = webex_vault.read_credential(vault, MOUNT, KEPT)
    assert credential.server == SERVER
    assert hashlib.sha256(credential.access_token.encode()).hexdigest() == kept
    assert scenario.people_me(credential.access_token)["displayName"] == "Demo User"


def test_credential_from_the_old_version_refreshes(vault, scenario):
    old = webex_vault.read_credential(vault, MOUNT, KEPT)
    remaining = (old.expire_time - datetime.now(UTC)).total_seconds()
    refreshes = scenario.emulator_stats()["grant_types"].get("refresh_token", 0)
    # Asking for a little more validity than the token has left makes the plugin refresh it
    # now, with the refresh token that v3.0.0 stored; a fresh token (full lifetime, minted
    # minutes after the old one) has that much left.
    new = webex_vault.read_credential(vault, MOUNT, KEPT, minimum_seconds=int(remaining) + 2)
    assert new.access_token != old.access_token
    assert new.expire_time > old.expire_time
    assert new.warnings == ()
    assert scenario.emulator_stats()["grant_types"]["refresh_token"] == refreshes + 1
    assert scenario.people_me(new.access_token)["displayName"] == "Demo User"
