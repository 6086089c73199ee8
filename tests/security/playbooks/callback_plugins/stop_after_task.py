"""A run that stops dead right after one task, as a power cut or a killed controller would
stop it: once the task named in WEBEX_VAULT_STOP_AFTER_TASK (the end of its name, without the
role) has reported its result on every host, ansible-playbook kills itself (SIGKILL), so that
no other task, handler or `always` section runs.

    ANSIBLE_CALLBACK_PLUGINS=tests/security/playbooks/callback_plugins
    ANSIBLE_CALLBACKS_ENABLED=stop_after_task
    WEBEX_VAULT_STOP_AFTER_TASK="and keep the admin identity"

Test-harness code (tests/ only): not part of the collection.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: stop_after_task
type: aggregate
short_description: kill the run right after the task named in WEBEX_VAULT_STOP_AFTER_TASK
description: Test harness only (a run that stops between two tasks).
"""


class CallbackModule(CallbackBase):  # type: ignore[misc]
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "stop_after_task"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._name = os.environ.get("WEBEX_VAULT_STOP_AFTER_TASK", "")
        self._stopping = False

    def v2_runner_on_ok(self, result: Any) -> None:
        # The default stdout callback has shown this result already (it is called first).
        if self._name and result._task.get_name().endswith(self._name):
            self._stopping = True

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        # The next task is about to start: every host's result of the named one is in.
        if self._stopping:
            self._display.display(f"[stop_after_task] the run stops after '{self._name}'")
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
