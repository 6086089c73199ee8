"""The fake Vault's server endpoints (webex_vault_testing.fake_vault): init, seal status and
unseal (set FakeVault.seal for a server that is not initialised or sealed), audit devices,
plugin reloads and the oauthapp engine's configuration."""

from __future__ import annotations

import re
from typing import Any

from webex_vault_testing.fake_vault_auth import Answer

SEAL_KEYS = ("initialized", "sealed", "t", "n", "progress")


class SystemEndpoints:
    """Mixed into FakeVault, whose fields these are."""

    token: str
    seal: dict[str, Any] | None
    audit: dict[str, dict[str, Any]]
    reloads: list[dict[str, Any]]
    configs: dict[str, dict[str, Any]]

    def _health(self) -> int:
        if self.seal and not self.seal["initialized"]:
            return 501
        return 503 if self.seal and self.seal["sealed"] else 200

    def _seal(self, method: str, path: str, body: Any) -> Answer:
        seal = self.seal or {"initialized": True, "sealed": False, "t": 1, "n": 1, "progress": 0}
        if path == "sys/seal-status":
            return 200, {key: seal.get(key) for key in SEAL_KEYS}
        if path == "sys/init" and method == "GET":
            return 200, {"initialized": seal["initialized"]}
        if path == "sys/init":
            keys = [f"key-{n}" for n in range(body["secret_shares"])]
            seal.update(
                initialized=True,
                sealed=True,
                t=body["secret_threshold"],
                n=body["secret_shares"],
                keys=keys,
            )
            return 200, {"keys": keys, "keys_base64": keys, "root_token": self.token}
        if body.get("reset"):
            seal["progress"] = 0
        elif body.get("key") not in seal.get("keys", []):
            return 400, {"errors": ["Unseal failed, invalid key"]}
        else:
            seal["progress"] += 1
            if seal["progress"] >= seal["t"]:
                seal.update(sealed=False, progress=0)
        return 200, {key: seal.get(key) for key in SEAL_KEYS}

    def _system(self, method: str, path: str, body: Any) -> Answer | None:
        """Audit devices, plugin reloads and login lockout lifts; None for any other path."""
        if path == "sys/audit" and method == "GET":
            return 200, {"data": self.audit}
        if path.startswith("sys/audit/") and method in ("POST", "PUT"):
            self.audit[path.removeprefix("sys/audit/") + "/"] = {
                "type": body["type"],
                "description": body.get("description", ""),
                "options": dict(body.get("options") or {}),
            }
            return 204, None
        if re.fullmatch(r"sys/locked-users/[^/]+/unlock/[^/]+", path) and method == "POST":
            return 204, None  # a login lockout lifted (the request is recorded)
        if path == "sys/plugins/reload/backend" and method in ("POST", "PUT"):
            self.reloads.append(body)
            return 200, {"data": {"reload_id": "reload-1"}}
        return None

    def _config(self, method: str, mount: str, body: Any) -> Answer:
        """An oauthapp engine's <mount>/config (nothing written yet reads as no answer)."""
        if method == "GET":
            config = self.configs.get(mount)
            return (204, None) if config is None else (200, {"data": config})
        self.configs[mount] = dict(body)
        return 204, None
