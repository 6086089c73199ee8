# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.plugin_binary's work, shared by the module (any host) and its action
plugin (the controller itself): the release archive kept and checked, the binary unpacked and
installed with its owner, group and mode."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.webex_vault.oauthapp.plugins.module_utils.host_task import (
    HostTaskError,
    described,
    open_http,
    set_attributes,
)

ARGUMENT_SPEC = {
    "url": {"type": "str", "required": True},
    "sha256": {"type": "str", "default": ""},
    "checksum_url": {"type": "str", "default": ""},
    "archive": {"type": "path", "required": True},
    "member": {"type": "str", "required": True},
    "unpack_dir": {"type": "path", "required": True},
    "dest": {"type": "path", "required": True},
    "owner": {"type": "str", "default": ""},
    "group": {"type": "str", "default": ""},
    "mode": {"type": "str", "default": "0750"},
    "timeout": {"type": "int", "default": 60},
    "validate_certs": {"type": "bool", "default": True},
    # A sha256 of the binary the caller trusts, such as the catalog's for this version (taken
    # from the verified archive at registration); the action reads it itself with `catalog`.
    "trusted_sha256": {"type": "str", "default": ""},
    "catalog": {
        "type": "dict",
        "options": {
            "name": {"type": "str", "required": True},
            "version": {"type": "str", "required": True},
            "type": {"type": "str", "default": "secret"},
            "connection": {"type": "dict", "default": {}, "no_log": True},
        },
    },
}
REQUIRED_ONE_OF = [("sha256", "checksum_url")]

CHUNK = 1024 * 1024
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def strip_dot(name):
    return name[2:] if name.startswith("./") else name


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def request(params, url):
    try:
        return open_http(url, params["timeout"], params["validate_certs"])
    except urllib.error.HTTPError as exc:
        raise HostTaskError(
            f"Request failed for {url}: HTTP Error {exc.code}: {exc.reason}",
            url=url,
            status=exc.code,
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise HostTaskError(f"Request failed for {url}: {reason}", url=url, status=-1) from None


def published_checksum(params):
    """The archive's sha256 from its published checksum file, found by the archive's name."""
    url = params["checksum_url"]
    with request(params, url) as response:
        text = to_text(response.read(), errors="surrogate_or_replace")
    name = os.path.basename(params["url"].split("?")[0])
    lines = [line.split() for line in text.splitlines() if line.strip()]
    for fields in lines:
        if len(fields) >= 2 and strip_dot(fields[1].lstrip("*")) == name:
            candidate = fields[0]
            break
    else:
        candidate = lines[0][0] if len(lines) == 1 and len(lines[0]) == 1 else ""
    if not SHA256.match(candidate):
        raise HostTaskError(f"The checksum file {url} has no sha256 for {name}.")
    return candidate.lower()


def ensure_directory(host, path):
    if os.path.isdir(path):
        return False
    if not host.check_mode:
        # The cache holds nothing secret: the published archive and the binary unpacked from it.
        # Nodes that share one file system (a cluster on one machine) fill the same cache at
        # the same time: another node may make the directory between the check and here.
        os.makedirs(path, 0o755, exist_ok=True)
        os.chmod(path, 0o755)  # noqa: S103
    return True


def _replace_with(dest, write, mode):
    """dest replaced by a temporary file beside it that write(handle) filled, then renamed."""
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".plugin_binary.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        os.chmod(temporary, mode)
        os.replace(temporary, dest)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def download(params, expected):
    """Fetch the archive beside its destination and keep it only if its sha256 matches."""
    digest = hashlib.sha256()

    def write(handle):
        with request(params, params["url"]) as response:
            for block in iter(lambda: response.read(CHUNK), b""):
                digest.update(block)
                handle.write(block)
        if digest.hexdigest() != expected:
            raise HostTaskError(
                f"The checksum of {params['url']} is {digest.hexdigest()}, not the "
                f"expected {expected}; the archive was not kept.",
                url=params["url"],
            )

    _replace_with(params["archive"], write, 0o644)


def _open_member(params, archive):
    """The binary's member in the open archive (a regular file at its top level). The members
    are read in order up to the first one of that name (what getmembers() would find first):
    getmembers() would decompress the whole archive to list them, and extractfile() then again
    from its start to seek back to the member (about 0.5 s each for the plugin's 20 MB)."""
    member_name = params["member"]
    for member in archive:
        if strip_dot(member.name) == member_name:
            break
    else:
        raise HostTaskError(f"{params['archive']} holds no file named {member_name}.")
    if not member.isfile():
        raise HostTaskError(f"{member_name} in {params['archive']} is not a regular file.")
    return archive.extractfile(member)


def member_sha256(params):
    """The sha256 of the binary as the (verified) archive holds it, read from the archive itself:
    the truth that the unpacked copy in the cache and the installed binary are held to."""
    digest = hashlib.sha256()
    with tarfile.open(params["archive"], "r:*") as archive:
        source = _open_member(params, archive)
        for block in iter(lambda: source.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def unpack(params, unpack_dir):
    """Extract only the member (a regular file at the archive's top level) into unpack_dir."""
    with tarfile.open(params["archive"], "r:*") as archive:
        source = _open_member(params, archive)
        # 0755, as the release archive has it.
        _replace_with(
            os.path.join(unpack_dir, params["member"]),
            lambda handle: shutil.copyfileobj(source, handle, CHUNK),
            0o755,
        )


def install(dest, source, sha256):
    """Copy source to dest, and keep it only if what was copied has the archive's sha256 (the
    cache could be swapped between the check and the copy)."""

    def write(handle):
        digest = hashlib.sha256()
        with open(source, "rb") as binary:
            for block in iter(lambda: binary.read(CHUNK), b""):
                digest.update(block)
                handle.write(block)
        if digest.hexdigest() != sha256:
            raise HostTaskError(
                f"{source} changed while it was installed (sha256 {digest.hexdigest()}, the "
                f"archive's {sha256}); nothing was installed, run again."
            )

    _replace_with(dest, write, 0o700)


def state_of(path):
    """What the diff shows of the installed binary."""
    if not os.path.exists(path):
        return {"state": "absent"}
    return described(path, sha256_of(path))


def check(params):
    """The inputs no argument spec can check, before anything is read or written."""
    dest, member = params["dest"], params["member"]
    for name in ("sha256", "trusted_sha256"):
        if params[name] and not SHA256.match(params[name]):
            raise HostTaskError(f"{name} must be 64 hexadecimal characters.")
    if "/" in member or member in ("", ".", ".."):
        raise HostTaskError(f"member must be a plain file name, not '{member}'.")
    # Nothing is written for a server without its plugin_directory.
    if not os.path.isdir(os.path.dirname(dest)):
        raise HostTaskError(f"{os.path.dirname(dest)} is not a directory.")
    if os.path.isdir(dest):
        raise HostTaskError(f"{dest} is a directory.")


def ensure(params, host):
    """Archive, unpacked binary and installed binary as params describe them: the result."""
    check(params)
    dest, member = params["dest"], params["member"]
    result = {
        "changed": False,
        "installed": False,
        "downloaded": False,
        "pending": False,
        "cache_replaced": False,
        "sha256": "",
    }
    result["changed"] |= ensure_directory(host, os.path.dirname(params["archive"]))
    result["changed"] |= ensure_directory(host, params["unpack_dir"])
    expected = params["sha256"].lower() or published_checksum(params)
    result["archive_sha256"] = expected

    archive_ok = os.path.isfile(params["archive"]) and sha256_of(params["archive"]) == expected
    unpacked = os.path.join(params["unpack_dir"], member)
    before = state_of(dest)
    if not archive_ok:
        result.update(changed=True, downloaded=True)
        if host.check_mode:
            result["pending"] = True
            result["diff"] = _diff(dest, before, {"archive": "downloaded from " + params["url"]})
            return result
        download(params, expected)
    cached = os.path.isfile(unpacked)
    cached_sha256 = sha256_of(unpacked) if cached else ""
    trusted = params["trusted_sha256"].lower()
    if archive_ok and trusted and before.get("sha256") == trusted == cached_sha256:
        # The verified archive was already here, and the installed binary and the cached copy
        # both have the sha256 the caller trusts (the catalog's, registered from this archive):
        # nothing to unpack, so the archive is not decompressed (about 0.5 s for 20 MB).
        result["sha256"] = trusted
    else:
        # Otherwise the binary's sha256 comes from the verified archive, never from the cache:
        # an unpacked copy that differs (changed on disk) is unpacked again, and reported.
        result["sha256"] = member_sha256(params)
        if cached_sha256 != result["sha256"]:
            result.update(changed=True, cache_replaced=cached and not result["downloaded"])
            if not host.check_mode:
                unpack(params, params["unpack_dir"])

    if before.get("sha256") != result["sha256"]:
        result.update(changed=True, installed=True)
        if not host.check_mode:
            install(dest, unpacked, result["sha256"])
    if os.path.exists(dest):
        result["changed"] |= set_attributes(
            host, dest, params["mode"], params["owner"], params["group"]
        )
    after = _wanted(params, before, result["sha256"]) if host.check_mode else state_of(dest)
    if before != after or result["installed"]:
        result["diff"] = _diff(dest, before, after)
    return result


def _wanted(params, before, sha256):
    """What the diff shows after a check-mode run."""
    return {
        "sha256": sha256,
        "mode": params["mode"],
        "owner": params["owner"] or before.get("owner", ""),
        "group": params["group"] or before.get("group", ""),
    }


def _diff(path, before, after):
    return {"before_header": path, "after_header": path, "before": before, "after": after}
