"""The index of credentials: what exists in `<mount>/creds/`, since the plugin cannot list it.

Every creator of a credential registers it in the KV v2 state mount (the role's, beside its
server fingerprints and the web app's last-use records), and removes it with the credential:

    <state mount>/data/<oauthapp mount>/index/<credential name>
        {"name", "mount", "server", "created_by", "created_at" (RFC 3339, UTC)}

Never a token. The operator report (credential_report) reads each indexed credential and says
how it is. The collection writes the same entries (webex_vault.oauthapp.credential_index).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import hvac
import hvac.exceptions

from webex_vault.vault_errors import vault_errors

INDEX = "index"


@dataclass(frozen=True)
class IndexEntry:
    name: str
    mount: str
    server: str
    created_by: str
    created_at: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_path(mount: str, name: str) -> str:
    """The entry's path inside the state mount (KV v2 adds data/ or metadata/)."""
    return f"{mount}/{INDEX}/{name}"


def register_credential(
    client: hvac.Client, state_mount: str, entry: IndexEntry, *, only_if_absent: bool = False
) -> bool:
    """Write the entry (created_at now unless given); with only_if_absent, leave an existing
    entry alone (its owner may be another tool, such as the role). Whether it was written."""
    if not entry.created_at:
        entry = IndexEntry(entry.name, entry.mount, entry.server, entry.created_by, now_rfc3339())
    path = entry_path(entry.mount, entry.name)
    with vault_errors(client, "create", f"{state_mount}/data/{path}", mount=state_mount):
        try:
            client.secrets.kv.v2.create_or_update_secret(
                path,
                secret=entry.as_dict(),
                cas=0 if only_if_absent else None,
                mount_point=state_mount,
            )
        except hvac.exceptions.InvalidRequest as error:
            # cas=0 on an existing entry: "check-and-set parameter did not match the current
            # version"
            if only_if_absent and "check-and-set" in " ".join(error.errors or []):
                return False
            raise
    return True


def unregister_credential(client: hvac.Client, state_mount: str, mount: str, name: str) -> None:
    """Remove the entry, all its versions; a missing entry is no error."""
    path = entry_path(mount, name)
    with vault_errors(client, "delete", f"{state_mount}/metadata/{path}", mount=state_mount):
        client.secrets.kv.v2.delete_metadata_and_all_versions(path, mount_point=state_mount)


def indexed_credentials(client: hvac.Client, state_mount: str, mount: str) -> list[IndexEntry]:
    """Every entry of the mount's index, sorted by name (folders such as webex/ walked)."""
    entries = []
    for name in _names(client, state_mount, f"{mount}/{INDEX}"):
        entry = _read(client, state_mount, entry_path(mount, name))
        if entry is not None:  # else removed since the listing
            entries.append(
                IndexEntry(
                    name=name,
                    mount=mount,
                    server=str(entry.get("server") or ""),
                    created_by=str(entry.get("created_by") or ""),
                    created_at=str(entry.get("created_at") or ""),
                )
            )
    return sorted(entries, key=lambda entry: entry.name)


def _names(client: hvac.Client, state_mount: str, folder: str) -> list[str]:
    with vault_errors(client, "list", f"{state_mount}/metadata/{folder}/", mount=state_mount):
        try:
            response = client.secrets.kv.v2.list_secrets(folder, mount_point=state_mount)
        except hvac.exceptions.InvalidPath:
            return []  # nothing indexed yet
    keys = ((response or {}).get("data") or {}).get("keys") or []
    names = []
    for key in keys:
        if key.endswith("/"):
            names += [
                f"{key}{below}" for below in _names(client, state_mount, folder + "/" + key[:-1])
            ]
        else:
            names.append(key)
    return names


def _read(client: hvac.Client, state_mount: str, path: str) -> dict[str, Any] | None:
    with vault_errors(client, "read", f"{state_mount}/data/{path}", mount=state_mount):
        try:
            response = client.secrets.kv.v2.read_secret_version(
                path, mount_point=state_mount, raise_on_deleted_version=True
            )
        except hvac.exceptions.InvalidPath:
            return None
    data = ((response or {}).get("data") or {}).get("data")
    return data if isinstance(data, dict) else None
