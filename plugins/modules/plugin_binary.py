#!/usr/bin/python
# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
module: plugin_binary
short_description: Download, verify, unpack and install a plugin binary from a release archive
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - One module run on the server host that reads, compares and writes every file of a plugin
    release, so that a run that changes nothing costs one process.
  - Checks that the directory of I(dest) (the server's C(plugin_directory)) exists, before
    anything is written.
  - Keeps the release archive at I(archive) and downloads it from I(url) only when it is missing
    or its sha256 differs from I(sha256) (or, when I(sha256) is empty, from the checksum published
    at I(checksum_url)); a download whose sha256 differs is refused and not kept.
  - Unpacks the binary I(member) into I(unpack_dir) when it is missing there or the archive was
    downloaded again; only that one regular file is read from the archive.
  - Installs it at I(dest) when the file there is missing or its sha256 differs, through a
    temporary file in the same directory and a rename; then sets I(owner), I(group) and I(mode).
  - In check mode it reads and compares the same, fetches the published checksum, and writes or
    downloads nothing; when the archive is still to be downloaded, the binary's sha256 cannot be
    known and I(pending) is true.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The sha256, mode, owner and group of I(dest), and whether the archive is downloaded.
  platform:
    support: full
    platforms: posix
options:
  url:
    description: URL of the release archive (C(.tar.xz), C(.tar.gz) or C(.tar)); http(s) or file.
    type: str
    required: true
  sha256:
    description:
      - Expected sha256 of the archive, 64 hexadecimal characters.
      - Empty uses the checksum published at I(checksum_url).
    type: str
    default: ""
  checksum_url:
    description:
      - URL of the published checksum file (C(<sha256>  <file name>) lines, or one bare sha256).
      - Used only when I(sha256) is empty; one of the two is required.
    type: str
    default: ""
  archive:
    description:
      - Where the archive is kept on the server host.
      - Its directory is created when missing.
    type: path
    required: true
  member:
    description: File name of the binary inside the archive (at its top level).
    type: str
    required: true
  unpack_dir:
    description: Directory the binary is unpacked into (mode 0755, created when missing).
    type: path
    required: true
  dest:
    description: Path of the installed binary; its directory must exist.
    type: path
    required: true
  owner:
    description: Owner of I(dest); empty leaves the default.
    type: str
    default: ""
  group:
    description: Group of I(dest); empty leaves the default.
    type: str
    default: ""
  mode:
    description: Mode of I(dest). The server refuses plugins that group or others may write.
    type: str
    default: "0750"
  timeout:
    description: Seconds allowed for each request.
    type: int
    default: 60
  validate_certs:
    description: Verify the TLS certificates of https URLs.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Install the plugin binary
  webex_vault.oauthapp.plugin_binary:
    url: https://example.org/v3.1.1/vault-plugin-secrets-oauthapp-v3.1.1-linux-amd64.tar.xz
    sha256: dc6ab43a7700bf8bea27b5a8683761921531c44f538051795397a72f1d7de261
    archive: /var/cache/oauthapp-plugin/vault-plugin-secrets-oauthapp-v3.1.1-linux-amd64.tar.xz
    member: vault-plugin-secrets-oauthapp-v3.1.1-linux-amd64
    unpack_dir: /var/cache/oauthapp-plugin/vault-plugin-secrets-oauthapp-v3.1.1-linux-amd64
    dest: /var/lib/vault/plugins/vault-plugin-secrets-oauthapp-v3.1.1
    owner: root
    group: vault
  register: plugin
"""

RETURN = r"""
sha256:
  description: sha256 of the binary (what the plugin catalog needs); empty when I(pending).
  returned: always
  type: str
archive_sha256:
  description: sha256 of the release archive that was checked against.
  returned: always
  type: str
installed:
  description: Whether I(dest) got (or, in check mode, would get) a new binary.
  returned: always
  type: bool
downloaded:
  description: Whether the archive was (or would be) downloaded.
  returned: always
  type: bool
pending:
  description: Check mode only; the archive is still to be downloaded, so the binary is unknown.
  returned: always
  type: bool
"""

import grp
import hashlib
import os
import pwd
import re
import shutil
import tarfile
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.urls import fetch_url

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


def request(module, url):
    response, info = fetch_url(module, url, timeout=module.params["timeout"], force=True)
    if response is None or info.get("status") not in (200, None):
        reason = info.get("msg") or f"HTTP {info.get('status')}"
        module.fail_json(
            msg=f"Request failed for {url}: {reason}", url=url, status=info.get("status")
        )
    return response


def published_checksum(module):
    """The archive's sha256 from its published checksum file, found by the archive's name."""
    url = module.params["checksum_url"]
    text = to_text(request(module, url).read(), errors="surrogate_or_replace")
    name = os.path.basename(module.params["url"].split("?")[0])
    lines = [line.split() for line in text.splitlines() if line.strip()]
    for fields in lines:
        if len(fields) >= 2 and strip_dot(fields[1].lstrip("*")) == name:
            candidate = fields[0]
            break
    else:
        candidate = lines[0][0] if len(lines) == 1 and len(lines[0]) == 1 else ""
    if not SHA256.match(candidate):
        module.fail_json(msg=f"The checksum file {url} has no sha256 for {name}.")
    return candidate.lower()


def ensure_directory(module, path):
    if os.path.isdir(path):
        return False
    if not module.check_mode:
        # The cache holds nothing secret: the published archive and the binary unpacked from it.
        os.makedirs(path, 0o755)
        os.chmod(path, 0o755)  # noqa: S103
    return True


def download(module, expected):
    """Fetch the archive to a temporary file beside it and keep it only if its sha256 matches."""
    archive = module.params["archive"]
    response = request(module, module.params["url"])
    digest = hashlib.sha256()
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(archive), prefix=".plugin_binary.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for block in iter(lambda: response.read(CHUNK), b""):
                digest.update(block)
                handle.write(block)
        if digest.hexdigest() != expected:
            module.fail_json(
                msg=f"The checksum of {module.params['url']} is {digest.hexdigest()}, not the "
                f"expected {expected}; the archive was not kept.",
                url=module.params["url"],
            )
        os.chmod(temporary, 0o644)
        os.replace(temporary, archive)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def unpack(module, unpack_dir):
    """Extract only the member (a regular file at the archive's top level) into unpack_dir."""
    member_name = module.params["member"]
    with tarfile.open(module.params["archive"], "r:*") as archive:
        for member in archive.getmembers():
            if strip_dot(member.name) == member_name:
                break
        else:
            module.fail_json(msg=f"{module.params['archive']} holds no file named {member_name}.")
        if not member.isfile():
            module.fail_json(
                msg=f"{member_name} in {module.params['archive']} is not a regular file."
            )
        source = archive.extractfile(member)
        descriptor, temporary = tempfile.mkstemp(dir=unpack_dir, prefix=".plugin_binary.")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                shutil.copyfileobj(source, handle, CHUNK)
            os.chmod(temporary, 0o755)  # noqa: S103 (as the release archive has it)
            os.replace(temporary, os.path.join(unpack_dir, member_name))
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


def install(module, source):
    dest = module.params["dest"]
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".plugin_binary.")
    try:
        with os.fdopen(descriptor, "wb") as handle, open(source, "rb") as binary:
            shutil.copyfileobj(binary, handle, CHUNK)
        os.chmod(temporary, 0o700)
        os.replace(temporary, dest)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def attributes(module, path, changed):
    changed = module.set_mode_if_different(path, module.params["mode"], changed)
    if module.params["owner"]:
        changed = module.set_owner_if_different(path, module.params["owner"], changed)
    if module.params["group"]:
        changed = module.set_group_if_different(path, module.params["group"], changed)
    return changed


def described(path):
    """What the diff shows of the installed binary."""
    if not os.path.exists(path):
        return {"state": "absent"}
    status = os.stat(path)
    try:
        owner = pwd.getpwuid(status.st_uid).pw_name
    except KeyError:
        owner = str(status.st_uid)
    try:
        group = grp.getgrgid(status.st_gid).gr_name
    except KeyError:
        group = str(status.st_gid)
    return {
        "sha256": sha256_of(path),
        "mode": f"{status.st_mode & 0o7777:04o}",
        "owner": owner,
        "group": group,
    }


def desired(module, before, sha256):
    """What the diff shows after a check-mode run."""
    return {
        "sha256": sha256,
        "mode": module.params["mode"],
        "owner": module.params["owner"] or before.get("owner", ""),
        "group": module.params["group"] or before.get("group", ""),
    }


def main():
    module = AnsibleModule(
        argument_spec={
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
        },
        required_one_of=[("sha256", "checksum_url")],
        supports_check_mode=True,
    )
    params = module.params
    dest, member = params["dest"], params["member"]
    if params["sha256"] and not SHA256.match(params["sha256"]):
        module.fail_json(msg="sha256 must be 64 hexadecimal characters.")
    if "/" in member or member in ("", ".", ".."):
        module.fail_json(msg=f"member must be a plain file name, not '{member}'.")
    # Validation first: nothing is written for a server without its plugin_directory.
    if not os.path.isdir(os.path.dirname(dest)):
        module.fail_json(msg=f"{os.path.dirname(dest)} is not a directory.")
    if os.path.isdir(dest):
        module.fail_json(msg=f"{dest} is a directory.")

    result = {
        "changed": False,
        "installed": False,
        "downloaded": False,
        "pending": False,
        "sha256": "",
    }
    result["changed"] |= ensure_directory(module, os.path.dirname(params["archive"]))
    result["changed"] |= ensure_directory(module, params["unpack_dir"])
    expected = params["sha256"].lower() or published_checksum(module)
    result["archive_sha256"] = expected

    archive_ok = os.path.isfile(params["archive"]) and sha256_of(params["archive"]) == expected
    unpacked = os.path.join(params["unpack_dir"], member)
    before = described(dest)
    if not archive_ok:
        result.update(changed=True, downloaded=True)
        if module.check_mode:
            result["pending"] = True
            result["diff"] = {
                "before_header": dest,
                "after_header": dest,
                "before": before,
                "after": {"archive": "downloaded from " + params["url"]},
            }
            module.exit_json(**result)
        download(module, expected)
    if result["downloaded"] or not os.path.isfile(unpacked):
        result["changed"] = True
        if module.check_mode:
            # Unpacking is a read of a verified archive: check mode may look at what it holds.
            with tempfile.TemporaryDirectory() as scratch:
                unpack(module, scratch)
                result["sha256"] = sha256_of(os.path.join(scratch, member))
        else:
            unpack(module, params["unpack_dir"])
    if not result["sha256"]:
        result["sha256"] = sha256_of(unpacked)

    if before.get("sha256") != result["sha256"]:
        result.update(changed=True, installed=True)
        if not module.check_mode:
            install(module, unpacked)
    if os.path.exists(dest):
        result["changed"] = attributes(module, dest, result["changed"])
    after = desired(module, before, result["sha256"]) if module.check_mode else described(dest)
    if before != after or result["installed"]:
        result["diff"] = {
            "before_header": dest,
            "after_header": dest,
            "before": before,
            "after": after,
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
