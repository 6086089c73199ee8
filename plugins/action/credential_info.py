# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.credential_info: how each indexed credential is, read-only.

Lists the credential index (credential_index), reads each credential once as an app does, drops
the access token from the answer at once, and classifies it with plugin_utils.credential_states,
the classifier the Python package's operator report and web app use as well."""

from __future__ import annotations

from datetime import UTC, datetime

from ansible_collections.webex_vault.oauthapp.plugins.action.credential_index import MOUNT
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.credential_states import (
    HEALTHY,
    UNREADABLE,
    Health,
    classify,
    counts,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_api import VaultApiError


class ActionModule(VaultAction):
    OPTIONS = {
        "mount": {"type": "str", "default": "oauthapp"},
        "state_mount": {"type": "str", "default": "webex-vault-state"},
    }

    def reconcile(self, api, args):
        for option in ("mount", "state_mount"):
            if not MOUNT.match(args[option]):
                raise ReconcileError(
                    f"{option} must be a Vault path of letters, digits, '_', '.', '-' separated "
                    f"by '/', not '{args[option]}'."
                )
        mount, state_mount = args["mount"], args["state_mount"]
        credentials = []
        for name in self._names(api, f"{state_mount}/metadata/{mount}/index"):
            entry = (api.read(f"{state_mount}/data/{mount}/index/{name}") or {}).get("data")
            if not isinstance(entry, dict):
                continue  # removed since the listing
            health = self._health(api, f"{mount}/creds/{name}")
            credentials.append(
                {
                    "name": name,
                    "mount": mount,
                    "server": str(entry.get("server") or ""),
                    "created_by": str(entry.get("created_by") or ""),
                    "created_at": str(entry.get("created_at") or ""),
                    **health.as_dict(),
                }
            )
        found = counts(Health(row["state"]) for row in credentials)
        return {
            "changed": False,
            "credentials": credentials,
            "counts": found,
            "needs_action": any(row["state"] != HEALTHY for row in credentials),
        }

    def _names(self, api, folder):
        """Every key below folder, sub-folders walked, sorted."""
        names = []
        for key in api.list(folder):
            if key.endswith("/"):
                names += [key + below for below in self._names(api, folder + "/" + key[:-1])]
            else:
                names.append(key)
        return sorted(names)

    def _health(self, api, path):
        try:
            status, body = api.read_answer(path)
        except VaultApiError as exc:  # this identity may not read it, or Vault failed
            return Health(UNREADABLE, str(exc))
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, dict) and data.get("access_token"):
            # Dropped on the spot; and should it appear anywhere, the result hides it.
            self.secrets.add(str(data.pop("access_token")))
        return classify(status, body, datetime.now(UTC))
