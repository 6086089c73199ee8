# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The calls this collection's actions make to Vault, with Vault's answers turned into
values ("not there" is None) or into one sentence that names the path."""

from __future__ import annotations


class VaultApiError(Exception):
    """A call Vault refused or could not be reached for, in one sentence."""


class VaultApi:
    def __init__(self, client, hvac_exceptions):
        self._client = client
        self._vault_error = hvac_exceptions.VaultError
        self._forbidden = hvac_exceptions.Forbidden
        self._invalid_path = hvac_exceptions.InvalidPath
        # What Vault answers to a lookup of something that does not exist (404, or 400 for an
        # unknown secret ID or wrapping token).
        self._not_there = (hvac_exceptions.InvalidPath, hvac_exceptions.InvalidRequest)

    def login(self, auth_method: str, authenticate) -> None:
        """Run community.hashi_vault's authenticator for auth_method on this client."""
        self._call("log in with", auth_method, authenticate, self._client)

    @property
    def token(self) -> str:
        """The token the calls carry (the one a login returned)."""
        return self._client.token or ""

    def read(self, path: str) -> dict | None:
        """The `data` of GET /v1/<path>, or None when nothing is there."""
        response = self._call("read", path, self._client.read, path)
        if response is None:
            return None
        return response.get("data") if isinstance(response, dict) else None

    def read_answer(self, path: str) -> tuple:
        """(HTTP status, JSON body) of GET /v1/<path> when Vault answers 200, 400 or 404: a
        plugin's own answer about what was read, its warnings and error texts included. A
        refusal (403), an unreachable or failing server still raise."""

        def get():
            try:
                return 200, self._client.adapter.get(f"/v1/{path}") or {}
            except self._not_there as exc:
                status = 404 if isinstance(exc, self._invalid_path) else 400
                return status, {"errors": list(exc.errors or [])}

        return self._call("read", path, get)

    def list(self, path: str) -> list:
        """The `keys` of LIST /v1/<path>, or [] when nothing is there."""
        response = self._call("list", path, self._client.list, path)
        data = response.get("data") if isinstance(response, dict) else None
        return list((data or {}).get("keys") or [])

    def write(self, path: str, data: dict, wrap_ttl: str | None = None) -> dict | None:
        """POST /v1/<path>; the whole answer (`data`, `wrap_info`), or None when it has no body."""
        response = self._call(
            "write", path, self._client.write_data, path, data=data, wrap_ttl=wrap_ttl
        )
        return response if isinstance(response, dict) else None

    def lookup(self, path: str, data: dict) -> dict | None:
        """The `data` of a POST that only reads (a secret ID or wrapping token lookup), or None
        when Vault knows no such thing; a refusal still raises."""
        response = self._call(
            "look up", path, self._client.write_data, path, data=data, missing_ok=True
        )
        return (response.get("data") or None) if isinstance(response, dict) else None

    def delete(self, path: str) -> None:
        self._call("delete", path, self._client.delete, path)

    def _call(self, verb, path, method, *args, missing_ok=False, **kwargs):
        try:
            return method(*args, **kwargs)
        except self._forbidden:
            raise VaultApiError(f"Vault denied the token permission to {verb} '{path}'.") from None
        except self._not_there as exc:
            if missing_ok:
                return None
            reason = "; ".join(exc.errors or []) or type(exc).__name__
            raise VaultApiError(f"Vault refused to {verb} '{path}': {reason}.") from None
        except self._vault_error as exc:
            reason = "; ".join(exc.errors or []) or type(exc).__name__
            raise VaultApiError(f"Vault refused to {verb} '{path}': {reason}.") from None
        # requests' errors (refused connection, TLS, timeout) are OSErrors.
        except OSError as exc:
            raise VaultApiError(f"Vault could not be reached to {verb} '{path}': {exc}.") from None
