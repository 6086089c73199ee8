"""webex_vault.oauthapp.plugin_prune against the fake Vault."""

from __future__ import annotations


def register(vault, version, command=None):
    vault.catalog[("secret", "oauthapp", version)] = {
        "sha256": "0" * 64,
        "command": command or f"vault-plugin-secrets-oauthapp-{version}",
        "version": version,
        "args": [],
    }


def test_versions_no_mount_uses_are_deregistered_and_their_binaries_listed(run, vault):
    for version in ("v3.0.0", "v3.1.0", "v3.1.1"):
        register(vault, version)
    vault.enable("oauthapp", "oauthapp", plugin_version="v3.1.1")

    result = run("plugin_prune", name="oauthapp", keep=["v3.1.1"])

    assert result["changed"] is True
    assert result["removed"] == ["v3.0.0", "v3.1.0"]
    assert result["unused_commands"] == [
        "vault-plugin-secrets-oauthapp-v3.0.0",
        "vault-plugin-secrets-oauthapp-v3.1.0",
    ]
    assert [version for _, _, version in vault.catalog] == ["v3.1.1"]
    assert result["diff"]["after"] == {"versions": ["v3.1.1"]}


def test_a_version_a_mount_still_runs_or_is_tuned_to_is_kept(run, vault):
    for version in ("v3.0.0", "v3.1.0", "v3.1.1"):
        register(vault, version)
    vault.enable("a", "oauthapp", plugin_version="v3.1.1", running_plugin_version="v3.0.0")
    vault.enable("b", "oauthapp", plugin_version="v3.1.0")
    vault.enable("c", "kv", plugin_version="v9.9.9")

    result = run("plugin_prune", name="oauthapp", keep=[])

    assert result["changed"] is False and result["removed"] == []
    assert len(vault.catalog) == 3


def test_a_binary_another_kept_version_names_is_not_listed(run, vault):
    register(vault, "v3.0.0", command="shared-binary")
    register(vault, "v3.1.1", command="shared-binary")

    result = run("plugin_prune", name="oauthapp", keep=["v3.1.1"])

    assert result["removed"] == ["v3.0.0"]
    assert result["unused_commands"] == []


def test_check_mode_reports_and_deregisters_nothing(run, vault):
    register(vault, "v3.0.0")
    register(vault, "v3.1.1")

    result = run("plugin_prune", check_mode=True, name="oauthapp", keep=["v3.1.1"])

    assert result["changed"] is True and result["removed"] == ["v3.0.0"]
    assert vault.writes() == []
    assert len(vault.catalog) == 2
