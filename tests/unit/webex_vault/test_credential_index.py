"""Tests for webex_vault.credential_index against a real OpenBao dev server (its KV version 2:
check-and-set, nested folders, deleting all versions): each test mounts a state mount of its own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import hvac
import pytest

from webex_vault import VaultPermissionDenied
from webex_vault.credential_index import (
    IndexEntry,
    indexed_credentials,
    register_credential,
    unregister_credential,
)
from webex_vault_testing.bao import Bao


@pytest.fixture
def state_mount(bao: Bao) -> Iterator[str]:
    mount = f"state-{secrets.token_hex(4)}"
    bao.root.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
    yield mount
    bao.root.sys.disable_secrets_engine(mount)


def entry(name: str, created_by: str = "test") -> IndexEntry:
    return IndexEntry(name, "oauthapp", "webex-myapp", created_by)


def test_entries_are_listed_with_their_folders_sorted(bao: Bao, state_mount: str) -> None:
    for name in ("webex/b2", "people-me", "webex/a1", "agents/billing"):
        assert register_credential(bao.root, state_mount, entry(name)) is True

    found = indexed_credentials(bao.root, state_mount, "oauthapp")

    assert [e.name for e in found] == ["agents/billing", "people-me", "webex/a1", "webex/b2"]
    assert all(e.server == "webex-myapp" and e.created_by == "test" for e in found)
    assert all(len(e.created_at) == 20 and e.created_at.endswith("Z") for e in found)
    stored = bao.root.secrets.kv.v2.read_secret_version(
        "oauthapp/index/webex/a1", mount_point=state_mount, raise_on_deleted_version=True
    )["data"]["data"]
    assert set(stored) == {"name", "mount", "server", "created_by", "created_at"}


def test_only_if_absent_leaves_the_owners_entry_alone(bao: Bao, state_mount: str) -> None:
    register_credential(bao.root, state_mount, entry("people-me", "the role"))

    written = register_credential(
        bao.root, state_mount, entry("people-me", "a tool"), only_if_absent=True
    )

    assert written is False
    (found,) = indexed_credentials(bao.root, state_mount, "oauthapp")
    assert found.created_by == "the role"


def test_unregistering_removes_every_version_and_a_missing_entry_is_no_error(
    bao: Bao, state_mount: str
) -> None:
    register_credential(bao.root, state_mount, entry("webex/a1"))
    register_credential(bao.root, state_mount, entry("webex/a1", "again"))

    unregister_credential(bao.root, state_mount, "oauthapp", "webex/a1")
    unregister_credential(bao.root, state_mount, "oauthapp", "webex/a1")

    assert indexed_credentials(bao.root, state_mount, "oauthapp") == []


def test_an_empty_index_is_empty(bao: Bao, state_mount: str) -> None:
    assert indexed_credentials(bao.root, state_mount, "oauthapp") == []


def test_a_refused_listing_says_which_capability_is_missing(bao: Bao, state_mount: str) -> None:
    policy = f'path "{state_mount}/data/*" {{ capabilities = ["read"] }}'
    bao.root.sys.create_or_update_policy(name=f"{state_mount}-reader", policy=policy)
    token = bao.root.auth.token.create(policies=[f"{state_mount}-reader"])["auth"]["client_token"]
    client = hvac.Client(url=bao.address, token=token)

    with pytest.raises(VaultPermissionDenied, match="must grant 'list'"):
        indexed_credentials(client, state_mount, "oauthapp")
