# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.vault_logout: a token given up (auth/token/revoke-self): the one a
login of this run obtained, when the role is done with it, or a root token after setup."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
)


class ActionModule(VaultAction):
    OPTIONS = {
        "login_token": {"type": "bool", "default": True},
    }

    def reconcile(self, api, args):
        client = api.client
        if client.settings.auth_method != "token":
            raise ReconcileError(
                "vault_logout revokes the token it is given: use auth_method token."
            )
        if args["login_token"]:
            # A run's own login token: given up in check mode too (the login happened in check
            # mode as well), and no change of what the run manages.
            return {"changed": False, "revoked": client.revoke_self()}
        if self.check_mode:
            return {"changed": client.lookup_self() is not None, "revoked": False}
        revoked = client.lookup_self() is not None and client.revoke_self()
        return {"changed": revoked, "revoked": revoked}
