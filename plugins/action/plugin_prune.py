# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.plugin_prune: the catalog versions of a plugin that no mount uses,
deregistered."""

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
        "keep": {"type": "list", "elements": "str", "default": []},
    }

    def reconcile(self, api, args):
        path = f"sys/plugins/catalog/{args['type']}/{args['name']}"
        detailed = (api.read("sys/plugins/catalog") or {}).get("detailed") or []
        versions = [
            entry.get("version", "")
            for entry in detailed
            if (entry.get("type"), entry.get("name")) == (args["type"], args["name"])
            and not entry.get("builtin")
        ]
        # A version stays while a mount of the plugin is configured for it or still runs it.
        mounts = [
            mount
            for mount in ((api.read("sys/mounts") or {}).values())
            if isinstance(mount, dict) and mount.get("type") == args["name"]
        ]
        used = set(args["keep"])
        for mount in mounts:
            used.update({mount.get("plugin_version", ""), mount.get("running_plugin_version", "")})
        commands = {version: self._command(api, path, version) for version in versions}
        removed = [version for version in versions if version not in used]
        if not self.check_mode:
            for version in removed:
                api.delete(f"{path}?version={quote(version, safe='')}")
        kept = {commands[version] for version in versions if version not in removed}
        unused = sorted({commands[version] for version in removed} - kept - {""})
        return {
            "changed": bool(removed),
            "removed": removed,
            "unused_commands": unused,
            "diff": diff(
                path, {"versions": versions}, {"versions": sorted(set(versions) - set(removed))}
            ),
        }

    @staticmethod
    def _command(api, path, version):
        entry = api.read(f"{path}?version={quote(version, safe='')}") or {}
        return entry.get("command", "")
