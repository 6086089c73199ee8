"""Execution environments: ansible-builder reads the collection's meta/execution-environment.yml
and finds only what the collection needs (hvac, the bindep packages), and `ansible-builder
create` of a sample EE definition that installs the built tarball runs offline."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from webex_vault_testing import BIN, REPO


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ee-collection")
    build = run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out)], REPO
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (path,) = out.glob("webex_vault-oauthapp-*.tar.gz")
    return path


def test_meta_names_the_python_and_system_requirements():
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert meta["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "bindep.txt"}
    assert [
        line.split(">")[0] for line in requirement_lines(REPO / "meta/ee-requirements.txt")
    ] == ["hvac"]


def test_introspect_of_the_installed_collection_lists_only_hvac_and_bindep(tarball, tmp_path):
    collection = tmp_path / "ansible_collections" / "webex_vault" / "oauthapp"
    collection.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(collection, filter="data")
    result = run([str(BIN / "ansible-builder"), "introspect", str(tmp_path)], tmp_path)
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    python = [line.split("#")[0].strip() for line in data["python"]]
    system = [line.split("#")[0].strip() for line in data["system"]]
    assert python == requirement_lines(REPO / "meta" / "ee-requirements.txt")
    assert system == requirement_lines(REPO / "bindep.txt")


def test_ansible_builder_create_runs_offline(tarball, tmp_path):
    """A sample EE definition (version 3) that installs the tarball: `create` writes the build
    context without any network (the image build, which would, is not run here)."""
    (tmp_path / "requirements.yml").write_text(
        yaml.safe_dump({"collections": [{"name": str(tarball), "type": "file"}]})
    )
    definition = {
        "version": 3,
        "images": {"base_image": {"name": "ee-base:latest"}},
        "dependencies": {
            "galaxy": "requirements.yml",
            "ansible_core": {"package_pip": "ansible-core==2.19.14"},
            "ansible_runner": {"package_pip": "ansible-runner"},
        },
    }
    (tmp_path / "execution-environment.yml").write_text(yaml.safe_dump(definition))
    result = run(
        [str(BIN / "ansible-builder"), "create", "--file", "execution-environment.yml"]
        + ["--output-filename", "Containerfile"],
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect" in containerfile  # the requirements come from the collection's meta
    assert (context / "_build" / "requirements.yml").is_file()
