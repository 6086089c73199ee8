"""How each credential is: one read of `<mount>/creds/<name>`, its access token dropped at once,
the answer classified by credential_states (the classifier the collection's credential_info uses
too). The operator report, the metrics and the web app's /status all read through here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import hvac
import hvac.exceptions

from webex_vault.credential_index import IndexEntry, indexed_credentials
from webex_vault.credential_states import UNREADABLE, Health, classify
from webex_vault.errors import VaultPermissionDenied
from webex_vault.vault_errors import vault_errors


def _utc_now() -> datetime:
    return datetime.now(UTC)


def read_health(
    client: hvac.Client, mount: str, name: str, now: Callable[[], datetime] = _utc_now
) -> Health:
    """The state of `<mount>/creds/<name>`. A plain read, as the apps' (no minimum_seconds):
    like theirs, it makes the plugin refresh a token that has less than 10 s left.

    Raises the SampleError of a read that says nothing about the credential (Vault refused the
    identity or the path, Vault down)."""
    path = f"{mount}/creds/{name}"
    status, body = 200, {}
    with vault_errors(client, "read", path, mount=mount, name=name):
        try:
            answer = client.adapter.get(f"/v1/{path}")
            body = answer if isinstance(answer, dict) else {}
        except (hvac.exceptions.InvalidRequest, hvac.exceptions.InvalidPath) as error:
            # The plugin's own answers: 400 with its error text, 404 for no such credential.
            status = 400 if isinstance(error, hvac.exceptions.InvalidRequest) else 404
            body = {"errors": list(error.errors or [])}
    data = body.get("data")
    if isinstance(data, dict):
        data.pop("access_token", None)  # never kept, never shown
    return classify(status, body, now())


@dataclass(frozen=True)
class Row:
    """One indexed credential and its state: a line of the report."""

    entry: IndexEntry
    health: Health

    def as_dict(self) -> dict[str, Any]:
        return {**self.entry.as_dict(), **self.health.as_dict()}


def report(
    client: hvac.Client,
    state_mount: str,
    mount: str,
    now: Callable[[], datetime] = _utc_now,
) -> list[Row]:
    """Every credential of the mount's index, with its state. A credential the identity may
    not read is UNREADABLE (its policy does not cover it); other failures raise."""
    rows = []
    for entry in indexed_credentials(client, state_mount, mount):
        try:
            health = read_health(client, mount, entry.name, now)
        except VaultPermissionDenied as error:
            health = Health(UNREADABLE, str(error))
        rows.append(Row(entry, health))
    return rows
