# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/oauthapp_config.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: oauthapp_config
short_description: The oauthapp secrets engine's configuration in Vault or OpenBao
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Reads C(<mount>/config) and compares each key of I(config) with what the engine reads back,
    as text (so C(60) and C("60"), or C(1.5) from YAML and from JSON, agree).
  - When a value differs (or nothing was written yet), writes I(config). A write replaces the
    whole configuration, so I(config) must be the full desired set (the plugin's defaults
    combined with the changes).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  mount:
    description: Path the oauthapp engine is mounted at.
    type: str
    default: oauthapp
  config:
    description: The whole configuration (C(default_server) and the C(tune_*) settings).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the plugin configuration
  webex_vault.oauthapp.oauthapp_config:
    mount: oauthapp
    config:
      default_server: webex-myapp
      tune_refresh_check_interval_seconds: 60
"""

RETURN = r"""
differs:
  description: The keys whose value differed (and were written, unless in check mode).
  returned: success
  type: list
  elements: str
config:
  description: The configuration after the run (the engine's, with I(config) applied).
  returned: success
  type: dict
"""
