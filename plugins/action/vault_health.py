# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.vault_health: the health gate before API work, in the controller
process: /v1/sys/health until the server is active (or certainly not), then one token check."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from ansible.module_utils.common.parameters import remove_values
from ansible_collections.community.hashi_vault.plugins.module_utils._connection_options import (
    HashiVaultConnectionOptions,
)
from ansible_collections.community.hashi_vault.plugins.module_utils._hashi_vault_common import (
    HashiVaultOptionAdapter,
    HashiVaultValueError,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    CONNECTION_SPEC,
    ReconcileError,
    VaultAction,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_api import VaultApiError

# What each /v1/sys/health status says about the server (Vault and OpenBao alike).
NOT_ACTIVE = {
    501: "is not initialised; initialise and unseal it first",
    503: "is sealed; unseal it first",
    429: "is a standby node; point {url_hint} at the active node",
    473: "is a performance standby; point {url_hint} at the active node",
    472: "is a disaster-recovery secondary; point {url_hint} at the primary",
}
# Statuses not worth waiting on: active, or sealed / not initialised (which do not change by
# themselves). A server that was just started may not answer, or be a standby, for a moment.
FINAL = (200, 501, 503)
# A node of a cluster that serves requests by forwarding them (standby_ok).
STANDBY = (429, 473)


class ActionModule(VaultAction):
    OPTIONS = {
        "check_token": {"type": "bool", "default": True},
        "wait_retries": {"type": "int", "default": 5},
        "wait_delay": {"type": "float", "default": 2.0},
        "url_hint": {"type": "str", "default": "the url option (VAULT_ADDR)"},
        "credentials_hint": {"type": "str", "default": "the token (token option, VAULT_TOKEN)"},
        "standby_ok": {"type": "bool", "default": False},
        "token_fact": {"type": "str", "default": ""},
    }

    def reconcile(self, api, args):  # the health gate reads only; see run()
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        # ActionBase.run, not VaultAction.run: the health comes before any login.
        result = super(VaultAction, self).run(tmp, task_vars)
        spec = {**CONNECTION_SPEC, **self.OPTIONS}
        validation, args = self.validate_argument_spec(spec)
        result.update(changed=False)
        self._token = ""
        try:
            result.update(self._gate(args))
        except (ReconcileError, HashiVaultValueError) as exc:
            result.update(failed=True, msg=str(exc))
        hidden = set(validation._no_log_values)
        hidden.update(str(args[name]) for name in ("token", "secret_id") if args.get(name))
        result = remove_values(result, hidden)
        if args["token_fact"] and self._token and not result.get("failed"):
            # The token the later tasks use, as a fact: the whole result is then hidden, as
            # a no_log task's is (only a success carries it; a failure's message is shown).
            result.update(ansible_facts={args["token_fact"]: self._token}, _ansible_no_log=True)
        return result

    def _gate(self, args):
        options = HashiVaultOptionAdapter.from_dict(args)
        connection = HashiVaultConnectionOptions(options, self._retry_callback)
        connection.process_connection_options()
        hvac_options = connection.get_hvac_connection_options()
        url = (hvac_options.get("url") or "").rstrip("/")
        problem = url_problem(url, args["url_hint"])
        if problem:
            return {"failed": True, "status": -1, "msg": problem}
        status, reason = self._health(url, hvac_options.get("verify", True), args)
        serving = (200, *STANDBY) if args["standby_ok"] else (200,)
        if status not in serving:
            what = NOT_ACTIVE.get(status, f"answered HTTP {status}")
            if status == -1:
                what = f"does not answer ({reason}); start it or fix {{url_hint}}"
            what = what.format(url_hint=args["url_hint"])
            return {"failed": True, "status": status, "msg": f"The server at {url} {what}."}
        if args["check_token"] or args["token_fact"]:
            try:
                api = self._login(args)
                accepted = api.read("auth/token/lookup-self") is not None
                self._token = api.token if accepted else ""
            except (ReconcileError, VaultApiError, HashiVaultValueError):
                accepted = False
            if not accepted:
                namespace = f" (namespace {args['namespace']})" if args.get("namespace") else ""
                return {
                    "failed": True,
                    "status": status,
                    "msg": f"The server at {url}{namespace} does not accept "
                    f"{args['credentials_hint']}; give valid credentials.",
                }
        active = status == 200
        if args["standby_ok"]:
            active = self._is_self(url, hvac_options.get("verify", True))
        return {"status": status, "url": url, "active": active}

    @staticmethod
    def _is_self(url, verify):
        """Whether /v1/sys/leader (unauthenticated) calls this node the active one."""
        import requests

        try:
            response = requests.get(f"{url}/v1/sys/leader", timeout=10, verify=verify)
            return bool(response.json().get("is_self"))
        except (requests.RequestException, ValueError):
            return False

    @staticmethod
    def _health(url, verify, args):
        """(status, reason) of GET <url>/v1/sys/health, retried while it may still change;
        status -1 when nothing answers."""
        import requests  # hvac's HTTP library, there whenever community.hashi_vault works

        if not url:
            return -1, "no URL given"
        status, reason = -1, ""
        for attempt in range(max(args["wait_retries"], 0) + 1):
            try:
                response = requests.get(f"{url}/v1/sys/health", timeout=10, verify=verify)
                status, reason = response.status_code, ""
            except requests.RequestException as exc:
                # "[Errno 111] Connection refused" from deep inside urllib3's wrapping, if any.
                found = re.search(r"\[Errno -?\d+\][^'\")]*", str(exc))
                status, reason = -1, found.group(0).strip() if found else type(exc).__name__
            final = FINAL + (STANDBY if args["standby_ok"] else ())
            if status in final or attempt >= args["wait_retries"]:
                break
            time.sleep(args["wait_delay"])
        return status, reason


def url_problem(url, hint):
    """One sentence when the address cannot be asked at all: unset, or without its scheme
    (requests would only say InvalidSchema)."""
    if not url:
        return (
            f"The Vault address is empty: set {hint} (or VAULT_ADDR) to the server's URL, "
            "such as https://vault.example.com:8200."
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return (
            f"The Vault address '{url}' is not an http:// or https:// URL: set {hint} "
            f"(or VAULT_ADDR) to one, such as https://{url.split('://')[-1]}."
        )
    return None
