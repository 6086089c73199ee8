# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.controller_file: a file on the controller, written only when its content
or mode differ, inside ansible-playbook (no module process)."""

from __future__ import annotations

from pathlib import Path

from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import controller_files

OPTIONS = {
    "content": {"type": "str", "required": True},
    "dest": {"type": "path", "required": True},
    "mode": {"type": "str", "default": "0600"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(OPTIONS)[1]
        dest, wanted = Path(args["dest"]), to_bytes(args["content"])
        try:
            mode = int(args["mode"], 8)
        except ValueError:
            mode = -1
        if not 0 <= mode <= 0o7777:
            return {**result, "failed": True, "msg": f"mode must be octal, not '{args['mode']}'."}
        result.update(dest=str(dest), changed=False)
        if not dest.parent.is_dir():
            return {**result, "failed": True, "msg": f"The directory of {dest} does not exist."}
        current, current_mode = controller_files.current(dest)
        content_changed = current != wanted
        result["changed"] = content_changed or current_mode != mode
        if self._task.diff and result["changed"]:
            before = "" if current is None else to_text(current, errors="surrogate_or_replace")
            result["diff"] = {
                "before_header": str(dest),
                "after_header": str(dest),
                "before": before,
                "after": args["content"],
            }
        if self._task.check_mode or not result["changed"]:
            return result
        if content_changed:
            controller_files.replace(dest, wanted, mode)
        else:
            dest.chmod(mode)
        return result
