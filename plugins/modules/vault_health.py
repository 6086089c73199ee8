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
  - Reads only, in check mode as well; never reports a change.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - community.hashi_vault.auth
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
  token_fact:
    description:
      - Name of a host fact that receives the token the checked credentials carry (the token
        itself, or the one an AppRole login returned), for the tasks after this one.
      - The whole result is then hidden, as a C(no_log) task's is; a failure's message is not.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Stop unless the server is active and accepts the token
  webex_vault.oauthapp.vault_health:
    url: https://vault.example.com:8200
    token: "{{ vault_token }}"
    url_hint: vault_api_url
    credentials_hint: vault_api_token (or VAULT_TOKEN)
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
  description: Whether this node is the active one (always true without I(standby_ok)).
  returned: success
  type: bool
"""
