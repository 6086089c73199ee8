# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.vault_health: the health gate before API work, in the controller
process: /v1/sys/health until the server serves (or certainly will not), then one login and a
token check. The token goes back in the result, as community.hashi_vault.vault_login returns
it (login.auth.client_token), and the result is then hidden: register it, never a fact."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from ansible.plugins.action import ActionBase
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    CONNECTION_SPEC,
    VaultAction,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_api import VaultApiError

# What each /v1/sys/health status says about the server (Vault and OpenBao alike).
NOT_SERVING = {
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
        "refused_ok": {"type": "bool", "default": False},
        "wait_retries": {"type": "int", "default": 5},
        "wait_delay": {"type": "float", "default": 2.0},
        "url_hint": {"type": "str", "default": "the url option (VAULT_ADDR)"},
        "credentials_hint": {"type": "str", "default": "the token (token option, VAULT_TOKEN)"},
        "standby_ok": {"type": "bool", "default": False},
    }

    def reconcile(self, api, args):  # the health gate reads only; see run()
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        # ActionBase.run, not VaultAction.run: the health comes before any login, and the
        # token a login obtains is handed over, not revoked.
        result = ActionBase.run(self, tmp, task_vars)
        self.secrets = set()
        spec = {**CONNECTION_SPEC, **self.OPTIONS}
        args = self.validate_argument_spec(spec)[1]
        result.update(changed=False)
        client, login = None, {}
        try:
            client = self.new_client(args)
            answer, login = self._gate(client, args)
            result.update(answer)
        except VaultApiError as exc:
            result.update(failed=True, msg=str(exc))
        result = self.hide(result, spec, args, client)
        if login and not result.get("failed"):
            # The token the later tasks use: the whole result is then hidden, as a no_log
            # task's is (only a success carries it; a failure's message is shown).
            result.update(login=login, _ansible_no_log=True)
        return result

    def _gate(self, client, args):
        url = client.settings.url
        problem = url_problem(url, args["url_hint"])
        if problem:
            return {"failed": True, "status": -1, "msg": problem}, {}
        status, reason = self._health(client, args)
        serving = (200, *STANDBY) if args["standby_ok"] else (200,)
        if status not in serving:
            what = NOT_SERVING.get(status, f"answered HTTP {status}")
            if status == -1:
                what = f"does not answer ({reason}); start it or fix {{url_hint}}"
            what = what.format(url_hint=args["url_hint"])
            return {"failed": True, "status": status, "msg": f"The server at {url} {what}."}, {}
        answer = {"status": status, "url": url, "active": self._active(client, status, args)}
        if not args["check_token"]:
            return answer, {}
        token = None
        try:
            client.login()
            token = client.lookup_self()
        except VaultApiError:
            pass
        answer.update(token_accepted=token is not None, logged_in=client.logged_in)
        if token is None:
            if args["refused_ok"]:
                return answer, {}
            namespace = f" (namespace {args['namespace']})" if args.get("namespace") else ""
            answer.update(
                failed=True,
                msg=f"The server at {url}{namespace} does not accept "
                f"{args['credentials_hint']}; give valid credentials.",
            )
            return answer, {}
        auth = {
            "client_token": client.token,
            "accessor": token.get("accessor", ""),
            "policies": sorted(token.get("policies") or []),
            "renewable": bool(token.get("renewable")),
            "lease_duration": token.get("ttl", 0),
        }
        return answer, {"auth": auth}

    @staticmethod
    def _active(client, status, args):
        """Whether this node is the active one: sys/leader (unauthenticated) says so on a
        cluster; a server without HA is active when it serves."""
        if not args["standby_ok"]:
            return status == 200
        leader = client.status("read_leader_status")
        if leader.get("ha_enabled"):
            return bool(leader.get("is_self"))
        return status == 200

    @staticmethod
    def _health(client, args):
        """(status, reason) of GET <url>/v1/sys/health, asked again while it may still change;
        status -1 when nothing answers."""
        final = FINAL + (STANDBY if args["standby_ok"] else ())
        status, reason = -1, ""
        for attempt in range(max(args["wait_retries"], 0) + 1):
            answer = client.health()
            status, reason = answer[0], answer[2]
            if status in final or attempt >= args["wait_retries"]:
                break
            time.sleep(args["wait_delay"])
        return status, reason


def url_problem(url, hint):
    """One sentence when the address has no scheme (requests would only say InvalidSchema);
    the client has already refused an empty one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return (
            f"The Vault address '{url}' is not an http:// or https:// URL: set {hint} "
            f"(or VAULT_ADDR) to one, such as https://{url.split('://')[-1]}."
        )
    return None
