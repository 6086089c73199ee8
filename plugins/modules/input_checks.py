# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/input_checks.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: input_checks
short_description: Check a role's variables beyond what its argument spec can say
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Runs the rule set named in I(rules) over the task's variables, on the controller, and fails
    with one sentence per broken rule, each naming its variables.
  - The rules are what an argument spec cannot express (patterns, absolute paths, relations
    between variables, variables of earlier releases that must no longer be set); the roles
    run this step first, before anything is read or written.
  - It changes nothing and behaves the same in check mode.
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
  rules:
    description: The rule set, named after the role that owns it.
    type: str
    required: true
    choices: [vault_server]
"""

EXAMPLES = r"""
- name: Check what the argument spec cannot
  webex_vault.oauthapp.input_checks:
    rules: vault_server
"""

RETURN = r"""
msg:
  description: The sentences of the broken rules, when any rule is broken.
  returned: failure
  type: str
"""
