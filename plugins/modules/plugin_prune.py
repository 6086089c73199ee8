# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/plugin_prune.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: plugin_prune
short_description: Deregister the catalog versions of a plugin that no mount uses
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Reads the plugin catalog (C(sys/plugins/catalog)) and the mount table (C(sys/mounts)), and
    deregisters every version of the plugin I(name) that no mount of that type is configured for
    (C(plugin_version)) or still runs (C(running_plugin_version)), except the versions in I(keep).
  - Built-in versions are never touched.
  - Deletes no file; the result lists the binaries no remaining catalog entry names
    (RV(unused_commands)), for a task on the server host to delete.
notes:
  - Only the mounts the token can see count (the namespace of the call); run it with a token of
    the namespace that mounts the plugin.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  name:
    description: Name of the plugin in the catalog (the type its mounts have).
    type: str
    required: true
  type:
    description: Plugin type.
    type: str
    choices: [auth, database, secret]
    default: secret
  keep:
    description: Versions kept whether or not a mount uses them (the one just registered).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Retire the oauthapp versions no mount uses
  webex_vault.oauthapp.plugin_prune:
    name: oauthapp
    keep: [v3.1.1]
  register: pruned

- name: Delete their binaries
  ansible.builtin.file:
    path: /var/lib/vault/plugins/{{ item }}
    state: absent
  loop: "{{ pruned.unused_commands }}"
"""

RETURN = r"""
removed:
  description: The versions deregistered (in check mode, the ones that would be).
  returned: success
  type: list
  elements: str
  sample: [v3.0.0]
unused_commands:
  description: Binaries (catalog C(command)) of the removed versions no remaining entry names.
  returned: success
  type: list
  elements: str
  sample: [vault-plugin-secrets-oauthapp-v3.0.0]
"""
