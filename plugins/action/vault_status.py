# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.vault_status: what a server says of itself without a token
(sys/seal-status, sys/health, sys/leader), read until it reaches the state a step waits for:
it answers, it is initialised (a node that joins a cluster), it is unsealed (an auto seal such
as transit unseals it at start), it serves requests, or it serves and has applied what its
cluster's leader committed, or it is the active node (a single node answers 429 for a moment
after its unseal, before it has taken the lead)."""

from __future__ import annotations

import dataclasses
import time

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import vault_client
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
)

# Health statuses of a node that serves requests: active, standby, performance standby.
SERVING = (200, 429, 473)
NOT_REACHED = {
    "answer": "did not answer ({reason}); start it or check its address",
    "initialized": "is not initialised (a node that joins a cluster is once the leader has "
    "answered its join); check its retry_join and the leader",
    "unsealed": "is still sealed",
    "serving": "does not serve requests (/v1/sys/health status {status})",
    "active": "is not the active node (/v1/sys/health status {status}, not 200)",
    "caught_up": "has not applied what its leader committed (applied index {applied}, "
    "leader's committed index {committed})",
}


class ActionModule(VaultAction):
    AUTHENTICATED = False
    OPTIONS = {
        "wait_for": {
            "type": "str",
            "default": "answer",
            "choices": ["answer", "initialized", "unsealed", "serving", "caught_up", "active"],
        },
        # What the caller knows of why the state may not come: appended to the failure.
        "hint": {"type": "str", "default": ""},
        "wait_retries": {"type": "int", "default": 30},
        "wait_delay": {"type": "float", "default": 1.0},
        "required": {"type": "bool", "default": True},
    }

    def reconcile(self, api, args):
        client = api.client
        retries = max(args["wait_retries"], 0)
        for attempt in range(retries + 1):
            state = read(client)
            if reached(client, state, args["wait_for"]):
                return {"changed": False, "reached": True, **public(state)}
            if attempt < retries:
                time.sleep(args["wait_delay"])
        if args["required"]:
            what = NOT_REACHED[args["wait_for"]].format(**state)
            waited = retries * args["wait_delay"]
            hint = f"; {args['hint']}" if args["hint"] else ""
            raise ReconcileError(
                f"The server at {client.settings.url} {what}, after {waited:g} s of waiting{hint}."
            )
        return {"changed": False, "reached": False, **public(state)}


def read(client) -> dict:
    answer = client.health()
    status, reason = answer[0], answer[2]
    seal = client.status("read_seal_status") if status != -1 else {}
    return {
        "status": status,
        "reason": reason or ("no answer" if status == -1 else ""),
        "api_up": bool(seal),
        "initialized": bool(seal.get("initialized")),
        "sealed": bool(seal.get("sealed", True)),
        "threshold": int(seal.get("t") or 0),
        "shares": int(seal.get("n") or 0),
        "progress": int(seal.get("progress") or 0),
        "applied": 0,
        "committed": 0,
    }


def reached(client, state: dict, wait_for: str) -> bool:
    if wait_for == "answer":
        return state["api_up"]
    if wait_for == "initialized":
        return state["api_up"] and state["initialized"]
    if wait_for == "unsealed":
        return state["api_up"] and state["initialized"] and not state["sealed"]
    if wait_for == "active":
        return state["status"] == 200
    if state["status"] not in SERVING:
        return False
    if wait_for == "serving" or state["status"] == 200:
        return True
    return caught_up(client, state)


def caught_up(client, state: dict) -> bool:
    """Whether this standby applied what the leader committed (sys/leader gives both indexes
    on a Raft node; a node without them has nothing to catch up with)."""
    own = client.status("read_leader_status")
    address = own.get("leader_address") or ""
    if "raft_applied_index" not in own:
        return True
    if not address:
        return False
    leader_settings = dataclasses.replace(client.settings, url=address.rstrip("/"))
    leader = vault_client.VaultClient(leader_settings).status("read_leader_status")
    state.update(applied=int(own["raft_applied_index"]))
    state.update(committed=int(leader.get("raft_committed_index") or 0))
    return bool(leader) and state["applied"] >= state["committed"]


def public(state: dict) -> dict:
    return {key: value for key, value in state.items() if key not in ("applied", "committed")}
