"""The engine's configuration, plugin reloads and audit devices against the fake Vault:
webex_vault.oauthapp.oauthapp_config (compared as text, the full set written once),
plugin_reload (a change, check mode only reports it) and audit_device (enabled when missing,
refused when different, only checked when declared)."""

from __future__ import annotations

import pytest

CONFIG = {
    "default_server": "webex-myapp",
    "tune_refresh_check_interval_seconds": 60,
    "tune_provider_timeout_expiry_leeway_factor": 1.5,
    "tune_reap_dry_run": False,
}


@pytest.fixture
def engine(vault):
    vault.enable("oauthapp", "oauthapp")
    return vault


def test_the_config_is_written_once_and_compared_as_text(run, engine):
    checked = run("oauthapp_config", check_mode=True, config=CONFIG)
    assert checked["changed"] is True and engine.configs == {}
    result = run("oauthapp_config", config=CONFIG)
    assert result["changed"] is True and sorted(result["differs"]) == sorted(CONFIG)
    assert engine.configs["oauthapp/"] == CONFIG
    # The engine reads numbers back as JSON has them; "60" and 60 agree.
    engine.configs["oauthapp/"]["tune_refresh_check_interval_seconds"] = "60"
    again = run("oauthapp_config", config=CONFIG)
    assert again["changed"] is False and again["differs"] == []


def test_one_differing_key_writes_the_whole_set(run, engine):
    run("oauthapp_config", config=CONFIG)
    changed = {**CONFIG, "tune_reap_dry_run": True}
    result = run("oauthapp_config", config=changed)
    assert result["differs"] == ["tune_reap_dry_run"]
    assert engine.configs["oauthapp/"] == changed
    assert result["diff"]["before"]["tune_reap_dry_run"] is False


def test_a_reload_is_a_change_that_check_mode_only_reports(run, vault):
    checked = run("plugin_reload", check_mode=True, mounts=["oauthapp"])
    assert checked["changed"] is True and vault.reloads == []
    result = run("plugin_reload", plugin="oauthapp")
    assert result["changed"] is True and vault.reloads == [{"plugin": "oauthapp"}]
    both = run("plugin_reload", plugin="oauthapp", mounts=["oauthapp"])
    assert both["failed"] is True and "either plugin or mounts" in both["msg"]


DEVICE = {"path": "file", "options": {"file_path": "/var/log/vault/audit.log"}}


def test_a_missing_audit_device_is_enabled_once(run, vault):
    checked = run("audit_device", check_mode=True, **DEVICE)
    assert checked["changed"] is True and vault.audit == {}
    result = run("audit_device", description="File audit log", **DEVICE)
    assert result["changed"] is True
    assert vault.audit["file/"]["options"] == DEVICE["options"]
    assert run("audit_device", **DEVICE)["changed"] is False


def test_an_audit_device_with_other_settings_is_refused(run, vault):
    vault.audit["file/"] = {"type": "file", "options": {"file_path": "/elsewhere.log"}}
    result = run("audit_device", hint="check vault_server_audit_file", **DEVICE)
    assert result["failed"] is True
    assert "cannot be changed in place" in result["msg"]
    assert result["msg"].endswith("; check vault_server_audit_file.")
    assert vault.audit["file/"]["options"] == {"file_path": "/elsewhere.log"}


def test_a_declared_device_is_only_checked(run, vault):
    result = run("audit_device", declared=True, hint="see server.hcl", **DEVICE)
    assert result["failed"] is True
    assert "although its configuration declares one; see server.hcl." in result["msg"]
    assert vault.audit == {}
    vault.audit["file/"] = {"type": "file", "options": {**DEVICE["options"], "mode": "0600"}}
    assert run("audit_device", declared=True, **DEVICE)["changed"] is False
