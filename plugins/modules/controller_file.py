# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/controller_file.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: controller_file
short_description: Write a file on the controller when its content or mode differ
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Compares I(content) and I(mode) with the file at I(dest) on the controller and writes it only
    when they differ, through a temporary file created with I(mode) in the same directory and a
    rename, so that the content is never readable with a wider mode and readers never see half
    a file.
  - Runs inside C(ansible-playbook) (an action plugin), so no module process is started,
    whatever the play's hosts are.
  - The directory of I(dest) must exist.
  - For a file with secrets, set C(no_log) on the task; the diff is then not shown either.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
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
    description: The file's content, for example a C(ansible.builtin.template) lookup.
    type: str
    required: true
  dest:
    description: Path of the file on the controller.
    type: path
    required: true
  mode:
    description: The file's mode, as an octal string.
    type: str
    default: "0600"
"""

EXAMPLES = r"""
- name: Write the sample's settings file
  webex_vault.oauthapp.controller_file:
    content: "{{ lookup('ansible.builtin.template', 'sample.env.j2') }}"
    dest: "{{ playbook_dir }}/samples/.env"
    mode: "0600"
  no_log: true
"""

RETURN = r"""
dest:
  description: The file's path.
  returned: always
  type: str
"""
