"""No token and no secret ID outside the process (issue 19): site.yml with Ansible's jsonfile
fact cache and -vvv, on a dev server that hands over to the admin AppRole identity in the same
run, so that every kind of token the roles hold goes through it: the dev server's root token
(used, then revoked), the admin identity's role and secret IDs, the roles' own AppRole login
tokens (used, then revoked when each role is done), the samples' role and secret IDs. A second
run logs in as the admin identity from the start and changes nothing. The fact cache and the
output of both runs hold none of them."""

from __future__ import annotations

import json
import re

import hvac
import pytest
from dotenv import dotenv_values

from webex_vault_testing import recap
from webex_vault_testing import stack_for_test as new_stack

pytestmark = pytest.mark.integration

# What a Vault or OpenBao token looks like (service and batch tokens, old and new prefixes).
TOKEN = re.compile(r"(?<![\w.])(?:hvs|hvb|s|b)\.[A-Za-z0-9_-]{20,}")


@pytest.fixture(scope="module")
def cached_runs(tmp_path_factory, plugin_mirror, emulator, security_server):
    stack = new_stack(tmp_path_factory, plugin_mirror, emulator, server=security_server)
    cache = stack.work_dir / "fact-cache"
    admin_file = stack.work_dir / "admin.json"
    identity = f"(lookup('ansible.builtin.file', '{admin_file}') | from_json)"
    handover = stack.work_dir / "handover.yml"
    handover.write_text(
        json.dumps(
            {
                "vault_server_admin_identity": True,
                "vault_server_revoke_root_token": True,
                "vault_server_admin_file": str(admin_file),
                "vault_server_init_allow_plaintext": True,
                # The oauthapp roles log in as the admin identity the server play just wrote.
                "vault_api_auth_method": "approle",
                "vault_api_role_id": f"{{{{ {identity}.role_id }}}}",
                "vault_api_secret_id": f"{{{{ {identity}.secret_id }}}}",
                "vault_api_token": "",
            }
        )
    )
    env = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache)}
    runs = [stack.playbook("-vvv", "-e", f"@{handover}", env=env) for _ in range(2)]
    yield stack, cache, admin_file, runs
    stack.stop()


def test_the_runs_converge_and_the_second_changes_nothing(cached_runs):
    stack, _, admin_file, runs = cached_runs
    for run in runs:
        assert run.returncode == 0, run.stdout[-5000:]
    assert recap(runs[1].stdout)["changed"] == 0, runs[1].stdout[-5000:]
    # The handover happened: the dev server's root token is revoked, the admin identity works.
    with pytest.raises(hvac.exceptions.Forbidden):
        stack.client().auth.token.lookup_self()
    admin = json.loads(admin_file.read_text())
    client = hvac.Client(url=stack.url)
    client.auth.approle.login(role_id=admin["role_id"], secret_id=admin["secret_id"])
    assert client.auth.token.lookup_self()["data"]["policies"] == ["webex-vault-admin"]
    client.auth.token.revoke_self()


def test_no_token_or_secret_id_in_the_fact_cache_or_the_output(cached_runs):
    stack, cache, admin_file, runs = cached_runs
    admin = json.loads(admin_file.read_text())
    samples = [dotenv_values(path) for path in (stack.cli_env_file, stack.app_env_file)]
    secrets = {
        "the dev server's root token": stack.root_token,
        "the admin role ID": admin["role_id"],
        "the admin secret ID": admin["secret_id"],
        "the admin secret ID accessor": admin["secret_id_accessor"],
        **{f"sample {n} role ID": values["VAULT_ROLE_ID"] for n, values in enumerate(samples)},
        **{f"sample {n} secret ID": values["VAULT_SECRET_ID"] for n, values in enumerate(samples)},
    }
    exhibits = {f"run {n} output": run.stdout + run.stderr for n, run in enumerate(runs)}
    cached = sorted(path for path in cache.rglob("*") if path.is_file()) if cache.exists() else []
    exhibits |= {str(path): path.read_text(errors="replace") for path in cached}
    # -vvv shows every task's result that is not hidden: enough text to have caught a leak.
    assert all(len(text) > 10_000 for name, text in exhibits.items() if name.startswith("run"))
    leaks = [
        f"{what} in {where}"
        for what, value in secrets.items()
        for where, text in exhibits.items()
        if value and value in text
    ]
    leaks += [f"a token in {where}" for where, text in exhibits.items() if TOKEN.search(text)]
    assert leaks == []
