# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.approle_identity: an identity in Vault, whole: its policy, its AppRole
role and, optionally, where its IDs go: a settings file on the controller (env_file), or a
role-ID file and a secret-ID file on the task's host (role_id_file and secret_id_file, for an
agent that logs in by itself). The samples' identities (a .env file), the agents' (host files)
and Ansible's own admin identity (a JSON file, Ansible Vault-encrypted) are all this one
implementation.

A new secret ID is issued only when the delivered one is unknown, expired or used up (or,
wrapped, its wrapping token expired or was unwrapped by someone else), or due for renewal
(less than secret_id_renew_share of its life left): one decision, _still_valid, for every
delivery path. Once the new one is in place, the secret IDs issued before it for the same
delivery (tagged in their metadata) are destroyed, except the one it renews, which keeps
working until it expires (secret_id_scope role: every other secret ID of the role), and the
role ID's login lockout is lifted. Neither ID ever appears in a result or a diff."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import re
import secrets as random_tokens
from pathlib import Path

from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import (
    ansible_vault,
    controller_files,
    vault_client,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import (
    secret_id_life as life,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.host_files import (
    HostFileError,
    HostFiles,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_action import (
    ReconcileError,
    VaultAction,
    diff,
)
from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.vault_api import (
    VaultApiDenied,
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
ISSUED_BY = {"issued_by": "webex-vault app_access"}
RENEWAL_DENIED = (
    "The identity may not look up its own secret IDs at '{role_path}' (its policy predates "
    "their renewal), so its secret ID is not renewed ahead of expiry; write the policy again "
    "with a root token (SECURITY.md, break glass)."
)
PINNED = (
    "Vault refused to write {path}: the admin policy pins it to what the run that wrote that "
    "policy rendered, and this run renders something else (a changed template, setting, mount, "
    "agent or collection release), so this identity's settings file is left as it was; run the "
    "playbooks once with a root token (SECURITY.md, break glass), which writes the admin policy "
    "again."
)
POLICY_DIFFERS = (
    "The policy '{name}' on the server is not the one this run renders (another release, "
    "mount, sample or setting), and this identity cannot write it: what the policy pins (the "
    "samples' policies and roles) is refused until you run the playbooks once with a root token "
    "(SECURITY.md, break glass)."
)
# The keys of a JSON settings file that hold the IDs.
JSON_IDS = ("role_id", "secret_id", "secret_id_accessor")


class ActionModule(VaultAction):
    OPTIONS = {
        "name": {"type": "str", "required": True},
        "policy_name": {"type": "str", "default": ""},
        "approle_mount": {"type": "str", "default": "approle"},
        "approle_description": {"type": "str", "default": ""},
        "policy": {"type": "str"},
        "role": {"type": "dict", "options": ROLE_OPTIONS},
        "secret_id_only": {"type": "bool", "default": False},
        "secret_id_metadata": {"type": "dict", "default": ISSUED_BY},
        "env_file": {"type": "path", "default": ""},
        "env_format": {"type": "str", "default": "dotenv", "choices": ["dotenv", "json"]},
        "env_content": {"type": "str", "default": ""},
        "env_fields": {"type": "dict", "default": {}},
        "encrypt": {"type": "dict", "options": ansible_vault.ENCRYPTION_OPTIONS},
        "secret_id_wrap_ttl": {"type": "int", "default": 0},
        "check_login": {"type": "bool", "default": False},
        "role_id_file": {"type": "str", "default": ""},
        "secret_id_file": {"type": "str", "default": ""},
        "secret_id_holder": {"type": "str", "default": ""},
        "file_owner": {"type": "str", "default": ""},
        "file_group": {"type": "str", "default": ""},
        "secret_id_renew_share": {"type": "float", "default": 0.5},
        "secret_id_scope": {"type": "str", "default": "delivery", "choices": ["delivery", "role"]},
        "secret_id_tag": {"type": "str", "default": ""},
    }

    def run(self, tmp=None, task_vars=None):
        # The host files are read and written through the task's connection (modules on the
        # host), which needs the task's variables.
        self._task_vars = task_vars or {}
        return super().run(tmp, task_vars)

    def reconcile(self, api, args):
        host = bool(args["role_id_file"] or args["secret_id_file"])
        if host and not (args["role_id_file"] and args["secret_id_file"]):
            raise ReconcileError(
                "role_id_file and secret_id_file go together: set both or neither."
            )
        if host and args["env_file"]:
            raise ReconcileError(
                "Choose one place for the IDs: env_file on the controller, or role_id_file and "
                "secret_id_file on the host."
            )
        if host and (args["check_login"] or args["encrypt"] is not None):
            raise ReconcileError("check_login and encrypt work with env_file only.")
        if not 0 <= args["secret_id_renew_share"] < 1:
            raise ReconcileError(
                "secret_id_renew_share must be at least 0 and less than 1 (the share of a "
                "secret ID's life left when a new one is issued)."
            )
        self._warnings: list[str] = []
        only = args["secret_id_only"]
        if not only and (args["policy"] is None or args["role"] is None):
            raise ReconcileError("policy and role are required (unless secret_id_only).")
        if only and not args["env_file"]:
            raise ReconcileError("secret_id_only works with env_file only.")
        if only and args["policy"] is not None:
            # The admin identity cannot write its policy: it tells when this run renders another.
            self._compare_policy(api, args["policy_name"] or args["name"], args["policy"])
        self._entries_of: dict[str, dict[str, dict]] = {}
        self._share = args["secret_id_renew_share"]
        # The admin identity has one holder: its new secret ID replaces every other one.
        self._every = args["secret_id_scope"] == "role"  # noqa: S105 - a choice, not a secret
        name, mount = args["name"], args["approle_mount"].strip("/")
        if args["env_format"] == "json" and args["secret_id_wrap_ttl"]:
            raise ReconcileError("secret_id_wrap_ttl works with env_format dotenv only.")
        role_path = f"auth/{mount}/role/{name}"
        # secret_id_only: the admin identity renewing its own secret ID, which may touch
        # neither its policy nor its role (nor unlock its role ID: it has just logged in).
        self._accessor, changes = "", []
        if not only:
            changes = [
                self._auth_mount(api, mount, args["approle_description"]),
                self._policy(api, args["policy_name"] or name, args["policy"]),
                self._role(api, role_path, args["role"]),
            ]
        result = {
            "changed": False,
            "secret_id_issued": False,
            "secret_id_renewed": False,
            "superseded": 0,
            "kept_until_expiry": "",
        }
        if args["env_file"]:
            env_changes, facts = self._env_file(api, role_path, args)
            changes.extend(env_changes)
            result.update(facts)
        elif host:
            files = HostFiles(self, self._task_vars)
            try:
                host_changes, facts = self._host_files(api, role_path, args, files)
            except HostFileError as exc:
                raise ReconcileError(str(exc)) from None
            finally:
                files.cleanup()
            changes.extend(host_changes)
            result.update(facts)
        made = [change for change in changes if change]
        result.update(changed=bool(made), diff=made)
        if self._warnings:
            result["warnings"] = [*self._warnings, *result.get("warnings", [])]
        return result

    def _auth_mount(self, api, mount, description):
        """AppRole auth enabled at mount (sys/auth always exists: an error here stops the run)."""
        current = (api.read("sys/auth") or {}).get(f"{mount}/")
        self._accessor = (current or {}).get("accessor") or ""
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
            self._pinned_write(api, f"sys/policies/acl/{name}", {"policy": policy})
        return diff(f"sys/policies/acl/{name}", current or "", policy)

    def _role(self, api, role_path, role):
        wanted = {key: value for key, value in role.items() if value is not None}
        current = api.read(role_path)
        before = {key: (current or {}).get(key) for key in wanted} if current else {}
        if current and comparable(before) == comparable(wanted):
            return None
        if not self.check_mode:
            self._pinned_write(api, role_path, as_sent(wanted))
        return diff(role_path, before, wanted)

    def _compare_policy(self, api, name, policy):
        """secret_id_only with a policy: a warning when the stored policy is another (or cannot
        be read: a release that did not pin the samples' policies wrote it)."""
        try:
            current = (api.read(f"sys/policies/acl/{name}") or {}).get("policy")
        except VaultApiDenied:
            current = None
        if current != policy:
            self._warnings.append(POLICY_DIFFERS.format(name=name))

    def _pinned_write(self, api, path, body):
        """Write; a denial means the admin policy pins this path to what the release that wrote
        it rendered: one sentence that asks for break glass, before the settings file is
        written (a file the stored policy would not serve is a broken app)."""
        try:
            api.write(path, body)
        except VaultApiDenied:
            raise ReconcileError(PINNED.format(path=path)) from None

    def _env_file(self, api, role_path, args):
        """The settings file: ([diffs], the result's secret-ID facts)."""
        dest = Path(args["env_file"])
        if not dest.parent.is_dir():
            raise ReconcileError(f"The directory of {dest} does not exist.")
        settings = SettingsFile(dest, args, self._loader)
        known = settings.read()
        if args["secret_id_only"]:
            role_id = known["role_id"]
            if not role_id:
                raise ReconcileError(
                    f"{dest} holds no role ID: secret_id_only renews the secret ID of an "
                    "identity that exists."
                )
        else:
            role_id = ((api.read(f"{role_path}/role-id") or {}).get("role_id")) or NOT_YET
        self.secrets.update({known["secret_id"], role_id} - {"", NOT_YET})
        tag = args["secret_id_tag"] or f"{platform.node()}:{dest.resolve()}"

        verdict = life.Verdict()
        superseded, secret_id = [], known["secret_id"]
        try:
            current = self._still_valid(api, role_path, secret_id, settings.wrapped, tag=tag)
        except VaultApiDenied:
            if not args["secret_id_only"]:
                raise
            # A policy written before the identity could renew its own secret ID.
            return [], {"warnings": [RENEWAL_DENIED.format(role_path=role_path)]}
        accessor = current.accessor
        if not current.keep:
            verdict, superseded = current, self._replaced(api, role_path, tag, current)
            secret_id, accessor = NOT_YET, ""
            if not self.check_mode:
                # A secret ID only when it can be kept: an encrypted file needs a password.
                settings.check_writable()
                secret_id, accessor = self._issue(api, role_path, args, tag)
        wanted = settings.wanted(role_id, secret_id, accessor)
        if wanted == settings.text and settings.mode == 0o600 and not settings.foreign:
            if not args["secret_id_only"]:
                self._login_check(api, args)
            return [], {}
        if not self.check_mode:
            settings.write(wanted)
            if secret_id != known["secret_id"]:
                self._unlock(api, role_id)
            # Before anything is destroyed: never give up the last way in.
            self._login_check(api, args)
            self._destroy(api, role_path, superseded)
        new = secret_id != known["secret_id"]
        before = "" if settings.text is None else settings.masked(settings.text)
        if settings.foreign:
            before = f"(encrypted with another password than the vault-id's own)\n{before}"
        changes = [diff(str(dest), before, settings.masked(wanted, new_secret_id=new))]
        changes.append(self._secret_ids_change(role_path, tag, superseded, verdict))
        issued = secret_id not in (known["secret_id"], NOT_YET)
        return changes, self._facts(issued, superseded, verdict)

    def _host_files(self, api, role_path, args, files):
        """The role-ID and secret-ID files on the host, as an agent's AppRole auto-auth reads
        them: ([diffs], the result's secret-ID facts).

        A plain secret ID stays in its file, and the agent reads it at every login. A wrapped
        one is a single-use wrapping token that the agent unwraps and then deletes: the file is
        gone while the agent keeps the secret ID in memory. A state file beside it (no secret)
        then says which run of the agent (secret_id_holder) was handed which secret ID (by a
        delivery tag in the secret ID's metadata), so that a restarted agent, which lost it,
        gets a new one and a running one is left alone."""
        wrapped = args["secret_id_wrap_ttl"] > 0
        owner, group = args["file_owner"], args["file_group"]
        role_id = ((api.read(f"{role_path}/role-id") or {}).get("role_id")) or NOT_YET
        changes = []

        role_id_path = args["role_id_file"]
        role_id_stat = files.stat(role_id_path)
        if not same_file(role_id_stat, role_id, owner, group):
            if not self.check_mode:
                files.write(role_id_path, to_bytes(role_id), owner, group, "0600")
            changes.append(
                diff(role_id_path, described(role_id_stat), wanted(HIDDEN, owner, group))
            )

        path = args["secret_id_file"]
        state_path = f"{path}.state"
        current = files.stat(path)
        known = "" if current is None else to_text(files.read(path) or b"").strip()
        self.secrets.update({known, role_id} - {"", NOT_YET})
        delivery = None
        if current is None and wrapped:
            delivery = self._held_delivery(files.read(state_path), args)
        host = str(self._task_vars.get("inventory_hostname") or "")
        tag = args["secret_id_tag"] or f"{host}:{path}"
        verdict = self._still_valid(api, role_path, known, wrapped, delivery, tag)
        if verdict.keep:
            if current is not None and not same_file(current, None, owner, group):
                if not self.check_mode:
                    files.write(path, to_bytes(known), owner, group, "0600")
                changes.append(diff(path, described(current), wanted(HIDDEN, owner, group)))
            return changes, {}

        superseded, secret_id = self._replaced(api, role_path, tag, verdict), NOT_YET
        if not self.check_mode:
            nonce = random_tokens.token_hex(8)
            secret_id = self._issue(api, role_path, args, tag, nonce)[0]
            files.write(path, to_bytes(secret_id), owner, group, "0600")
            if wrapped:
                state = {"holder": args["secret_id_holder"], "delivery": nonce}
                files.write(state_path, to_bytes(json.dumps(state)), owner, group, "0600")
            self._unlock(api, role_id)
            self._destroy(api, role_path, superseded)
        kind = "(hidden, a new wrapped one)" if wrapped else "(hidden, a new one)"
        changes.append(diff(path, described(current), wanted(kind, owner, group)))
        changes.append(self._secret_ids_change(role_path, tag, superseded, verdict))
        return changes, self._facts(secret_id != NOT_YET, superseded, verdict)

    def _held_delivery(self, state_text, args):
        """The delivery tag of the wrapped secret ID that the running agent (secret_id_holder)
        unwrapped, from the state file; None when another run (or nobody) holds it."""
        try:
            state = json.loads(to_text(state_text or b"{}"))
        except ValueError:
            return None
        holder = args["secret_id_holder"]
        if not holder or not isinstance(state, dict) or state.get("holder") != holder:
            return None
        return str(state.get("delivery") or "") or None

    def _unlock(self, api, role_id):
        """Lift the server's lockout of the role ID (user lockout: after a few failed logins,
        by default 5 in 15 minutes, every login of the role ID is refused for 15 minutes, even
        with a good secret ID). The app or agent that kept trying the secret ID that stopped
        working is thus let in as soon as it holds the new one. Unlocking a role ID that is not
        locked changes nothing."""
        if self._accessor and role_id != NOT_YET:
            api.write(f"sys/locked-users/{self._accessor}/unlock/{role_id}", {})

    def _still_valid(self, api, role_path, known, wrapped, delivery=None, tag=""):
        current = self._delivered(api, role_path, known, wrapped, delivery, tag)
        return dataclasses.replace(current, held="") if self._every else current

    def _delivered(self, api, role_path, known, wrapped, delivery, tag):
        """The one decision, for every delivery path, about the delivered secret ID (a
        life.Verdict): whether it still works, whether it is due for renewal (less than
        secret_id_renew_share of its life left), and which secret ID a running app may hold
        that a new one leaves working until it expires. known is what the file holds; with
        delivery (a wrapped secret ID an agent unwrapped, its file gone), the secret ID is
        found by that tag in its metadata. A wrapping token hides its secret ID: that is the
        newest one issued for this delivery (tag), which the app holds once it unwrapped it."""
        share = self._share
        if delivery is not None:
            entries = self._entries(api, role_path)
            for accessor, found in entries.items():
                if (found.get("metadata") or {}).get("delivery") == delivery:
                    return verdict(accessor, found, share)
            return life.Verdict()
        if wrapped:
            ours = {
                accessor: found
                for accessor, found in self._entries(api, role_path).items()
                if (found.get("metadata") or {}).get(life.TAG_KEY) == tag
            }
            newest = verdict(*life.newest(ours), share)
            wrapping = api.lookup("sys/wrapping/lookup", {"token": known}) if known else None
            live = (wrapping or {}).get("creation_path") == f"{role_path}/secret-id"
            # Held only by an app that unwrapped the file's token (none for a file without one).
            held = newest.held if known else ""
            return dataclasses.replace(
                newest, live=live, due=live and newest.due, accessor="", held=held
            )
        if not known:
            return life.Verdict()
        found = api.lookup(f"{role_path}/secret-id/lookup", {"secret_id": known})
        return verdict((found or {}).get("secret_id_accessor", ""), found, share)

    def _entries(self, api, role_path):
        """The role's secret IDs: accessor -> lookup answer (metadata, times), read once."""
        if role_path not in self._entries_of:
            entries = {}
            for accessor in api.list(f"{role_path}/secret-id"):
                found = api.lookup(
                    f"{role_path}/secret-id-accessor/lookup", {"secret_id_accessor": accessor}
                )
                if found is not None:
                    entries[accessor] = found
            self._entries_of[role_path] = entries
        return self._entries_of[role_path]

    def _replaced(self, api, role_path, tag, current):
        """The accessors the new secret ID replaces (destroyed once it is in place)."""
        return life.replaced(self._entries(api, role_path), tag, self._every, current.held)

    def _destroy(self, api, role_path, accessors):
        for accessor in accessors:
            api.write(f"{role_path}/secret-id-accessor/destroy", {"secret_id_accessor": accessor})

    def _secret_ids_change(self, role_path, tag, superseded, current):
        """The diff of the role's secret IDs: those destroyed, the one kept until it expires."""
        held = current.held
        if not superseded and not held:
            return None
        entries = self._entries_of.get(role_path, {})
        before = [life.described(accessor, entries.get(accessor)) for accessor in superseded]
        after = ["(a new one)"]
        if held:
            shown = life.described(held, current.found)
            before.append(shown)
            after.insert(0, f"{shown}: kept until it expires")
        where = "every one of the role" if self._every else f"issued for {tag}"
        return diff(f"{role_path}/secret-id ({where})", "\n".join(before), "\n".join(after))

    def _facts(self, issued, superseded, current):
        """The result's secret-ID facts (in check mode, what the real run would do)."""
        return {
            "secret_id_issued": issued,
            "secret_id_renewed": (issued or self.check_mode) and current.live and current.due,
            "superseded": len(superseded),
            "kept_until_expiry": current.held,
        }

    def _issue(self, api, role_path, args, tag, nonce=""):
        wrap_ttl = args["secret_id_wrap_ttl"]
        metadata = {**args["secret_id_metadata"], life.TAG_KEY: tag}
        metadata = json.dumps({**metadata, **({"delivery": nonce} if nonce else {})})
        answer = (
            api.write(
                f"{role_path}/secret-id",
                {"metadata": metadata},
                wrap_ttl=str(wrap_ttl) if wrap_ttl else None,
            )
            or {}
        )
        data = answer.get("data") or {}
        issued = (answer.get("wrap_info") or {}).get("token") if wrap_ttl else data.get("secret_id")
        if not issued:
            raise ReconcileError(f"Vault issued no secret ID at '{role_path}/secret-id'.")
        self.secrets.add(issued)
        return issued, data.get("secret_id_accessor", "")

    def _login_check(self, api, args):
        """With check_login, the file's identity logs in (outside check mode)."""
        if args["check_login"] and not self.check_mode:
            self._check_login(api, args["approle_mount"].strip("/"), args)

    def _check_login(self, api, mount, args):
        """The file's identity logs in (and that login's token is given up at once)."""
        known = SettingsFile(Path(args["env_file"]), args, self._loader).read()
        self.secrets.update(value for value in known.values() if value)
        identity = dataclasses.replace(
            api.client.settings,
            auth_method="approle",
            token="",
            role_id=known["role_id"],
            secret_id=known["secret_id"],
            mount_point=mount,
            secrets=set(),
        )
        client = vault_client.VaultClient(identity)
        try:
            client.login()
        except vault_client.VaultClientError as exc:
            raise ReconcileError(
                f"The identity in {args['env_file']} does not log in ({exc})"
            ) from None
        finally:
            self.secrets |= identity.secrets
            client.logout()


class SettingsFile:
    """An identity's settings file: .env lines or a JSON document, plain or Ansible
    Vault-encrypted, 0600; read in plain text, written whole."""

    def __init__(self, dest: Path, args: dict, loader):
        self.dest, self.args, self.loader = dest, args, loader
        self.json = args["env_format"] == "json"
        self.wrapped = args["secret_id_wrap_ttl"] > 0
        self.key = "VAULT_SECRET_ID_WRAPPED" if self.wrapped else "VAULT_SECRET_ID"
        self.encrypt = args["encrypt"]
        self.text: str | None = None
        self.mode: int | None = None
        # Encrypted, but not with the password of its own vault-id (own_password): a file from
        # before its vault-id was separate, written again under its own password.
        self.foreign = False

    def read(self) -> dict:
        """The IDs the file holds ('' for those it does not)."""
        content, self.mode = controller_files.current(self.dest)
        if content is not None and self.encrypt is not None:
            self.foreign = self._foreign(content)
            opened = ansible_vault.decrypt(
                self.loader, content, self.encrypt["vault_password_file"], self.encrypt["vault_id"]
            )
            if opened is None:
                raise ReconcileError(
                    f"{self.dest} is encrypted with an Ansible Vault password this run does not "
                    "have; give that password (or move the file away to issue a new identity)."
                )
            content = opened
        self.text = None if content is None else to_text(content, errors="surrogate_or_replace")
        if self.json:
            try:
                document = json.loads(self.text or "{}")
            except ValueError:
                document = {}
            document = document if isinstance(document, dict) else {}
            return {key: str(document.get(key) or "") for key in JSON_IDS}
        text = self.text or ""
        return {"role_id": setting(text, "VAULT_ROLE_ID"), "secret_id": setting(text, self.key)}

    def wanted(self, role_id: str, secret_id: str, accessor: str) -> str:
        if self.json:
            document = {
                **self.args["env_fields"],
                "role_id": role_id,
                "secret_id": secret_id,
                "secret_id_accessor": accessor,
            }
            # As Ansible's to_nice_json writes it.
            return json.dumps(document, indent=4, sort_keys=True, separators=(",", ": "))
        body = self.args["env_content"].rstrip("\n")
        return f"{body}\nVAULT_ROLE_ID={role_id}\n{self.key}={secret_id}\n"

    def _foreign(self, content: bytes) -> bool:
        if not (self.encrypt["own_password"] and ansible_vault.is_vault_data(content)):
            return False
        own = ansible_vault.encryption_secret(
            self.loader, self.encrypt["vault_password_file"], self.encrypt["vault_id"], own=True
        )
        return own is not None and not ansible_vault.opens(content, own, self.encrypt["vault_id"])

    def _secret(self):
        if self.encrypt is None:
            return None
        try:
            return ansible_vault.checked_secret(self.loader, str(self.dest), self.encrypt)
        except ansible_vault.EncryptionRefused as exc:
            raise ReconcileError(str(exc)) from None

    def check_writable(self) -> None:
        self._secret()

    def write(self, text: str) -> None:
        data, secret = to_bytes(text), self._secret()
        if secret is not None:
            data = ansible_vault.encrypt(data, secret, self.encrypt["vault_id"])
        controller_files.replace(self.dest, data, 0o600)

    def masked(self, text: str, new_secret_id: bool = False) -> str:
        """The file as a diff may show it: the IDs replaced, the secret ID by words that say
        whether it is a new one."""
        shown = "(hidden, a new one)" if new_secret_id else HIDDEN
        if self.json:
            text = re.sub(r'("(?:role_id|secret_id_accessor)": )".*"', rf'\1"{HIDDEN}"', text)
            return re.sub(r'("secret_id": )".*"', rf'\1"{shown}"', text)
        return masked(text, new_secret_id)


def as_sent(role: dict) -> dict:
    """A role's settings as written: numbers as strings, which the admin policy can pin (neither
    server finds a JSON number equal to a number in a policy); both read them back as numbers."""
    return {
        key: str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for key, value in role.items()
    }


def comparable(role: dict) -> dict:
    """A role's settings with token host CIDRs spelt as the server reads them back."""
    cidrs = [HOST_SUFFIX.sub("", cidr) for cidr in role.get("token_bound_cidrs") or []]
    return {**role, "token_bound_cidrs": cidrs} if "token_bound_cidrs" in role else role


def same_file(found: dict | None, content: str | None, owner: str, group: str) -> bool:
    """Whether a host file (stat) holds content (None: any) with mode 0600, owner and group."""
    if found is None:
        return False
    if content is not None and found["checksum"] != sha1_hex(content):
        return False
    return (
        found["mode"] == "0600"
        and (not owner or found["owner"] == owner)
        and (not group or found["group"] == group)
    )


def sha1_hex(text: str) -> str:
    return hashlib.sha1(to_bytes(text), usedforsecurity=False).hexdigest()


def described(found: dict | None) -> str:
    """A host file as a diff may show it: its owner, group and mode, never its content."""
    if found is None:
        return ""
    return f"{HIDDEN} owner={found['owner']} group={found['group']} mode={found['mode']}"


def wanted(what: str, owner: str, group: str) -> str:
    return f"{what} owner={owner or '(connecting user)'} group={group or '(its group)'} mode=0600"


def verdict(accessor: str, found: dict | None, share: float) -> life.Verdict:
    """The verdict on one secret ID from its lookup answer (None: unknown to the server)."""
    live = life.usable(found)
    return life.Verdict(
        live=live,
        due=life.due(found, share),
        accessor=accessor if live else "",
        found=found,
        held=accessor if live and life.finite(found) else "",
    )


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
