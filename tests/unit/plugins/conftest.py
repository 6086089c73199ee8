"""The collection's action plugins, imported as webex_vault.oauthapp from this checkout, and a
fake Vault to run them against."""

from __future__ import annotations

import importlib
import secrets
from pathlib import Path
from types import SimpleNamespace

import pytest
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

from webex_vault_testing.fake_vault import FakeVault, serve

REPO = Path(__file__).resolve().parents[3]

CONNECTION_ENV = (
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "VAULT_CACERT",
    "VAULT_NAMESPACE",
    "VAULT_SKIP_VERIFY",
)


@pytest.fixture(scope="session")
def collection_root(tmp_path_factory):
    """<tmp>/ansible_collections/webex_vault/oauthapp -> this checkout, imported through
    Ansible's own collection loader (as ansible-test's unit tests are).

    The loader also scans the import path, so community.hashi_vault in the venv's
    site-packages resolves as it does for ansible-playbook."""
    root = tmp_path_factory.mktemp("collections")
    (root / "ansible_collections" / "webex_vault").mkdir(parents=True)
    (root / "ansible_collections" / "webex_vault" / "oauthapp").symlink_to(REPO)
    _AnsibleCollectionFinder(paths=[str(root)])._install()
    yield root
    _AnsibleCollectionFinder._remove()


@pytest.fixture
def vault(monkeypatch):
    """A fake Vault of its own for each test; the caller's VAULT_* settings do not leak in."""
    for name in CONNECTION_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", "/nonexistent")  # no ~/.vault-token either
    fake = FakeVault(token="s." + secrets.token_hex(12))
    server = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def run(collection_root, vault):
    """run(action, check_mode=False, diff=True, loader=None, **args) -> the action's result
    (loader: the DataLoader, with the run's Ansible Vault secrets)."""

    def run_action(action_name, /, check_mode=False, diff=True, loader=None, **args):
        module = importlib.import_module(
            f"ansible_collections.webex_vault.oauthapp.plugins.action.{action_name}"
        )
        task = SimpleNamespace(
            args={"url": vault.url, "token": vault.token, **args},
            check_mode=check_mode,
            diff=diff,
            async_val=0,
            action=f"webex_vault.oauthapp.{action_name}",
        )
        connection = SimpleNamespace(_shell=SimpleNamespace(tmpdir=None))
        action = module.ActionModule(task, connection, None, loader, None, None)
        return action.run(task_vars={})

    return run_action


@pytest.fixture
def run_task(collection_root, tmp_path):
    """run_task(module, args, *ansible_args, no_log=False, in_process=True) -> (exit code, the
    task's result): one task of this collection on localhost (local connection) through
    ansible-playbook, so that modules run as Ansible runs them (check mode, diff, no_log).
    A module with an in-process action runs in ansible-playbook's worker, or with
    in_process=False as a module process (AnsiballZ), as it runs on any other host."""
    import json
    import os
    import subprocess
    import sys

    bin_dir = Path(sys.executable).parent

    def run(module, args, *ansible_args, no_log=False, in_process=True):
        play = [
            {
                "hosts": "localhost",
                "gather_facts": False,
                "tasks": [
                    {
                        "name": "The task under test",
                        f"webex_vault.oauthapp.{module}": args,
                        "no_log": no_log,
                    }
                ],
            }
        ]
        playbook = tmp_path / "task.yml"
        playbook.write_text(json.dumps(play))
        process = subprocess.run(
            [
                str(bin_dir / "ansible-playbook"),
                "-i",
                "localhost,",
                "-c",
                "local",
                "-e",
                f"ansible_python_interpreter={sys.executable}",
                "-e",
                json.dumps({"webex_vault_in_process": in_process}),
                str(playbook),
                *ansible_args,
            ],
            cwd=tmp_path,
            env={
                **os.environ,
                "ANSIBLE_COLLECTIONS_PATH": str(collection_root),
                "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
                "ANSIBLE_LOCALHOST_WARNING": "0",
            },
            capture_output=True,
            text=True,
            timeout=180,
        )
        report = json.loads(process.stdout[process.stdout.index("{") :])
        result = report["plays"][0]["tasks"][0]["hosts"]["localhost"]
        return process.returncode, result

    return run


@pytest.fixture(params=[True, False], ids=["in-process", "module-process"])
def run_host_task(request, run_task):
    """run_task for a module that works on its host's files: each test runs twice, in
    ansible-playbook's process (a local connection) and as a module process (any other host)."""

    def run(module, args, *ansible_args, no_log=False):
        return run_task(module, args, *ansible_args, no_log=no_log, in_process=request.param)

    return run
