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
  - The binary's sha256 is read from the verified archive, never taken from the cache. It unpacks
    the binary I(member) into I(unpack_dir) when it is missing there or differs from the
    archive's (I(cache_replaced)); only that one regular file is read from the archive.
  - The archive is not decompressed when nothing changed, that is when the archive was already
    kept and verified, and the installed binary and the cached copy both have the sha256 the
    caller trusts (I(trusted_sha256), or the one the server's plugin catalog holds for the
    version of I(catalog), which the catalog took from the verified archive when it was
    registered). Any difference (a replaced binary, a changed cache, another figure) reads the
    archive again.
  - Installs it at I(dest) when the file there is missing or its sha256 differs from the archive's,
    through a temporary file in the same directory and a rename, kept only when what was copied
    has the archive's sha256; then sets I(owner), I(group) and I(mode).
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
  trusted_sha256:
    description:
      - A sha256 of the binary that the caller trusts, 64 hexadecimal characters; empty for none.
      - Only saves reading the archive when the installed binary and the cached copy have it.
    type: str
    default: ""
  catalog:
    description:
      - The server's plugin catalog entry whose sha256 is the trusted figure when
        I(trusted_sha256) is empty; the action plugin reads it on the controller, and the
        module on the host never gets the connection.
      - When the entry is missing or cannot be read, the archive is read as without it.
    type: dict
    suboptions:
      name:
        description: Catalog name of the plugin.
        type: str
        required: true
      version:
        description: Catalog version, such as C(v3.1.1).
        type: str
        required: true
      type:
        description: Catalog type of the plugin.
        type: str
        default: secret
      connection:
        description:
          - The Vault connection and login, with community.hashi_vault's option names (C(url),
            C(token), C(auth_method), C(namespace), C(ca_cert), C(validate_certs), ...).
        type: dict
        default: {}
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
cache_replaced:
  description: Whether the unpacked copy in I(unpack_dir) differed from the archive's binary and
    was (or, in check mode, would be) unpacked again.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.webex_vault.oauthapp.plugins.module_utils.host_task import (
    Host,
    HostTaskError,
)
from ansible_collections.webex_vault.oauthapp.plugins.module_utils.plugin_binary import (
    ARGUMENT_SPEC,
    REQUIRED_ONE_OF,
    ensure,
)


def main():
    # The action plugin of the same name runs ensure() itself when the host is the controller.
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_one_of=REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    try:
        result = ensure(module.params, Host(module.check_mode))
    except HostTaskError as exc:
        module.fail_json(msg=exc.msg, **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
