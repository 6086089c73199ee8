# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The three calls this collection's actions make to Vault, with Vault's answers turned into
values ("not there" is None) or into one sentence that names the path."""

from __future__ import annotations


class VaultApiError(Exception):
    """A call Vault refused or could not be reached for, in one sentence."""


class VaultApi:
    def __init__(self, client, hvac_exceptions):
        self._client = client
        self._vault_error = hvac_exceptions.VaultError
        self._forbidden = hvac_exceptions.Forbidden

    def login(self, auth_method: str, authenticate) -> None:
        """Run community.hashi_vault's authenticator for auth_method on this client."""
        self._call("log in with", auth_method, authenticate, self._client)

    def read(self, path: str) -> dict | None:
        """The `data` of GET /v1/<path>, or None when nothing is there."""
        response = self._call("read", path, self._client.read, path)
        if response is None:
            return None
        return response.get("data") if isinstance(response, dict) else None

    def write(self, path: str, data: dict) -> None:
        self._call("write", path, self._client.write_data, path, data=data)

    def delete(self, path: str) -> None:
        self._call("delete", path, self._client.delete, path)

    def _call(self, verb, path, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except self._forbidden:
            raise VaultApiError(f"Vault denied the token permission to {verb} '{path}'.") from None
        except self._vault_error as exc:
            reason = "; ".join(exc.errors or []) or type(exc).__name__
            raise VaultApiError(f"Vault refused to {verb} '{path}': {reason}.") from None
        # requests' errors (refused connection, TLS, timeout) are OSErrors.
        except OSError as exc:
            raise VaultApiError(f"Vault could not be reached to {verb} '{path}': {exc}.") from None
