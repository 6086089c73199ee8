# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/oauthapp_server.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: oauthapp_server
short_description: Write an authorization server entry of the oauthapp secrets engine
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Manages C(<mount>/servers/<name>) of the oauthapp secrets plugin (client ID and secret,
    provider and its options, extra authorization URL parameters).
  - The plugin never returns the client secret. So that a re-run can tell whether it changed,
    a salted SHA-256 fingerprint of the whole desired entry, secrets included, is kept in the
    KV version 2 mount I(state_mount) at I(fingerprint_path), as the C(oauthapp_webex) role does.
  - The entry and its fingerprint are written only when a field the plugin returns, or the
    fingerprint, differs.
notes:
  - The diff shows every field except the secrets; when the secrets changed, or cannot be shown
    to be unchanged, it says only C(client_secret changed).
  - The KV mount I(state_mount) must exist (see M(webex_vault.oauthapp.secrets_mount)).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  mount:
    description: Path the oauthapp engine is mounted at.
    type: str
    default: oauthapp
  name:
    description: Name of the server entry.
    type: str
    required: true
  client_id:
    description: OAuth 2 client ID.
    type: str
    required: true
  client_secret:
    description: OAuth 2 client secret. Never logged, returned or shown in a diff.
    type: str
    required: true
  client_secrets:
    description:
      - Older client secrets the plugin tries, in order, after I(client_secret) fails.
      - List the old secret here while rotating it.
      - Never logged, returned or shown in a diff.
    type: list
    elements: str
    default: []
  provider:
    description: The plugin's provider name, for example C(custom).
    type: str
    required: true
  provider_options:
    description: Provider options, for example C(auth_code_url) and C(token_url) of C(custom).
    type: dict
    default: {}
  auth_url_params:
    description: Extra query parameters the plugin adds to every authorization code URL.
    type: dict
    default: {}
  state_mount:
    description: KV version 2 mount that keeps the fingerprints.
    type: str
    default: webex-vault-state
  fingerprint_path:
    description:
      - Secret path, in I(state_mount), of this entry's fingerprint and salt.
      - Defaults to C(<mount>/servers/<name>), the path the C(oauthapp_webex) role uses.
    type: str
"""

EXAMPLES = r"""
- name: Write the Webex integration
  webex_vault.oauthapp.oauthapp_server:
    name: webex-myapp
    client_id: "{{ webex_client_id }}"
    client_secret: "{{ webex_client_secret }}"
    provider: custom
    provider_options:
      auth_code_url: https://webexapis.com/v1/authorize
      token_url: https://webexapis.com/v1/access_token
      auth_style: in_params
"""

RETURN = r"""
server:
  description: The entry's fields other than the secrets, as the run leaves them.
  returned: success
  type: dict
  sample:
    client_id: C0123456789abcdef
    provider: custom
    provider_options:
      auth_code_url: https://webexapis.com/v1/authorize
      token_url: https://webexapis.com/v1/access_token
      auth_style: in_params
    auth_url_params: {}
"""
