# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/vault_unseal.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_unseal
short_description: Unseal a Vault or OpenBao server with its unseal keys
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Reads C(sys/seal-status); a server that is not sealed changes nothing.
  - A sealed one gets the first I(keys), as many as its threshold, through C(sys/unseal), after
    an unfinished unseal (keys someone else gave) is reset. Fails with one sentence when the
    server is still sealed afterwards (the keys belong to another server) or fewer keys are
    given than it needs.
  - With I(cluster), a node that joins a Raft cluster may stay sealed until the leader answers
    its join; the last key completing the unseal (progress back to 0) is then enough (wait for
    it to serve with M(webex_vault.oauthapp.vault_status)).
  - The keys never appear in a result; the calls are never retried. In check mode the unseal is
    only reported.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  keys:
    description: Unseal keys (base64 or hex), at least as many as the threshold.
    type: list
    elements: str
    required: true
  keys_source:
    description: How the failure messages name where the keys came from.
    type: str
    default: the keys given
  cluster:
    description: The server is a node of a Raft cluster (see the description).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Unseal the server
  webex_vault.oauthapp.vault_unseal:
    url: https://vault.example.com:8200
    keys: "{{ unseal_keys }}"
    keys_source: vault_unseal_keys
"""

RETURN = r"""
sealed:
  description: Whether the server is still sealed (a joining cluster node may be, briefly).
  returned: success
  type: bool
keys_given:
  description: How many keys were given.
  returned: changed
  type: int
"""
