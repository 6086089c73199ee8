# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.credential_index: one entry of the credential index, kept by whoever
creates the credential (the oauthapp plugin cannot list its credentials).

    <state_mount>/data/<mount>/index/<name>  {name, mount, server, created_by, created_at}

The same entries as the Python package's webex_vault.credential_index; never a token."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
    diff,
)

# A credential name as the plugin's path takes it, and no policy wildcard ('*', '+').
NAME = re.compile(r"^[A-Za-z0-9_.@-]+(/[A-Za-z0-9_.@-]+)*$")
MOUNT = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
FIELDS = ("name", "mount", "server", "created_by")


def entry_paths(state_mount: str, mount: str, name: str) -> tuple[str, str]:
    """(data path, metadata path) of an entry in the KV version 2 mount."""
    key = f"{mount}/index/{name}"
    return f"{state_mount}/data/{key}", f"{state_mount}/metadata/{key}"


def check_names(args: dict) -> None:
    for option, pattern in (("mount", MOUNT), ("state_mount", MOUNT), ("name", NAME)):
        value = args[option]
        if not pattern.match(value) or ".." in value.split("/"):
            raise ReconcileError(
                f"{option} must be a Vault path of letters, digits, '_', '.', '-'"
                f"{', @' if option == 'name' else ''} separated by '/', not '{value}'."
            )


class ActionModule(VaultAction):
    OPTIONS = {
        "name": {"type": "str", "required": True},
        "server": {"type": "str"},
        "created_by": {"type": "str", "default": "ansible"},
        "mount": {"type": "str", "default": "oauthapp"},
        "state_mount": {"type": "str", "default": "webex-vault-state"},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    }
    REQUIRED_IF = [("state", "present", ["server"])]

    def reconcile(self, api, args):
        check_names(args)
        data_path, metadata_path = entry_paths(args["state_mount"], args["mount"], args["name"])
        current = (api.read(data_path) or {}).get("data") or None
        if args["state"] == "absent":
            if current is None:
                return {"changed": False, "entry": None}
            if not self.check_mode:
                api.delete(metadata_path)
            return {"changed": True, "entry": None, "diff": diff(data_path, current, {})}
        wanted = {field: args[field] for field in FIELDS}
        if current is not None and {field: current.get(field) for field in FIELDS} == wanted:
            return {"changed": False, "entry": current}
        # The first registration's time stays: it says since when the credential is indexed.
        created_at = (current or {}).get("created_at") or now_rfc3339()
        entry = {**wanted, "created_at": created_at}
        if not self.check_mode:
            api.write(data_path, {"data": entry})
        return {"changed": True, "entry": entry, "diff": diff(data_path, current or {}, entry)}


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
