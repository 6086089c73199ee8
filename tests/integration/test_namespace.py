"""The oauthapp roles inside a namespace, logged in with AppRole: OpenBao 2.x only.

HashiCorp Vault OSS (1.19 here) has no namespaces (they are an Enterprise feature), so this
test runs on OpenBao alone, whatever WEBEX_VAULT_TEST_SERVERS says. The plugin catalog exists
only in the root namespace (a catalog write inside one answers 404 "unsupported path"), so
oauthapp_plugin registers the plugin there with the root token, and oauthapp_webex mounts the
engine, writes the Webex server and the samples' identities inside the namespace, logged in
through an AppRole of that namespace: the connection each role takes from its own vault_api_*
variables, set per role in a playbook this test writes.
"""

from __future__ import annotations

import os
import subprocess
import textwrap

import hvac
import pytest

from webex_vault_testing import BIN, REDIRECT_URL, REPO, authorize, recap, stack_for_test

pytestmark = pytest.mark.integration

NAMESPACE = "team-a"
ADMIN_MOUNT = "provisioner"
ADMIN_POLICY = 'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }'


@pytest.fixture(scope="module")
def namespaced(tmp_path_factory, plugin_mirror, emulator):
    """An OpenBao dev server with the namespace, an AppRole for the provisioning inside it,
    and a playbook that runs both oauthapp roles (the engine and access in the namespace)."""
    stack = stack_for_test(tmp_path_factory, plugin_mirror, emulator, server="openbao")
    started = stack.playbook(playbook="playbooks/server.yml")
    assert started.returncode == 0, started.stdout[-5000:]
    root = stack.client()
    root.sys.create_namespace(path=NAMESPACE)
    admin = hvac.Client(url=stack.url, token=stack.root_token, namespace=NAMESPACE)
    admin.sys.enable_auth_method("approle", path=ADMIN_MOUNT)
    admin.sys.create_or_update_policy("provisioner", ADMIN_POLICY)
    admin.write(f"auth/{ADMIN_MOUNT}/role/provisioner", token_policies=["provisioner"])
    role_id = admin.read(f"auth/{ADMIN_MOUNT}/role/provisioner/role-id")["data"]["role_id"]
    secret_id = admin.write(f"auth/{ADMIN_MOUNT}/role/provisioner/secret-id")["data"]["secret_id"]

    # Outside the repository's playbooks: roles by FQCN, the connection given per role.
    playbook = stack.work_dir / "namespaced.yml"
    in_namespace = textwrap.indent(
        textwrap.dedent(
            f"""\
            vault_api_namespace: {NAMESPACE}
            vault_api_auth_method: approle
            vault_api_mount_point: {ADMIN_MOUNT}
            vault_api_role_id: {role_id}
            vault_api_secret_id: "{{{{ lookup('ansible.builtin.env', 'TEST_SECRET_ID') }}}}"
            """
        ),
        " " * 8,
    )
    playbook.write_text(
        "---\n"
        "- name: Plugin in the root namespace, engine and identities in a namespace\n"
        "  hosts: vault_servers\n"
        "  gather_facts: false\n"
        "  roles:\n"
        "    - role: webex_vault.oauthapp.oauthapp_plugin\n"
        "    - role: webex_vault.oauthapp.oauthapp_webex\n"
        "      vars:\n" + in_namespace + "  tasks:\n"
        "    - name: The samples' identities in the namespace\n"
        "      ansible.builtin.include_role:\n"
        "        name: webex_vault.oauthapp.oauthapp_webex\n"
        "        tasks_from: app_access\n"
        "      vars:\n" + textwrap.indent(in_namespace, "  ")
    )
    env = {"TEST_SECRET_ID": secret_id}
    stack.first_run = stack.playbook(playbook=str(playbook), env=env)
    yield stack, playbook, env, admin
    stack.stop()


def logins(admin: hvac.Client) -> int:
    """Tokens that exist in the namespace from a login through the provisioning AppRole."""
    # No token at all in the namespace lists as nothing (None).
    accessors = (admin.list("auth/token/accessors") or {"data": {"keys": []}})["data"]["keys"]
    paths = [admin.write("auth/token/lookup-accessor", accessor=a)["data"] for a in accessors]
    return sum(1 for data in paths if data["path"] == f"auth/{ADMIN_MOUNT}/login")


def test_roles_provision_inside_the_namespace_and_rerun_changes_nothing(namespaced):
    stack, playbook, env, admin = namespaced
    assert stack.first_run.returncode == 0, stack.first_run.stdout[-5000:]
    root = stack.client()
    # The engine, the state mount and the samples' AppRole are in the namespace, not the root.
    inside = admin.read("sys/mounts")["data"]
    assert inside["oauthapp/"]["type"] == "oauthapp"
    catalog = root.read("sys/plugins/catalog")["data"]["detailed"]
    registered = [entry["version"] for entry in catalog if entry["name"] == "oauthapp"]
    assert inside["oauthapp/"]["running_plugin_version"] in registered
    assert "webex-vault-state/" in inside
    assert "oauthapp/" not in root.read("sys/mounts")["data"]
    assert "approle/" in admin.read("sys/auth")["data"]
    assert "approle/" not in root.read("sys/auth")["data"]
    assert admin.read("oauthapp/servers/webex-myapp")["data"]["client_id"]

    # Each role run logged in with the AppRole (oauthapp_webex main and its app_access entry
    # point) and revoked that login's token when it was done: none is left.
    assert logins(admin) == 0

    again = stack.playbook(playbook=str(playbook), env=env)
    assert again.returncode == 0, again.stdout[-5000:]
    assert recap(again.stdout)["changed"] == 0, again.stdout[-5000:]
    assert logins(admin) == 0
    # The secret ID never shows in the output.
    assert env["TEST_SECRET_ID"] not in stack.first_run.stdout + again.stdout


def test_sample_reads_the_credential_from_the_namespace(namespaced):
    stack, _, _, _ = namespaced
    settings = stack.cli_env_file.read_text()
    assert f"VAULT_NAMESPACE={NAMESPACE}\n" in settings
    client = hvac.Client(url=stack.url, token=stack.root_token, namespace=NAMESPACE)
    authorize(
        client,
        mount="oauthapp",
        server="webex-myapp",
        credential="people-me",
        redirect_url=REDIRECT_URL,
        scopes=["spark:people_read"],
    )
    # Only the settings file: the sample's AppRole login and its reads go to the namespace.
    result = subprocess.run(
        [str(BIN / "python"), str(REPO / "samples" / "people_me.py")],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))},
            "WEBEX_VAULT_ENV_FILE": str(stack.cli_env_file),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "User displayName: Demo User"
