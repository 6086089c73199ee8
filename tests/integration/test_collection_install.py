"""The collection installed the way users install it, used from a playbook outside this tree.

`ansible-galaxy collection build` makes the tarball from this checkout; `ansible-galaxy
collection install --offline` puts it into a temporary collections path. Galaxy cannot be
reached here, and need not be: `--offline` resolves the one dependency, community.hashi_vault,
against the copy the `ansible` package installed into this virtualenv (the version range in
galaxy.yml is checked, nothing is downloaded). The playbooks then run from a temporary
directory with an empty ansible.cfg and ANSIBLE_COLLECTIONS_PATH naming only the temporary path
(the virtualenv's ansible_collections stays visible, as for any pip-installed Ansible): not
this checkout, its ansible.cfg or its .local/collections link. The inventory is the test's own.

One module-scoped install, then per server (WEBEX_VAULT_TEST_SERVERS): a user's playbook with
FQCN roles converges a dev server (plugin from the local mirror, Webex emulator), then both
that playbook and the collection's own `webex_vault.oauthapp.site` re-run with changed=0.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import hvac
import pytest
import yaml

from webex_vault_testing import (
    BIN,
    REPO,
    SERVERS,
    Stack,
    distribution_for,
    free_port,
    recap,
    server_binary,
    url_port,
)

pytestmark = pytest.mark.integration

MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py"))
ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if p.is_dir())
# What a user's tarball must not carry: local state, caches, the test and benchmark harness.
NEVER_SHIPPED = (
    ".local/",
    ".venv/",
    ".git/",
    ".mypy_cache/",
    ".ruff_cache/",
    "tests/output/",
    "bench/",
    "molecule/",
    ".cache/",
)

USER_PLAYBOOK = """\
---
# A user's playbook: only FQCN names from the installed collection.
- name: Server
  hosts: vault_servers
  gather_facts: false
  roles:
    - role: webex_vault.oauthapp.vault_server

- name: Plugin, engine and Webex server
  hosts: vault_servers
  gather_facts: false
  roles:
    - role: webex_vault.oauthapp.oauthapp_plugin
    - role: webex_vault.oauthapp.oauthapp_webex
  tasks:
    - name: The samples' identities
      ansible.builtin.include_role:
        name: webex_vault.oauthapp.oauthapp_webex
        tasks_from: app_access
"""


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The built tarball and a clean environment in which only the installed copy exists."""
    base = tmp_path_factory.mktemp("collection-install")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "VAULT_"))}
    build = run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(base)],
        REPO,
        clean,
    )
    assert build.returncode == 0, build.stderr
    (tarball,) = base.glob("webex_vault-oauthapp-*.tar.gz")

    (base / "ansible.cfg").write_text("[defaults]\n")
    collections = base / "collections"
    env = {
        **clean,
        "ANSIBLE_CONFIG": str(base / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }
    install = run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "--offline",
            "-p",
            str(collections),
            str(tarball),
        ],
        base,
        env,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return base, tarball, collections, env


def test_tarball_is_small_and_holds_only_the_collection(installed):
    _, tarball, _, _ = installed
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    shipped = [
        n for n in names if n.startswith(NEVER_SHIPPED) or "/__pycache__/" in n or ".egg-info" in n
    ]
    assert not shipped, shipped
    for required in ("MANIFEST.json", "playbooks/site.yml", "meta/runtime.yml", "LICENSE"):
        assert required in names
    assert {f"roles/{role}/meta/argument_specs.yml" for role in ROLES} <= set(names)
    print(f"\ntarball {tarball.name}: {tarball.stat().st_size} bytes, {len(names)} entries")
    assert tarball.stat().st_size < 1_000_000


def test_install_is_the_only_copy_and_its_dependency_is_the_venv_one(installed):
    base, _, collections, env = installed
    listed = run([str(BIN / "ansible-galaxy"), "collection", "list", "--format", "json"], base, env)
    assert listed.returncode == 0, listed.stderr
    where = {
        path: found
        for path, found in json.loads(listed.stdout).items()
        if "webex_vault.oauthapp" in found or "community.hashi_vault" in found
    }
    ours = [path for path, found in where.items() if "webex_vault.oauthapp" in found]
    assert ours == [str(collections / "ansible_collections")]
    assert where[ours[0]]["webex_vault.oauthapp"]["version"] == "1.0.0"
    assert any("site-packages" in path for path, f in where.items() if "community.hashi_vault" in f)


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_shows_each_module_from_the_install(installed, module):
    base, _, collections, env = installed
    doc = run([str(BIN / "ansible-doc"), "--json", f"webex_vault.oauthapp.{module}"], base, env)
    assert doc.returncode == 0, doc.stderr
    (entry,) = json.loads(doc.stdout).values()
    assert entry["doc"]["filename"].startswith(str(collections))
    assert entry["doc"]["short_description"] and entry["doc"]["options"]


def test_ansible_doc_shows_the_roles_connection_options(installed):
    base, _, _, env = installed
    doc = run(
        [str(BIN / "ansible-doc"), "-t", "role", "--json", "webex_vault.oauthapp.oauthapp_webex"],
        base,
        env,
    )
    assert doc.returncode == 0, doc.stderr
    (role,) = json.loads(doc.stdout).values()
    options = role["entry_points"]["main"]["options"]
    assert {"vault_api_url", "vault_api_namespace", "vault_api_auth_method"} <= set(options)


@pytest.fixture(scope="module", params=SERVERS)
def user_project(request, installed, tmp_path_factory, plugin_mirror, emulator):
    """A user's project outside this tree: own inventory, own playbook; a dev server of its own."""
    base, _, _, env = installed
    server = request.param
    distribution = distribution_for(server)
    project = tmp_path_factory.mktemp(f"user-project-{server}")
    port = free_port()
    data_dir = project / "local" / "server"
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    group = subprocess.run(["id", "-gn"], capture_output=True, text=True, check=True).stdout.strip()
    host_vars = {
        "ansible_connection": "local",
        "ansible_python_interpreter": str(BIN / "python"),
        "vault_server_mode": "dev",
        "vault_server_binary": str(server_binary(server)),
        "vault_server_listen_address": f"127.0.0.1:{port}",
        "vault_server_data_dir": str(data_dir),
        "vault_server_plugin_directory": str(data_dir / "plugins"),
        "vault_server_root_token_file": str(data_dir / "root-token"),
        "vault_server_user": user,
        "vault_server_group": group,
        "vault_api_url": f"http://127.0.0.1:{port}",
        "vault_api_token": "{{ lookup('ansible.builtin.file', '%s') }}" % (data_dir / "root-token"),
        "oauthapp_plugin_distribution": distribution,
        "oauthapp_plugin_base_url": f"http://127.0.0.1:{url_port(plugin_mirror)}/{distribution}",
        "oauthapp_plugin_trust_published_checksum": True,
        "oauthapp_plugin_directory": str(data_dir / "plugins"),
        "oauthapp_plugin_download_dir": str(project / "local" / "downloads"),
        "oauthapp_plugin_owner": user,
        "oauthapp_plugin_group": group,
        "oauthapp_webex_authorize_url": f"{emulator.base_url}/v1/authorize",
        "oauthapp_webex_token_url": f"{emulator.base_url}/v1/access_token",
        "oauthapp_webex_allow_insecure_urls": True,
        "oauthapp_webex_cli_env_file": str(project / "cli.env"),
        "oauthapp_webex_env_webex_api_base_url": f"{emulator.base_url}/v1",
        "oauthapp_webex_app_bound_cidrs": ["127.0.0.1/32"],
    }
    inventory = project / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump({"vault_servers": {"hosts": {"localhost": host_vars}}}, sort_keys=False)
    )
    playbook = project / "provision.yml"
    playbook.write_text(USER_PLAYBOOK)
    user_env = {
        **env,
        "WEBEX_CLIENT_ID": emulator.client_id,
        "WEBEX_CLIENT_SECRET": emulator.client_secret,
    }
    stack = Stack(server, distribution, project, inventory, user_env, port)
    yield project, inventory, playbook, user_env, stack
    stack.stop()


def playbook(project: Path, inventory: Path, name: str, env: dict[str, str]):
    return run([str(BIN / "ansible-playbook"), "-i", str(inventory), name], project, env)


def test_user_playbook_converges_then_reruns_unchanged(user_project):
    project, inventory, user_playbook, env, stack = user_project
    assert not str(project).startswith(str(REPO))
    first = playbook(project, inventory, str(user_playbook), env)
    assert first.returncode == 0, first.stdout[-5000:] + first.stderr[-2000:]
    assert recap(first.stdout)["changed"] > 0
    # The roles ran from the installed copy.
    assert str(REPO) not in first.stdout

    client = hvac.Client(url=stack.url, token=stack.root_token, timeout=30)
    assert client.read("sys/mounts/oauthapp")["data"]["type"] == "oauthapp"
    server = client.read("oauthapp/servers/webex-myapp")["data"]
    assert server["client_id"] == env["WEBEX_CLIENT_ID"]
    assert "VAULT_ROLE_ID=" in (project / "cli.env").read_text()

    again = playbook(project, inventory, str(user_playbook), env)
    assert again.returncode == 0, again.stdout[-5000:]
    assert recap(again.stdout)["changed"] == 0, again.stdout[-5000:]

    # The collection's own playbook, by its FQCN, finds nothing to change either.
    site = playbook(project, inventory, "webex_vault.oauthapp.site", env)
    assert site.returncode == 0, site.stdout[-5000:] + site.stderr[-2000:]
    assert recap(site.stdout)["changed"] == 0, site.stdout[-5000:]
    assert "PLAY [Give the samples least-privilege identities]" in site.stdout


def test_readme_install_example_is_what_this_test_runs():
    """The README's install section shows the same commands and FQCN roles."""
    readme = (REPO / "README.md").read_text()
    for text in (
        "ansible-galaxy collection build",
        "ansible-galaxy collection install",
        "webex_vault.oauthapp.oauthapp_plugin",
        "webex_vault.oauthapp.oauthapp_webex",
        "webex_vault.oauthapp.site",
        "--offline",
    ):
        assert text in readme, text
