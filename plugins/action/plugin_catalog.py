# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.plugin_catalog: one version of a plugin catalog entry."""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    VaultAction,
    diff,
)


class ActionModule(VaultAction):
    OPTIONS = {
        "name": {"type": "str", "required": True},
        "type": {"type": "str", "default": "secret", "choices": ["auth", "database", "secret"]},
        "version": {"type": "str", "default": ""},
        "sha256": {"type": "str"},
        "command": {"type": "str"},
        "args": {"type": "list", "elements": "str", "default": []},
        # The server hides env in reads, as it may hold credentials; so does this action.
        "env": {"type": "list", "elements": "str", "default": [], "no_log": True},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    }
    REQUIRED_IF = [("state", "present", ("sha256", "command"))]

    def reconcile(self, api, args):
        path = f"sys/plugins/catalog/{args['type']}/{args['name']}"
        versioned = f"{path}?version={quote(args['version'], safe='')}"
        current = api.read(versioned)
        before = shown(current, args["version"])
        if args["state"] == "absent":
            if current is not None and not self.check_mode:
                api.delete(versioned)
            return {"changed": current is not None, "diff": diff(versioned, before, {})}

        after = {
            "sha256": args["sha256"].lower(),
            "command": args["command"],
            "args": list(args["args"]),
            # The server may spell the version it was asked for its own way (v1.0.0 for 1.0.0).
            "version": before.get("version", args["version"]),
        }
        changed = before != after
        if changed and not self.check_mode:
            api.write(path, {**after, "version": args["version"], "env": args["env"]})
        return {"changed": changed, "diff": diff(versioned, before, after), "entry": after}


def shown(entry: dict | None, version: str) -> dict:
    if entry is None:
        return {}
    return {
        "sha256": entry.get("sha256"),
        "command": entry.get("command"),
        "args": list(entry.get("args") or []),
        "version": entry.get("version", version),
    }
