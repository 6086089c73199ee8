"""A locked admin surface (issue 20, SECURITY.md "Admin identity").

The attack: the admin identity tuned `audit_non_hmac_response_keys=access_token` on the engine
(204; the next credential read put an access token in clear into the audit file) and could give
the plugin's catalog entry any `env` or `args`. The admin policy now allows, on the tune path,
only what the roles tune (description, plugin_version) and the four list settings cleared ([""]:
a tune to [] leaves a list as it is on both servers); on the catalog path only empty `args` and
`env`. Drift made with a root token is reported by a check run and undone by a converge; `env`
is never returned by a catalog read on either server, so only the policy keeps it out (a
converge clears it with the arguments it can see, never alone).

Stacks: admin_stack and admin_root (tests/security/conftest.py), shared with
test_admin_identity.
"""

from __future__ import annotations

import pytest

from webex_vault_testing.admin_identity import (
    AdminStack,
    admin_connection,
    admin_login,
    call,
    changed,
    run,
)
from webex_vault_testing.oauthapp import MOUNT

pytestmark = pytest.mark.integration

TUNE = f"sys/mounts/{MOUNT}/tune"
CATALOG = "sys/plugins/catalog/secret/oauthapp"
LISTS = (
    "audit_non_hmac_request_keys",
    "audit_non_hmac_response_keys",
    "passthrough_request_headers",
    "allowed_response_headers",
)
DRIFT = {
    "audit_non_hmac_request_keys": ["client_secret"],
    "audit_non_hmac_response_keys": ["access_token"],
    "passthrough_request_headers": ["Authorization"],
}
# Arguments and an environment a plugin process would start with: the Webex token calls
# through another proxy, no TLS verification towards the server.
BAD_ARGS, BAD_ENV = ["-tls-skip-verify"], ["HTTPS_PROXY=http://127.0.0.1:9"]


def engine_lists(stack: AdminStack, token: str) -> dict:
    """The engine's list settings as the mount table shows them ([""] is a cleared list)."""
    status, body = call(stack.url, "GET", "sys/mounts", token)
    assert status == 200, body
    config = body["data"][f"{MOUNT}/"]["config"]
    return {key: [item for item in config.get(key) or [] if item] for key in LISTS}


def registered(stack: AdminStack, token: str) -> dict:
    """The catalog entry of the plugin version the engine runs, as a read returns it."""
    status, body = call(stack.url, "GET", "sys/mounts", token)
    version = body["data"][f"{MOUNT}/"]["plugin_version"]
    status, body = call(stack.url, "GET", f"{CATALOG}?version={version}", token)
    assert status == 200, body
    return body["data"]


def entry_body(entry: dict, **changes: list[str]) -> dict:
    return {
        "sha256": entry["sha256"],
        "command": entry["command"],
        "version": entry["version"],
        "args": [],
        "env": [],
        **changes,
    }


@pytest.mark.parametrize(
    "body",
    [
        {"audit_non_hmac_response_keys": ["access_token"]},
        {"audit_non_hmac_response_keys": ["", "access_token"]},
        {"audit_non_hmac_request_keys": "client_secret"},
        {"allowed_response_headers": ["Set-Cookie"]},
        {"description": "x", "audit_non_hmac_response_keys": ["access_token"]},
        {"listing_visibility": "unauth"},
        {"options": {"x": "y"}},
    ],
    ids=["response-keys", "hidden-among-empty", "request-keys", "headers", "mixed", "vis", "opt"],
)
def test_the_admin_identity_cannot_blind_the_audit_log(admin_stack, body):
    token = admin_login(admin_stack)
    status, answer = call(admin_stack.url, "POST", TUNE, token, json=body)
    assert status == 403, (status, answer)
    assert engine_lists(admin_stack, token) == dict.fromkeys(LISTS, [])


def test_what_the_roles_tune_is_still_allowed(admin_stack):
    token = admin_login(admin_stack)
    status, body = call(admin_stack.url, "GET", TUNE, token)
    assert status == 200, body
    tune = {"description": body["data"]["description"], **dict.fromkeys(LISTS, [""])}
    status, answer = call(admin_stack.url, "POST", TUNE, token, json=tune)
    assert status == 204, answer


@pytest.mark.parametrize("change", [{"args": BAD_ARGS}, {"env": BAD_ENV}], ids=["args", "env"])
def test_the_admin_identity_cannot_give_the_plugin_args_or_env(admin_stack, change):
    token = admin_login(admin_stack)
    entry = registered(admin_stack, token)
    # The entry as the roles register it is allowed: the refusal is about args/env alone.
    status, answer = call(admin_stack.url, "POST", CATALOG, token, json=entry_body(entry))
    assert status == 204, answer
    status, answer = call(admin_stack.url, "POST", CATALOG, token, json=entry_body(entry, **change))
    assert status == 403, (status, answer)
    assert registered(admin_stack, token)["args"] == []


def test_a_converge_reports_then_undoes_drift_made_with_a_root_token(admin_stack, admin_root):
    url, converge = admin_stack.url, ("playbooks/oauthapp.yml", *admin_connection(admin_stack))
    entry = registered(admin_stack, admin_root)
    assert call(url, "POST", TUNE, admin_root, json=DRIFT)[0] == 204
    bad = entry_body(entry, args=BAD_ARGS, env=BAD_ENV)
    assert call(url, "POST", CATALOG, admin_root, json=bad)[0] == 204
    drifted = registered(admin_stack, admin_root)
    # Neither server returns env: a converge cannot see it (the policy keeps it out).
    assert drifted["args"] == BAD_ARGS and "env" not in drifted, drifted

    checked = run(admin_stack, converge[0], "--check", "--diff", *converge[1:])

    assert checked.returncode == 0, checked.stdout[-5000:]
    # The engine's tune and the catalog entry (the reload it notifies is not sent).
    assert changed(checked.stdout) == 3, checked.stdout[-5000:]
    assert "access_token" in checked.stdout and BAD_ARGS[0] in checked.stdout
    assert engine_lists(admin_stack, admin_root) == {**dict.fromkeys(LISTS, []), **DRIFT}
    assert registered(admin_stack, admin_root)["args"] == BAD_ARGS

    repaired = run(admin_stack, *converge)

    assert repaired.returncode == 0, repaired.stdout[-5000:]
    assert changed(repaired.stdout) == 3, repaired.stdout[-5000:]
    assert engine_lists(admin_stack, admin_root) == dict.fromkeys(LISTS, [])
    assert registered(admin_stack, admin_root)["args"] == []
    again = run(admin_stack, *converge)
    assert again.returncode == 0 and changed(again.stdout) == 0, again.stdout[-5000:]
