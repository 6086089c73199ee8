"""A fake Vault for the unit tests of the collection's action plugins. It keeps just enough in
memory for the collection's actions: the plugin catalog, the mount table and its tuning,
oauthapp servers and the plugin's answers to credential reads, KV version 2 (fake_kv),
(webex_vault_testing.fake_vault_auth) tokens, ACL policies, AppRole (login, roles, secret IDs
and their accessors) and response wrapping, and (webex_vault_testing.fake_vault_sys) init,
unseal, audit devices, reloads and engine configurations.

It answers HTTP on 127.0.0.1, so the actions run their real client (hvac through
plugin_utils/vault_client.py), as they do against a server. Every request
is recorded, so a test can tell that a no-op wrote nothing and what a write carried.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from webex_vault_testing.fake_kv import kv_request
from webex_vault_testing.fake_vault_auth import Answer, AuthEndpoints
from webex_vault_testing.fake_vault_sys import SystemEndpoints

CATALOG = re.compile(r"^sys/plugins/catalog/(auth|database|secret)/([^/]+)$")
APPROLE = re.compile(r"^auth/([^/]+)/role/([^/]+)(?:/(.+))?$")


@dataclass
class FakeVault(AuthEndpoints, SystemEndpoints):
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
    # "mount/creds/name" -> (status, body) of the oauthapp plugin's answer to a read
    creds: dict[str, Answer] = field(default_factory=dict)
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
    secret_id_expiration: dict[str, str] = field(default_factory=dict)  # by accessor, RFC 3339
    secret_id_creation: dict[str, str] = field(default_factory=dict)  # by accessor, RFC 3339
    wrapped: dict[str, tuple[str, dict[str, Any]]] = field(
        default_factory=dict
    )  # wrapping token -> (creation path, data)
    login_tokens: set[str] = field(default_factory=set)  # tokens AppRole logins issued, in use
    revoked: list[str] = field(default_factory=list)  # tokens revoke-self gave up, in order
    try_again: list[int] = field(default_factory=list)  # statuses answered first to other calls
    denied: set[str] = field(
        default_factory=set
    )  # paths a valid token is refused (403), a policy's gaps
    pinned: set[str] = field(default_factory=set)  # paths it may read, not write (other values)
    # Not initialised or sealed: {"initialized", "sealed", "t", "n", "progress"}; None: unsealed.
    seal: dict[str, Any] | None = None
    audit: dict[str, dict[str, Any]] = field(default_factory=dict)  # "path/" -> audit device
    reloads: list[dict[str, Any]] = field(default_factory=list)  # sys/plugins/reload bodies
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)  # "mount/" -> config
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
            return (self.health_statuses.pop(0) if self.health_statuses else self._health()), {}
        if path == "sys/leader":
            return 200, {"ha_enabled": False, "is_self": False}
        if path in ("sys/init", "sys/seal-status", "sys/unseal"):
            return self._seal(method, path, body)
        if self.try_again:
            return self.try_again.pop(0), {"errors": ["try again later"]}
        if re.fullmatch(r"auth/[^/]+/login", path):
            return self._login(body)
        if token is None or token in self.revoked:
            return 403, {"errors": ["permission denied"]}
        if token != self.token and token not in self.login_tokens:
            return 403, {"errors": ["permission denied"]}
        if path in self.denied or (path in self.pinned and method != "GET"):
            return 403, {"errors": ["permission denied"]}
        if path.startswith("auth/token/"):
            return self._token_self(method, path, token)
        if path == "sys/mounts" and method == "GET":
            return 200, {"data": self.mounts}
        if (answer := self._system(method, path, body)) is not None:
            return answer
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
        if path.startswith("sys/auth/") and method == "POST":
            self.auth[path.removeprefix("sys/auth/") + "/"] = {**body, "accessor": "auth_1"}
            return 204, None
        if path.startswith("sys/policies/acl/"):
            return self._policy(method, path.removeprefix("sys/policies/acl/"), body)
        if path == "sys/wrapping/lookup" and method == "POST":
            return self._wrapping_lookup(body)
        if (match := APPROLE.match(path)) and f"{match.group(1)}/" in self.auth:
            listing = query.get("list", [""])[0].lower() == "true"
            return self._approle(method, match[1], match[2], match[3], body, wrap_ttl, listing)
        return self._engine(method, path, body, query)

    def _mount(self, path: str, body: Any) -> Answer:
        if path.endswith("/tune"):
            entry = self.mounts[path.removesuffix("/tune") + "/"]
            for key, value in body.items():
                if key in ("description", "plugin_version"):
                    entry[key] = value
                elif key == "options":
                    entry["options"] = {**entry["options"], **value}
                elif value == []:  # both servers keep the old list (a tune clears with [""])
                    continue
                else:
                    entry["config"][key] = value
            return 204, None
        if f"{path}/" in self.mounts:
            return 400, {"errors": [f"path is already in use at {path}/"]}
        type_, options = body["type"], dict(body.get("options") or {})
        if type_ == "kv-v2":
            type_, options["version"] = "kv", "2"
        config = dict(body.get("config") or {})
        plugin_version = config.pop("plugin_version", "") or self._newest(type_)
        self.enable(
            path, type_, description=body.get("description", ""), config=config, options=options
        )
        self.mounts[f"{path}/"]["plugin_version"] = plugin_version
        return 204, None

    def _newest(self, name: str) -> str:
        """As both servers do for an enable without a version: the newest registered one."""
        versions = [v for (t, n, v) in self.catalog if (t, n) == ("secret", name) and v]
        return max(versions, key=lambda v: [int(p) for p in re.findall(r"\d+", v)], default="")

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

    def _engine(self, method: str, path: str, body: Any, query: dict[str, list[str]]) -> Answer:
        mount = next((m for m in self.mounts if path.startswith(m)), None)
        if mount is None:
            return 404, {"errors": [f"no handler for route '{path}'"]}
        engine = self.mounts[mount]["type"]
        if engine == "oauthapp" and "/servers/" in path:
            return self._server(method, path, body)
        if engine == "oauthapp" and path == f"{mount}config":
            return self._config(method, mount, body)
        if engine == "oauthapp" and "/creds/" in path and method == "GET":
            return self.creds.get(path, (404, {"errors": []}))
        listing = query.get("list", [""])[0].lower() == "true"
        answer = kv_request(self.kv, mount, method, path, body, listing) if engine == "kv" else None
        return answer or (405, {"errors": ["unsupported operation"]})

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
