# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.input_checks: a role's input checks beyond its argument spec
(plugins/plugin_utils/input_rules.py), run over the task's variables inside ansible-playbook."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import input_rules

OPTIONS = {"rules": {"type": "str", "required": True, "choices": sorted(input_rules.RULE_SETS)}}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(OPTIONS)[1]
        values = input_rules.Values(task_vars or {}, self._templar.template)
        try:
            broken = input_rules.errors(args["rules"], values)
        except KeyError as exc:
            # The role's defaults define every variable its rules read: another play's task.
            return {
                **result,
                "failed": True,
                "msg": f"The rules '{args['rules']}' read {exc.args[0]}, which is not defined: "
                f"they check the variables of the role {args['rules']}, in its own tasks.",
            }
        result["changed"] = False
        if broken:
            result.update(failed=True, msg=" ".join(broken))
        return result
