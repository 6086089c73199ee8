# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Controller files encrypted with Ansible Vault (the init file, the admin identity): the run's
own Ansible Vault password, however it was given, or a password file of their own; or, for files
that must not share a password, only the password loaded under their own vault-id."""

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
NONE_OF_ITS_OWN = (
    "No Ansible Vault password is loaded under the vault-id '{vault_id}' to encrypt {dest}; "
    "run with --vault-id {vault_id}@prompt (or @<password file>), a password no other file "
    "of the server shares, or allow plain text explicitly."
)
ONE_FOR_BOTH = (
    "The password of the vault-id '{vault_id}' (for {dest}) is also the password of the "
    "vault-id '{other}': give each its own password, so that one password does not open both files."
)


# How a controller file is encrypted: secret_file's options, approle_identity's encrypt
# suboptions (documented once: plugins/doc_fragments/ansible_vault.py).
ENCRYPTION_OPTIONS = {
    "vault_id": {"type": "str", "default": ""},
    "vault_password_file": {"type": "path", "default": ""},
    "allow_plaintext": {"type": "bool", "default": False},
    "own_password": {"type": "bool", "default": False},
    "distinct_from": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "vault_id": {"type": "str", "required": True},
            "vault_password_file": {"type": "path", "default": ""},
        },
    },
}


class EncryptionRefused(Exception):
    """The file cannot be encrypted the way it must be: one sentence."""


def loaded_secrets(loader) -> list:
    """The (vault-id, secret) pairs the run loaded (ANSIBLE_VAULT_PASSWORD_FILE, ansible.cfg,
    --ask-vault-pass, --vault-id ...)."""
    return [pair for pair in loader._vault.secrets or [] if pair[1].bytes]


def _from_file(loader, password_file: str, vault_id: str):
    secret = get_file_vault_secret(password_file, vault_id=vault_id or "default", loader=loader)
    secret.load()
    return secret


def encryption_secret(loader, password_file: str, vault_id: str, own: bool = False):
    """The secret to encrypt with: the given password file's; with own, the one the run loaded
    under vault_id; else the best one the run loaded. None when there is none."""
    if password_file:
        return _from_file(loader, password_file, vault_id)
    loaded = loaded_secrets(loader)
    if own:
        return next((secret for label, secret in loaded if label == vault_id), None)
    best = match_encrypt_secret(loaded) if loaded else None
    return best[1] if best else None


def checked_secret(loader, dest: str, options: dict):
    """The secret that encrypts dest under options (vault_id, vault_password_file,
    own_password, distinct_from); None when plain text it is. EncryptionRefused when there is
    none and plain text is not allowed, or when it is the password of a vault-id in
    distinct_from."""
    vault_id, own = options["vault_id"], options.get("own_password", False)
    secret = encryption_secret(loader, options["vault_password_file"], vault_id, own)
    if secret is None:
        if options["allow_plaintext"]:
            return None
        template = NONE_OF_ITS_OWN if own else NOTHING_TO_ENCRYPT_WITH
        raise EncryptionRefused(template.format(dest=dest, vault_id=vault_id))
    for other in options.get("distinct_from") or []:
        theirs = encryption_secret(loader, other["vault_password_file"], other["vault_id"], True)
        if theirs is not None and theirs.bytes == secret.bytes:
            raise EncryptionRefused(
                ONE_FOR_BOTH.format(vault_id=vault_id, dest=dest, other=other["vault_id"])
            )
    return secret


def encrypt(data: bytes, secret, vault_id: str) -> bytes:
    return VaultLib().encrypt(data, secret, vault_id=vault_id or None)


def decrypt(loader, data: bytes, password_file: str, vault_id: str) -> bytes | None:
    """data in plain text: decrypted when it is Ansible Vault data (None when no secret this
    run has opens it), as it is otherwise."""
    if not is_encrypted(data):
        return data
    secrets = loaded_secrets(loader)
    if password_file:
        secrets = [(vault_id or "default", _from_file(loader, password_file, vault_id))]
    try:
        return VaultLib(secrets).decrypt(data)
    except AnsibleError:
        return None


def is_vault_data(data: bytes) -> bool:
    return bool(is_encrypted(data))


def opens(data: bytes, secret, vault_id: str) -> bool:
    """Whether secret alone decrypts data (Ansible Vault data)."""
    try:
        VaultLib([(vault_id or "default", secret)]).decrypt(data)
    except AnsibleError:
        return False
    return True
