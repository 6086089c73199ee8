# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/audit_device.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: audit_device
short_description: An audit device of Vault or OpenBao
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Reads C(sys/audit); enables the device at I(path) with I(type) and I(options) when no
    device is there.
  - A device cannot be changed in place, so one at I(path) whose type or options differ is
    refused (one sentence), never disabled or replaced.
  - With I(declared), the server's own configuration declares the device (OpenBao refuses audit
    devices enabled through the API); it is only checked, and its absence is a failure.
  - Enabling a device needs C(sudo) on C(sys/audit/<path>) (a root token, in practice).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  path:
    description: Path of the device (C(sys/audit/<path>)).
    type: str
    default: file
  type:
    description: Device type (C(file), C(syslog), C(socket)).
    type: str
    default: file
  description:
    description: Description of a device this module enables.
    type: str
    default: ""
  options:
    description: The device's options (for C(file), C(file_path)); compared as text.
    type: dict
    default: {}
  declared:
    description: The server's configuration declares the device; check it, never write it.
    type: bool
    default: false
  hint:
    description: What a failure message adds, after a semicolon (where to look, what to do).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Enable the file audit device
  webex_vault.oauthapp.audit_device:
    path: file
    type: file
    description: File audit log (managed by Ansible)
    options:
      file_path: /var/log/vault/audit.log
"""

RETURN = r"""
device:
  description: The device's type and options after the run.
  returned: success
  type: dict
"""
