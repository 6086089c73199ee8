# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.plugin_reload: the running processes of a plugin, or of the engines at
some mounts, restarted (sys/plugins/reload/backend) so that they run the registered binary."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
)


class ActionModule(VaultAction):
    OPTIONS = {
        "plugin": {"type": "str", "default": ""},
        "mounts": {"type": "list", "elements": "str", "default": []},
        "scope": {"type": "str", "default": "", "choices": ["", "global"]},
    }

    def reconcile(self, api, args):
        if bool(args["plugin"]) == bool(args["mounts"]):
            raise ReconcileError("Give plugin_reload either plugin or mounts (one of them).")
        body = {"plugin": args["plugin"]} if args["plugin"] else {"mounts": args["mounts"]}
        if args["scope"]:
            body["scope"] = args["scope"]
        answer = {}
        if not self.check_mode:
            answer = api.write("sys/plugins/reload/backend", body) or {}
        # A reload is asked for because something changed; it always is one.
        return {"changed": True, "reload_id": (answer.get("data") or {}).get("reload_id", "")}
