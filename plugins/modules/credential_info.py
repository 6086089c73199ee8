# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/credential_info.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: credential_info
short_description: Report how each indexed oauthapp credential is, without any token
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Lists the credential index (see M(webex_vault.oauthapp.credential_index)) and reads each
    credential once, as an app does (no C(minimum_seconds)). The access token of each answer is
    dropped as it arrives; no result field ever holds a token.
  - Classifies each credential by the oauthapp plugin's own answer, the same way as the
    operator command C(python -m webex_vault.credential_report) and the web app's status page.
    C(healthy) (no warning), C(refresh_failing) (a refresh failed, the token still works and the
    plugin retries), C(reauthorize) (Webex refused the refresh token, so the user must authorize
    again), C(server_misconfigured) (the server entry is broken), C(expired) (no usable token),
    C(missing) (indexed, but the plugin has no such credential), C(unreadable) (this identity may
    not read it, or Vault failed).
  - Reads only, in check mode as well; never reports a change.
notes:
  - A read of a credential whose token has less than 10 seconds left makes the plugin refresh it
    first, as any app's read does.
  - The C(oauthapp_webex) role can create an operator identity (C(oauthapp_webex_operator_identity))
    whose policy allows exactly these reads.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - community.hashi_vault.auth
  - webex_vault.oauthapp.vault_action
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
options:
  mount:
    description: Path the oauthapp engine is mounted at.
    type: str
    default: oauthapp
  state_mount:
    description: KV version 2 mount that keeps the credential index.
    type: str
    default: webex-vault-state
"""

EXAMPLES = r"""
- name: Read the health of every indexed credential
  webex_vault.oauthapp.credential_info:
  register: __health

- name: Fail when a user must authorize again
  ansible.builtin.assert:
    that: __health.counts.reauthorize == 0
    fail_msg: >-
      Authorize again: {{ __health.credentials | selectattr('state', 'eq', 'reauthorize')
      | map(attribute='name') | join(', ') }}
"""

RETURN = r"""
credentials:
  description: One item per indexed credential, sorted by name.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The credential's name under C(<mount>/creds/).
      type: str
    mount:
      description: The oauthapp mount.
      type: str
    server:
      description: The server entry it was authorized against, as the index says.
      type: str
    created_by:
      description: Who registered it.
      type: str
    created_at:
      description: When it was registered (RFC 3339, UTC).
      type: str
    state:
      description: One of C(healthy), C(refresh_failing), C(reauthorize), C(server_misconfigured),
        C(expired), C(missing), C(unreadable).
      type: str
    detail:
      description: The plugin's own words (the last refresh error, the user error, the server's
        problem), on one line; empty when healthy.
      type: str
    seconds_to_expiry:
      description: Seconds until the access token expires; null when it does not expire or no
        longer works.
      type: int
    refresh_failures:
      description: Failed refresh attempts since the last successful one (C(refresh_failing)).
      type: int
    expire_time:
      description: When the access token expires (RFC 3339, UTC); null when it does not expire
        or no longer works.
      type: str
    action:
      description: What the state asks of someone, in a few words.
      type: str
  sample:
    - name: people-me
      mount: oauthapp
      server: webex-myapp
      created_by: role oauthapp_webex
      created_at: "2026-12-05T19:52:00Z"
      state: healthy
      detail: ""
      seconds_to_expiry: 1209500
      refresh_failures: 0
      expire_time: "2026-12-19T19:52:00Z"
      action: nothing to do
counts:
  description: How many credentials are in each state (every state, 0 included).
  returned: success
  type: dict
  sample: {healthy: 1, refresh_failing: 0, reauthorize: 0, server_misconfigured: 0, expired: 0,
    missing: 0, unreadable: 0}
needs_action:
  description: Whether any credential is not C(healthy).
  returned: success
  type: bool
"""
