# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The base of this collection's actions: check the task's options (community.hashi_vault's
connection and auth options, then the action's own), log in to Vault, then one
read -> compare -> write, all in the controller process: no module is sent to any host."""

from __future__ import annotations

from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.community.hashi_vault.plugins.module_utils._authenticator import (
    HashiVaultAuthenticator,
)
from ansible_collections.community.hashi_vault.plugins.module_utils._connection_options import (
    HashiVaultConnectionOptions,
)
from ansible_collections.community.hashi_vault.plugins.module_utils._hashi_vault_common import (
    HashiVaultHelper,
    HashiVaultHVACError,
    HashiVaultOptionAdapter,
    HashiVaultValueError,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_api import (
    VaultApi,
    VaultApiError,
)

display = Display()

# hvac is imported here, with the action plugins, in ansible-playbook's own process: each task's
# worker process is forked from it, so a run imports hvac once instead of once per Vault task.
# Without hvac, community.hashi_vault's helper says what to install when an action runs.
try:
    import hvac  # noqa: F401 pylint: disable=unused-import
except ImportError:
    hvac = None

CONNECTION_SPEC = {**HashiVaultConnectionOptions.ARGSPEC, **HashiVaultAuthenticator.ARGSPEC}


class ReconcileError(Exception):
    """A desired state the action refuses to apply, in one sentence."""


def diff(header: str, before: dict | str, after: dict | str) -> dict:
    return {"before_header": header, "after_header": header, "before": before, "after": after}


class VaultAction(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    # The action's own options and rules, checked beside community.hashi_vault's.
    OPTIONS: dict = {}
    REQUIRED_IF: list = []

    def reconcile(self, api: VaultApi, args: dict) -> dict:
        """Read, compare and, unless in check mode, write; return changed, diff and facts."""
        raise NotImplementedError

    @property
    def check_mode(self) -> bool:
        return bool(self._task.check_mode)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        # Values a reconcile step reads or makes that no result may show (issued secret IDs).
        self.secrets: set[str] = set()
        spec = {**CONNECTION_SPEC, **self.OPTIONS}
        validation, args = self.validate_argument_spec(spec, required_if=self.REQUIRED_IF)
        try:
            result.update(self.reconcile(self._login(args), args))
        except (ReconcileError, VaultApiError, HashiVaultValueError, NotImplementedError) as exc:
            result.update(failed=True, changed=False, msg=str(exc))
        if not self._task.diff:
            result.pop("diff", None)
        # No value of a no_log option leaves the action, whatever went wrong; the token may
        # have come from VAULT_TOKEN or a token file, hence the second look at the options.
        hidden = set(validation._no_log_values) | self.secrets
        hidden.update(
            str(args[name]) for name, rule in spec.items() if rule.get("no_log") and args.get(name)
        )
        return remove_values(result, hidden)

    def _login(self, args: dict) -> VaultApi:
        try:
            helper = HashiVaultHelper()
        except HashiVaultHVACError as exc:
            raise ReconcileError(exc.msg) from None
        options = HashiVaultOptionAdapter.from_dict(args)
        connection = HashiVaultConnectionOptions(options, self._retry_callback)
        authenticator = HashiVaultAuthenticator(options, display.warning, display.deprecated)
        connection.process_connection_options()
        client = helper.get_vault_client(**connection.get_hvac_connection_options())
        authenticator.validate()
        api = VaultApi(client, helper.get_hvac().exceptions)
        api.login(args["auth_method"], authenticator.authenticate)
        return api

    @staticmethod
    def _retry_callback(retry_action):
        def on_retry(retry):
            if retry.total > 0 and retry_action == "warn":
                display.warning(f"Vault request failed; {retry.total} retries left.")

        return on_retry
