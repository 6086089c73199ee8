"""Injected faults and the request counters: the part of the state that tests steer and read."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from webex_emulator.records import IssuedToken

FAULT_ENDPOINTS = ("access_token", "people_me")


@dataclass
class Fault:
    remaining: int
    status: int | None
    error: str | None
    hang_seconds: float
    retry_after: int | None
    # Only the token calls that refresh this grant (the family of one consent); None: any call.
    grant_id: str | None = None


def new_stats() -> dict[str, dict[str, Any]]:
    """The counters as they are at the start and after a reset."""
    return {
        "requests": dict.fromkeys(("authorize", "access_token", "people_me"), 0),
        "responses": {},
        "grant_types": dict.fromkeys(("authorization_code", "refresh_token", "other"), 0),
        "client_auth": dict.fromkeys(("basic", "body", "none"), 0),
        "client_auth_failures": dict.fromkeys(("basic", "body", "none"), 0),
        "token_errors": {},
        "faults_injected": dict.fromkeys(FAULT_ENDPOINTS, 0),
        "issued": dict.fromkeys(("codes", "access_tokens", "refresh_tokens"), 0),
    }


class FaultsAndCounters:
    """EmulatorState's fault queues and counters, behind the state's one lock."""

    _lock: threading.Lock
    _faults: dict[str, list[Fault]]
    _stats: dict[str, dict[str, Any]]
    _access_tokens: dict[str, IssuedToken]
    _refresh_tokens: dict[str, IssuedToken]

    def grant_of(self, token: str | None) -> str | None:
        """The grant a live refresh or access token belongs to (a fault may aim at it), or None."""
        with self._lock:
            record = self._refresh_tokens.get(token or "") or self._access_tokens.get(token or "")
            return record.grant_id if record is not None else None

    def add_fault(self, endpoint: str, fault: Fault) -> int:
        with self._lock:
            self._faults[endpoint].append(fault)
            return sum(queued.remaining for queued in self._faults[endpoint])

    def clear_faults(self) -> None:
        with self._lock:
            for queue in self._faults.values():
                queue.clear()

    def take_fault(self, endpoint: str, grant_id: str | None = None) -> Fault | None:
        """The fault to apply to this call, if one is queued for it (faults apply in the order
        added; one aimed at a grant only to the calls of that grant)."""
        with self._lock:
            queue = self._faults[endpoint]
            fault = next((queued for queued in queue if queued.grant_id in (None, grant_id)), None)
            if fault is None:
                return None
            fault.remaining -= 1
            if fault.remaining == 0:
                queue.remove(fault)
            self._stats["faults_injected"][endpoint] += 1
            return fault

    def count(self, group: str, key: str) -> None:
        with self._lock:
            counters = self._stats[group]
            counters[key] = counters.get(key, 0) + 1

    def count_response(self, endpoint: str, status: int) -> None:
        with self._lock:
            counters = self._stats["responses"].setdefault(endpoint, {})
            counters[str(status)] = counters.get(str(status), 0) + 1
