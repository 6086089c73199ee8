"""The fake Vault's identity endpoints (webex_vault_testing.fake_vault): tokens (lookup-self,
revoke-self), ACL policies, AppRole (login, roles, secret IDs and their accessors) and
response wrapping."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

# (HTTP status, JSON body or None for an empty answer)
Answer = tuple[int, Any]
# An AppRole role's settings that the servers keep as numbers, however given.
NUMBERS = ("token_ttl", "token_max_ttl", "secret_id_ttl", "secret_id_num_uses")


class AuthEndpoints:
    """Mixed into FakeVault, whose fields these are."""

    token: str
    role_id: str
    secret_id: str
    policies: dict[str, str]
    roles: dict[tuple[str, str], dict[str, Any]]
    secret_ids: dict[str, tuple[str, str, str]]
    secret_id_metadata: dict[str, dict[str, str]]
    secret_id_expiration: dict[str, str]
    secret_id_creation: dict[str, str]
    wrapped: dict[str, tuple[str, dict[str, Any]]]
    login_tokens: set[str]
    revoked: list[str]

    def _token_self(self, method: str, path: str, token: str) -> Answer:
        if path == "auth/token/lookup-self" and method == "GET":
            policies = ["root"] if token == self.token else ["default"]
            return 200, {"data": {"policies": policies, "accessor": "acc-" + token[-4:]}}
        if path == "auth/token/revoke-self" and method in ("POST", "PUT"):
            self.login_tokens.discard(token)
            self.revoked.append(token)
            return 204, None
        return 405, {"errors": ["unsupported operation"]}

    def _wrapping_lookup(self, body: Any) -> Answer:
        entry = self.wrapped.get(body.get("token"))
        if entry is None:
            return 400, {"errors": ["wrapping token is not valid or does not exist"]}
        return 200, {"data": {"creation_path": entry[0], "creation_ttl": 60}}

    def _policy(self, method: str, name: str, body: Any) -> Answer:
        if method == "GET":
            if name not in self.policies:
                return 404, {"errors": []}
            return 200, {"data": {"name": name, "policy": self.policies[name]}}
        self.policies[name] = body["policy"]
        return 204, None

    def _approle(
        self,
        method: str,
        mount: str,
        name: str,
        rest: str | None,
        body: Any,
        wrap_ttl: str | None,
        listing: bool,
    ) -> Answer:
        role = self.roles.get((mount, name))
        if rest is None:
            if method == "GET":
                if role is None:
                    return 404, {"errors": []}
                return 200, {"data": {k: v for k, v in role.items() if k != "role_id"}}
            # As both servers do: numbers given as strings are kept as numbers.
            body = {
                k: int(v) if k in NUMBERS and isinstance(v, str) else v for k, v in body.items()
            }
            self.roles[(mount, name)] = {"role_id": secrets.token_hex(8), **(role or {}), **body}
            return 204, None
        if role is None:
            return 400, {"errors": [f'role "{name}" does not exist']}
        mine = {sid: v for sid, v in self.secret_ids.items() if v[:2] == (mount, name)}
        if rest == "role-id" and method == "GET":
            return 200, {"data": {"role_id": role["role_id"]}}
        if rest == "secret-id" and listing:
            if not mine:
                return 404, {"errors": []}
            return 200, {"data": {"keys": [v[2] for v in mine.values()]}}
        if rest == "secret-id" and method == "POST":
            secret_id, accessor = secrets.token_hex(12), secrets.token_hex(6)
            self.secret_ids[secret_id] = (mount, name, accessor)
            self.secret_id_metadata[accessor] = json.loads(body.get("metadata") or "{}")
            # As the server does: created now, expiring after the role's secret_id_ttl.
            now, ttl = time.time(), int(role.get("secret_id_ttl") or 0)
            self.secret_id_creation[accessor] = rfc3339(now)
            if ttl:
                self.secret_id_expiration[accessor] = rfc3339(now + ttl)
            data = {"secret_id": secret_id, "secret_id_accessor": accessor}
            if wrap_ttl:
                token = "s." + secrets.token_hex(12)
                self.wrapped[token] = (f"auth/{mount}/role/{name}/secret-id", data)
                return 200, {"wrap_info": {"token": token, "ttl": int(wrap_ttl)}}
            return 200, {"data": data}
        if rest == "secret-id/lookup" and method == "POST":
            if body.get("secret_id") not in mine:
                return 204, None  # what Vault answers for an unknown secret ID
            accessor = mine[body["secret_id"]][2]
            return 200, {"data": self._secret_id_entry(accessor)}
        accessor = body.get("secret_id_accessor")
        if rest == "secret-id-accessor/lookup" and accessor in [v[2] for v in mine.values()]:
            return 200, {"data": self._secret_id_entry(accessor)}
        if rest == "secret-id-accessor/destroy" and method == "POST":
            self.secret_ids = {k: v for k, v in self.secret_ids.items() if v[2] != accessor}
            return 204, None
        return 405, {"errors": ["unsupported operation"]}

    def _secret_id_entry(self, accessor: str) -> dict[str, Any]:
        """A secret ID's lookup answer (set secret_id_expiration[accessor] for one that has
        expired: the server then still knows it until its tidy runs; secret_id_creation too,
        to age it)."""
        return {
            "secret_id_accessor": accessor,
            "metadata": self.secret_id_metadata.get(accessor, {}),
            "expiration_time": self.secret_id_expiration.get(accessor, "0001-01-01T00:00:00Z"),
            "creation_time": self.secret_id_creation.get(accessor, "0001-01-01T00:00:00Z"),
        }

    def _login(self, body: Any) -> Answer:
        if (body.get("role_id"), body.get("secret_id")) != (self.role_id, self.secret_id):
            return 400, {"errors": ["invalid role or secret ID"]}
        # The login token may do what the test's root token may: the actions under test hold
        # it for their calls, and revoke-self gives it up.
        token = "s.login-" + secrets.token_hex(8)
        self.login_tokens.add(token)
        return 200, {"auth": {"client_token": token, "policies": ["default"]}}


def rfc3339(seconds: float) -> str:
    """A time as Vault writes one: UTC, nanoseconds."""
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{whole}.{int(seconds % 1 * 1e9):09d}Z"
