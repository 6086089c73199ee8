# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The action plugin of a host-side module (plugin_binary, dev_server): when the host is the
controller itself, the action does the module's work in its own process, with the same
functions the module calls (plugins/module_utils), and saves the module process (about 0.5 s
per task: Python, the AnsiballZ payload and AnsibleModule, for a few file checks). Anywhere
else, the module runs on the host as Ansible always runs modules.

Only where the module process would change nothing: a local connection, no become, no async,
no task environment. `webex_vault_in_process: false` in the host's vars runs the module."""

from __future__ import annotations

import os
import subprocess

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.webex_vault.oauthapp.plugins.module_utils.host_task import (
    Host,
    HostTaskError,
)

display = Display()
LOCAL = ("local", "ansible.builtin.local")


def run_command(argv, environ_update):
    """(rc, stdout, stderr) of argv on this machine, as AnsibleModule.run_command gives them."""
    process = subprocess.run(
        argv,
        env={**os.environ, **environ_update},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    return process.returncode, process.stdout, process.stderr


class HostModuleAction(ActionBase):
    """Subclasses name the module's argument spec and the function that does its work."""

    _supports_check_mode = True
    _supports_async = True

    ARGUMENT_SPEC: dict = {}
    REQUIRED_ONE_OF: list = []

    @staticmethod
    def ensure(params, host):
        """The module's work: params as validated, host as Host gives it; the result."""
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        if self._runs_here(task_vars):
            params = self.validate_argument_spec(
                self.ARGUMENT_SPEC, required_one_of=self.REQUIRED_ONE_OF
            )[1]
            host = Host(self._task.check_mode, run_command=run_command)
            try:
                result.update(self.ensure(params, host))
            except HostTaskError as exc:
                result.update(failed=True, changed=False, msg=exc.msg, **exc.details)
            if host.warnings:
                result["warnings"] = host.warnings
            return result
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result.update(self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _runs_here(self, task_vars) -> bool:
        return (
            self._connection.transport in LOCAL
            and not self._play_context.become
            and not self._task.async_val
            and not any(self._task.environment or [])
            and boolean(self._templar.template(task_vars.get("webex_vault_in_process", True)))
        )
