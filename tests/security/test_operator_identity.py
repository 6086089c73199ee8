"""The operator identity of the credential report (webex-operator, written by app_access when
oauthapp_webex_operator_identity is on) reads what the report needs and nothing the samples
cannot: the credential index, and the samples' credentials with a plain read. And the index
itself stays least-privilege: the web app creates and deletes its own entries only.
"""

from __future__ import annotations

import hvac
import hvac.exceptions
import pytest

from webex_vault_testing.base import REDIRECT_URL
from webex_vault_testing.oauthapp import (
    MOUNT,
    SCOPE,
    SERVER,
    STATE_MOUNT,
    authorize_credential,
    login_as,
    raw,
)
from webex_vault_testing.processes import run_report

pytestmark = pytest.mark.integration

INDEX = f"{STATE_MOUNT}/data/{MOUNT}/index"
CLI_CREDENTIAL = "people-me"


@pytest.fixture(scope="module")
def operator_env(security_stack):
    return security_stack.local_dir / "operator.env"


@pytest.fixture(scope="module")
def operator(operator_env) -> hvac.Client:
    return login_as(operator_env)


def call(client: hvac.Client, operation: str, path: str, data: dict | None = None):
    if operation == "read":
        return client.read(path)
    if operation == "list":
        return client.list(path)
    if operation == "delete":
        return client.delete(path)
    return client.write_data(path, data=data or {})


def refused(client: hvac.Client, operations) -> list[str]:
    """The operations that were not refused with 403."""
    wrong = []
    for operation, path, data in operations:
        try:
            call(client, operation, path, data)
        except hvac.exceptions.Forbidden:
            continue
        except hvac.exceptions.VaultError as error:
            wrong.append(f"{operation} {path}: {type(error).__name__} instead of 403")
            continue
        wrong.append(f"{operation} {path}: allowed")
    return wrong


def test_the_operator_reads_the_index_and_the_samples_credentials(
    security_stack, operator, credential_name
):
    authorize_credential(security_stack.client(), CLI_CREDENTIAL)
    web_credential = f"webex/{credential_name}"
    authorize_credential(security_stack.client(), web_credential)

    keys = operator.secrets.kv.v2.list_secrets(f"{MOUNT}/index", mount_point=STATE_MOUNT)
    assert CLI_CREDENTIAL in keys["data"]["keys"]
    entry = operator.secrets.kv.v2.read_secret_version(
        f"{MOUNT}/index/{CLI_CREDENTIAL}", mount_point=STATE_MOUNT, raise_on_deleted_version=True
    )["data"]["data"]
    assert entry["created_by"] == "role oauthapp_webex (app_access)" and entry["server"] == SERVER
    for name in (CLI_CREDENTIAL, web_credential):
        status, body = raw(security_stack, "GET", f"{MOUNT}/creds/{name}", operator.token)
        assert status == 200 and body["data"]["server"] == SERVER, body
    security_stack.client().delete(f"{MOUNT}/creds/{web_credential}")


def test_the_operator_can_do_nothing_else(security_stack, operator, credential_name):
    name = f"webex/{credential_name}"
    exchange = {"server": SERVER, "code": "any-code", "redirect_url": REDIRECT_URL}
    operations = [
        # No credential changes: no sign-in, no import, no delete.
        ("write", f"{MOUNT}/creds/{CLI_CREDENTIAL}", exchange),
        ("write", f"{MOUNT}/creds/{name}", exchange),
        ("write", f"{MOUNT}/creds/{name}", {"refresh_token": "stolen"}),
        ("delete", f"{MOUNT}/creds/{CLI_CREDENTIAL}", None),
        (
            "write",
            f"{MOUNT}/auth-code-url",
            {"server": SERVER, "redirect_url": REDIRECT_URL, "scopes": SCOPE},
        ),
        # No server entry (client ID, options), no plugin configuration.
        ("read", f"{MOUNT}/servers/{SERVER}", None),
        ("list", f"{MOUNT}/servers", None),
        ("write", f"{MOUNT}/servers/{SERVER}", {"client_id": "x", "provider": "custom"}),
        ("read", f"{MOUNT}/config", None),
        ("write", f"{MOUNT}/config", {"default_server": "evil"}),
        # No credential outside the samples', no other kind of credential.
        ("read", f"{MOUNT}/creds/someone-else", None),
        ("read", f"{MOUNT}/self/{CLI_CREDENTIAL}", None),
        ("read", f"{MOUNT}/sts/{CLI_CREDENTIAL}", None),
        # The index is read-only to it; the rest of the state mount is out of reach.
        ("write", f"{INDEX}/{CLI_CREDENTIAL}", {"data": {"server": "evil"}}),
        ("write", f"{INDEX}/forged", {"data": {"name": "forged"}}),
        ("delete", f"{STATE_MOUNT}/metadata/{MOUNT}/index/{CLI_CREDENTIAL}", None),
        ("read", f"{STATE_MOUNT}/data/{MOUNT}/servers/{SERVER}", None),
        ("list", f"{STATE_MOUNT}/metadata/{MOUNT}/last-use/webex", None),
        ("list", f"{STATE_MOUNT}/metadata", None),
        # Nothing of the server's own.
        ("read", "sys/mounts", None),
        ("read", "sys/policies/acl/webex-operator", None),
        ("write", "sys/policies/acl/webex-operator", {"policy": 'path "*" {}'}),
        ("read", "auth/approle/role/webex-operator/role-id", None),
        ("write", "auth/approle/role/webex-operator/secret-id", {}),
        ("write", "auth/token/create", {"policies": ["default"]}),
    ]

    assert refused(operator, operations) == []
    # A read that makes the plugin refresh at Webex on every call is refused too.
    status, body = raw(
        security_stack,
        "GET",
        f"{MOUNT}/creds/{CLI_CREDENTIAL}",
        operator.token,
        params={"minimum_seconds": "3600"},
    )
    assert status == 403, body


def test_the_report_runs_with_the_operator_identity(security_stack, operator_env):
    authorize_credential(security_stack.client(), CLI_CREDENTIAL)

    result = run_report(operator_env)

    assert result.returncode in (0, 1, 2), result.stderr  # 3: it could not read something
    line = next(line for line in result.stdout.splitlines() if line.startswith(CLI_CREDENTIAL))
    assert line.split()[1] == "healthy"
    assert "_PF84_" not in result.stdout + result.stderr  # no Webex-shaped token


def test_the_web_app_keeps_only_its_own_index_entries(security_stack, credential_name):
    app = login_as(security_stack.app_env_file)
    own = f"{MOUNT}/index/webex/{credential_name}"
    app.secrets.kv.v2.create_or_update_secret(
        own, secret={"name": f"webex/{credential_name}"}, mount_point=STATE_MOUNT
    )
    app.secrets.kv.v2.delete_metadata_and_all_versions(own, mount_point=STATE_MOUNT)

    operations = [
        ("write", f"{INDEX}/{CLI_CREDENTIAL}", {"data": {"server": "evil"}}),
        ("write", f"{INDEX}/agents/x", {"data": {"name": "x"}}),
        ("delete", f"{STATE_MOUNT}/metadata/{MOUNT}/index/{CLI_CREDENTIAL}", None),
        ("read", f"{INDEX}/{CLI_CREDENTIAL}", None),
        ("list", f"{STATE_MOUNT}/metadata/{MOUNT}/index", None),
        ("list", f"{STATE_MOUNT}/metadata/{MOUNT}/index/webex", None),
    ]
    assert refused(app, operations) == []
    cli = login_as(security_stack.cli_env_file)
    assert refused(cli, operations) == []
