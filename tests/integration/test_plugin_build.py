"""The plugin releases the mirror serves, as tools/build-plugin.sh built them (the session's
plugin_mirror fixture builds each distribution once): upstream's release format (the archive's
name, one binary named like it in a tar.xz, the .sha256.asc beside it), a build record, and byte
for byte the reproducible build that tools/build-pins.json records for this Go release, which is
the sha256 inventory/example pins for the openbao archive."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile

import pytest

from webex_vault_testing import DISTRIBUTIONS, MIRROR_DIR, PLUGIN_RELEASES, REPO

pytestmark = pytest.mark.integration

PINS = json.loads((REPO / "tools" / "build-pins.json").read_text())


def go_version() -> str:
    return subprocess.run(
        ["go", "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()


def release(distribution: str) -> tuple[str, str]:
    """(version, asset name without extension) of the distribution's pinned release."""
    binary, version = (PLUGIN_RELEASES[distribution][k] for k in ("binary_name", "default_version"))
    return version, f"{binary}-v{version}-linux-amd64"


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_the_release_has_upstreams_format_and_a_build_record(plugin_mirror, distribution):
    version, asset = release(distribution)
    folder = MIRROR_DIR / distribution / f"v{version}"
    archive = folder / f"{asset}.tar.xz"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (folder / f"{asset}.tar.xz.sha256.asc").read_text() == f"{digest}  {asset}.tar.xz\n"
    with tarfile.open(archive, "r:xz") as packed:
        [member] = packed.getmembers()
    assert member.name == asset and member.isfile() and member.mode == 0o755
    record = dict(
        line.split("=", 1) for line in (folder / f"{asset}.tar.xz.build").read_text().splitlines()
    )
    assert record["sha256"] == digest
    assert record["go"] == go_version()


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_the_release_is_the_pinned_reproducible_build(plugin_mirror, distribution):
    version, asset = release(distribution)
    archive = MIRROR_DIR / distribution / f"v{version}" / f"{asset}.tar.xz"
    pins = PINS["builds"].get(go_version(), {})
    key = f"{distribution}/{version}/linux-amd64"
    assert key in pins, f"tools/build-pins.json records no build of {key} with {go_version()}"
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == pins[key]
