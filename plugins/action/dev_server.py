# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.dev_server: the module, run in this process when its host is this
machine (plugin_utils/in_process.py), as a module process anywhere else."""

from __future__ import annotations

from ansible_collections.webex_vault.oauthapp.plugins.modules.dev_server import main
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.in_process import (
    InProcessModuleAction,
)


class ActionModule(InProcessModuleAction):
    # Imported with this file, in ansible-playbook's own process: the worker process of each
    # task is forked from it, so a run imports the module code once, not once per task.
    module_main = staticmethod(main)
