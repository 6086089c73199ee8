# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.vault_init: a server initialised (sys/init), once. The unseal keys and
the root token exist only in this task's result, which is hidden: write them somewhere safe in
the next task (webex_vault.oauthapp.secret_file)."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
)


class ActionModule(VaultAction):
    AUTHENTICATED = False
    OPTIONS = {
        "secret_shares": {"type": "int", "default": 5},
        "secret_threshold": {"type": "int", "default": 3},
        "pgp_keys": {"type": "list", "elements": "str", "default": [], "no_log": False},
    }

    def reconcile(self, api, args):
        client = api.client
        url = client.settings.url
        status = client.status("read_init_status")
        if not status:
            raise ReconcileError(f"The server at {url} does not answer; start it first.")
        if status.get("initialized"):
            raise ReconcileError(
                f"The server at {url} is initialised already: its unseal keys and root token "
                "are not this run's to write."
            )
        shares, threshold = args["secret_shares"], args["secret_threshold"]
        if not 1 <= threshold <= shares or (args["pgp_keys"] and len(args["pgp_keys"]) != shares):
            raise ReconcileError(
                "secret_threshold must be from 1 to secret_shares, and pgp_keys empty or one "
                "key per share."
            )
        if self.check_mode:
            return {"changed": True, "init": {}}
        # Never retried: a second sys/init after an answer that got lost would fail, and the
        # keys of the first would be gone.
        answer = client.call(
            "initialise the server",
            client.server.sys.initialize,
            secret_shares=shares,
            secret_threshold=threshold,
            pgp_keys=args["pgp_keys"] or None,
            retry=False,
        )
        return {"changed": True, "init": answer, "_ansible_no_log": True}
