# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/secrets_mount.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: secrets_mount
short_description: Enable and tune a secrets engine in Vault or OpenBao
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Reads the mount table (C(sys/mounts)); enables the engine at I(path) when nothing is mounted
    there, and otherwise tunes (C(sys/mounts/<path>/tune)) the settings that differ.
  - Fails, changing nothing, when I(path) holds an engine of another type.
  - Settings left out are not managed.
  - An empty list clears a list setting (I(audit_non_hmac_request_keys) and the three others).
    Both servers keep a list when a tune gives an empty one, so it is tuned to C([""]), a list
    that names no key or header, and the mount table's C([""]) reads as empty.
  - After a new I(plugin_version) is tuned, the mount runs it only once the plugin is reloaded;
    the result tells the caller (RV(plugin_version_changed)).
  - With I(mounts), several mounts in one step; each is compared with the mount table, and any
    refusal made, before any of them is enabled or tuned.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  path:
    description:
      - Path the engine is mounted at, without slashes around it.
      - Required, with I(type), unless I(mounts) is given.
    type: str
  type:
    description:
      - Engine type, for example C(oauthapp), C(kv) or C(kv-v2).
      - C(kv-v2) is stored by the server as C(kv) with I(options) C(version=2).
      - Required, with I(path), unless I(mounts) is given.
    type: str
  description:
    description: Human-readable description of the mount.
    type: str
  plugin_version:
    description: Catalog version of the plugin the mount runs, for example C(v3.1.1).
    type: str
  default_lease_ttl:
    description:
      - Default lease duration, in seconds or as C(1h), C(30m) or C(7d).
      - C(0) means the system default.
    type: raw
  max_lease_ttl:
    description:
      - Maximum lease duration, in seconds or as C(1h), C(30m) or C(7d).
      - C(0) means the system default.
    type: raw
  listing_visibility:
    description: Whether the mount is listed in the UI's unauthenticated listing.
    type: str
    choices: [unauth, hidden, ""]
  audit_non_hmac_request_keys:
    description: Request keys the audit devices log in plain text.
    type: list
    elements: str
  audit_non_hmac_response_keys:
    description: Response keys the audit devices log in plain text.
    type: list
    elements: str
  passthrough_request_headers:
    description: Request headers passed through to the engine.
    type: list
    elements: str
  allowed_response_headers:
    description: Response headers the engine may set.
    type: list
    elements: str
  options:
    description:
      - Engine options, for example C(version=2) for C(kv); values are compared as strings.
      - Options left out are kept.
      - A different C(version) is refused, as it would migrate the engine.
    type: dict
  path_hint:
    description:
      - How a refusal names the setting that holds I(path) (a role variable); the message then
        says what the path must be, for example C(oauthapp_webex_mount 'secret' must be free or
        an 'oauthapp' engine, not a 'kv' engine).
      - Empty names the path only.
    type: str
    default: ""
  mounts:
    description:
      - Several mounts instead of one (I(path), I(type) and the other settings above are then not
        given); each item takes I(path) and I(type) (both required) and any setting above.
      - Every mount is compared before any is written, so a refused path changes nothing.
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Enable the oauthapp engine on the registered plugin version
  webex_vault.oauthapp.secrets_mount:
    path: oauthapp
    type: oauthapp
    description: Webex OAuth tokens
    plugin_version: v3.1.1
  register: engine

- name: Reload the engine when it should run another plugin version
  community.hashi_vault.vault_write:
    path: sys/plugins/reload/backend
    data:
      mounts: [oauthapp]
  when: engine.plugin_version_changed

- name: Enable the engine and a KV engine for state in one step, checking both paths first
  webex_vault.oauthapp.secrets_mount:
    mounts:
      - {path: oauthapp, type: oauthapp, plugin_version: v3.1.1, path_hint: engine_mount}
      - {path: webex-vault-state, type: kv, options: {version: "2"}, path_hint: state_mount}

- name: Keep a KV version 2 engine for state
  webex_vault.oauthapp.secrets_mount:
    path: webex-vault-state
    type: kv-v2
    max_lease_ttl: 1h
"""

RETURN = r"""
plugin_version_changed:
  description: Whether the mount was tuned to another plugin version, which runs after a reload.
  returned: success
  type: bool
running_plugin_version:
  description: Plugin version the mount ran when it was read.
  returned: when the mount existed
  type: str
  sample: v3.1.0
mount:
  description: The settings this module manages, after the run (or as they would be in check mode).
  returned: success, without I(mounts)
  type: dict
mounts:
  description:
    - With I(mounts), one result per mount, in their order (RV(plugin_version_changed) and
      RV(mount), and RV(running_plugin_version) when the mount existed); the task's C(changed)
      and RV(plugin_version_changed) tell whether any mount changed.
  returned: success, with I(mounts)
  type: list
  elements: dict
"""
