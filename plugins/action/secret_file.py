# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.secret_file: a secret written once to a controller file, 0600,
encrypted with the run's Ansible Vault password however it was given."""

from __future__ import annotations

import os
from pathlib import Path

from ansible.module_utils.common.text.converters import to_bytes
from ansible.parsing.vault import VaultLib, get_file_vault_secret, match_encrypt_secret
from ansible.plugins.action import ActionBase

OPTIONS = {
    "content": {"type": "str", "required": True, "no_log": True},
    "dest": {"type": "path", "required": True},
    "vault_id": {"type": "str", "default": ""},
    "vault_password_file": {"type": "path", "default": ""},
    "allow_plaintext": {"type": "bool", "default": False},
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
        label = args["vault_id"] or "default"
        secret = self._secret(args["vault_password_file"], label)
        result.update(dest=dest, encrypted=secret is not None, changed=False)
        if secret is None and not args["allow_plaintext"]:
            return {
                **result,
                "failed": True,
                "msg": f"No Ansible Vault password is loaded to encrypt {dest}; run with "
                "--ask-vault-pass, --vault-password-file or --vault-id, or allow plain text "
                "explicitly.",
            }
        if Path(dest).exists():
            # The file holds what an earlier run wrote; it is never replaced.
            return result
        result["changed"] = True
        if self._task.check_mode:
            return result
        data = to_bytes(args["content"])
        if secret is not None:
            data = VaultLib().encrypt(data, secret, vault_id=args["vault_id"] or None)
        Path(dest).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as target:
            target.write(data)
        return result

    def _secret(self, password_file: str, label: str):
        """The secret to encrypt with: the given password file's, or the best one the run
        loaded (ANSIBLE_VAULT_PASSWORD_FILE, ansible.cfg, --ask-vault-pass, --vault-id ...)."""
        if password_file:
            secret = get_file_vault_secret(password_file, vault_id=label, loader=self._loader)
            secret.load()
            return secret
        loaded = [pair for pair in self._loader._vault.secrets or [] if pair[1].bytes]
        best = match_encrypt_secret(loaded) if loaded else None
        return best[1] if best else None
