# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.vault_init: a server initialised (sys/init), once. The unseal keys (or,
with an auto seal such as transit, the recovery keys) and the root token exist only in this
task's result, which is hidden: write them somewhere safe in the next task
(webex_vault.oauthapp.secret_file)."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
)


class ActionModule(VaultAction):
    AUTHENTICATED = False
    OPTIONS = {
        "secret_shares": {"type": "int", "default": 5},
        "secret_threshold": {"type": "int", "default": 3},
        "pgp_keys": {"type": "list", "elements": "str", "default": [], "no_log": False},
        # An auto seal (transit) unseals itself: what init splits is a recovery key instead.
        "recovery_shares": {"type": "int", "default": 0},
        "recovery_threshold": {"type": "int", "default": 0},
        "recovery_pgp_keys": {"type": "list", "elements": "str", "default": [], "no_log": False},
    }

    def reconcile(self, api, args):
        client = api.client
        url = client.settings.url
        status = client.status("read_init_status")
        if not status:
            raise ReconcileError(f"The server at {url} does not answer; start it first.")
        if status.get("initialized"):
            raise ReconcileError(
                f"The server at {url} is initialised already: its unseal keys and root token "
                "are not this run's to write."
            )
        recovery = args["recovery_shares"] > 0
        check_seal(url, client.status("read_seal_status"), recovery)
        if recovery:
            prefix = "recovery_"
            shares, threshold = args["recovery_shares"], args["recovery_threshold"]
            pgp_keys = args["recovery_pgp_keys"]
            if args["pgp_keys"]:
                raise ReconcileError(
                    "pgp_keys encrypts unseal keys, which a server with an auto seal has none "
                    "of: give the recovery keys' PGP keys as recovery_pgp_keys."
                )
        else:
            prefix = "secret_"
            shares, threshold = args["secret_shares"], args["secret_threshold"]
            pgp_keys = args["pgp_keys"]
        if not 1 <= threshold <= shares or (pgp_keys and len(pgp_keys) != shares):
            keys = "recovery_pgp_keys" if recovery else "pgp_keys"
            raise ReconcileError(
                f"{prefix}threshold must be from 1 to {prefix}shares, and {keys} empty or one "
                "key per share."
            )
        if self.check_mode:
            return {"changed": True, "init": {}}
        wanted = (
            {
                "secret_shares": None,
                "secret_threshold": None,
                "recovery_shares": shares,
                "recovery_threshold": threshold,
                "recovery_pgp_keys": pgp_keys or None,
            }
            if recovery
            else {
                "secret_shares": shares,
                "secret_threshold": threshold,
                "pgp_keys": pgp_keys or None,
            }
        )
        # Never retried: a second sys/init after an answer that got lost would fail, and the
        # keys of the first would be gone.
        answer = client.call(
            "initialise the server", client.server.sys.initialize, **wanted, retry=False
        )
        return {"changed": True, "init": answer, "_ansible_no_log": True}


def check_seal(url: str, status: dict, recovery: bool) -> None:
    """recovery_shares for a server with an auto seal, secret_shares for one with Shamir's: the
    server would refuse the other, or (an auto seal) ignore it and hand out no recovery keys."""
    seal = status.get("type") or ""
    if not seal:
        return
    if recovery and seal == "shamir":
        raise ReconcileError(
            f"The server at {url} has a Shamir seal, which gives unseal keys, not recovery keys: "
            "set secret_shares instead of recovery_shares, or configure its auto seal."
        )
    if not recovery and seal != "shamir":
        raise ReconcileError(
            f"The server at {url} has a {seal} seal, which unseals itself: set recovery_shares "
            "(and recovery_threshold) for its recovery keys instead of secret_shares."
        )
