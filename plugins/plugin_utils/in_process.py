# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""A module of this collection run inside ansible-playbook when its host is the controller
itself: the same module code with the same arguments and the same result, without the module
process (about 0.5 s per task on the benchmark machine: Python, the AnsiballZ payload and
ansible.module_utils.basic, for a few file checks).

Only where the module process would change nothing: a local connection, no become, no async,
no task environment. Anything else (and `webex_vault_in_process: false` in the host's vars)
runs the module as Ansible always does."""

from __future__ import annotations

import contextlib
import io
import json

from ansible.module_utils import basic
from ansible.module_utils.common import json as module_json
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

LOCAL = ("local", "ansible.builtin.local")
# The argument encoding Ansible uses for modules of this collection (no data tagging).
PROFILE = "legacy"


class InProcessModuleAction(ActionBase):
    """The action plugin of a module: main() in this process when the host is this machine."""

    _supports_check_mode = True
    _supports_async = True

    @staticmethod
    def module_main():
        """The module's main()."""
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        if self._runs_here(task_vars):
            result.update(self._run_here(task_vars))
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

    def _run_here(self, task_vars) -> dict:
        args = dict(self._task.args)
        self._update_module_args(self._task.action, args, task_vars)
        encoder = module_json.get_module_encoder(
            PROFILE, module_json.Direction.CONTROLLER_TO_MODULE
        )
        payload = json.dumps({"ANSIBLE_MODULE_ARGS": args}, cls=encoder).encode()
        saved = basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE
        output = io.StringIO()
        # AnsibleModule reads its arguments from these globals, prints its result as JSON and
        # exits; this worker process runs this one task only, and the globals are put back.
        basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = payload, PROFILE
        try:
            with contextlib.redirect_stdout(output):
                self.module_main()
        except SystemExit:
            pass
        finally:
            basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = saved
        return self._parse_returned_data({"stdout": output.getvalue(), "stderr": ""}, PROFILE)
