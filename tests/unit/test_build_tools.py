"""tools/build-plugin.sh and tools/build-vault.sh before they compile anything: where the openbao
source comes from and what stops the build (one sentence each), and the re-check of a cached
build. The builds themselves are tests/integration/test_plugin_build.py's.

Each test runs the tools from a copy of tools/ (and the releases file they read) in a scratch
folder, so that no ../shared/third_party and no git origin are beside it, with the Go module
proxy off: nothing is fetched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from webex_vault_testing import REPO

PINS = json.loads((REPO / "tools" / "build-pins.json").read_text())
SOURCE = PINS["sources"]["openbao/3.2.0"]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    shutil.copytree(REPO / "tools", root / "tools")
    releases = root / "roles" / "oauthapp_plugin" / "files"
    releases.mkdir(parents=True)
    shutil.copy(REPO / "roles" / "oauthapp_plugin" / "files" / "releases.json", releases)
    return root


def run(root: Path, tool: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / "tools" / tool), *args],
        env={
            **os.environ,
            "GOPROXY": "off",
            "GOFLAGS": "",
            "WEBEX_VAULT_THIRD_PARTY_DIR": str(root / "no-such-folder"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_openbao_without_proxy_or_source_archive_stops_with_one_sentence(checkout):
    result = run(checkout, "build-plugin.sh", "--distribution", "openbao", "--out", "out")
    assert result.returncode == 4
    [message] = errors(result)
    assert message.startswith("build-plugin: cannot build openbao 3.2.0: the Go module proxy")
    assert SOURCE["file"] in message and "WEBEX_VAULT_THIRD_PARTY_DIR" in message
    assert not (checkout / "out").exists()


def test_a_source_archive_with_another_sha256_is_refused_before_use(checkout, tmp_path):
    folder = tmp_path / "third_party"
    folder.mkdir()
    (folder / SOURCE["file"]).write_bytes(b"not the release")
    result = run(
        checkout,
        "build-plugin.sh",
        "--distribution",
        "openbao",
        WEBEX_VAULT_THIRD_PARTY_DIR=str(folder),
    )
    assert result.returncode == 5
    [message] = errors(result)
    assert SOURCE["sha256"] in message and "it was not used" in message


def test_the_checksum_database_cannot_be_turned_off(checkout):
    result = run(checkout, "build-plugin.sh", GOSUMDB="off")
    assert result.returncode == 3
    assert errors(result) == [
        "build-plugin: GOSUMDB is off, so modules that no go.sum lists could not be verified;"
        " unset it (the default is sum.golang.org)."
    ]
    vault = run(checkout, "build-vault.sh", "--out", str(checkout / "vault"), GOSUMDB="off")
    assert vault.returncode == 3 and "GOSUMDB is off" in vault.stderr


# A release nobody publishes: the module proxy (off) and the module cache have nothing for it.
UNPUBLISHED = "9.9.9"


def cached_release(checkout: Path, recorded_sha256: str | None) -> Path:
    """A release archive in the mirror layout, as a build left it (record optional)."""
    go_version = subprocess.run(
        ["go", "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    folder = checkout / "out" / "puppetlabs" / f"v{UNPUBLISHED}"
    folder.mkdir(parents=True)
    name = f"vault-plugin-secrets-oauthapp-v{UNPUBLISHED}-linux-amd64.tar.xz"
    archive = folder / name
    archive.write_bytes(b"a release archive")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (folder / f"{name}.sha256.asc").write_text(f"{digest}  {name}\n")
    if recorded_sha256 is not None:
        (folder / f"{name}.build").write_text(
            f"sha256={recorded_sha256 or digest}\ngo={go_version}\nsource=test\n"
        )
    return archive


def test_a_cached_archive_that_matches_its_record_is_reused(checkout):
    cached_release(checkout, "")
    result = run(
        checkout, "build-plugin.sh", "--version", UNPUBLISHED, "--out", str(checkout / "out")
    )
    assert result.returncode == 0, result.stderr
    assert "reusing" in result.stdout


@pytest.mark.parametrize("record", ["another sha256", "no build record"])
def test_a_cached_archive_that_differs_from_its_record_is_built_again(checkout, record):
    cached_release(checkout, "0" * 64 if record == "another sha256" else None)
    result = run(
        checkout, "build-plugin.sh", "--version", UNPUBLISHED, "--out", str(checkout / "out")
    )
    assert "does not match its build record or .sha256.asc; building it again." in result.stdout
    # The rebuild then needs the module proxy, which is off here.
    assert result.returncode == 4
    [message] = errors(result)
    assert message.startswith(f"build-plugin: cannot build puppetlabs {UNPUBLISHED}: the Go module")


def cached_vault(checkout: Path, recorded: bool) -> Path:
    """A Vault binary as build-vault.sh leaves it (a script that answers `version`)."""
    binary = checkout / "vault" / UNPUBLISHED / "vault"
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!/bin/sh\necho 'Vault v{UNPUBLISHED}'\n")
    binary.chmod(0o755)
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    Path(f"{binary}.build").write_text(
        f"sha256={digest if recorded else '0' * 64}\ngo=go1.26.8\nsource=test\n"
    )
    return binary


def test_a_cached_vault_binary_that_matches_its_record_is_reused(checkout):
    binary = cached_vault(checkout, recorded=True)
    result = run(
        checkout, "build-vault.sh", "--version", UNPUBLISHED, "--out", str(checkout / "vault")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == str(binary)
    assert "build-vault: reusing" in result.stderr


def test_a_cached_vault_binary_that_differs_from_its_record_is_built_again(checkout):
    cached_vault(checkout, recorded=False)
    result = run(
        checkout, "build-vault.sh", "--version", UNPUBLISHED, "--out", str(checkout / "vault")
    )
    assert "does not match its build record; building it again." in result.stderr
    assert result.returncode == 4
    assert f"did not serve github.com/hashicorp/vault@v{UNPUBLISHED}" in result.stderr


def module_proxy(root: Path) -> str:
    """A Go module proxy in a folder (GOPROXY=file://...) serving one module,
    example.com/dep v1.0.0, and a main module that imports it."""
    proxy = root / "proxy" / "example.com" / "dep" / "@v"
    proxy.mkdir(parents=True)
    go_mod = "module example.com/dep\n\ngo 1.21\n"
    (proxy / "list").write_text("v1.0.0\n")
    (proxy / "v1.0.0.info").write_text('{"Version":"v1.0.0","Time":"2025-01-01T00:00:00Z"}')
    (proxy / "v1.0.0.mod").write_text(go_mod)
    with zipfile.ZipFile(proxy / "v1.0.0.zip", "w") as packed:
        packed.writestr("example.com/dep@v1.0.0/go.mod", go_mod)
        packed.writestr("example.com/dep@v1.0.0/dep.go", 'package dep\n\nconst Name = "dep"\n')
    main = root / "main"
    main.mkdir()
    (main / "go.mod").write_text(
        "module example.com/main\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n"
    )
    (main / "main.go").write_text(
        'package main\n\nimport "example.com/dep"\n\nfunc main() { println(dep.Name) }\n'
    )
    return f"file://{root / 'proxy'}"


@pytest.mark.parametrize("go_sum", ["a line that does not match", "no line for the module"])
def test_the_environment_cannot_turn_module_verification_off(tmp_path, go_sum):
    """go_build_env (every build of the tools) keeps -mod=readonly and the checksums, whatever
    GOFLAGS, GONOSUMDB, GOPRIVATE and GOINSECURE say: a module that differs from go.sum, or that
    go.sum does not list, is refused, never added."""
    proxy = module_proxy(tmp_path)
    go_sum_file = tmp_path / "main" / "go.sum"
    if go_sum == "a line that does not match":
        go_sum_file.write_text(
            f"example.com/dep v1.0.0 h1:{'A' * 43}=\nexample.com/dep v1.0.0/go.mod h1:{'A' * 43}=\n"
        )
    build = subprocess.run(
        ["bash", "-c", f'. "{REPO}/tools/lib/go-module.sh" && go_build_env test && go build ./...'],
        cwd=tmp_path / "main",
        env={
            **os.environ,
            "GOPROXY": proxy,
            "GOMODCACHE": str(tmp_path / "modcache"),
            "GOFLAGS": "-mod=mod",
            "GONOSUMDB": "*",
            "GOPRIVATE": "*",
            "GOINSECURE": "*",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode != 0
    if go_sum == "a line that does not match":
        assert "checksum mismatch" in build.stderr and "SECURITY ERROR" in build.stderr
    else:
        assert "missing go.sum entry" in build.stderr
        assert not go_sum_file.exists() or "example.com/dep" not in go_sum_file.read_text()
