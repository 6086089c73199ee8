"""A production-shaped server (Raft storage on disk, no systemd) that the vault_server role's
API stage initialises and hands over to the admin identity, and the calls the admin-identity
tests make against it (tests/security/test_admin_identity.py, test_admin_handover.py)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
import requests

from webex_vault_testing.base import BIN, REPO, free_port
from webex_vault_testing.emulator import Emulator
from webex_vault_testing.server_control import persistent_config, start_persistent_server
from webex_vault_testing.stack import Stack, stack_for_test

# The role's API stage (init, unseal, admin identity, root revocation, audit), as service mode
# runs it once its unit is up.
API_PLAYBOOK = "tests/security/playbooks/server_api.yml"
ADMIN_POLICY = "webex-vault-admin"
SHARES, THRESHOLD = 3, 2


# The task after which a run that stops before revoking the root token stopped (issue 20).
ADMIN_FILE_WRITTEN = "admin | Write the admin policy and AppRole role, and keep the admin identity"
# A test callback (tests/security/playbooks/callback_plugins) that kills the run after a task.
STOP_AFTER_TASK_PLUGINS = REPO / "tests" / "security" / "playbooks" / "callback_plugins"


@dataclass
class StoppedHandover:
    """The hand-over of a new server replayed with a stop: the run killed right after it wrote
    the admin file (before the root token's revocation), then a --check run, then the run that
    finished the hand-over; and what the init file's root token answered (lookup-self) after
    each."""

    stopped: subprocess.CompletedProcess[str]
    checked: subprocess.CompletedProcess[str]
    finished: subprocess.CompletedProcess[str]
    root_status: dict[str, int]


@dataclass
class AdminStack(Stack):
    """A Stack whose server runs persistently, with the controller files of its init answer,
    its admin identity and its audit log."""

    init_file: Path = Path()
    admin_file: Path = Path()
    audit_file: Path = Path()
    # The Ansible Vault password files of the init file's and the admin file's vault-ids.
    init_password: Path = Path()
    admin_password: Path = Path()
    # How the admin_stack fixture's hand-over went (replay_stopped_handover).
    handover: StoppedHandover | None = None

    @property
    def root_revoked_mark(self) -> Path:
        """The role's mark that the hand-over's root token is revoked (beside the admin file)."""
        return self.admin_file.with_name(f"{self.admin_file.name}.root-revoked")


def call(url: str, method: str, path: str, token: str = "", **kwargs: Any) -> tuple[int, Any]:
    """(status, JSON body or None) of one API call."""
    headers = {"X-Vault-Token": token} if token else {}
    response = requests.request(method, f"{url}/v1/{path}", headers=headers, timeout=60, **kwargs)
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = {"raw": response.text}
    return response.status_code, body


def decrypt(stack: Stack, path: Path) -> dict[str, Any]:
    """An Ansible Vault-encrypted JSON file, decrypted with the stack's password files."""
    text = subprocess.run(
        [str(BIN / "ansible-vault"), "view", str(path)],
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    document: dict[str, Any] = json.loads(text)
    return document


def _one_password(stack: Stack) -> dict[str, str]:
    return {key: value for key, value in stack.env.items() if key != "ANSIBLE_VAULT_IDENTITY_LIST"}


def opens(stack: AdminStack, path: Path, password: Path) -> bool:
    """Whether that one password file opens an Ansible Vault-encrypted file."""
    command = [str(BIN / "ansible-vault"), "view", "--vault-password-file", str(password)]
    viewed = subprocess.run([*command, str(path)], env=_one_password(stack), capture_output=True)
    return viewed.returncode == 0


def encrypt_as(stack: AdminStack, path: Path, document: dict[str, Any], vault_id: str) -> None:
    """Write document to path (0600), encrypted with the password of the stack's vault-id
    (vault_server_init or vault_server_admin) as an older release wrote it."""
    password = stack.init_password if vault_id == "vault_server_init" else stack.admin_password
    plain = json.dumps(document, indent=4, sort_keys=True)
    encrypted = subprocess.run(
        [str(BIN / "ansible-vault"), "encrypt_string", "--vault-id", f"{vault_id}@{password}"],
        input=plain,
        env=_one_password(stack),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # encrypt_string prints a YAML !vault scalar: its body, unindented, is the file's content.
    body = "\n".join(line.strip() for line in encrypted.splitlines()[1:]) + "\n"
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_text(body)


def admin_login(stack: AdminStack) -> str:
    """A token of the admin identity (its AppRole login from the encrypted admin file)."""
    admin = decrypt(stack, stack.admin_file)
    status, body = call(
        stack.url,
        "POST",
        f"auth/{admin['mount_point']}/login",
        json={"role_id": admin["role_id"], "secret_id": admin["secret_id"]},
    )
    assert status == 200, body
    return str(body["auth"]["client_token"])


def generate_root(stack: AdminStack, keys: list[str]) -> str:
    """Break glass: a new root token from threshold unseal keys, with a one-time password, as
    `operator generate-root` makes it. OpenBao 2.6+ serves it to a token only (the admin
    identity's) at sys/generate-root-token; Vault at the unauthenticated sys/generate-root."""
    if stack.server == "openbao":
        base, token = "sys/generate-root-token", admin_login(stack)
    else:
        base, token = "sys/generate-root", ""

    def put(path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = call(stack.url, "PUT", f"{base}/{path}", token, json=body)
        assert status == 200, answer
        data: dict[str, Any] = answer.get("data") or answer
        return data

    attempt = put("attempt", {})
    progress: dict[str, Any] = {}
    for key in keys:
        progress = put("update", {"key": key, "nonce": attempt["nonce"]})
    assert progress["complete"], progress
    encoded = progress["encoded_token"]
    token_bytes = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    otp = str(attempt["otp"]).encode()
    return bytes(a ^ b for a, b in zip(token_bytes, otp, strict=True)).decode()


def run(
    stack: Stack, playbook: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """One ansible-playbook run with the stack's vars file and environment (and env)."""
    return subprocess.run(
        [str(BIN / "ansible-playbook"), playbook, "-e", f"@{stack.vars_file}", *args],
        cwd=REPO,
        env={**stack.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def stopped_after(task: str) -> dict[str, str]:
    """The environment of a run that kills itself once that task has reported its result."""
    return {
        "ANSIBLE_CALLBACK_PLUGINS": str(STOP_AFTER_TASK_PLUGINS),
        "ANSIBLE_CALLBACKS_ENABLED": "stop_after_task",
        "WEBEX_VAULT_STOP_AFTER_TASK": task,
    }


def replay_stopped_handover(stack: AdminStack, *args: str) -> StoppedHandover:
    """The API stage's first run on a new server, stopped dead between writing the admin file
    and revoking the root token; then --check; then a normal run, which finishes the hand-over."""
    root_status: dict[str, int] = {}

    def root_answer() -> int:
        root = decrypt(stack, stack.init_file)["root_token"]
        return call(stack.url, "GET", "auth/token/lookup-self", str(root))[0]

    stopped = run(stack, API_PLAYBOOK, *args, env=stopped_after(ADMIN_FILE_WRITTEN))
    root_status["stopped"] = root_answer()
    checked = run(stack, API_PLAYBOOK, "--check", *args)
    root_status["checked"] = root_answer()
    finished = run(stack, API_PLAYBOOK, *args)
    root_status["finished"] = root_answer()
    return StoppedHandover(stopped, checked, finished, root_status)


def changed(output: str) -> int:
    """The sum of changed= over the play recap of one run's output."""
    lines = [line for line in output.splitlines() if " changed=" in line and "ok=" in line]
    assert lines, output[-3000:]
    return sum(int(line.split("changed=")[1].split()[0]) for line in lines)


def api_vars(stack: AdminStack, **more: Any) -> list[str]:
    """The API stage's extra vars: init, key shares, audit file, the admin identity's CIDR."""
    values = {
        "vault_server_init_file": str(stack.init_file),
        "vault_server_init_key_shares": SHARES,
        "vault_server_init_key_threshold": THRESHOLD,
        "vault_server_audit_file": str(stack.audit_file),
        # One device here: the Molecule scenarios prove the second one.
        "vault_server_audit_second_file": "",
        "vault_server_admin_bound_cidrs": ["127.0.0.1/32"],
        # Plain shares (the tests unseal and break glass with them); test_admin_handover.py
        # proves the refusal without them and PGP-encrypted shares.
        "vault_server_init_allow_plain_shares": True,
        **more,
    }
    return ["-e", json.dumps(values)]


def admin_connection(stack: AdminStack) -> list[str]:
    """The later playbooks' connection: the admin identity's AppRole (vault_api_auth_method),
    from a 0600 vars file as a pipeline's secret store would hand it over."""
    admin = decrypt(stack, stack.admin_file)
    connection = stack.work_dir / "admin-connection.json"
    connection.touch(mode=0o600)
    connection.write_text(
        json.dumps(
            {
                "vault_api_auth_method": "approle",
                "vault_api_mount_point": admin["mount_point"],
                "vault_api_role_id": admin["role_id"],
                "vault_api_secret_id": admin["secret_id"],
                # The local inventory's token is the dev root token file, absent here.
                "vault_api_token": "",
            }
        )
    )
    return ["-e", f"@{connection}"]


def start_server(
    tmp_path_factory: pytest.TempPathFactory, plugin_mirror: str, emulator: Emulator, server: str
) -> AdminStack:
    """A persistent server (Raft on disk, sealed, not initialised) of a new stack, with an
    Ansible Vault password file for each of the init and admin files' vault-ids."""
    plain = stack_for_test(tmp_path_factory, plugin_mirror, emulator, server=server)
    work = plain.work_dir
    stack = AdminStack(
        **{field.name: getattr(plain, field.name) for field in fields(Stack)},
        init_file=work / "init" / "server-init.json",
        admin_file=work / "init" / "server-init-admin.json",
        audit_file=work / "audit" / "audit.log",
    )
    stack.cluster_port = free_port()
    for path in (stack.data_dir, stack.data_dir / "plugins", stack.data_dir / "raft"):
        path.mkdir(parents=True, exist_ok=True, mode=0o750)
    stack.audit_file.parent.mkdir(mode=0o700)
    # One password per file, each under its own vault-id, as the role requires.
    stack.init_password, stack.admin_password = work / "init-password", work / "admin-password"
    for password_file in (stack.init_password, stack.admin_password):
        password_file.write_text(os.urandom(16).hex())
        password_file.chmod(0o600)
    identities = (
        f"vault_server_init@{stack.init_password},vault_server_admin@{stack.admin_password}"
    )
    stack.env = {**stack.env, "ANSIBLE_VAULT_IDENTITY_LIST": identities}
    config = persistent_config(stack)
    if server == "openbao":
        # OpenBao takes declarative audit devices only; the role checks this one.
        with config.open("a") as hcl:
            hcl.write(
                f'audit "file" "file" {{\n  options {{\n'
                f'    file_path = "{stack.audit_file}"\n  }}\n}}\n'
            )
    start_persistent_server(stack)
    return stack


def gpg(home: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """gpg in batch mode with a scratch home."""
    return subprocess.run(
        ["gpg", "--batch", "--quiet", "--homedir", str(home), *args],
        input=stdin,
        check=True,
        capture_output=True,
    ).stdout
