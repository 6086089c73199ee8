# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.audit_device: an audit device at sys/audit/<path>, enabled when missing.
A device cannot be changed in place: one with other settings is refused, not replaced. A
device the server's configuration declares (OpenBao) is only checked."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
    diff,
)


class ActionModule(VaultAction):
    OPTIONS = {
        "path": {"type": "str", "default": "file"},
        "type": {"type": "str", "default": "file"},
        "description": {"type": "str", "default": ""},
        "options": {"type": "dict", "default": {}},
        "declared": {"type": "bool", "default": False},
        "hint": {"type": "str", "default": ""},
    }

    def reconcile(self, api, args):
        path = args["path"].strip("/")
        header = f"sys/audit/{path}"
        wanted = {"type": args["type"], "options": {k: str(v) for k, v in args["options"].items()}}
        found = (api.read("sys/audit") or {}).get(f"{path}/")
        before = shown(found)
        hint = f"; {args['hint']}" if args["hint"] else ""
        url = api.client.settings.url
        if found is not None and matches(before, wanted):
            return {"changed": False, "device": before}
        if args["declared"]:
            raise ReconcileError(
                f"The server at {url} has no {wanted['type']} audit device at {path}/ with "
                f"{wanted['options']}, although its configuration declares one{hint}."
            )
        if found is not None:
            raise ReconcileError(
                f"The audit device at {path}/ of {url} has other settings ({before}); a device "
                f"cannot be changed in place, so disable it first{hint}."
            )
        if not self.check_mode:
            api.write(header, {**wanted, "description": args["description"]})
        return {"changed": True, "device": wanted, "diff": diff(header, {}, wanted)}


def shown(device: dict | None) -> dict:
    if device is None:
        return {}
    options = {k: str(v) for k, v in (device.get("options") or {}).items()}
    return {"type": device.get("type", ""), "options": options}


def matches(current: dict, wanted: dict) -> bool:
    """The device has the type and every option asked for (the server may add its own)."""
    options = current.get("options") or {}
    return current.get("type") == wanted["type"] and all(
        options.get(key) == value for key, value in wanted["options"].items()
    )
