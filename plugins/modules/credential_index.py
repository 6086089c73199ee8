# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/credential_index.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: credential_index
short_description: Register an oauthapp credential in the credential index
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - The oauthapp plugin cannot list its credentials (C(<mount>/creds/) has no LIST). Whoever
    creates a credential therefore registers it in an index in the KV version 2 mount
    I(state_mount), at C(<state_mount>/data/<mount>/index/<name>), and removes it with the
    credential; M(webex_vault.oauthapp.credential_info) and the operator report read it.
  - An entry holds I(name), I(mount), I(server), I(created_by) and C(created_at), the time the
    entry was first written (RFC 3339, UTC). Never a token.
  - Written only when one of the four fields differs; C(created_at) is kept then.
  - The C(oauthapp_webex) role registers the CLI sample's credential with this module; a role or
    playbook that has a credential authorized (an agent's, for example) registers it the same way.
notes:
  - The KV mount I(state_mount) must exist (the C(oauthapp_webex) role creates it).
  - The identity needs C(create) and C(update) (and C(read)) on the entry's C(data/) path, and
    C(delete) on its C(metadata/) path for I(state=absent).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - community.hashi_vault.auth
  - webex_vault.oauthapp.vault_action
options:
  name:
    description: The credential's name under C(<mount>/creds/), for example C(people-me).
    type: str
    required: true
  server:
    description: The server entry (C(<mount>/servers/<server>)) the credential is authorized
      against. Required with I(state=present).
    type: str
  created_by:
    description: Who creates the credential, in a few words (a role, an app, a tool).
    type: str
    default: ansible
  mount:
    description: Path the oauthapp engine is mounted at.
    type: str
    default: oauthapp
  state_mount:
    description: KV version 2 mount that keeps the index.
    type: str
    default: webex-vault-state
  state:
    description: C(present) registers the credential, C(absent) removes its entry (all versions).
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Register the agent's credential, so that the operator report covers it
  webex_vault.oauthapp.credential_index:
    name: agents/billing
    server: webex-myapp
    created_by: role oauthapp_agent

- name: Unregister it when the credential is deleted
  webex_vault.oauthapp.credential_index:
    name: agents/billing
    state: absent
"""

RETURN = r"""
entry:
  description: The entry as the run leaves it (null once absent).
  returned: success
  type: dict
  sample:
    name: people-me
    mount: oauthapp
    server: webex-myapp
    created_by: role oauthapp_webex
    created_at: "2026-12-05T19:52:00Z"
"""
