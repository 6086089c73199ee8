# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Controller files encrypted with Ansible Vault (the init file, the admin identity): the run's
own Ansible Vault password, however it was given, or a password file of their own."""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.parsing.vault import (
    VaultLib,
    get_file_vault_secret,
    is_encrypted,
    match_encrypt_secret,
)

NOTHING_TO_ENCRYPT_WITH = (
    "No Ansible Vault password is loaded to encrypt {dest}; run with --ask-vault-pass, "
    "--vault-password-file or --vault-id, or allow plain text explicitly."
)


def loaded_secrets(loader) -> list:
    """The (vault-id, secret) pairs the run loaded (ANSIBLE_VAULT_PASSWORD_FILE, ansible.cfg,
    --ask-vault-pass, --vault-id ...)."""
    return [pair for pair in loader._vault.secrets or [] if pair[1].bytes]


def encryption_secret(loader, password_file: str, vault_id: str):
    """The secret to encrypt with: the given password file's, or the best one the run loaded;
    None when there is none."""
    if password_file:
        secret = get_file_vault_secret(password_file, vault_id=vault_id or "default", loader=loader)
        secret.load()
        return secret
    loaded = loaded_secrets(loader)
    best = match_encrypt_secret(loaded) if loaded else None
    return best[1] if best else None


def encrypt(data: bytes, secret, vault_id: str) -> bytes:
    return VaultLib().encrypt(data, secret, vault_id=vault_id or None)


def decrypt(loader, data: bytes, password_file: str, vault_id: str) -> bytes | None:
    """data in plain text: decrypted when it is Ansible Vault data (None when no secret this
    run has opens it), as it is otherwise."""
    if not is_encrypted(data):
        return data
    secrets = loaded_secrets(loader)
    if password_file:
        secrets = [(vault_id or "default", encryption_secret(loader, password_file, vault_id))]
    try:
        return VaultLib(secrets).decrypt(data)
    except AnsibleError:
        return None
