# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The base of this collection's actions: check the task's options (community.hashi_vault's
connection and auth option names, then the action's own), log in to Vault through the one
client, then one read -> compare -> write, all in the controller process: no module is sent to
any host. A token the action's own login obtained is revoked before it returns."""

from __future__ import annotations

from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import vault_client
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_api import (
    VaultApi,
    VaultApiError,
)

display = Display()

CONNECTION_SPEC = vault_client.OPTIONS


class ReconcileError(Exception):
    """A desired state the action refuses to apply, in one sentence."""


def diff(header: str, before: dict | str, after: dict | str) -> dict:
    return {"before_header": header, "after_header": header, "before": before, "after": after}


def no_log_values(spec: dict, args: dict) -> set[str]:
    """Every value of an option marked no_log (suboptions included), as remove_values takes them."""
    found: set[str] = set()
    for name, rule in spec.items():
        value = (args or {}).get(name)
        if value in (None, "", [], {}):
            continue
        if rule.get("no_log"):
            found.update(_strings(value))
        elif rule.get("options") and isinstance(value, dict):
            found |= no_log_values(rule["options"], value)
        elif rule.get("options") and isinstance(value, list):
            for item in value:
                found |= no_log_values(rule["options"], item if isinstance(item, dict) else {})
    return found


def _strings(value) -> set[str]:
    if isinstance(value, dict):
        return {text for item in value.values() for text in _strings(item)}
    if isinstance(value, (list, tuple, set)):
        return {text for item in value for text in _strings(item)}
    return {str(value)}


class VaultAction(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    # The action's own options and rules, checked beside the connection's.
    OPTIONS: dict = {}
    REQUIRED_IF: list = []
    # False for an action that calls only unauthenticated endpoints (init, unseal, status):
    # it needs no token and sends none.
    AUTHENTICATED = True

    def reconcile(self, api: VaultApi, args: dict) -> dict:
        """Read, compare and, unless in check mode, write; return changed, diff and more."""
        raise NotImplementedError

    @property
    def check_mode(self) -> bool:
        return bool(self._task.check_mode)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        # Values a reconcile step reads or makes that no result may show (issued secret IDs).
        self.secrets: set[str] = set()
        spec = {**CONNECTION_SPEC, **self.OPTIONS}
        args = self.validate_argument_spec(spec, required_if=self.REQUIRED_IF)[1]
        client = None
        try:
            client = self.new_client(args)
            client.login()
            result.update(self.reconcile(VaultApi(client), args))
        except (ReconcileError, VaultApiError, NotImplementedError) as exc:
            result.update(failed=True, changed=False, msg=str(exc))
        finally:
            if client is not None:
                client.logout()
        if not self._task.diff:
            result.pop("diff", None)
        return self.hide(result, spec, args, client)

    def new_client(self, args: dict) -> vault_client.VaultClient:
        """The client for the task's connection and auth options (not logged in yet)."""
        options = args if self.AUTHENTICATED else {**args, "auth_method": "none"}
        return vault_client.VaultClient(vault_client.settings(options), display.warning)

    def hide(self, result: dict, spec: dict, args: dict, client) -> dict:
        """No value of a no_log option, no token (however it was found: an option, VAULT_TOKEN,
        a token file, a login) and no secret a reconcile step met leaves the action."""
        hidden = no_log_values(spec, args) | self.secrets
        if client is not None:
            hidden |= client.settings.secrets
        return remove_values(result, {value for value in hidden if value})
