# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/plugin_catalog.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: plugin_catalog
short_description: Register one version of a plugin in the Vault or OpenBao plugin catalog
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Reads C(sys/plugins/catalog/<type>/<name>?version=<version>), compares it with the options and
    writes the entry only when I(sha256), I(command) or I(args) differ.
  - With I(state=absent), removes that version of the entry when it is there.
notes:
  - The server never returns I(env) when the entry is read, so I(env) is written with the entry
    but cannot be compared; a change of I(env) alone is not detected.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  name:
    description: Name of the plugin in the catalog; a secrets engine is mounted with it as type.
    type: str
    required: true
  type:
    description: Catalog the plugin belongs to.
    type: str
    choices: [auth, database, secret]
    default: secret
  version:
    description:
      - Semantic version of the entry, for example C(v3.1.1).
      - An empty string means the entry without a version.
    type: str
    default: ""
  sha256:
    description:
      - SHA-256 of the plugin binary, in hex.
      - Required when I(state=present).
    type: str
  command:
    description:
      - File name of the binary in the server's C(plugin_directory).
      - Required when I(state=present).
    type: str
  args:
    description: Arguments the server passes to the binary.
    type: list
    elements: str
    default: []
  env:
    description:
      - Environment variables (C(NAME=value)) the server sets for the binary.
      - Treated as secret, since they may hold credentials.
    type: list
    elements: str
    default: []
  state:
    description: Whether this version of the entry should be registered.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Register the oauthapp plugin binary
  webex_vault.oauthapp.plugin_catalog:
    url: https://vault.example.com:8200
    name: oauthapp
    version: v3.1.1
    command: vault-plugin-secrets-oauthapp-v3.1.1
    sha256: "{{ plugin_file.stat.checksum }}"
  register: catalog

- name: Deregister a version that no mount runs any more
  webex_vault.oauthapp.plugin_catalog:
    name: oauthapp
    version: v3.1.0
    state: absent
"""

RETURN = r"""
entry:
  description: The catalog entry as written (or as it would be in check mode).
  returned: when I(state=present)
  type: dict
  sample:
    sha256: 4e5c...
    command: vault-plugin-secrets-oauthapp-v3.1.1
    args: []
    version: v3.1.1
"""
