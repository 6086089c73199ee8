# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/vault_health.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_health
short_description: Stop unless a Vault or OpenBao server is active and accepts the credentials
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - The health gate before API work, in one controller-side step.
  - Reads C(/v1/sys/health) (no token needed). A server that does not answer, or answers as a
    standby, is asked again up to I(wait_retries) times, I(wait_delay) seconds apart, as one
    that was just started may need a moment; sealed (503) and not initialised (501) are final.
  - Fails, in one sentence, unless the server is active (200), naming what to do
    (start it, initialise and unseal it, point at the active node).
  - Then, with I(check_token), logs in with the auth options and reads
    C(auth/token/lookup-self); fails unless the server accepts the credentials.
  - The token the credentials carry (the given one, or the one an AppRole login obtained) is
    returned as I(login), in the shape of community.hashi_vault.vault_login's result, for the
    tasks after this one; the whole result is then hidden, as a C(no_log) task's is (a
    failure's message is not). Register it; it never becomes a fact.
  - A token that an AppRole login obtained (I(logged_in)) is the caller's to revoke when done,
    with M(webex_vault.oauthapp.vault_logout); a token the caller gave is never revoked.
  - Reads only, in check mode as well; never reports a change.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  check_token:
    description: Also check that the server accepts the credentials of the auth options.
    type: bool
    default: true
  wait_retries:
    description:
      - How many more times a server that does not answer, or is a standby, is asked.
      - Not the connection option I(retries), which retries each HTTP request.
    type: int
    default: 5
  wait_delay:
    description: Seconds between two attempts.
    type: float
    default: 2.0
  url_hint:
    description: How the failure messages name the setting that holds the URL.
    type: str
    default: the url option (VAULT_ADDR)
  credentials_hint:
    description: How the failure messages name the credentials.
    type: str
    default: the token (token option, VAULT_TOKEN)
  standby_ok:
    description:
      - The server is a node of a cluster, and a standby (429, 473) is healthy too (it forwards
        requests to the active node); sealed and not initialised still fail.
      - C(/v1/sys/leader) then says whether this node is the active one (I(active)).
    type: bool
    default: false
  refused_ok:
    description:
      - Report credentials the server refuses (I(token_accepted) false, no I(login)) instead of
        failing; the health gate still fails.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Stop unless the server is active, and log in with AppRole
  webex_vault.oauthapp.vault_health:
    url: https://vault.example.com:8200
    auth_method: approle
    role_id: "{{ admin_role_id }}"
    secret_id: "{{ admin_secret_id }}"
    url_hint: vault_api_url
    credentials_hint: the admin AppRole
  register: vault_login

- name: Use the login's token
  webex_vault.oauthapp.secrets_mount:
    url: https://vault.example.com:8200
    token: "{{ vault_login.login.auth.client_token }}"
    path: kv
    type: kv-v2

- name: Give the login's token up
  webex_vault.oauthapp.vault_logout:
    url: https://vault.example.com:8200
    token: "{{ vault_login.login.auth.client_token }}"
  when: vault_login.logged_in
"""

RETURN = r"""
status:
  description: The last HTTP status of C(/v1/sys/health); C(-1) when nothing answered.
  returned: always
  type: int
  sample: 200
url:
  description: The server's URL, as the connection options give it (C(VAULT_ADDR) included).
  returned: success
  type: str
active:
  description:
    - Whether this node is the active one; with I(standby_ok) as C(/v1/sys/leader) says (a
      server without HA is active when it serves).
  returned: success
  type: bool
token_accepted:
  description: Whether the server accepted the credentials (with I(check_token)).
  returned: success
  type: bool
logged_in:
  description: Whether an AppRole login of this task obtained the token (revoke it when done).
  returned: success
  type: bool
login:
  description: The token the credentials carry and what lookup-self says of it.
  returned: success, with I(check_token), when the server accepts the credentials
  type: dict
  contains:
    auth:
      description: C(client_token), C(accessor), C(policies), C(renewable), C(lease_duration).
      type: dict
      returned: always
"""
