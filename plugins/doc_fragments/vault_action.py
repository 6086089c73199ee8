# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""What the reconcile actions share: where they run and how they behave."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
requirements:
  - C(hvac) on the controller (community.hashi_vault's requirement too).
notes:
  - The module runs on the controller as an action plugin, in the C(ansible-playbook) process;
    no module process is started on any host, so C(delegate_to) is not needed.
  - Each run reads the resource, compares it with the options, and writes only what differs.
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows every setting the module manages, before and after; secrets are never shown.
  platform:
    platforms: all
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  action_group:
    description: Use C(group/webex_vault.oauthapp.vault) in C(module_defaults) to set the connection
      and auth options of this module and of community.hashi_vault's modules at once.
    support: full
    membership:
      - webex_vault.oauthapp.vault
"""
