"""webex_vault.oauthapp.plugin_binary through ansible-playbook, against release archives served
from file:// URLs: download + verify + unpack + install in one run, nothing on a re-run, a
refused checksum keeps nothing, a missing plugin directory writes nothing, check mode writes
nothing, a replaced binary is put back, and a changed copy in the cache is never trusted: the
binary's sha256 comes from the pinned archive on every run (issue 20)."""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import stat
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

MEMBER = "plugin-v1.0.0-linux-amd64"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def release(tmp_path):
    """A release archive with one binary, its published checksum file, and the task's args."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    binary = b"#!/bin/sh\necho plugin\n" + os.urandom(4096)
    archive = mirror / f"{MEMBER}.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        info = tarfile.TarInfo(MEMBER)
        info.size, info.mode = len(binary), 0o755
        tar.addfile(info, io.BytesIO(binary))
    archive_sha = sha256(archive.read_bytes())
    (mirror / f"{MEMBER}.tar.xz.sha256.asc").write_text(
        f"{'0' * 64}  other-file.tar.xz\n{archive_sha}  {MEMBER}.tar.xz\n"
    )
    plugins = tmp_path / "plugins"
    plugins.mkdir(mode=0o750)
    downloads = tmp_path / "downloads"
    args = {
        "url": archive.as_uri(),
        "checksum_url": archive.as_uri() + ".sha256.asc",
        "archive": str(downloads / archive.name),
        "member": MEMBER,
        "unpack_dir": str(downloads / MEMBER),
        "dest": str(plugins / "plugin-v1.0.0"),
    }
    dest = plugins / "plugin-v1.0.0"
    return {"args": args, "binary": binary, "archive_sha": archive_sha, "dest": dest}


def test_installs_then_a_rerun_changes_nothing(run_host_task, release):
    code, result = run_host_task("plugin_binary", release["args"], "--diff")
    assert code == 0, result
    assert (result["changed"], result["downloaded"], result["installed"]) == (True, True, True)
    assert result["sha256"] == sha256(release["binary"])
    assert result["archive_sha256"] == release["archive_sha"]
    assert result["diff"]["before"] == {"state": "absent"}
    dest = release["dest"]
    assert dest.read_bytes() == release["binary"]
    assert dest.stat().st_mode & 0o7777 == 0o750
    code, again = run_host_task("plugin_binary", release["args"])
    assert code == 0 and again["changed"] is False and again["downloaded"] is False
    assert again["sha256"] == result["sha256"]


def test_a_pinned_sha256_needs_no_checksum_file(run_host_task, release):
    args = {**release["args"], "checksum_url": "", "sha256": release["archive_sha"].upper()}
    code, result = run_host_task("plugin_binary", args)
    assert code == 0 and result["installed"] is True


def test_a_checksum_mismatch_is_refused_and_nothing_is_kept(run_host_task, release):
    args = {**release["args"], "checksum_url": "", "sha256": "ab" * 32}
    code, result = run_host_task("plugin_binary", args)
    assert code != 0 and "checksum" in result["msg"]
    downloads = Path(args["archive"]).parent
    assert [path.name for path in downloads.iterdir()] == [Path(args["unpack_dir"]).name]
    assert list(Path(args["unpack_dir"]).iterdir()) == []
    assert not release["dest"].exists()


def test_a_missing_plugin_directory_fails_before_anything_is_written(
    run_host_task, release, tmp_path
):
    args = {**release["args"], "dest": str(tmp_path / "missing" / "plugin-v1.0.0")}
    code, result = run_host_task("plugin_binary", args)
    assert code != 0 and "is not a directory" in result["msg"]
    assert not (tmp_path / "downloads").exists()


def test_check_mode_writes_nothing(run_host_task, release, tmp_path):
    code, result = run_host_task("plugin_binary", release["args"], "--check", "--diff")
    assert code == 0 and result["changed"] is True and result["pending"] is True
    assert result["sha256"] == ""
    assert not (tmp_path / "downloads").exists() and not release["dest"].exists()
    # Downloaded but not installed: check mode can tell the binary's sha256.
    run_host_task("plugin_binary", release["args"])
    release["dest"].unlink()
    code, result = run_host_task("plugin_binary", release["args"], "--check")
    assert code == 0 and result["changed"] is True and result["installed"] is True
    assert result["sha256"] == sha256(release["binary"]) and not release["dest"].exists()


def test_a_replaced_binary_or_mode_is_put_back(run_host_task, release):
    run_host_task("plugin_binary", release["args"])
    dest = release["dest"]
    dest.write_bytes(b"tampered")
    code, result = run_host_task("plugin_binary", release["args"], "--diff")
    assert code == 0 and result["installed"] is True and result["downloaded"] is False
    assert result["diff"]["before"]["sha256"] == sha256(b"tampered")
    assert dest.read_bytes() == release["binary"]
    dest.chmod(0o777)
    code, result = run_host_task("plugin_binary", release["args"])
    assert code == 0 and result["changed"] is True and result["installed"] is False
    assert dest.stat().st_mode & 0o7777 == 0o750


def test_a_changed_cached_binary_is_re_hashed_from_the_pinned_archive(run_host_task, release):
    """Issue 20: the unpacked copy in the cache was trusted. Whoever could write the cache
    could have the next install (a new plugin directory, a removed binary) register theirs."""
    run_host_task("plugin_binary", release["args"])
    cached = Path(release["args"]["unpack_dir"]) / MEMBER
    cached.write_bytes(b"#!/bin/sh\necho planted\n")
    release["dest"].unlink()

    code, checked = run_host_task("plugin_binary", release["args"], "--check")
    assert code == 0 and checked["changed"] is True and checked["cache_replaced"] is True
    assert checked["sha256"] == sha256(release["binary"])
    assert cached.read_bytes() == b"#!/bin/sh\necho planted\n" and not release["dest"].exists()

    code, result = run_host_task("plugin_binary", release["args"])

    assert code == 0 and result["cache_replaced"] is True and result["installed"] is True
    assert result["sha256"] == sha256(release["binary"])
    assert cached.read_bytes() == release["binary"]
    assert release["dest"].read_bytes() == release["binary"]
    code, again = run_host_task("plugin_binary", release["args"])
    assert code == 0 and again["changed"] is False and again["cache_replaced"] is False


def test_an_archive_without_the_binary_is_refused(run_host_task, release):
    args = {**release["args"], "member": "another-binary"}
    code, result = run_host_task("plugin_binary", args)
    assert code != 0 and "holds no file named another-binary" in result["msg"]
    assert not release["dest"].exists()


def test_on_a_local_connection_no_module_process_is_started(
    run_task, release, tmp_path, monkeypatch
):
    """The in-process path is the one taken on a local connection: Ansible keeps the module
    payload it sends (ANSIBLE_KEEP_REMOTE_FILES) only when a module process runs."""
    remote_tmp = tmp_path / "remote-tmp"
    monkeypatch.setenv("ANSIBLE_KEEP_REMOTE_FILES", "1")
    monkeypatch.setenv("ANSIBLE_REMOTE_TMP", str(remote_tmp))

    in_process = run_task("plugin_binary", release["args"])
    sent_in_process = list(remote_tmp.glob("**/AnsiballZ_plugin_binary.py"))
    module_process = run_task("plugin_binary", release["args"], in_process=False)
    sent_by_module = list(remote_tmp.glob("**/AnsiballZ_plugin_binary.py"))

    assert (in_process[0], module_process[0]) == (0, 0)
    assert sent_in_process == []
    assert len(sent_by_module) == 1
    assert in_process[1]["sha256"] == module_process[1]["sha256"]


def test_a_cache_directory_made_by_another_node_meanwhile_is_not_an_error(
    collection_root, tmp_path, monkeypatch
):
    # Cluster nodes on one machine share the cache: between this node's look and its mkdir,
    # another node may have made the directory (a cluster test failed on EEXIST).
    module = importlib.import_module(
        "ansible_collections.webex_vault.oauthapp.plugins.module_utils.plugin_binary"
    )
    cache = tmp_path / "downloads" / MEMBER
    cache.mkdir(parents=True)
    isdir, looks = os.path.isdir, []

    def late_isdir(path: str) -> bool:
        # The node's own look came before the other node's mkdir; later looks see it.
        looks.append(path)
        return len(looks) > 1 and isdir(path)

    monkeypatch.setattr(module.os.path, "isdir", late_isdir)

    assert module.ensure_directory(SimpleNamespace(check_mode=False), str(cache)) is True
    assert stat.S_IMODE(cache.stat().st_mode) == 0o755


def test_a_trusted_figure_saves_reading_the_archive(collection_root, release, monkeypatch):
    """A re-run whose installed binary and cached copy have the trusted sha256 (the catalog's)
    does not decompress the archive: about 0.5 s of each run for the plugin's 20 MB."""
    module = importlib.import_module(
        "ansible_collections.webex_vault.oauthapp.plugins.module_utils.plugin_binary"
    )
    host = SimpleNamespace(check_mode=False, warnings=[])
    params = {**module_defaults(module), **release["args"]}
    assert module.ensure(params, host)["installed"] is True

    def unreadable(params):
        raise AssertionError("the archive was decompressed")

    monkeypatch.setattr(module, "member_sha256", unreadable)
    result = module.ensure({**params, "trusted_sha256": sha256(release["binary"])}, host)
    assert result["changed"] is False and result["sha256"] == sha256(release["binary"])


def test_a_trusted_figure_never_hides_a_changed_cache_or_binary(run_host_task, release):
    """Issue 20 stays fixed with the figure: what differs from it is read from the archive."""
    run_host_task("plugin_binary", release["args"])
    trusted = {**release["args"], "trusted_sha256": sha256(release["binary"])}
    cached = Path(release["args"]["unpack_dir"]) / MEMBER
    cached.write_bytes(b"#!/bin/sh\necho planted\n")
    code, result = run_host_task("plugin_binary", trusted)
    assert code == 0 and result["cache_replaced"] is True and result["installed"] is False
    assert cached.read_bytes() == release["binary"]

    release["dest"].write_bytes(b"tampered")
    code, result = run_host_task("plugin_binary", trusted)
    assert code == 0 and result["installed"] is True
    assert release["dest"].read_bytes() == release["binary"]

    # A figure that is not the archive's binary's is not believed: the archive's sha256 wins.
    code, result = run_host_task("plugin_binary", {**trusted, "trusted_sha256": "ab" * 32})
    assert code == 0 and result["changed"] is False
    assert result["sha256"] == sha256(release["binary"])


def test_the_action_takes_the_figure_from_the_catalog(run_host_task, release, vault):
    """With `catalog`, the figure is the sha256 the server's catalog holds for the version
    (registered from the verified archive); a catalog that cannot be read changes nothing but
    the speed."""
    run_host_task("plugin_binary", release["args"])
    # Files that match the catalog's entry are taken as they are: the catalog is the truth.
    planted = b"#!/bin/sh\necho registered elsewhere\n"
    release["dest"].write_bytes(planted)
    (Path(release["args"]["unpack_dir"]) / MEMBER).write_bytes(planted)
    vault.catalog[("secret", "plugin", "v1.0.0")] = {"sha256": sha256(planted), "command": "x"}
    catalog = {"name": "plugin", "version": "v1.0.0", "connection": {"url": vault.url}}

    code, result = run_host_task(
        "plugin_binary",
        {
            **release["args"],
            "catalog": {**catalog, "connection": {"url": vault.url, "token": vault.token}},
        },
    )
    assert code == 0 and result["changed"] is False and result["sha256"] == sha256(planted)

    # Refused (no token): the archive decides, and its binary is installed again.
    code, result = run_host_task("plugin_binary", {**release["args"], "catalog": catalog})
    assert code == 0 and result["installed"] is True and result["cache_replaced"] is True
    assert result["sha256"] == sha256(release["binary"])


def module_defaults(module) -> dict:
    return {name: rule.get("default") for name, rule in module.ARGUMENT_SPEC.items()}
