"""webex_vault.oauthapp.credential_index against the fake Vault."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail

ENTRY = "webex-vault-state/data/oauthapp/index/people-me"


@pytest.fixture(autouse=True)
def engines(vault):
    vault.enable("oauthapp", "oauthapp")
    vault.enable("webex-vault-state", "kv", options={"version": "2"})


def register(run, **changes):
    return run(
        "credential_index",
        **{"name": "people-me", "server": "webex-myapp", "created_by": "role", **changes},
    )


def test_registers_a_credential_with_the_time_it_was_first_indexed(run, vault):
    result = register(run)

    assert result["changed"] is True
    entry = vault.kv[ENTRY]
    assert {k: entry[k] for k in ("name", "mount", "server", "created_by")} == {
        "name": "people-me",
        "mount": "oauthapp",
        "server": "webex-myapp",
        "created_by": "role",
    }
    assert entry["created_at"].endswith("Z") and len(entry["created_at"]) == 20
    assert result["diff"]["before"] == {} and result["diff"]["after"] == entry


def test_the_same_entry_again_writes_nothing(run, vault):
    register(run)
    writes = len(vault.writes())

    result = register(run)

    assert result["changed"] is False
    assert len(vault.writes()) == writes


def test_a_new_server_rewrites_the_entry_and_keeps_its_created_at(run, vault):
    register(run)
    vault.kv[ENTRY]["created_at"] = "2026-01-01T00:00:00Z"

    result = register(run, server="webex-other")

    assert result["changed"] is True
    assert vault.kv[ENTRY]["server"] == "webex-other"
    assert vault.kv[ENTRY]["created_at"] == "2026-01-01T00:00:00Z"


def test_check_mode_tells_the_truth_and_writes_nothing(run, vault):
    result = register(run, check_mode=True)

    assert result["changed"] is True and result["diff"]["after"]["server"] == "webex-myapp"
    assert ENTRY not in vault.kv and vault.writes() == []


def test_absent_removes_the_entry_once(run, vault):
    register(run)

    removed = register(run, state="absent")
    again = register(run, state="absent")

    assert removed["changed"] is True and ENTRY not in vault.kv
    assert ("DELETE", "webex-vault-state/metadata/oauthapp/index/people-me", {}) in vault.requests
    assert again["changed"] is False


def test_nested_names_are_entries_below_their_folder(run, vault):
    register(run, name="agents/billing")

    assert "webex-vault-state/data/oauthapp/index/agents/billing" in vault.kv


@pytest.mark.parametrize("name", ["webex/*", "a+b", "../secrets", "/people-me", "a b"])
def test_a_name_a_policy_or_path_would_misread_fails_and_changes_nothing(run, vault, name):
    result = register(run, name=name)

    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith("name must be a Vault path") and name in result["msg"]
    assert vault.writes() == []


def test_present_needs_a_server(run, vault):
    with pytest.raises(AnsibleActionFail, match="missing: server"):
        run("credential_index", name="people-me")

    assert vault.writes() == []
