# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""A secret ID's life as the server's lookup answer tells it (creation_time, expiration_time):
whether it still logs in, whether it is due for renewal, and which of a role's secret IDs a
new one replaces.

Renewal ahead of expiry gives an overlap: the new secret ID goes into the settings file while
the one it replaces keeps working until it expires, so an app that still holds it (in memory,
or a file it read before) never meets a dead identity; when it is refused at last, it reads
its file again. Only the secret IDs issued for the same delivery (the tag in their metadata)
are destroyed, never those of another host or instance."""

from __future__ import annotations

import calendar
import dataclasses
import re
import time

# The metadata key naming where a secret ID was delivered ("<host>:<path>").
TAG_KEY = "delivered_to"
# RFC 3339 as Vault writes it: optional fraction (nanoseconds), Z or an offset.
_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def epoch(text) -> float | None:
    """Seconds since the epoch of an RFC 3339 time; None for none (empty, Go's zero time or
    not a time)."""
    match = _RFC3339.match(str(text or "").strip())
    if not match or match.group(1).startswith("0001-01-01"):
        return None
    seconds = calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))
    zone = match.group(2) or "Z"
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return float(seconds)


def expired(found: dict, now: float | None = None) -> bool:
    """Whether a secret ID's expiration_time (empty or zero: never) has passed."""
    expires = epoch(found.get("expiration_time"))
    return expires is not None and expires <= (time.time() if now is None else now)


def usable(found: dict | None) -> bool:
    """Whether a secret ID's lookup answer (None: unknown to the server, as a used-up one is)
    is one that still logs in: known and not expired."""
    return found is not None and not expired(found)


def finite(found: dict | None) -> bool:
    """Whether the secret ID expires on its own (kept for the overlap only then)."""
    return found is not None and epoch(found.get("expiration_time")) is not None


def due(found: dict | None, share: float, now: float | None = None) -> bool:
    """Whether less than share (0 to 1) of a usable secret ID's life is left, so a new one is
    issued now, while it still works. Never for share 0 or a secret ID that does not expire."""
    if not usable(found) or share <= 0 or found is None:
        return False
    expires, created = epoch(found.get("expiration_time")), epoch(found.get("creation_time"))
    if expires is None or created is None or expires <= created:
        return False
    left = expires - (time.time() if now is None else now)
    return left < share * (expires - created)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What the one decision (approle_identity's _still_valid) found about the delivered
    secret ID: whether it still logs in (live), whether it is due for renewal, its accessor
    ('' when not known), its lookup answer (None when not known) and held: the accessor of
    the secret ID a running app may hold, which a new one leaves working until it expires
    (only one that works and expires on its own; '' for none)."""

    live: bool = False
    due: bool = False
    accessor: str = ""
    found: dict | None = None
    held: str = ""

    @property
    def keep(self) -> bool:
        """Nothing to issue: it works and has enough of its life left."""
        return self.live and not self.due


def newest(entries: dict[str, dict]) -> tuple[str, dict | None]:
    """(accessor, lookup answer) of the most recently created of entries (by accessor)."""
    if not entries:
        return "", None
    accessor = max(entries, key=lambda key: epoch(entries[key].get("creation_time")) or 0.0)
    return accessor, entries[accessor]


def replaced(entries: dict[str, dict], tag: str, every: bool, keep: str) -> list[str]:
    """The accessors a new secret ID replaces: with every, all of the role's (the admin
    identity: one holder); else those issued for tag. keep (the overlap) stays."""
    return sorted(
        accessor
        for accessor, found in entries.items()
        if accessor != keep and (every or (found.get("metadata") or {}).get(TAG_KEY) == tag)
    )


def described(accessor: str, found: dict | None) -> str:
    """One secret ID as a diff may show it: its accessor (not a credential) and expiry."""
    expires = (found or {}).get("expiration_time") or ""
    if epoch(expires) is None:
        return f"{accessor} (does not expire)"
    return f"{accessor} (expires {expires})"
