# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.secret_file: a secret written once to a controller file, 0600,
encrypted with the run's Ansible Vault password however it was given."""

from __future__ import annotations

import os
from pathlib import Path

from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import ansible_vault

OPTIONS = {
    "content": {"type": "str", "required": True, "no_log": True},
    "dest": {"type": "path", "required": True},
    **ansible_vault.ENCRYPTION_OPTIONS,
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(OPTIONS)[1]
        dest = args["dest"]
        result.update(dest=dest, encrypted=False, changed=False)
        try:
            secret = ansible_vault.checked_secret(self._loader, dest, args)
        except ansible_vault.EncryptionRefused as exc:
            return {**result, "failed": True, "msg": str(exc)}
        result["encrypted"] = secret is not None
        if Path(dest).exists():
            # The file holds what an earlier run wrote; it is never replaced.
            return result
        result["changed"] = True
        if self._task.check_mode:
            return result
        data = to_bytes(args["content"])
        if secret is not None:
            data = ansible_vault.encrypt(data, secret, args["vault_id"])
        Path(dest).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as target:
            target.write(data)
        return result
