# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The roles' input checks that an argument spec cannot express (patterns, absolute paths,
relations between variables), as plain Python over the role's variables.

They used to be Jinja expressions in a fail task. Ansible compiles every template string anew in
each task's worker process, and those expressions cost about 0.1 s per role entry point on
every run, even when all of them passed; here they cost about 1 ms. Each rule reads the
variables it names through `Values` (rendered on first use, as the task would have) and
returns the sentence to show when it fails, naming the variables, or None. The comparisons
keep Jinja's meaning: `is match` anchors at the start, `| int` of a non-number is 0."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any

from ansible.module_utils.parsing.convert_bool import boolean


class Values:
    """A role's variables by name, each rendered once when a rule first reads it."""

    def __init__(self, variables: Mapping[str, Any], render: Callable[[Any], Any]):
        self._variables = variables
        self._render = render
        self._seen: dict[str, Any] = {}

    def defined(self, name: str) -> bool:
        return name in self._variables

    def __getitem__(self, name: str) -> Any:
        if name not in self._seen:
            self._seen[name] = self._render(self._variables[name])
        return self._seen[name]


def match(value: Any, pattern: str) -> bool:
    """Jinja's `is match`: the pattern matches at the start of the value's text."""
    return re.match(pattern, str(value)) is not None


def search(value: Any, pattern: str) -> bool:
    return re.search(pattern, str(value)) is not None


def as_int(value: Any) -> int:
    """Jinja's `| int`: the whole number, 0 when the value is none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0


def as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def as_bool(value: Any) -> bool:
    return boolean(value, strict=False)


def absolute(value: Any) -> bool:
    return isinstance(value, str) and PurePosixPath(value).is_absolute()


Rule = Callable[[Values], "str | None"]

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
PATH = r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$"
VAULT_ID = r"^[A-Za-z0-9_.-]+$"
CIDR = r"^[0-9A-Fa-f.:]+/[0-9]{1,3}$"

# Variables of earlier releases whose rules now come in vault_server_admin_policy_rules: a
# playbook that still sets them would silently lose those rules.
VAULT_SERVER_FORMER = tuple(
    f"vault_server_admin_{name}"
    for name in (
        "plugin_name",
        "engine_mount",
        "state_mount",
        "webex_server",
        "app_approle_mount",
        "app_identities",
    )
)


def _server_addresses(v: Values) -> str | None:
    if (
        match(v["vault_server_listen_address"], r"^[^:/\s]+:[0-9]{1,5}$")
        and match(v["vault_server_api_addr"], r"^https?://[^/\s]+$")
        and absolute(v["vault_server_data_dir"])
        and absolute(v["vault_server_plugin_directory"])
    ):
        return None
    return (
        "vault_server_listen_address must be host:port, vault_server_api_addr an http(s) URL "
        "without a path, and vault_server_data_dir and vault_server_plugin_directory absolute "
        "paths."
    )


def _admin_identity(v: Values) -> str | None:
    cidrs = v["vault_server_admin_bound_cidrs"]
    ttl = as_int(v["vault_server_admin_token_ttl"])
    max_ttl = as_int(v["vault_server_admin_token_max_ttl"])
    share = as_float(v["vault_server_admin_secret_id_renew_share"])
    if (
        (
            not as_bool(v["vault_server_revoke_root_token"])
            or as_bool(v["vault_server_admin_identity"])
        )
        and match(v["vault_server_admin_policy"], NAME)
        and match(v["vault_server_admin_role"], NAME)
        and v["vault_server_admin_policy"] not in ("root", "default")
        and match(v["vault_server_admin_approle_mount"], PATH)
        and isinstance(cidrs, list)
        and all(match(cidr, CIDR) for cidr in cidrs)
        and ttl > 0
        and max_ttl >= ttl
        and as_int(v["vault_server_admin_secret_id_ttl"]) >= 0
        and 0 <= share < 1
        and absolute(v["vault_server_admin_file"])
    ):
        return None
    return (
        "vault_server_revoke_root_token needs vault_server_admin_identity (else nothing could "
        "manage the server afterwards); the admin policy and role names and its AppRole mount "
        "must be plain names or mount paths (no '*', '+', quotes, spaces; the policy not 'root' or "
        "'default'), vault_server_admin_bound_cidrs CIDRs, the token TTLs positive with "
        "max >= ttl, vault_server_admin_secret_id_renew_share at least 0 and less than 1, and "
        "vault_server_admin_file an absolute path."
    )


def _vault_ids(v: Values) -> str | None:
    # Each controller file has a password of its own (issue 20): two vault-ids, two labels.
    init_id, admin_id = v["vault_server_init_vault_id"], v["vault_server_admin_vault_id"]
    if match(init_id, VAULT_ID) and match(admin_id, VAULT_ID) and init_id != admin_id:
        return None
    return (
        "vault_server_init_vault_id and vault_server_admin_vault_id must be two different plain "
        "vault-ids (letters, digits, '_', '.', '-'), one per file, each with its own password."
    )


def _no_root_token(v: Values) -> str | None:
    # Break glass takes its root token from a file or a prompt (issue 20): a token on the
    # command line stays in the shell history and in ps.
    if not v.defined("vault_server_root_token"):
        return None
    return (
        "vault_server_root_token is refused (a token given with -e stays in the shell history and "
        "in ps): put the break-glass token in a file only you can read and name it in "
        "vault_server_break_glass_token_file, or set vault_server_break_glass_prompt to true."
    )


def _break_glass_file(v: Values) -> str | None:
    path = v["vault_server_break_glass_token_file"]
    if path == "" or (absolute(path) and not as_bool(v["vault_server_break_glass_prompt"])):
        return None
    return (
        "vault_server_break_glass_token_file must be empty or an absolute path on the controller, "
        f"and not set together with vault_server_break_glass_prompt, not '{path}'."
    )


def _rules_stay_out_of_the_admin_identity(v: Values) -> str | None:
    # The admin identity must never be able to widen itself: no passed-on rule may reach its
    # own policy or role, by name or by a wildcard in that place.
    rules = str(v["vault_server_admin_policy_rules"])
    policy, mount, role = (
        v["vault_server_admin_policy"],
        v["vault_server_admin_approle_mount"],
        v["vault_server_admin_role"],
    )
    own_policy = r'path\s+"sys/policies/acl/(' + re.escape(str(policy)) + r'"|\+|\*)'
    own_role = (
        r'path\s+"auth/' + re.escape(str(mount)) + "/role/(" + re.escape(str(role)) + r'["/]|\+|\*)'
    )
    if not search(rules, own_policy) and not search(rules, own_role):
        return None
    return (
        "vault_server_admin_policy_rules must not reach the admin policy "
        f"(sys/policies/acl/{policy}) or the admin role (auth/{mount}/role/{role}): the admin "
        "identity would be able to widen itself."
    )


def _former_variables(v: Values) -> str | None:
    former = [name for name in VAULT_SERVER_FORMER if v.defined(name)]
    if not former:
        return None
    return (
        f"{', '.join(former)} no longer exist: the admin policy's rules beyond the server's own "
        "come in vault_server_admin_policy_rules (HCL), which the collection's server playbook "
        "fills in from the roles that need them."
    )


RULE_SETS: dict[str, tuple[Rule, ...]] = {
    "vault_server": (
        _server_addresses,
        _admin_identity,
        _vault_ids,
        _no_root_token,
        _break_glass_file,
        _rules_stay_out_of_the_admin_identity,
        _former_variables,
    ),
}


def errors(rule_set: str, values: Values) -> list[str]:
    """The sentences of the rules of rule_set that values break, in the rules' order."""
    return [sentence for rule in RULE_SETS[rule_set] if (sentence := rule(values))]
