# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/vault_init.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_init
short_description: Initialise a Vault or OpenBao server
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Initialises the server (C(sys/init)) with I(secret_shares) unseal key shares, any
    I(secret_threshold) of which unseal it; with I(pgp_keys) share n is encrypted to key n.
  - Fails, changing nothing, when the server is initialised already (its keys are not this
    run's to write) or does not answer.
  - The answer (unseal keys, root token) is returned as I(init) and the whole result is
    hidden; write it to a safe place in the next task (M(webex_vault.oauthapp.secret_file)).
    The call is never retried.
  - In check mode nothing is sent and I(init) is empty.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  secret_shares:
    description: Number of unseal key shares.
    type: int
    default: 5
  secret_threshold:
    description: Number of shares that unseal the server.
    type: int
    default: 3
  pgp_keys:
    description: One base64 public PGP key per share; empty for plain shares.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Initialise the server
  webex_vault.oauthapp.vault_init:
    url: https://vault.example.com:8200
    secret_shares: 5
    secret_threshold: 3
  register: init
  no_log: true
"""

RETURN = r"""
init:
  description: What C(sys/init) answered (C(keys), C(keys_base64), C(root_token)).
  returned: changed, not in check mode
  type: dict
"""
