"""The samples' Vault identities (written by playbooks/app_access.yml) get exactly what they need.

Each identity logs in with AppRole from the settings file the playbook wrote, as the samples do,
and is then refused everything an attacker holding that file would want: the Webex client
secret (servers/*), the plugin configuration, sys/*, other mounts, tokens of other users, and
the parameters that would let it pick the redirect URL, import a refresh token or start a
device flow, ask for other scopes, or make the plugin refresh at Webex on every read
(minimum_seconds). What it needs still works.
"""

from __future__ import annotations

import hvac
import hvac.exceptions
import pytest
from dotenv import dotenv_values

from webex_vault_testing import REDIRECT_URL
from webex_vault_testing.oauthapp import (
    MOUNT,
    SCOPE,
    SCOPES,
    SERVER,
    STATE_MOUNT,
    authorize_credential,
    get_code,
    login_as,
    raw,
)

pytestmark = pytest.mark.integration

FOREIGN_REDIRECT = "https://attacker.example/callback"
APP_PREFIX = "webex"
CLI_CREDENTIAL = "people-me"


@pytest.fixture(scope="module")
def app_client(security_stack) -> hvac.Client:
    return login_as(security_stack.app_env_file)


@pytest.fixture(scope="module")
def cli_client(security_stack) -> hvac.Client:
    return login_as(security_stack.cli_env_file)


@pytest.fixture(scope="module")
def cli_credential_authorized(security_stack) -> str:
    authorize_credential(security_stack.client(), CLI_CREDENTIAL)
    return CLI_CREDENTIAL


# (operation, path, data) that neither identity may perform. The data of the sign-in paths is
# otherwise valid, so a refusal can only come from the policy.
def _forbidden_for_both(credential: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("read", f"{MOUNT}/servers/{SERVER}", None),
        ("list", f"{MOUNT}/servers", None),
        ("write", f"{MOUNT}/servers/{SERVER}", {"client_id": "x", "provider": "custom"}),
        ("delete", f"{MOUNT}/servers/{SERVER}", None),
        ("read", f"{MOUNT}/config", None),
        ("write", f"{MOUNT}/config", {"default_server": "evil"}),
        ("read", f"{MOUNT}/self/{credential}", None),
        ("read", f"{MOUNT}/sts/{credential}", None),
        ("read", "sys/mounts", None),
        ("write", "sys/mounts/evil", {"type": "kv"}),
        ("read", "sys/auth", None),
        ("list", "sys/policies/acl", None),
        ("read", "sys/policies/acl/webex-app", None),
        ("write", "sys/policies/acl/webex-app", {"policy": 'path "*" { capabilities = ["sudo"] }'}),
        ("read", "sys/plugins/catalog", None),
        ("write", "sys/plugins/reload/backend", {"mounts": [MOUNT]}),
        ("read", "sys/audit", None),
        ("read", "sys/config/state/sanitized", None),
        ("write", "sys/seal", {}),
        ("read", "auth/approle/role/webex-app/role-id", None),
        ("write", "auth/approle/role/webex-app/secret-id", {}),
        ("write", "auth/token/create", {"policies": ["default"]}),
        ("read", f"{STATE_MOUNT}/data/{MOUNT}/servers/{SERVER}", None),
        ("write", f"{STATE_MOUNT}/data/{MOUNT}/servers/{SERVER}", {"data": {"salt": "x"}}),
        ("read", "secret/data/anything", None),
        ("write", "secret/data/anything", {"data": {"a": "b"}}),
    ]


def call(client: hvac.Client, operation: str, path: str, data: dict | None):
    if operation == "read":
        return client.read(path)
    if operation == "list":
        return client.list(path)
    if operation == "delete":
        return client.delete(path)
    return client.write_data(path, data=data or {})


def assert_denied(client: hvac.Client, operation: str, path: str, data: dict | None = None):
    with pytest.raises(hvac.exceptions.Forbidden) as denied:
        call(client, operation, path, data)
    assert "permission denied" in str(denied.value)


@pytest.mark.parametrize("identity", ["webex-app", "webex-cli"])
def test_identity_is_denied_admin_and_foreign_paths(
    security_stack, app_client, cli_client, identity, credential_name
):
    client = app_client if identity == "webex-app" else cli_client
    denied = []
    for operation, path, data in _forbidden_for_both(f"{APP_PREFIX}/{credential_name}"):
        try:
            call(client, operation, path, data)
        except hvac.exceptions.Forbidden:
            continue
        except hvac.exceptions.VaultError as error:
            denied.append(f"{operation} {path}: {type(error).__name__} instead of 403")
            continue
        denied.append(f"{operation} {path}: allowed")
    assert denied == []


def test_web_app_signs_a_user_in_with_the_pinned_redirect(
    security_stack, app_client, security_emulator, credential_name
):
    name = f"{APP_PREFIX}/{credential_name}"
    link = app_client.write_data(
        f"{MOUNT}/auth-code-url",
        data={"server": SERVER, "redirect_url": REDIRECT_URL, "scopes": SCOPE, "state": "s-1"},
    )
    assert link["data"]["url"].startswith(f"{security_emulator.base_url}/v1/authorize?")
    code = get_code(app_client)
    app_client.write_data(
        f"{MOUNT}/creds/{name}",
        data={"server": SERVER, "code": code, "redirect_url": REDIRECT_URL},
    )
    # A plain read, as the samples do.
    status, body = raw(security_stack, "GET", f"{MOUNT}/creds/{name}", app_client.token)
    assert status == 200, body
    assert security_emulator.people_me(body["data"]["access_token"]).status_code == 200
    assert "refresh_token" not in body["data"]
    app_client.delete(f"{MOUNT}/creds/{name}")
    status, _ = raw(security_stack, "GET", f"{MOUNT}/creds/{name}", app_client.token)
    assert status == 404


@pytest.mark.parametrize(
    ("what", "path", "data"),
    [
        ("a foreign redirect_url", "auth-code-url", {"redirect_url": FOREIGN_REDIRECT}),
        ("another server", "auth-code-url", {"server": "other-server"}),
        (
            "auth_url_params",
            "auth-code-url",
            {"auth_url_params": {"redirect_uri": FOREIGN_REDIRECT}},
        ),
        (
            "provider_options",
            "auth-code-url",
            {"provider_options": {"auth_code_url": FOREIGN_REDIRECT}},
        ),
        ("a foreign redirect_url", "creds", {"redirect_url": FOREIGN_REDIRECT}),
        ("another server", "creds", {"server": "other-server"}),
        (
            "a refresh_token grant",
            "creds",
            {"grant_type": "refresh_token", "refresh_token": "stolen"},
        ),
        ("a bare refresh_token", "creds", {"refresh_token": "stolen"}),
        (
            "a device_code grant",
            "creds",
            {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "x"},
        ),
        ("provider_options", "creds", {"provider_options": {"token_url": FOREIGN_REDIRECT}}),
        ("maximum_expiry_seconds", "creds", {"maximum_expiry_seconds": 1}),
        ("another scope", "auth-code-url", {"scopes": "spark:all"}),
        ("an extra scope", "auth-code-url", {"scopes": f"{SCOPE},spark:all"}),
        ("scopes on the exchange", "creds", {"scopes": "spark:all"}),
    ],
)
def test_web_app_cannot_change_what_the_policy_pins(app_client, credential_name, what, path, data):
    if path == "auth-code-url":
        target = f"{MOUNT}/auth-code-url"
        request = {"server": SERVER, "redirect_url": REDIRECT_URL, "scopes": SCOPE, **data}
    else:
        target = f"{MOUNT}/creds/{APP_PREFIX}/{credential_name}"
        request = {"server": SERVER, "code": "any-code", "redirect_url": REDIRECT_URL, **data}
    assert_denied(app_client, "write", target, request)


def test_web_app_stays_under_its_prefix(security_stack, app_client, cli_credential_authorized):
    for operation in ("read", "write", "delete"):
        assert_denied(
            app_client,
            operation,
            f"{MOUNT}/creds/{cli_credential_authorized}",
            {"server": SERVER, "code": "c", "redirect_url": REDIRECT_URL},
        )
    assert_denied(app_client, "read", f"{MOUNT}/creds/{APP_PREFIX}-other/x")
    # A read with a parameter the policy does not list is refused too.
    status, _ = raw(
        security_stack,
        "GET",
        f"{MOUNT}/creds/{APP_PREFIX}/x",
        app_client.token,
        params={"unexpected": "1"},
    )
    assert status == 403


def test_web_app_keeps_last_use_records_under_its_prefix_only(
    security_stack, app_client, cli_client, credential_name
):
    """The pruning of idle credentials needs to write, read, list and delete the web app's
    last-use records in the state mount; nothing else there (the role's server fingerprints,
    other prefixes' records), and the CLI identity none of it."""
    base = f"{MOUNT}/last-use/{APP_PREFIX}"
    data_path = f"{STATE_MOUNT}/data/{base}/{credential_name}"
    metadata_path = f"{STATE_MOUNT}/metadata/{base}/{credential_name}"
    app_client.write_data(data_path, data={"data": {"last_used": 1}})
    assert app_client.read(data_path)["data"]["data"] == {"last_used": 1}
    assert credential_name in app_client.list(f"{STATE_MOUNT}/metadata/{base}")["data"]["keys"]
    app_client.delete(metadata_path)
    assert app_client.read(data_path) is None

    other = f"{MOUNT}/last-use/{APP_PREFIX}-other/{credential_name}"
    for operation, path, data in (
        ("write", f"{STATE_MOUNT}/data/{other}", {"data": {"last_used": 1}}),
        ("read", f"{STATE_MOUNT}/data/{other}", None),
        ("delete", f"{STATE_MOUNT}/metadata/{other}", None),
        ("list", f"{STATE_MOUNT}/metadata/{MOUNT}/last-use", None),
        ("list", f"{STATE_MOUNT}/metadata/{MOUNT}", None),
        ("list", f"{STATE_MOUNT}/metadata/{MOUNT}/servers", None),
        ("read", f"{STATE_MOUNT}/metadata/{MOUNT}/servers/{SERVER}", None),
        ("delete", f"{STATE_MOUNT}/metadata/{MOUNT}/servers/{SERVER}", None),
        ("read", f"{STATE_MOUNT}/metadata/{base}/{credential_name}", None),
        ("write", f"{STATE_MOUNT}/metadata/{base}/{credential_name}", {"max_versions": 1}),
        ("delete", data_path, None),  # a soft delete would hide a record from the pruning
        ("write", f"{STATE_MOUNT}/destroy/{base}/{credential_name}", {"versions": [1]}),
    ):
        assert_denied(app_client, operation, path, data)
    for operation, path, data in (
        ("write", data_path, {"data": {"last_used": 1}}),
        ("list", f"{STATE_MOUNT}/metadata/{base}", None),
        ("delete", metadata_path, None),
    ):
        assert_denied(cli_client, operation, path, data)


def test_cli_reads_its_one_credential_only(security_stack, cli_client, cli_credential_authorized):
    status, body = raw(
        security_stack, "GET", f"{MOUNT}/creds/{cli_credential_authorized}", cli_client.token
    )
    assert status == 200, body
    assert set(body["data"]) == {"access_token", "expire_time", "server", "type"}
    # Read only: it can neither replace its credential with someone else's code nor delete it.
    assert_denied(
        cli_client,
        "write",
        f"{MOUNT}/creds/{cli_credential_authorized}",
        {"server": SERVER, "code": "c", "redirect_url": REDIRECT_URL},
    )
    assert_denied(cli_client, "delete", f"{MOUNT}/creds/{cli_credential_authorized}")
    assert_denied(
        cli_client,
        "write",
        f"{MOUNT}/auth-code-url",
        {"server": SERVER, "redirect_url": REDIRECT_URL, "scopes": SCOPES},
    )
    for other in (f"{APP_PREFIX}/someone", "people-me-2", f"{cli_credential_authorized}/x"):
        assert_denied(cli_client, "read", f"{MOUNT}/creds/{other}")


@pytest.mark.parametrize("identity", ["webex-app", "webex-cli"])
def test_login_tokens_are_short_lived_and_carry_one_policy(
    security_stack, app_client, cli_client, identity
):
    client = app_client if identity == "webex-app" else cli_client
    # Its own policy only, not `default` too (cubbyhole, sys/wrapping/wrap, sys/tools, and
    # auth/token/lookup-self: the token cannot even look itself up); read with the root token.
    assert_denied(client, "read", "auth/token/lookup-self")
    root = security_stack.client()
    token = root.auth.token.lookup(client.token)["data"]
    assert token["policies"] == [identity]
    assert 0 < token["ttl"] <= 900
    assert token["creation_ttl"] == 900
    assert token["renewable"] is True
    role = security_stack.client().read(f"auth/approle/role/{identity}")["data"]
    assert role["token_max_ttl"] == 3600
    assert role["token_policies"] == [identity]
    # Renewal stops at the role's maximum, not the server's 32-day default.
    renewed = root.auth.token.renew(client.token, increment=10**6)["auth"]
    assert renewed["lease_duration"] <= 3600


def test_settings_files_are_private_and_hold_no_root_token(security_stack):
    root = security_stack.root_token
    for path in (security_stack.cli_env_file, security_stack.app_env_file):
        assert path.stat().st_mode & 0o777 == 0o600, path
        text = path.read_text()
        assert root not in text
        assert "VAULT_TOKEN" not in dotenv_values(path)


def test_web_app_gets_authorize_urls_for_its_configured_scopes_only(security_stack, app_client):
    """The policy pins `scopes` to oauthapp_webex_app_scopes: a stolen web app identity cannot
    start a sign-in that would give it a token with more rights (spark:all)."""
    request = {"server": SERVER, "redirect_url": REDIRECT_URL, "state": "s-2"}
    link = app_client.write_data(f"{MOUNT}/auth-code-url", data={**request, "scopes": SCOPE})
    assert "scope=spark%3Apeople_read&" in link["data"]["url"]
    for scopes in ("spark:all", ["spark:all"], f"{SCOPE},spark:all", "spark:people_read*"):
        status, _ = raw(
            security_stack,
            "PUT",
            f"{MOUNT}/auth-code-url",
            app_client.token,
            json={**request, "scopes": scopes},
        )
        assert status == 403, scopes


@pytest.mark.parametrize("identity", ["webex-app", "webex-cli"])
def test_reads_with_minimum_seconds_are_refused(
    security_stack, app_client, cli_client, cli_credential_authorized, credential_name, identity
):
    """minimum_seconds on a read makes the plugin refresh at Webex whenever fewer seconds are
    left: with a huge value, on every read (the rate limit burns). A GET's query parameters go
    through the policy's allowed_parameters and denied_parameters like a write's body, on both
    servers; a plain read still works."""
    if identity == "webex-app":
        client, name = app_client, f"{APP_PREFIX}/{credential_name}"
        authorize_credential(security_stack.client(), name)
    else:
        client, name = cli_client, cli_credential_authorized
    path = f"{MOUNT}/creds/{name}"
    refreshes = security_stack.emulator.stats()["grant_types"].get("refresh_token", 0)

    status, body = raw(security_stack, "GET", path, client.token)
    assert status == 200, body
    for params in (
        {"minimum_seconds": "99999999"},
        {"minimum_seconds": "0"},
        {"MINIMUM_SECONDS": "99999999"},
        [("minimum_seconds", "1"), ("minimum_seconds", "99999999")],
    ):
        status, body = raw(security_stack, "GET", path, client.token, params=params)
        assert status == 403, (params, body)
    assert security_stack.emulator.stats()["grant_types"].get("refresh_token", 0) == refreshes
