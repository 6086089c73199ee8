# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.plugin_binary: its work done by this action when the host is the controller
itself (plugin_utils/host_action.py), by the module on any other host. With `catalog`, the action
first reads, on the controller, the sha256 the server's plugin catalog holds for the version and
hands it to the work as `trusted_sha256` (the module never gets the connection)."""

from __future__ import annotations

from urllib.parse import quote

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.utils.display import Display
from ansible_collections.webex_vault.oauthapp.plugins.module_utils.plugin_binary import (
    ARGUMENT_SPEC,
    REQUIRED_ONE_OF,
    ensure,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import vault_client
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.host_action import (
    HostModuleAction,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_api import (
    VaultApi,
    VaultApiError,
)

display = Display()
CATALOG_SPEC = {"catalog": ARGUMENT_SPEC["catalog"]}


def registered_sha256(catalog: dict) -> str:
    """The sha256 of the catalog entry of catalog's name and version, or '' when there is none."""
    client = vault_client.VaultClient(vault_client.settings(catalog["connection"]), display.warning)
    try:
        client.login()
        path = f"sys/plugins/catalog/{catalog['type']}/{catalog['name']}"
        entry = VaultApi(client).read(f"{path}?version={quote(catalog['version'], safe='')}")
    finally:
        client.logout()
    return str((entry or {}).get("sha256") or "").lower()


class ActionModule(HostModuleAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_ONE_OF = REQUIRED_ONE_OF
    ensure = staticmethod(ensure)

    def run(self, tmp=None, task_vars=None):
        if self._task.args.get("catalog"):
            checked = ArgumentSpecValidator(CATALOG_SPEC).validate(
                {"catalog": self._task.args["catalog"]}
            )
            if checked.error_messages:
                return {"failed": True, "changed": False, "msg": checked.error_messages[0]}
            args = {key: value for key, value in self._task.args.items() if key != "catalog"}
            if not args.get("trusted_sha256"):
                try:
                    args["trusted_sha256"] = registered_sha256(
                        checked.validated_parameters["catalog"]
                    )
                except VaultApiError as exc:
                    # Without the figure the binary is read from the verified archive, as
                    # always: slower, never less checked.
                    display.vvv(f"plugin_binary: no sha256 from the catalog ({exc})")
            self._task.args = args
        return super().run(tmp, task_vars)
