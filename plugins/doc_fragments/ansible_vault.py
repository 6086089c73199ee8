# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""How a controller file is encrypted with Ansible Vault: the options of secret_file, and the
suboptions of approle_identity's encrypt, written once. Their one spec is
plugins/plugin_utils/ansible_vault.py ENCRYPTION_OPTIONS."""

from __future__ import annotations

from textwrap import indent


class ModuleDocFragment:
    # secret_file: the options themselves.
    DOCUMENTATION = r"""
options:
  vault_id:
    description:
      - Vault-id label written into the encrypted file's header (C(1.2) format), for example
        C(vault_server_init); empty writes the unlabelled C(1.1) format.
    type: str
    default: ""
  vault_password_file:
    description:
      - A password file (or script) to encrypt with, instead of the passwords the run loaded.
    type: path
    default: ""
  allow_plaintext:
    description:
      - Write the file in plain text (still 0600) when the run has no Ansible Vault password.
    type: bool
    default: false
  own_password:
    description:
      - Encrypt only with the password loaded under I(vault_id) (C(--vault-id <vault_id>@prompt)
        or C(@<file>)) or with I(vault_password_file), never with another loaded one.
    type: bool
    default: false
  distinct_from:
    description:
      - Vault-ids (each with its optional password file) whose password must not be the one that
        encrypts the file. The task fails when it is, so that one password does not open two
        files that must be kept apart.
    type: list
    elements: dict
    default: []
    suboptions:
      vault_id:
        description: The other file's vault-id.
        type: str
        required: true
      vault_password_file:
        description: The other file's password file, when it has one.
        type: path
        default: ""
"""


# approle_identity: the same options under its encrypt option, whose description and type the
# module gives (a fragment's option is merged key by key into the module's). Made from the text
# above after the class: ansible-test reads only the literal texts of a fragment's class body;
# tests/unit/plugins/test_secret_file.py lints this one with ansible-test's rules.
_OPTIONS = ModuleDocFragment.DOCUMENTATION.split("options:\n", 1)[1]
ModuleDocFragment.ENCRYPT = "options:\n  encrypt:\n    suboptions:\n" + indent(_OPTIONS, "    ")
