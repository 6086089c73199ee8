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
  - webex_vault.oauthapp.ansible_vault
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
