"""A fake Vault for the unit tests of the collection's action plugins. It keeps just enough in
memory for the collection's actions: the plugin catalog, the mount table and its tuning,
oauthapp servers, KV version 2, ACL policies, AppRole (login, roles, secret IDs and their
accessors) and response wrapping.

It answers HTTP on 127.0.0.1, so the actions run their real hvac client and
community.hashi_vault's connection and auth code, as they do against a server. Every request
is recorded, so a test can tell that a no-op wrote nothing and what a write carried.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CATALOG = re.compile(r"^sys/plugins/catalog/(auth|database|secret)/([^/]+)$")
APPROLE = re.compile(r"^auth/([^/]+)/role/([^/]+)(?:/(.+))?$")
# (HTTP status, JSON body or None for an empty answer)
Answer = tuple[int, Any]


@dataclass
class FakeVault:
    token: str
    role_id: str = "role-for-tests"
    secret_id: str = "approle-secret-id-for-tests"  # noqa: S105 - made up
    catalog: dict[tuple[str, str, str], dict[str, Any]] = field(
        default_factory=dict
    )  # (type, name, version) -> entry, env included
    mounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # "path/" -> mount table entry
    servers: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # "mount/servers/name" -> entry, secrets included
    kv: dict[str, Any] = field(default_factory=dict)  # "mount/data/path" -> data
    requests: list[tuple[str, str, Any]] = field(default_factory=list)  # (method, path, body)
    fail_writes_with: str | None = None  # an error text every write of a server returns
    health_statuses: list[int] = field(default_factory=list)  # /v1/sys/health answers, then 200
    auth: dict[str, dict[str, Any]] = field(default_factory=dict)  # "path/" -> auth method entry
    policies: dict[str, str] = field(default_factory=dict)  # name -> policy text
    roles: dict[tuple[str, str], dict[str, Any]] = field(
        default_factory=dict
    )  # (mount, name) -> role settings, role_id included
    secret_ids: dict[str, tuple[str, str, str]] = field(
        default_factory=dict
    )  # secret ID -> (mount, name, accessor)
    secret_id_metadata: dict[str, dict[str, str]] = field(default_factory=dict)  # by accessor
    wrapped: dict[str, tuple[str, dict[str, Any]]] = field(
        default_factory=dict
    )  # wrapping token -> (creation path, data)
    url: str = ""

    def writes(self) -> list[tuple[str, str, Any]]:
        return [request for request in self.requests if request[0] in ("POST", "PUT", "DELETE")]

    def enable(self, path: str, type_: str, **entry: Any) -> None:
        self.mounts[f"{path}/"] = {
            "type": type_,
            "description": "",
            "config": {},
            "options": {},
            **entry,
        }

    # --- requests ------------------------------------------------------------------------

    def unwrap(self, token: str) -> dict[str, Any]:
        """What a sample's unwrap does: the wrapped data, once."""
        return self.wrapped.pop(token)[1]

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        token: str | None,
        wrap_ttl: str | None = None,
    ) -> Answer:
        self.requests.append((method, path, body))
        if path == "sys/health":
            return (self.health_statuses.pop(0) if self.health_statuses else 200), {}
        if re.fullmatch(r"auth/[^/]+/login", path):
            return self._login(body)
        if token != self.token:
            return 403, {"errors": ["permission denied"]}
        if path == "sys/mounts" and method == "GET":
            return 200, {"data": self.mounts}
        if path == "auth/token/lookup-self" and method == "GET":
            return 200, {"data": {"policies": ["root"]}}
        if path.startswith("sys/mounts/") and method == "POST":
            return self._mount(path.removeprefix("sys/mounts/"), body)
        if path == "sys/plugins/catalog" and method == "GET":
            detailed = [
                {"type": t, "name": n, "version": v, "builtin": False} for t, n, v in self.catalog
            ]
            return 200, {"data": {"detailed": detailed}}
        if match := CATALOG.match(path):
            return self._catalog(method, match.groups(), query.get("version", [""])[0], body)
        if path == "sys/auth" and method == "GET":
            return 200, {"data": self.auth}
        if re.fullmatch(r"sys/locked-users/[^/]+/unlock/[^/]+", path) and method == "POST":
            return 204, None  # a login lockout lifted (the request is recorded)
        if path.startswith("sys/auth/") and method == "POST":
            self.auth[path.removeprefix("sys/auth/") + "/"] = {**body, "accessor": "auth_1"}
            return 204, None
        if path.startswith("sys/policies/acl/"):
            return self._policy(method, path.removeprefix("sys/policies/acl/"), body)
        if path == "sys/wrapping/lookup" and method == "POST":
            entry = self.wrapped.get(body.get("token"))
            if entry is None:
                return 400, {"errors": ["wrapping token is not valid or does not exist"]}
            return 200, {"data": {"creation_path": entry[0], "creation_ttl": 60}}
        if (match := APPROLE.match(path)) and f"{match.group(1)}/" in self.auth:
            listing = query.get("list", [""])[0].lower() == "true"
            return self._approle(method, match[1], match[2], match[3], body, wrap_ttl, listing)
        return self._engine(method, path, body)

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
            data = {"secret_id": secret_id, "secret_id_accessor": accessor}
            if wrap_ttl:
                token = "s." + secrets.token_hex(12)
                self.wrapped[token] = (f"auth/{mount}/role/{name}/secret-id", data)
                return 200, {"wrap_info": {"token": token, "ttl": int(wrap_ttl)}}
            return 200, {"data": data}
        if rest == "secret-id/lookup" and method == "POST":
            if body.get("secret_id") not in mine:
                return 204, None  # what Vault answers for an unknown secret ID
            return 200, {"data": {"secret_id_accessor": mine[body["secret_id"]][2]}}
        accessor = body.get("secret_id_accessor")
        if rest == "secret-id-accessor/lookup" and accessor in [v[2] for v in mine.values()]:
            return 200, {"data": {"metadata": self.secret_id_metadata.get(accessor, {})}}
        if rest == "secret-id-accessor/destroy" and method == "POST":
            self.secret_ids = {k: v for k, v in self.secret_ids.items() if v[2] != accessor}
            return 204, None
        return 405, {"errors": ["unsupported operation"]}

    def _login(self, body: Any) -> Answer:
        if (body.get("role_id"), body.get("secret_id")) != (self.role_id, self.secret_id):
            return 400, {"errors": ["invalid role or secret ID"]}
        return 200, {"auth": {"client_token": self.token, "policies": ["default"]}}

    def _mount(self, path: str, body: Any) -> Answer:
        if path.endswith("/tune"):
            entry = self.mounts[path.removesuffix("/tune") + "/"]
            for key, value in body.items():
                if key in ("description", "plugin_version"):
                    entry[key] = value
                elif key == "options":
                    entry["options"] = {**entry["options"], **value}
                else:
                    entry["config"][key] = value
            return 204, None
        if f"{path}/" in self.mounts:
            return 400, {"errors": [f"path is already in use at {path}/"]}
        type_, options = body["type"], dict(body.get("options") or {})
        if type_ == "kv-v2":
            type_, options["version"] = "kv", "2"
        config = dict(body.get("config") or {})
        plugin_version = config.pop("plugin_version", "")
        self.enable(
            path, type_, description=body.get("description", ""), config=config, options=options
        )
        self.mounts[f"{path}/"]["plugin_version"] = plugin_version
        return 204, None

    def _catalog(self, method: str, key: tuple[str | Any, ...], version: str, body: Any) -> Answer:
        plugin_type, name = key
        if method == "GET":
            entry = self.catalog.get((plugin_type, name, version))
            if entry is None:
                return 404, {"errors": []}
            shown = {k: v for k, v in entry.items() if k != "env"}
            return 200, {"data": {**shown, "name": name, "builtin": False}}
        if method == "DELETE":
            self.catalog.pop((plugin_type, name, version), None)
            return 204, None
        entry = {"args": [], **body}
        self.catalog[(plugin_type, name, body.get("version", ""))] = entry
        return 204, None

    def _engine(self, method: str, path: str, body: Any) -> Answer:
        mount = next((m for m in self.mounts if path.startswith(m)), None)
        if mount is None:
            return 404, {"errors": [f"no handler for route '{path}'"]}
        engine = self.mounts[mount]["type"]
        if engine == "oauthapp" and "/servers/" in path:
            return self._server(method, path, body)
        if engine == "kv" and path.startswith(f"{mount}data/"):
            if method == "GET":
                data = self.kv.get(path)
                return (404, {"errors": []}) if data is None else (200, {"data": {"data": data}})
            self.kv[path] = body["data"]
            return 200, {"data": {"version": 1}}
        return 405, {"errors": ["unsupported operation"]}

    def _server(self, method: str, path: str, body: Any) -> Answer:
        if method == "GET":
            entry = self.servers.get(path)
            if entry is None:
                return 404, {"errors": []}
            public = ("client_id", "provider", "provider_options", "auth_url_params")
            return 200, {"data": {**{k: entry.get(k) for k in public}, "provider_version": "1"}}
        if self.fail_writes_with:
            return 400, {"errors": [self.fail_writes_with]}
        if not body.get("client_id") or not body.get("provider"):
            return 400, {"errors": ["missing client ID or provider"]}
        maps = {
            k: {n: str(v) for n, v in (body.get(k) or {}).items()}
            for k in ("provider_options", "auth_url_params")
        }
        self.servers[path] = {**body, **maps}
        return 204, None


class _Handler(BaseHTTPRequestHandler):
    vault: FakeVault

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        status, payload = self.vault.handle(
            self.command,
            url.path.removeprefix("/v1/"),
            parse_qs(url.query, keep_blank_values=True),
            body,
            self.headers.get("X-Vault-Token"),
            self.headers.get("X-Vault-Wrap-TTL"),
        )
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


def serve(vault: FakeVault) -> ThreadingHTTPServer:
    """Serve vault on a free 127.0.0.1 port in a thread; returns the server (call shutdown())."""
    handler = type("Handler", (_Handler,), {"vault": vault})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    vault.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="fake-vault"
    ).start()
    return server


def printed(result: dict[str, Any]) -> str:
    """Everything a callback could print of a result."""
    return json.dumps(result, default=str)
