# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.oauthapp_server: an oauthapp <mount>/servers/<name> entry.

The plugin never returns the client secrets, so a salted SHA-256 of the whole desired entry
(secrets included) is kept in a KV version 2 mount beside it: an entry is written only when
a field it returns or that fingerprint differs.
"""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.fingerprint import (
    fingerprint,
    new_salt,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    VaultAction,
    diff,
)

PUBLIC = ("client_id", "provider", "provider_options", "auth_url_params")
# All a diff ever says of the secrets.
CHANGED_NOTE = "client_secret changed\n"


class ActionModule(VaultAction):
    OPTIONS = {
        "mount": {"type": "str", "default": "oauthapp"},
        "name": {"type": "str", "required": True},
        "client_id": {"type": "str", "required": True},
        "client_secret": {"type": "str", "required": True, "no_log": True},
        "client_secrets": {"type": "list", "elements": "str", "default": [], "no_log": True},
        "provider": {"type": "str", "required": True},
        "provider_options": {"type": "dict", "default": {}},
        "auth_url_params": {"type": "dict", "default": {}},
        "state_mount": {"type": "str", "default": "webex-vault-state"},
        "fingerprint_path": {"type": "str"},
    }

    def reconcile(self, api, args):
        path = f"{args['mount']}/servers/{args['name']}"
        record_path = f"{args['state_mount']}/data/{args['fingerprint_path'] or path}"
        public = {key: args[key] for key in PUBLIC}
        # The same dict the role fingerprints: client_secrets only when there are any.
        secrets = {"client_secret": args["client_secret"]}
        if args["client_secrets"]:
            secrets["client_secrets"] = args["client_secrets"]

        current = api.read(path)
        record = (api.read(record_path) or {}).get("data") or {}
        salt = record.get("salt") or new_salt()
        wanted = fingerprint(salt, {**public, **secrets})
        before = shown(current)
        write_server = before != shown(public) or record.get("fingerprint") != wanted
        write_record = record.get("fingerprint") != wanted or record.get("salt") != salt
        # The stored fingerprint matches the current fields with the new secrets: same secrets.
        same_secrets = current is not None and record.get("fingerprint") == fingerprint(
            salt, {**before, **secrets}
        )
        if not self.check_mode:
            if write_server:
                api.write(path, {**public, **secrets})
            if write_record:
                api.write(record_path, {"data": {"salt": salt, "fingerprint": wanted}})

        changes = [diff(path, before, shown(public))]
        if write_server and not same_secrets:
            changes.append({"prepared": CHANGED_NOTE})
        return {
            "changed": write_server or write_record,
            "server": shown(public),
            "diff": changes,
        }


def shown(server: dict | None) -> dict:
    """The fields the plugin returns; map values as the strings it keeps, null maps as empty."""
    if server is None:
        return {}
    fields = {key: server.get(key) for key in ("client_id", "provider")}
    for key in ("provider_options", "auth_url_params"):
        fields[key] = {name: str(value) for name, value in (server.get(key) or {}).items()}
    return fields
