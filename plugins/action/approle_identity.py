# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.approle_identity: an application's identity in Vault, whole: its
policy, its AppRole role and, optionally, its settings file on the controller with the role ID
and a secret ID that still works.

A new secret ID is issued only when the file's one is unknown, expired or used up (or, wrapped,
its wrapping token expired or was unwrapped); every secret ID issued before it is destroyed
once the file holds the new one. Neither ID ever appears in a result or a diff."""

from __future__ import annotations

import re
from pathlib import Path

from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import controller_files
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
    diff,
)

ROLE_OPTIONS = {
    "token_policies": {"type": "list", "elements": "str", "no_log": False},
    "token_ttl": {"type": "int"},
    "token_max_ttl": {"type": "int"},
    "secret_id_ttl": {"type": "int"},
    "secret_id_num_uses": {"type": "int"},
    "token_no_default_policy": {"type": "bool"},
    "secret_id_bound_cidrs": {"type": "list", "elements": "str"},
    "token_bound_cidrs": {"type": "list", "elements": "str"},
}
# The server reads a token's host CIDR back without its /32 (/128).
HOST_SUFFIX = re.compile(r"/(32|128)$")
# Written in place of an ID the real run creates (check mode).
NOT_YET = "(created on the real run)"
HIDDEN = "(hidden)"
ISSUED_BY = '{"issued_by": "webex-vault app_access"}'


class ActionModule(VaultAction):
    OPTIONS = {
        "name": {"type": "str", "required": True},
        "approle_mount": {"type": "str", "default": "approle"},
        "approle_description": {"type": "str", "default": ""},
        "policy": {"type": "str", "required": True},
        "role": {"type": "dict", "required": True, "options": ROLE_OPTIONS},
        "env_file": {"type": "path", "default": ""},
        "env_content": {"type": "str", "default": ""},
        "secret_id_wrap_ttl": {"type": "int", "default": 0},
    }

    def reconcile(self, api, args):
        name, mount = args["name"], args["approle_mount"].strip("/")
        role_path = f"auth/{mount}/role/{name}"
        changes = [
            self._auth_mount(api, mount, args["approle_description"]),
            self._policy(api, name, args["policy"]),
            self._role(api, role_path, args["role"]),
        ]
        result = {"changed": False, "secret_id_issued": False, "superseded": 0}
        if args["env_file"]:
            env_change, issued, superseded = self._env_file(api, role_path, args)
            changes.append(env_change)
            result.update(secret_id_issued=issued, superseded=superseded)
        made = [change for change in changes if change]
        result.update(changed=bool(made), diff=made)
        return result

    def _auth_mount(self, api, mount, description):
        """AppRole auth enabled at mount (sys/auth always exists: an error here stops the run)."""
        current = (api.read("sys/auth") or {}).get(f"{mount}/")
        if current is not None:
            if current.get("type") != "approle":
                raise ReconcileError(
                    f"Auth path '{mount}' holds a '{current.get('type')}' auth method, not "
                    "approle: choose another approle_mount or disable that method first."
                )
            return None
        wanted = {"type": "approle", "description": description}
        if not self.check_mode:
            api.write(f"sys/auth/{mount}", wanted)
        return diff(f"sys/auth/{mount}", {}, wanted)

    def _policy(self, api, name, policy):
        current = (api.read(f"sys/policies/acl/{name}") or {}).get("policy")
        if current == policy:
            return None
        if not self.check_mode:
            api.write(f"sys/policies/acl/{name}", {"policy": policy})
        return diff(f"sys/policies/acl/{name}", current or "", policy)

    def _role(self, api, role_path, role):
        wanted = {key: value for key, value in role.items() if value is not None}
        current = api.read(role_path)
        before = {key: (current or {}).get(key) for key in wanted} if current else {}
        if current and comparable(before) == comparable(wanted):
            return None
        if not self.check_mode:
            api.write(role_path, wanted)
        return diff(role_path, before, wanted)

    def _env_file(self, api, role_path, args):
        """The settings file: (diff or None, whether a secret ID was issued, how many old ones
        were destroyed)."""
        dest = Path(args["env_file"])
        if not dest.parent.is_dir():
            raise ReconcileError(f"The directory of {dest} does not exist.")
        wrapped = args["secret_id_wrap_ttl"] > 0
        key = "VAULT_SECRET_ID_WRAPPED" if wrapped else "VAULT_SECRET_ID"
        content, mode = controller_files.current(dest)
        text = None if content is None else to_text(content, errors="surrogate_or_replace")
        known = setting(text or "", key)
        role_id = ((api.read(f"{role_path}/role-id") or {}).get("role_id")) or NOT_YET
        self.secrets.update({known, role_id} - {"", NOT_YET})

        superseded, secret_id = [], known
        if not self._still_valid(api, role_path, known, wrapped):
            superseded, secret_id = api.list(f"{role_path}/secret-id"), NOT_YET
            if not self.check_mode:
                secret_id = self._issue(api, role_path, args["secret_id_wrap_ttl"])
        body = args["env_content"].rstrip("\n")
        wanted = f"{body}\nVAULT_ROLE_ID={role_id}\n{key}={secret_id}\n"
        if to_bytes(wanted) == content and mode == 0o600:
            return None, False, 0
        if not self.check_mode:
            controller_files.replace(dest, to_bytes(wanted), 0o600)
            for accessor in superseded:
                api.write(
                    f"{role_path}/secret-id-accessor/destroy", {"secret_id_accessor": accessor}
                )
        before = "" if text is None else masked(text)
        change = diff(str(dest), before, masked(wanted, new_secret_id=secret_id != known))
        return change, secret_id not in (known, NOT_YET), len(superseded)

    def _still_valid(self, api, role_path, known, wrapped):
        """Whether the file's secret ID (or wrapping token of one of this role's) still works."""
        if not known:
            return False
        if wrapped:
            wrapping = api.lookup("sys/wrapping/lookup", {"token": known}) or {}
            return wrapping.get("creation_path") == f"{role_path}/secret-id"
        return api.lookup(f"{role_path}/secret-id/lookup", {"secret_id": known}) is not None

    def _issue(self, api, role_path, wrap_ttl):
        answer = (
            api.write(
                f"{role_path}/secret-id",
                {"metadata": ISSUED_BY},
                wrap_ttl=str(wrap_ttl) if wrap_ttl else None,
            )
            or {}
        )
        issued = (
            (answer.get("wrap_info") or {}).get("token")
            if wrap_ttl
            else (answer.get("data") or {}).get("secret_id")
        )
        if not issued:
            raise ReconcileError(f"Vault issued no secret ID at '{role_path}/secret-id'.")
        self.secrets.add(issued)
        return issued


def comparable(role: dict) -> dict:
    """A role's settings with token host CIDRs spelt as the server reads them back."""
    cidrs = [HOST_SUFFIX.sub("", cidr) for cidr in role.get("token_bound_cidrs") or []]
    return {**role, "token_bound_cidrs": cidrs} if "token_bound_cidrs" in role else role


def setting(text: str, key: str) -> str:
    """The value of KEY=value in a settings file, or ''."""
    for line in text.splitlines():
        name, separator, value = line.partition("=")
        if separator and name.strip() == key:
            return value.strip()
    return ""


def masked(text: str, new_secret_id: bool = False) -> str:
    """A settings file as a diff may show it: the role ID and the secret ID replaced, the
    secret ID by words that say whether it is a new one."""
    text = re.sub(r"^VAULT_ROLE_ID=.*$", f"VAULT_ROLE_ID={HIDDEN}", text, flags=re.M)
    shown = "(hidden, a new one)" if new_secret_id else HIDDEN
    return re.sub(r"^(VAULT_SECRET_ID(?:_WRAPPED)?)=.*$", rf"\1={shown}", text, flags=re.M)
