"""webex_vault.oauthapp.plugin_catalog against the fake Vault."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail

from webex_vault_testing.fake_vault import printed

SHA = "ab" * 32
ENTRY = {"name": "oauthapp", "version": "v3.1.1", "sha256": SHA, "command": "oauthapp-v3.1.1"}


def test_registers_a_new_version_with_a_diff(run, vault):
    result = run("plugin_catalog", **ENTRY)

    assert result["changed"] is True
    assert vault.catalog[("secret", "oauthapp", "v3.1.1")]["sha256"] == SHA
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == {
        "sha256": SHA,
        "command": "oauthapp-v3.1.1",
        "args": [],
        "version": "v3.1.1",
    }


def test_the_same_entry_again_writes_nothing(run, vault):
    run("plugin_catalog", **ENTRY)
    writes = len(vault.writes())

    result = run("plugin_catalog", **{**ENTRY, "sha256": SHA.upper()})

    assert result["changed"] is False
    assert len(vault.writes()) == writes


@pytest.mark.parametrize(
    "change", [{"sha256": "cd" * 32}, {"command": "other"}, {"args": ["--debug"]}]
)
def test_a_different_sha256_command_or_args_is_written(run, vault, change):
    run("plugin_catalog", **ENTRY)

    result = run("plugin_catalog", **{**ENTRY, **change})

    assert result["changed"] is True
    key, value = next(iter(change.items()))
    assert vault.catalog[("secret", "oauthapp", "v3.1.1")][key] == value
    assert result["diff"]["before"][key] != result["diff"]["after"][key] == value


def test_other_versions_are_left_alone(run, vault):
    run("plugin_catalog", **ENTRY)
    run("plugin_catalog", **{**ENTRY, "version": "v3.2.0", "sha256": "cd" * 32})

    assert vault.catalog[("secret", "oauthapp", "v3.1.1")]["sha256"] == SHA
    assert vault.catalog[("secret", "oauthapp", "v3.2.0")]["sha256"] == "cd" * 32


def test_check_mode_reports_the_change_and_writes_nothing(run, vault):
    result = run("plugin_catalog", check_mode=True, **ENTRY)

    assert result["changed"] is True
    assert result["diff"]["after"]["sha256"] == SHA
    assert vault.writes() == []


def test_absent_removes_the_version_once(run, vault):
    run("plugin_catalog", **ENTRY)

    first = run("plugin_catalog", name="oauthapp", version="v3.1.1", state="absent")
    second = run("plugin_catalog", name="oauthapp", version="v3.1.1", state="absent")

    assert (first["changed"], second["changed"]) == (True, False)
    assert first["diff"]["after"] == {} and first["diff"]["before"]["sha256"] == SHA
    assert ("secret", "oauthapp", "v3.1.1") not in vault.catalog


def test_env_is_written_but_never_shown(run, vault):
    result = run("plugin_catalog", env=["PROXY_PASSWORD=hunter2-for-tests"], **ENTRY)

    assert vault.catalog[("secret", "oauthapp", "v3.1.1")]["env"] == [
        "PROXY_PASSWORD=hunter2-for-tests"
    ]
    assert "hunter2-for-tests" not in printed(result)


def test_no_diff_outside_diff_mode(run):
    assert "diff" not in run("plugin_catalog", diff=False, **ENTRY)


def test_present_without_sha256_fails_before_any_request(run, vault):
    with pytest.raises(AnsibleActionFail, match="sha256"):
        run("plugin_catalog", name="oauthapp", command="oauthapp")
    assert vault.requests == []
