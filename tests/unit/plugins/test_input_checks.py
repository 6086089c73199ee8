"""webex_vault.oauthapp.input_checks and its rule sets (plugin_utils/input_rules.py): each rule
passes the roles' defaults, fails with its own sentence naming its variables, keeps Jinja's
meaning of `is match` and `| int`; the action reports through ansible-playbook."""

from __future__ import annotations

import json

import pytest

# The vault_server role's defaults, rendered (a dev server on this machine).
SERVER = {
    "vault_server_listen_address": "127.0.0.1:8200",
    "vault_server_api_addr": "http://127.0.0.1:8200",
    "vault_server_data_dir": "/var/lib/vault",
    "vault_server_plugin_directory": "/var/lib/vault/plugins",
    "vault_server_revoke_root_token": False,
    "vault_server_admin_identity": False,
    "vault_server_admin_policy": "webex-vault-admin",
    "vault_server_admin_role": "webex-vault-admin",
    "vault_server_admin_approle_mount": "approle",
    "vault_server_admin_bound_cidrs": [],
    "vault_server_admin_token_ttl": 1800,
    "vault_server_admin_token_max_ttl": 3600,
    "vault_server_admin_secret_id_ttl": 7776000,
    "vault_server_admin_secret_id_renew_share": 0.5,
    "vault_server_admin_file": "/etc/vault/init-admin.json",
    "vault_server_init_vault_id": "vault_server_init",
    "vault_server_admin_vault_id": "vault_server_admin",
    "vault_server_break_glass_token_file": "",
    "vault_server_break_glass_prompt": False,
    "vault_server_admin_policy_rules": 'path "oauthapp/*" { capabilities = ["read"] }',
}


@pytest.fixture
def rules(collection_root):
    from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils import input_rules

    return input_rules


def broken(rules, **changes):
    values = {**SERVER, **changes}
    return rules.errors("vault_server", rules.Values(values, lambda value: value))


def test_the_defaults_pass(rules):
    assert broken(rules) == []


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"vault_server_listen_address": "8200"}, "vault_server_listen_address must be host:port"),
        ({"vault_server_api_addr": "http://a/v1"}, "vault_server_api_addr an http(s) URL"),
        ({"vault_server_data_dir": "data"}, "vault_server_data_dir and vault_server_plugin_"),
        ({"vault_server_revoke_root_token": "yes"}, "needs vault_server_admin_identity"),
        ({"vault_server_admin_policy": "root"}, "the policy not 'root' or"),
        ({"vault_server_admin_role": "admin*"}, "role names and its AppRole mount"),
        ({"vault_server_admin_bound_cidrs": ["10.0.0.1"]}, "vault_server_admin_bound_cidrs CIDRs"),
        ({"vault_server_admin_token_max_ttl": 60}, "the token TTLs positive with max >= ttl"),
        ({"vault_server_admin_token_ttl": "soon"}, "the token TTLs positive"),
        ({"vault_server_admin_secret_id_renew_share": 1}, "renew_share at least 0 and less than 1"),
        ({"vault_server_admin_file": "admin.json"}, "vault_server_admin_file an absolute path"),
        ({"vault_server_admin_vault_id": "vault_server_init"}, "two different plain vault-ids"),
        ({"vault_server_root_token": "s.x"}, "vault_server_root_token is refused"),
        ({"vault_server_break_glass_token_file": "t"}, "token_file must be empty or an absolute"),
        (
            {"vault_server_break_glass_token_file": "/t", "vault_server_break_glass_prompt": "on"},
            "not set together with vault_server_break_glass_prompt, not '/t'.",
        ),
        (
            {"vault_server_admin_policy_rules": 'path "sys/policies/acl/webex-vault-admin" {}'},
            "must not reach the admin policy (sys/policies/acl/webex-vault-admin)",
        ),
        (
            {"vault_server_admin_policy_rules": 'path  "auth/approle/role/+" {}'},
            "or the admin role (auth/approle/role/webex-vault-admin)",
        ),
        (
            {"vault_server_admin_engine_mount": "o", "vault_server_admin_app_identities": []},
            "vault_server_admin_engine_mount, vault_server_admin_app_identities no longer exist",
        ),
    ],
)
def test_each_rule_fails_with_its_sentence(rules, changes, sentence):
    found = broken(rules, **changes)
    assert len(found) == 1 and sentence in found[0], found


def test_rules_that_only_look_alike_pass(rules):
    # Another policy's path, and a role whose name starts like the admin role's.
    assert (
        broken(
            rules,
            vault_server_admin_policy_rules='path "sys/policies/acl/webex-vault-admins" {}\n'
            'path "auth/approle/role/webex-vault-administrators" {}',
            vault_server_admin_bound_cidrs=["127.0.0.1/32", "::1/128"],
            vault_server_revoke_root_token="true",
            vault_server_admin_identity="yes",
            vault_server_admin_token_ttl="1800",
        )
        == []
    )


def test_every_broken_rule_adds_its_sentence_in_order(rules):
    found = broken(rules, vault_server_listen_address="x", vault_server_root_token="s.x")
    assert [sentence.split(" ", 1)[0] for sentence in found] == [
        "vault_server_listen_address",
        "vault_server_root_token",
    ]


def test_jinja_meanings(rules):
    assert rules.match("abc", "b") is False and rules.search("abc", "b") is True
    assert (rules.as_int("12"), rules.as_int("2.7"), rules.as_int("x"), rules.as_int(None)) == (
        12,
        2,
        0,
        0,
    )
    assert (rules.as_float("0.5"), rules.as_float("x")) == (0.5, 0.0)
    assert rules.absolute("/a") and not rules.absolute("a") and not rules.absolute(None)


def test_each_variable_is_rendered_once(rules):
    rendered = []

    def render(value):
        rendered.append(value)
        return value

    values = rules.Values({"a": "x"}, render)
    assert (values["a"], values["a"]) == ("x", "x") and rendered == ["x"]
    assert values.defined("a") and not values.defined("b")


def test_the_action_fails_with_the_sentences_and_passes_the_defaults(run_task):
    server = ("-e", json.dumps(SERVER))
    code, result = run_task("input_checks", {"rules": "vault_server"}, *server)
    assert code == 0 and result["changed"] is False and "msg" not in result
    code, result = run_task("input_checks", {"rules": "vault_server"}, *server, "--check")
    assert code == 0
    wrong = ("-e", json.dumps({**SERVER, "vault_server_data_dir": "data"}))
    code, result = run_task("input_checks", {"rules": "vault_server"}, *wrong)
    assert code != 0 and result["msg"].startswith("vault_server_listen_address must be host:port")


def test_the_action_names_an_undefined_variable_and_an_unknown_rule_set(run_task):
    code, result = run_task("input_checks", {"rules": "vault_server"})
    assert code != 0
    assert result["msg"].startswith("The rules 'vault_server' read vault_server_listen_address,")
    code, result = run_task("input_checks", {"rules": "nobody"})
    assert code != 0 and "rules" in result["msg"] and "vault_server" in result["msg"]


def test_the_documented_rule_sets_are_the_rule_sets(rules, collection_root):
    import yaml
    from ansible_collections.webex_vault.oauthapp.plugins.modules import input_checks

    documented = yaml.safe_load(input_checks.DOCUMENTATION)["options"]["rules"]["choices"]
    assert documented == sorted(rules.RULE_SETS)
