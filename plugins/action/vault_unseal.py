# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.vault_unseal: a sealed server given as many unseal keys as its
threshold (sys/unseal), after an unfinished unseal by someone else is reset."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
)


class ActionModule(VaultAction):
    AUTHENTICATED = False
    OPTIONS = {
        "keys": {"type": "list", "elements": "str", "required": True, "no_log": True},
        "keys_source": {"type": "str", "default": "the keys given"},
        "cluster": {"type": "bool", "default": False},
    }

    def reconcile(self, api, args):
        client = api.client
        url = client.settings.url
        status = client.status("read_seal_status")
        if not status:
            raise ReconcileError(f"The server at {url} does not answer; start it first.")
        if not status.get("sealed"):
            return {"changed": False, "sealed": False}
        threshold = int(status.get("t") or 0)
        keys = args["keys"][:threshold]
        if len(keys) < threshold:
            raise ReconcileError(
                f"The server at {url} needs {threshold} unseal keys and {args['keys_source']} "
                f"holds {len(keys)}."
            )
        if self.check_mode:
            return {"changed": True, "sealed": True, "keys_given": 0}
        unseal = client.server.sys.submit_unseal_key
        # Keys given earlier by someone else would mix with these; start the count afresh.
        if int(status.get("progress") or 0) > 0:
            client.call("reset an unfinished unseal", unseal, reset=True, retry=False)
        answer: dict = {}
        for key in keys:
            answer = client.call("take an unseal key", unseal, key=key, retry=False) or {}
        # A node joining a cluster unseals once the leader has answered its join: the last key
        # completes the unseal (progress back to 0) and waiting for it to serve checks it.
        joined = args["cluster"] and int(answer.get("progress") or 0) == 0
        if answer.get("sealed") and not joined:
            raise ReconcileError(
                f"The server at {url} is still sealed after {threshold} keys from "
                f"{args['keys_source']}; they do not belong to this server."
            )
        return {"changed": True, "sealed": bool(answer.get("sealed")), "keys_given": len(keys)}
