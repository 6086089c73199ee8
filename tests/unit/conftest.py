"""Fixtures of the unit tests of webex_vault, webex_vault_web and the samples: stub HTTP servers
that replay Vault's and Webex's recorded answers, real OpenBao dev servers (in memory, on free
127.0.0.1 ports), and an empty env file so that no developer's samples/.env leaks into a test.
The two shared servers (`bao`, `openbao`) start once per session; each test uses names of its own
in them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from webex_vault_testing.bao import Bao
from webex_vault_testing.stub import Stub


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


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    """A dev server with the web app's AppRole. Credentials sit in a KV engine mounted at
    oauthapp/, which answers reads of oauthapp/creds/<name> the way the plugin does."""
    server = Bao(tmp_path_factory.mktemp("bao"))
    root = server.root
    root.sys.enable_secrets_engine("kv", path="oauthapp", options={"version": "1"})
    root.sys.enable_auth_method("approle")
    root.sys.create_or_update_policy(
        name="webex-app",
        policy='path "oauthapp/creds/webex/*" { capabilities = ["read", "update", "delete"] }',
    )
    root.sys.create_or_update_policy(
        name="elsewhere", policy='path "oauthapp/creds/other/*" { capabilities = ["read"] }'
    )
    for role, policy in (("webex-app", "webex-app"), ("elsewhere", "elsewhere")):
        root.auth.approle.create_or_update_approle(role, token_policies=[policy], token_ttl="5m")
    yield server
    server.stop()
