# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.oauthapp_config: the oauthapp engine's <mount>/config (default server
and tuning). A write replaces the whole configuration, so the full desired set is written,
and only when a value differs from what the engine reads back."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    VaultAction,
    diff,
)


class ActionModule(VaultAction):
    OPTIONS = {
        "mount": {"type": "str", "default": "oauthapp"},
        "config": {"type": "dict", "required": True},
    }

    def reconcile(self, api, args):
        path = f"{args['mount'].strip('/')}/config"
        wanted = args["config"]
        # No configuration written yet reads as nothing.
        current = api.read(path) or {}
        before = {key: current[key] for key in sorted(current)}
        # Compared as text, so that 1.5 from YAML and 1.5 from JSON, or 60 and "60", agree.
        differs = sorted(key for key in wanted if text(current.get(key)) != text(wanted[key]))
        if differs and not self.check_mode:
            api.write(path, wanted)
        after = {**before, **wanted}
        return {
            "changed": bool(differs),
            "differs": differs,
            "config": {key: after[key] for key in sorted(after)},
            "diff": diff(path, before, {key: after[key] for key in sorted(after)}),
        }


def text(value) -> str:
    """A value as the plugin's JSON and YAML both spell it: true/false, numbers, strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
