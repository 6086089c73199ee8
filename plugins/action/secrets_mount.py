# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.secrets_mount: a secrets engine enabled at a path and tuned."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.durations import seconds
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
    diff,
)

TTLS = ("default_lease_ttl", "max_lease_ttl")
LISTS = (
    "audit_non_hmac_request_keys",
    "audit_non_hmac_response_keys",
    "passthrough_request_headers",
    "allowed_response_headers",
)
# Both servers ignore an empty list in a tune (the old list stays) and keep [""] as given, a
# list that names no key or header: a list is cleared with [""], and [""] reads as empty.
CLEARED = [""]
# Settings kept in the mount's `config`, as the mount table reports them (unset: absent).
CONFIG = {**dict.fromkeys(TTLS, 0), "listing_visibility": "", **dict.fromkeys(LISTS, ())}


# The settings of one mount: the task's own options, or one item of `mounts`.
MOUNT_OPTIONS = {
    "path": {"type": "str"},
    "type": {"type": "str"},
    "description": {"type": "str"},
    "plugin_version": {"type": "str"},
    **{name: {"type": "raw"} for name in TTLS},
    "listing_visibility": {"type": "str", "choices": ["unauth", "hidden", ""]},
    **{name: {"type": "list", "elements": "str", "no_log": False} for name in LISTS},
    "options": {"type": "dict"},
    "path_hint": {"type": "str", "default": ""},
}


class ActionModule(VaultAction):
    OPTIONS = {
        **MOUNT_OPTIONS,
        "mounts": {
            "type": "list",
            "elements": "dict",
            "options": {
                **MOUNT_OPTIONS,
                "path": {"type": "str", "required": True},
                "type": {"type": "str", "required": True},
            },
        },
    }

    def reconcile(self, api, args):
        many = args["mounts"] is not None
        mounts = args["mounts"] if many else [args]
        complete = all(mount["path"] and mount["type"] for mount in mounts)
        if many and (args["path"] or args["type"]) or not complete:
            raise ReconcileError("Give secrets_mount either path and type, or mounts.")
        wanted = [(mount, desired(mount)) for mount in mounts]
        table = api.read("sys/mounts") or {}
        # Every mount is compared (and any refusal made) before any is written.
        plans = [plan(table, mount, settings) for mount, settings in wanted]
        results = [self._apply(api, step) for step in plans]
        if not many:
            return results[0]
        return {
            "changed": any(result["changed"] for result in results),
            "plugin_version_changed": any(result["plugin_version_changed"] for result in results),
            "mounts": [
                {key: value for key, value in result.items() if key != "diff"} for result in results
            ],
            "diff": [result["diff"] for result in results],
        }

    def _apply(self, api, step: dict) -> dict:
        """Enable or tune one compared mount (nothing in check mode); its result."""
        header, after = step["header"], step["after"]
        if step["before"] is None:
            retuned = False
            if not self.check_mode:
                retuned = self._enable(api, header, step["path"], after)
            return {
                "changed": True,
                "plugin_version_changed": retuned,
                "mount": after,
                "diff": diff(header, {}, after),
            }
        tune = step["tune"]
        if tune and not self.check_mode:
            api.write(f"{header}/tune", tune)
        return {
            "changed": bool(tune),
            "plugin_version_changed": "plugin_version" in tune,
            "running_plugin_version": step["running_plugin_version"],
            "mount": after,
            "diff": diff(header, step["before"], after),
        }

    def _enable(self, api, header: str, path: str, after: dict) -> bool:
        """Enable the mount without a plugin version (the server runs the newest registered
        one), then tune it to the wanted version when that is another: the admin policy allows
        the enable only with an empty `config`, which a policy can pin exactly, whatever version
        comes next. True when the mount was tuned (the plugin must then be reloaded)."""
        body = enable_body(after)
        version = body["config"].pop("plugin_version", "")
        api.write(header, body)
        if not version:
            return False
        running = ((api.read("sys/mounts") or {}).get(f"{path}/") or {}).get("plugin_version")
        if running == version:
            return False
        api.write(f"{header}/tune", {"plugin_version": version})
        return True


def plan(table: dict, args: dict, wanted: dict) -> dict:
    """One mount (its options and desired() settings) compared with the mount table: what to
    enable or tune, or a refusal."""
    path = args["path"].strip("/")
    header = f"sys/mounts/{path}"
    current = table.get(f"{path}/")
    if current is None:
        after = {**shown({"type": wanted["type"]}), **wanted}
        return {"path": path, "header": header, "before": None, "after": after}

    before = shown(current)
    after = {**before, **wanted, "options": {**before["options"], **wanted.get("options", {})}}
    old_version, new_version = before["options"].get("version"), after["options"].get("version")
    hint = args["path_hint"]
    # A KV mount without a version option is version 1.
    running = old_version or ("1" if before["type"] == "kv" else None)
    asked_version = (wanted.get("options") or {}).get("version")
    if hint and (before["type"] != wanted["type"] or running != (asked_version or running)):
        article = "an" if wanted["type"][0] in "aeiou" else "a"
        asked = f" version {asked_version}" if asked_version else ""
        found = f" version {running}" if running and asked_version else ""
        raise ReconcileError(
            f"{hint} '{path}' must be free or {article} '{wanted['type']}'{asked} engine, "
            f"not a '{before['type']}'{found} engine: choose another path or disable that "
            "engine first."
        )
    if before["type"] != wanted["type"]:
        raise ReconcileError(
            f"Mount path '{path}' already holds a '{before['type']}' secrets engine, not "
            f"'{wanted['type']}': choose another path or disable that engine first."
        )
    if old_version and old_version != new_version:
        raise ReconcileError(
            f"Mount path '{path}' runs engine version {old_version}, not {new_version}: "
            "moving an engine to another version is a migration this module does not do."
        )
    tune = {
        key: (value or CLEARED) if key in LISTS else value
        for key, value in after.items()
        if value != before[key]
    }
    return {
        "path": path,
        "header": header,
        "before": before,
        "after": after,
        "tune": tune,
        "running_plugin_version": current.get("running_plugin_version", ""),
    }


def desired(args: dict) -> dict:
    """The settings the task gives, spelt as the mount table reports them."""
    wanted = {
        key: args[key] for key in ("type", "description", "plugin_version") if args[key] is not None
    }
    wanted.update(
        {key: args[key] for key in ("listing_visibility", *LISTS) if args[key] is not None}
    )
    for key in TTLS:
        if args[key] is not None:
            wanted[key] = seconds(args[key])
            if wanted[key] is None:
                raise ReconcileError(
                    f"{key} '{args[key]}' is not a duration: "
                    "give seconds or a value like 1h, 30m or 7d."
                )
    options = {key: str(value) for key, value in (args["options"] or {}).items()}
    if wanted["type"] == "kv-v2":  # Vault's alias, stored as kv with options.version 2
        wanted["type"], options["version"] = "kv", "2"
    if options:
        wanted["options"] = options
    return wanted


def shown(mount: dict) -> dict:
    """Every setting this module manages, from a mount table entry (unset: Vault's default)."""
    config = mount.get("config") or {}
    settings = {key: config.get(key, unset) for key, unset in CONFIG.items()}
    settings.update({key: [item for item in settings[key] if item] for key in LISTS})
    return {
        "type": mount["type"],
        "description": mount.get("description", ""),
        "plugin_version": mount.get("plugin_version", ""),
        **settings,
        "options": {key: str(value) for key, value in (mount.get("options") or {}).items()},
    }


def enable_body(mount: dict) -> dict:
    config = {
        key: mount[key] for key in (*CONFIG, "plugin_version") if mount[key] not in ("", 0, [])
    }
    return {
        "type": mount["type"],
        "description": mount["description"],
        "config": config,
        "options": mount["options"],
    }
