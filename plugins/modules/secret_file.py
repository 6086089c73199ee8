# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/secret_file.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: secret_file
short_description: Write a secret once to a file on the controller, encrypted with Ansible Vault
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Writes I(content) to I(dest) on the controller, mode 0600, unless I(dest) already exists,
    which is never replaced.
  - Encrypts it with the Ansible Vault password the run loaded, however it was given
    (C(--ask-vault-pass), C(--vault-password-file), C(--vault-id), C(ANSIBLE_VAULT_PASSWORD_FILE)
    or C(vault_password_file) in C(ansible.cfg)), or with I(vault_password_file).
  - With I(own_password), only the password loaded under I(vault_id) encrypts it.
  - Without any password it fails, unless I(allow_plaintext) is true; it also fails when the
    password is the one of a vault-id in I(distinct_from).
  - In check mode it checks the same and writes nothing.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
options:
  content:
    description: The secret text. Never logged or returned.
    type: str
    required: true
  dest:
    description: Path of the file on the controller.
    type: path
    required: true
  vault_id:
    description:
      - Label written into the encrypted file's header (C(1.2) format), for example
        C(vault_server_init); empty writes the unlabelled C(1.1) format.
      - Any loaded password decrypts it.
    type: str
    default: ""
  vault_password_file:
    description:
      - A password file (or script) to encrypt with instead of the run's loaded passwords.
    type: path
    default: ""
  allow_plaintext:
    description: Write the file in plain text (still 0600) when no password is loaded.
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
      - Vault-ids (each with its optional password file) whose password must not be the one
        that encrypts I(dest). The module fails when it is, so that one password does not open
        two files that must be kept apart.
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

EXAMPLES = r"""
- name: Keep the unseal keys and the root token
  webex_vault.oauthapp.secret_file:
    content: "{{ init_answer | to_nice_json }}"
    dest: ~/.webex-vault/vault1-init.json
    vault_id: vault_server_init
  no_log: true
"""

RETURN = r"""
dest:
  description: The file's path.
  returned: always
  type: str
encrypted:
  description: Whether the file is (or would be) encrypted.
  returned: always
  type: bool
"""
