"""webex_vault.oauthapp.secret_file through ansible-playbook: the Ansible Vault password of the
run encrypts the file however it was given (before, only a configured password file did, and a
--vault-password-file or --ask-vault-pass run wrote unseal keys in plain text)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SECRET = "hvs.root-token-that-must-not-be-in-clear"
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - webex_vault.oauthapp.secret_file:
        content: "{{ secret_text }}"
        dest: "{{ dest }}"
        vault_id: vault_server_init
        allow_plaintext: "{{ allow_plaintext | default(false) }}"
        own_password: "{{ own_password | default(false) }}"
        distinct_from: "{{ distinct_from | default([]) }}"
      no_log: true
"""


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "secret.yml").write_text(PLAYBOOK)
    (tmp_path / "password").write_text("correct horse battery staple\n")
    (tmp_path / "admin-password").write_text("another horse\n")
    return tmp_path


@pytest.fixture
def run_playbook(workdir, collection_root):
    def run(*args: str, **extra) -> subprocess.CompletedProcess:
        # Only what the command line gives: no configured or inherited vault password.
        env = {key: value for key, value in os.environ.items() if "VAULT" not in key}
        variables = {"secret_text": SECRET, "dest": str(workdir / "init.json"), **extra}
        return subprocess.run(
            [
                str(BIN / "ansible-playbook"),
                "-i",
                "localhost,",
                "-c",
                "local",
                str(workdir / "secret.yml"),
                "-e",
                json.dumps(variables),
                *args,
            ],
            cwd=workdir,
            env={
                **env,
                "ANSIBLE_COLLECTIONS_PATH": str(collection_root),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_LOCALHOST_WARNING": "0",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def decrypted(workdir: Path) -> str:
    return subprocess.run(
        [
            str(BIN / "ansible-vault"),
            "view",
            "--vault-password-file",
            str(workdir / "password"),
            str(workdir / "init.json"),
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


@pytest.mark.parametrize(
    "password_args",
    [
        ("--vault-password-file", "password"),
        ("--vault-id", "ops@password"),
    ],
    ids=["vault-password-file", "vault-id"],
)
def test_a_password_given_on_the_command_line_encrypts(workdir, run_playbook, password_args):
    result = run_playbook(*password_args)
    assert result.returncode == 0, result.stdout[-3000:]
    target = workdir / "init.json"
    text = target.read_text()
    assert text.startswith("$ANSIBLE_VAULT;1.2;AES256;vault_server_init")
    assert SECRET not in text and SECRET not in result.stdout
    assert target.stat().st_mode & 0o777 == 0o600
    assert decrypted(workdir).rstrip("\n") == SECRET


def test_no_password_refuses_plain_text_and_writes_nothing(workdir, run_playbook):
    result = run_playbook()
    assert result.returncode != 0
    assert "No Ansible Vault password is loaded" in result.stdout
    assert not (workdir / "init.json").exists()


def test_plain_text_only_when_allowed(workdir, run_playbook):
    result = run_playbook(allow_plaintext=True)
    assert result.returncode == 0, result.stdout[-3000:]
    target = workdir / "init.json"
    assert target.read_text() == SECRET
    assert target.stat().st_mode & 0o777 == 0o600


def test_an_existing_file_is_never_replaced_and_check_mode_writes_nothing(workdir, run_playbook):
    checked = run_playbook("--check", "--vault-password-file", "password")
    assert checked.returncode == 0 and "changed=1" in checked.stdout
    assert not (workdir / "init.json").exists()
    first = run_playbook("--vault-password-file", "password")
    assert "changed=1" in first.stdout
    before = (workdir / "init.json").read_text()
    again = run_playbook("--vault-password-file", "password", secret_text="another secret")
    assert again.returncode == 0 and "changed=0" in again.stdout
    assert (workdir / "init.json").read_text() == before


ADMIN = [{"vault_id": "vault_server_admin"}]


def test_own_password_takes_only_the_password_of_its_vault_id(workdir, run_playbook):
    """Issue 20: the init file and the admin file each under a vault-id of their own; a
    password loaded under another vault-id (or none) is not used."""
    other = run_playbook("--vault-id", "ops@password", own_password=True)
    assert other.returncode != 0
    assert "No Ansible Vault password is loaded under the vault-id 'vault_server_init'" in (
        " ".join(other.stdout.split())
    )
    assert not (workdir / "init.json").exists()
    own = run_playbook(
        "--vault-id",
        "vault_server_admin@admin-password",
        "--vault-id",
        "vault_server_init@password",
        own_password=True,
        distinct_from=ADMIN,
    )
    assert own.returncode == 0, own.stdout[-3000:]
    assert decrypted(workdir).rstrip("\n") == SECRET


def test_a_password_shared_with_a_distinct_vault_id_is_refused(workdir, run_playbook):
    shared = run_playbook(
        "--vault-id",
        "vault_server_admin@password",
        "--vault-id",
        "vault_server_init@password",
        own_password=True,
        distinct_from=ADMIN,
    )
    assert shared.returncode != 0
    assert "The password of the vault-id 'vault_server_init' (for " in " ".join(
        shared.stdout.split()
    ), shared.stdout[-3000:]
    assert "is also the password of the vault-id 'vault_server_admin'" in " ".join(
        shared.stdout.split()
    )
    assert not (workdir / "init.json").exists()


def documented(options: dict) -> dict:
    """An argument spec as its documentation says it: type, default, required, elements."""
    keys = ("type", "default", "required", "elements")
    return {
        name: {
            **{key: spec[key] for key in keys if key in spec},
            **({"options": documented(spec["suboptions"])} if "suboptions" in spec else {}),
        }
        for name, spec in options.items()
    }


def test_the_encryption_options_are_one_spec_documented_once(collection_root) -> None:
    # secret_file's options and approle_identity's encrypt suboptions (their one spec, and the
    # doc fragment both modules extend), as ansible-doc shows them.
    import yaml
    from ansible_collections.webex_vault.oauthapp.plugins.doc_fragments.ansible_vault import (
        ModuleDocFragment,
    )
    from ansible_collections.webex_vault.oauthapp.plugins.plugin_utils.ansible_vault import (
        ENCRYPTION_OPTIONS,
    )

    spec = {name: dict(value) for name, value in ENCRYPTION_OPTIONS.items()}
    top = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    nested = yaml.safe_load(ModuleDocFragment.ENCRYPT)["options"]["encrypt"]["suboptions"]
    assert documented(top) == documented(nested) == spec


def test_the_encryption_fragments_pass_the_yaml_rules_of_ansible_test(collection_root) -> None:
    # ansible-test's yamllint sanity reads only a fragment's literal texts (DOCUMENTATION);
    # ENCRYPT is made from it after the class, so its rules are applied here to both.
    import ansible_test
    from ansible_collections.webex_vault.oauthapp.plugins.doc_fragments.ansible_vault import (
        ModuleDocFragment,
    )
    from yamllint import linter
    from yamllint.config import YamlLintConfig

    rules = Path(ansible_test.__file__).parent / "_util/controller/sanity/yamllint/config"
    config = YamlLintConfig(file=str(rules / "plugins.yml"))
    for text in (ModuleDocFragment.DOCUMENTATION, ModuleDocFragment.ENCRYPT):
        assert [str(problem) for problem in linter.run(text, config)] == []
