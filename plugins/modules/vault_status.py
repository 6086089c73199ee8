# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/vault_status.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_status
short_description: Wait until a Vault or OpenBao server answers, is initialised or serves
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Reads what the server says of itself without a token (C(sys/health), C(sys/seal-status),
    and on a standby C(sys/leader)), up to I(wait_retries) more times, I(wait_delay) seconds
    apart, until it reaches I(wait_for).
  - C(answer) - the API answers; C(initialized) - the server is initialised (a node that joins a
    Raft cluster reports it once the leader has answered its join); C(unsealed) - initialised
    and unsealed (a server with an auto seal such as transit unseals itself at start);
    C(serving) - health 200, 429 or 473 (active, standby, performance standby); C(caught_up) -
    serving, and a standby of a Raft cluster has applied the leader's committed index;
    C(active) - health 200 (a single node answers 429 for a moment after its unseal, before it
    has taken the lead, and forwards nothing the role writes until then).
  - Fails with one sentence when the state is not reached, unless I(required) is false.
  - Reads only; never reports a change. Sends no token (the auth options are ignored).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  wait_for:
    description: The state to wait for (see the description).
    type: str
    default: answer
    choices: [answer, initialized, unsealed, serving, caught_up, active]
  wait_retries:
    description: How many more times the server is asked.
    type: int
    default: 30
  wait_delay:
    description: Seconds between two attempts.
    type: float
    default: 1.0
  hint:
    description:
      - What to check when the state is not reached, appended to the failure's sentence after
        a semicolon (for example where the seal server is); empty for none.
    type: str
    default: ""
  required:
    description: Fail when the state is not reached; false returns what the server said.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Wait for the server to serve requests and catch up with its leader
  webex_vault.oauthapp.vault_status:
    url: https://vault-2.example.com:8200
    wait_for: caught_up
"""

RETURN = r"""
reached:
  description: Whether the server reached I(wait_for).
  returned: success
  type: bool
status:
  description: The last HTTP status of C(/v1/sys/health); C(-1) when nothing answered.
  returned: success
  type: int
api_up:
  description: Whether C(sys/seal-status) answered.
  returned: success
  type: bool
initialized:
  description: Whether the server is initialised.
  returned: success
  type: bool
sealed:
  description: Whether the server is sealed.
  returned: success
  type: bool
threshold:
  description: Unseal keys needed (C(t) of C(sys/seal-status)).
  returned: success
  type: int
shares:
  description: Unseal key shares (C(n)).
  returned: success
  type: int
progress:
  description: Unseal keys given so far in an unfinished unseal.
  returned: success
  type: int
reason:
  description: Why nothing answered, when nothing did.
  returned: success
  type: str
"""
