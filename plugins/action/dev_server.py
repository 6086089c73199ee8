# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.dev_server: its work done by this action when the host is the controller
itself (plugin_utils/host_action.py), by the module on any other host."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.module_utils.dev_server import (
    ARGUMENT_SPEC,
    ensure,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.host_action import (
    HostModuleAction,
)


class ActionModule(HostModuleAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    ensure = staticmethod(ensure)
