"""The last use of each credential, and its index entry, kept in Vault's KV v2 state mount
(see credentials.py).

    <state mount>/data/<oauthapp mount>/last-use/<prefix>/<id>  {"last_used": <Unix time>}

    <state mount>/data/<oauthapp mount>/index/<prefix>/<id>     (webex_vault.credential_index)

The web app's policy (roles/oauthapp_webex/templates/webex-app.hcl.j2) lets it create, read and
update these records and list and delete them under its own prefix, create and delete its index
entries, and nothing else in the state mount (where the role keeps its server fingerprints).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import hvac
import hvac.exceptions

from webex_vault.credential_index import IndexEntry, register_credential, unregister_credential
from webex_vault.vault_errors import vault_errors

# What the index says created the app's credentials.
CREATED_BY = "web app sign-in"
# Runs operation(client, *args) logged in to Vault, once more after a re-login
# (webex_vault.VaultConnection's).
Call = Callable[..., Any]


class VaultUsageRecords:
    """UsageRecords in Vault's KV v2 state mount, for the credentials under one prefix."""

    def __init__(self, call: Call, *, state_mount: str, oauthapp_mount: str, prefix: str) -> None:
        self._call = call
        self._mount = state_mount
        self._base = f"{oauthapp_mount}/last-use"
        self._prefix = prefix

    def record(self, name: str, when: float) -> None:
        self._call(_write, self._mount, f"{self._base}/{name}", {"last_used": int(when)})

    def last_uses(self) -> Iterator[tuple[str, float | None]]:
        keys: list[str] = self._call(_list, self._mount, f"{self._base}/{self._prefix}")
        for key in keys:
            if key.endswith("/"):
                continue  # not a record of this app: its credential ids have no '/'
            name = f"{self._prefix}/{key}"
            found, last_used = self._call(_read_last_used, self._mount, f"{self._base}/{name}")
            if found:  # else removed since the listing (a sign-out, another instance's pruning)
                yield name, last_used

    def remove(self, name: str) -> None:
        self._call(_delete, self._mount, f"{self._base}/{name}")


def _write(client: hvac.Client, mount: str, path: str, data: dict[str, Any]) -> None:
    with vault_errors(client, "update", f"{mount}/data/{path}", mount=mount):
        client.secrets.kv.v2.create_or_update_secret(path, secret=data, mount_point=mount)


def _list(client: hvac.Client, mount: str, path: str) -> list[str]:
    with vault_errors(client, "list", f"{mount}/metadata/{path}/", mount=mount):
        try:
            response = client.secrets.kv.v2.list_secrets(path, mount_point=mount)
        except hvac.exceptions.InvalidPath:
            return []  # no records yet
    keys = (response.get("data") or {}).get("keys") if isinstance(response, dict) else None
    return [key for key in keys or [] if isinstance(key, str)]


def _read_last_used(client: hvac.Client, mount: str, path: str) -> tuple[bool, float | None]:
    """(whether the record exists, its last use or None when that is not a number)."""
    with vault_errors(client, "read", f"{mount}/data/{path}", mount=mount):
        try:
            response = client.secrets.kv.v2.read_secret_version(
                path, mount_point=mount, raise_on_deleted_version=True
            )
        except hvac.exceptions.InvalidPath:
            return False, None
    data = ((response.get("data") or {}).get("data") or {}) if isinstance(response, dict) else {}
    last_used = data.get("last_used") if isinstance(data, dict) else None
    if isinstance(last_used, int | float) and not isinstance(last_used, bool):
        return True, float(last_used)
    return True, None


def _delete(client: hvac.Client, mount: str, path: str) -> None:
    with vault_errors(client, "delete", f"{mount}/metadata/{path}", mount=mount):
        client.secrets.kv.v2.delete_metadata_and_all_versions(path, mount_point=mount)


class VaultCredentialIndex:
    """CredentialIndex in the state mount: the app's entries of webex_vault.credential_index,
    under its own prefix (its policy allows creating and deleting those, nothing else)."""

    def __init__(self, call: Call, *, state_mount: str, oauthapp_mount: str, server: str) -> None:
        self._call = call
        self._state_mount = state_mount
        self._mount = oauthapp_mount
        self._server = server

    def register(self, name: str) -> None:
        entry = IndexEntry(name, self._mount, self._server, CREATED_BY)
        self._call(register_credential, self._state_mount, entry)

    def remove(self, name: str) -> None:
        self._call(unregister_credential, self._state_mount, self._mount, name)
