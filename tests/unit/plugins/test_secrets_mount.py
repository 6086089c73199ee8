"""webex_vault.oauthapp.secrets_mount against the fake Vault."""

from __future__ import annotations

import pytest

ENGINE = {
    "path": "oauthapp",
    "type": "oauthapp",
    "description": "Webex tokens",
    "plugin_version": "v3.1.1",
}


def tunes(vault) -> list:
    return [body for method, path, body in vault.writes() if path.endswith("/tune")]


def register(vault, *versions: str) -> None:
    for version in versions:
        vault.catalog[("secret", "oauthapp", version)] = {"sha256": "00" * 32, "command": "x"}


@pytest.fixture(autouse=True)
def _registered(vault):
    """The plugin version ENGINE runs is in the catalog, as the oauthapp_plugin role leaves it."""
    register(vault, "v3.1.1")


def test_enables_a_missing_engine_with_its_settings(run, vault):
    result = run("secrets_mount", default_lease_ttl="1h", **ENGINE)

    assert result["changed"] is True
    assert result["plugin_version_changed"] is False
    mount = vault.mounts["oauthapp/"]
    assert (mount["type"], mount["plugin_version"], mount["config"]) == (
        "oauthapp",
        "v3.1.1",
        {"default_lease_ttl": 3600},
    )
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["default_lease_ttl"] == 3600
    # The enable names no version (the admin policy pins its config empty): none was tuned.
    enable = next(body for method, path, body in vault.writes() if path == "sys/mounts/oauthapp")
    assert "plugin_version" not in enable["config"] and tunes(vault) == []


def test_a_missing_engine_is_tuned_to_an_older_version_than_the_newest_registered(run, vault):
    """The server runs the newest registered version of an engine enabled without one; the
    wanted one is then tuned, and the caller told to reload."""
    register(vault, "v3.2.0")
    result = run("secrets_mount", **ENGINE)

    assert (result["changed"], result["plugin_version_changed"]) == (True, True)
    assert vault.mounts["oauthapp/"]["plugin_version"] == "v3.1.1"
    assert tunes(vault) == [{"plugin_version": "v3.1.1"}]


def test_kv_v2_is_enabled_as_kv_version_2_and_then_left_alone(run, vault):
    first = run("secrets_mount", path="state", type="kv-v2")
    second = run("secrets_mount", path="state", type="kv-v2")

    assert vault.mounts["state/"]["type"] == "kv"
    assert vault.mounts["state/"]["options"] == {"version": "2"}
    assert (first["changed"], second["changed"]) == (True, False)


def test_the_same_settings_again_write_nothing(run, vault):
    run("secrets_mount", max_lease_ttl="2h", passthrough_request_headers=["X-A"], **ENGINE)
    writes = len(vault.writes())

    result = run("secrets_mount", max_lease_ttl=7200, passthrough_request_headers=["X-A"], **ENGINE)

    assert result["changed"] is False
    assert len(vault.writes()) == writes


def test_only_the_settings_that_differ_are_tuned(run, vault):
    run("secrets_mount", **ENGINE)

    result = run("secrets_mount", **{**ENGINE, "description": "new"}, max_lease_ttl="1d")

    assert result["changed"] is True
    assert tunes(vault) == [{"description": "new", "max_lease_ttl": 86400}]
    assert result["diff"]["before"]["description"] == "Webex tokens"
    assert result["diff"]["after"]["description"] == "new"
    assert result["plugin_version_changed"] is False


def test_a_new_plugin_version_is_tuned_and_reported(run, vault):
    run("secrets_mount", **ENGINE)
    vault.mounts["oauthapp/"]["running_plugin_version"] = "v3.1.1"

    result = run("secrets_mount", **{**ENGINE, "plugin_version": "v3.2.0"})

    assert result["plugin_version_changed"] is True
    assert result["running_plugin_version"] == "v3.1.1"
    assert tunes(vault) == [{"plugin_version": "v3.2.0"}]


def test_an_engine_of_another_type_is_refused_without_a_write(run, vault):
    vault.enable("oauthapp", "kv", options={"version": "2"})

    result = run("secrets_mount", **ENGINE)

    assert result["failed"] is True
    assert result["changed"] is False
    assert result["msg"] == (
        "Mount path 'oauthapp' already holds a 'kv' secrets engine, not 'oauthapp': "
        "choose another path or disable that engine first."
    )
    assert vault.writes() == []


def test_another_engine_version_is_refused(run, vault):
    vault.enable("state", "kv", options={"version": "1"})

    result = run("secrets_mount", path="state", type="kv", options={"version": 2})

    assert result["failed"] is True
    assert "'state'" in result["msg"]
    assert vault.writes() == []


@pytest.mark.parametrize(
    ("engine", "args", "message"),
    [
        (
            ("kv", {"version": "2"}),
            {"type": "oauthapp"},
            "oauthapp_webex_mount 'oauthapp' must be free or an 'oauthapp' engine, not a 'kv' "
            "engine: choose another path or disable that engine first.",
        ),
        (
            ("kv", {}),
            {"type": "kv", "options": {"version": "2"}},
            "oauthapp_webex_mount 'oauthapp' must be free or a 'kv' version 2 engine, not a 'kv' "
            "version 1 engine: choose another path or disable that engine first.",
        ),
    ],
)
def test_a_path_hint_names_the_setting_in_the_refusal(run, vault, engine, args, message):
    vault.enable("oauthapp", engine[0], options=engine[1])
    result = run(
        "secrets_mount", check_mode=True, path="oauthapp", path_hint="oauthapp_webex_mount", **args
    )
    assert result["failed"] is True and result["msg"] == message
    assert vault.writes() == []


def test_check_mode_reports_enable_and_tune_without_writing(run, vault):
    enable = run("secrets_mount", check_mode=True, **ENGINE)
    vault.enable("oauthapp", "oauthapp", plugin_version="v3.1.1")
    tune = run("secrets_mount", check_mode=True, **{**ENGINE, "plugin_version": "v3.2.0"})

    assert (enable["changed"], tune["changed"], tune["plugin_version_changed"]) == (
        True,
        True,
        True,
    )
    assert vault.writes() == []


@pytest.mark.parametrize("ttl", ["1 hour", "-5", "1h-"])
def test_a_bad_duration_fails_with_one_sentence_before_any_request(run, vault, ttl):
    result = run("secrets_mount", default_lease_ttl=ttl, **ENGINE)

    assert result["failed"] is True
    assert result["msg"].startswith(f"default_lease_ttl '{ttl}' is not a duration")
    assert vault.requests == []


AUDIT_DRIFT = {
    "audit_non_hmac_request_keys": ["client_secret"],
    "audit_non_hmac_response_keys": ["access_token"],
}
CLEAN = dict.fromkeys(AUDIT_DRIFT, [])
TUNED = {"description": "Webex tokens", "plugin_version": "v3.1.1"}


def test_audit_keys_set_behind_the_roles_back_are_cleared_with_a_diff(run, vault):
    """Issue 20: a tune to [] leaves the old list on both servers; [""] (no key) clears it."""
    vault.enable("oauthapp", "oauthapp", **TUNED, config=dict(AUDIT_DRIFT))

    result = run("secrets_mount", **ENGINE, **CLEAN)

    assert result["changed"] is True
    assert tunes(vault) == [dict.fromkeys(AUDIT_DRIFT, [""])]
    assert vault.mounts["oauthapp/"]["config"] == dict.fromkeys(AUDIT_DRIFT, [""])
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["audit_non_hmac_response_keys"] == ["access_token"]
    assert after["audit_non_hmac_response_keys"] == []


def test_a_cleared_list_reads_as_empty_and_is_left_alone(run, vault):
    vault.enable("oauthapp", "oauthapp", **TUNED, config=dict(AUDIT_DRIFT))
    run("secrets_mount", **ENGINE, **CLEAN)
    writes = len(vault.writes())

    again = run("secrets_mount", **ENGINE, **CLEAN)

    assert again["changed"] is False
    assert len(vault.writes()) == writes


def test_check_mode_reports_audit_drift_without_writing(run, vault):
    vault.enable("oauthapp", "oauthapp", **TUNED, config=dict(AUDIT_DRIFT))

    result = run("secrets_mount", check_mode=True, **ENGINE, **CLEAN)

    assert result["changed"] is True
    assert result["diff"]["before"]["audit_non_hmac_request_keys"] == ["client_secret"]
    assert vault.writes() == []


STATE = {"path": "state", "type": "kv", "options": {"version": "2"}, "path_hint": "state_mount"}


def test_mounts_enables_each_in_one_step_and_a_rerun_writes_nothing(run, vault):
    first = run("secrets_mount", mounts=[ENGINE, STATE])
    writes = len(vault.writes())
    again = run("secrets_mount", mounts=[ENGINE, STATE])

    assert (first["changed"], first["plugin_version_changed"]) == (True, False)
    assert [mount["mount"]["type"] for mount in first["mounts"]] == ["oauthapp", "kv"]
    assert [item["before_header"] for item in first["diff"]] == [
        "sys/mounts/oauthapp",
        "sys/mounts/state",
    ]
    assert vault.mounts["state/"]["options"] == {"version": "2"}
    assert (again["changed"], again["plugin_version_changed"]) == (False, False)
    assert len(vault.writes()) == writes


def test_mounts_refuses_a_later_path_before_writing_an_earlier_one(run, vault):
    """Bad input changes nothing: every mount is compared before any is written."""
    vault.enable("state", "kv", options={"version": "1"})

    result = run("secrets_mount", mounts=[ENGINE, STATE])

    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith("state_mount 'state' must be free or a 'kv' version 2 engine")
    assert vault.writes() == [] and "oauthapp/" not in vault.mounts


def test_mounts_reports_a_new_plugin_version_of_any_mount(run, vault):
    vault.enable("oauthapp", "oauthapp", plugin_version="v3.1.1")
    register(vault, "v3.2.0")

    result = run("secrets_mount", mounts=[{**ENGINE, "plugin_version": "v3.2.0"}, STATE])

    assert (result["changed"], result["plugin_version_changed"]) == (True, True)
    assert [mount["plugin_version_changed"] for mount in result["mounts"]] == [True, False]


@pytest.mark.parametrize(
    "args",
    [{"mounts": [STATE], "path": "other"}, {"path": "state"}, {"type": "kv"}],
    ids=["both", "no-type", "no-path"],
)
def test_either_one_mount_or_mounts_is_given(run, vault, args):
    result = run("secrets_mount", **args)

    assert result["failed"] is True
    assert result["msg"] == "Give secrets_mount either path and type, or mounts."
    assert vault.writes() == []
