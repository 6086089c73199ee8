# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/vault_logout.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_logout
short_description: Give up a Vault or OpenBao token (revoke-self)
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Revokes the token given in I(token) with C(auth/token/revoke-self).
  - With I(login_token) (the default), the token is one a login of this run obtained (the
    I(login) of M(webex_vault.oauthapp.vault_health)), it is given up in check mode as well, a
    token that is already revoked or expired is not an error, and the task never reports a
    change.
  - Without I(login_token) (a root token after setup), the revocation is a change, which check mode
    only reports, and a token the server no longer knows changes nothing.
  - Never give it a token the run did not obtain itself (an operator's C(VAULT_TOKEN)).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  login_token:
    description: The token is one a login of this run obtained (see the description).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Give the run's own login token up when the role is done
  webex_vault.oauthapp.vault_logout:
    url: https://vault.example.com:8200
    token: "{{ vault_login.login.auth.client_token }}"
  when: vault_login.logged_in
"""

RETURN = r"""
revoked:
  description: Whether the server revoked the token.
  returned: success
  type: bool
"""
