# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The calls this collection's actions make to Vault, through the one client
(plugin_utils/vault_client.py), with Vault's answers turned into values ("not there" is None)
or into one sentence that names the path."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_client import (
    VaultClient,
    VaultClientError,
    VaultDeniedError,
    hvac_errors,
)

# A call Vault refused or could not be reached for, in one sentence (the client's error).
VaultApiError = VaultClientError
# One the token's policy does not allow (403).
VaultApiDenied = VaultDeniedError


class VaultApi:
    def __init__(self, client: VaultClient):
        self.client = client
        self._hvac = client.hvac

    @property
    def token(self) -> str:
        """The token the calls carry (the one a login returned)."""
        return self.client.token

    def read(self, path: str) -> dict | None:
        """The `data` of GET /v1/<path>, or None when nothing is there."""
        response = self._call("read", path, self._hvac.read, path)
        if response is None:
            return None
        return response.get("data") if isinstance(response, dict) else None

    def read_answer(self, path: str) -> tuple:
        """(HTTP status, JSON body) of GET /v1/<path> when Vault answers 200, 400 or 404: a
        plugin's own answer about what was read, its warnings and error texts included (the
        oauthapp plugin's creds). A refusal (403), an unreachable or failing server still raise."""

        def get():
            try:
                return 200, self._hvac.adapter.get(f"/v1/{path}") or {}
            except (hvac_errors.InvalidPath, hvac_errors.InvalidRequest) as exc:
                status = 404 if isinstance(exc, hvac_errors.InvalidPath) else 400
                return status, {"errors": [str(e) for e in exc.errors or []]}

        return self.client.call(f"read '{path}'", get)

    def list(self, path: str) -> list:
        """The `keys` of LIST /v1/<path>, or [] when nothing is there."""
        response = self._call("list", path, self._hvac.list, path)
        data = response.get("data") if isinstance(response, dict) else None
        return list((data or {}).get("keys") or [])

    def write(self, path: str, data: dict, wrap_ttl: str | None = None) -> dict | None:
        """POST /v1/<path>; the whole answer (`data`, `wrap_info`), or None when it has no body."""
        response = self._call(
            "write", path, self._hvac.write_data, path, data=data, wrap_ttl=wrap_ttl
        )
        return response if isinstance(response, dict) else None

    def lookup(self, path: str, data: dict) -> dict | None:
        """The `data` of a POST that only reads (a secret ID or wrapping token lookup), or None
        when Vault knows no such thing; a refusal still raises."""
        response = self._call(
            "look up", path, self._hvac.write_data, path, data=data, missing_ok=True
        )
        return (response.get("data") or None) if isinstance(response, dict) else None

    def delete(self, path: str) -> None:
        self._call("delete", path, self._hvac.delete, path)

    def _call(self, verb, path, method, *args, missing_ok=False, **kwargs):
        # What Vault answers to a lookup of something that does not exist: 404, or 400 for an
        # unknown secret ID or wrapping token. Reads of a missing path give None from hvac.
        try:
            return self.client.call(f"{verb} '{path}'", _raw(method), *args, **kwargs)
        except _NotThere as exc:
            if missing_ok:
                return None
            raise VaultApiError(f"Vault refused to {verb} '{path}': {exc.reason}.") from None


class _NotThere(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _raw(method):
    """method, with "not there" answers (404, 400) set apart from the other refusals, which the
    client turns into its sentences."""

    def call(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (hvac_errors.InvalidPath, hvac_errors.InvalidRequest) as exc:
            reason = "; ".join(str(e) for e in exc.errors or []) or type(exc).__name__
            raise _NotThere(reason) from None

    return call
