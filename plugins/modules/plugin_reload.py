# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/plugin_reload.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: plugin_reload
short_description: Reload a plugin's processes in Vault or OpenBao
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Writes C(sys/plugins/reload/backend) with I(plugin) or I(mounts), so that the running
    processes restart from the catalog's registered binary (after an upgrade, or a mount tuned
    to another plugin version).
  - A reload is a change; run it when something changed (a handler, or a C(when) on a
    registered result); in check mode it is only reported.
  - Neither server reloads other nodes of a cluster with it; run it through the active node,
    the only one that runs the plugin.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  plugin:
    description: Catalog name of the plugin whose every process is reloaded.
    type: str
    default: ""
  mounts:
    description: Mount paths whose engine is reloaded (instead of I(plugin)).
    type: list
    elements: str
    default: []
  scope:
    description: C(global) asks a cluster-wide reload (an Enterprise feature); empty for this node.
    type: str
    default: ""
    choices: ["", global]
"""

EXAMPLES = r"""
- name: Reload the engine so that it runs the new plugin version
  webex_vault.oauthapp.plugin_reload:
    mounts: [oauthapp]
  when: engine.plugin_version_changed
"""

RETURN = r"""
reload_id:
  description: The reload's ID when the server gives one.
  returned: success
  type: str
"""
