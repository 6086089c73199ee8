"""The admin identity's other ways in: PGP-encrypted unseal shares, and the dev server's
hand-over when asked (SECURITY.md, "Admin identity").

- service mode with the Shamir seal refuses to initialise without vault_server_init_pgp_keys
  (unless vault_server_init_allow_plain_shares), and with one password for the init file's and
  the admin file's vault-ids;
- with vault_server_init_pgp_keys each share is encrypted to its holder: the role stops and asks
  the holders; their decrypted shares (vault_server_unseal_keys) unseal it, and setup finishes;
- in dev mode the hand-over is off by default (the demo keeps its root token file); turned on,
  the server play (with the oauthapp roles' rules) sets up the same admin identity and revokes
  the dev root token; a run stopped between writing the admin file and revoking the token is
  finished by the next (issue 20).
"""

from __future__ import annotations

import base64
import json
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from webex_vault_testing import stack_for_test as new_stack
from webex_vault_testing.admin_identity import (
    ADMIN_FILE_WRITTEN,
    ADMIN_POLICY,
    API_PLAYBOOK,
    SHARES,
    THRESHOLD,
    AdminStack,
    admin_login,
    api_vars,
    call,
    changed,
    decrypt,
    gpg,
    run,
    start_server,
    stopped_after,
)
from webex_vault_testing.recording_emulator import start_emulator
from webex_vault_testing.server_control import stop_server

pytestmark = pytest.mark.integration


@pytest.fixture
def key_holders(tmp_path) -> Iterator[tuple[Path, list[str]]]:
    """One PGP key per share in a scratch GNUPGHOME (gpg's default: a signing key with an
    encryption subkey; no passphrase): (home, base64 public keys). The gpg-agent that gpg
    starts for that home is stopped afterwards."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    public_keys = []
    for holder in range(SHARES):
        uid = f"holder{holder}@webex-vault.test"
        gpg(home, "--passphrase", "", "--quick-gen-key", uid, "default", "default", "never")
        public_keys.append(base64.b64encode(gpg(home, "--export", uid)).decode())
    yield home, public_keys
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False)


@pytest.fixture
def pgp_stack(tmp_path_factory, plugin_mirror, security_server) -> Iterator[AdminStack]:
    emulator = start_emulator()
    stack = start_server(tmp_path_factory, plugin_mirror, emulator, security_server)
    yield stack
    stop_server(stack)
    emulator.shutdown()


def test_pgp_shares_need_their_holders(pgp_stack, key_holders):
    home, public_keys = key_holders
    stack = pgp_stack
    # Issue 20: service mode with Shamir initialises only with PGP keys (or the opt-out), and
    # never with one password for both the init file and the admin file; nothing is done then.
    plain = run(stack, API_PLAYBOOK, *api_vars(stack, vault_server_init_allow_plain_shares=False))
    assert plain.returncode != 0
    assert "the Shamir seal initialises localhost only with vault_server_init_pgp_keys" in " ".join(
        plain.stdout.split()
    ), plain.stdout[-3000:]
    assert "vault_server_init_allow_plain_shares: true" in " ".join(plain.stdout.split())
    one_password = (
        f"vault_server_init@{stack.init_password},vault_server_admin@{stack.init_password}"
    )
    shared = run(
        replace(stack, env={**stack.env, "ANSIBLE_VAULT_IDENTITY_LIST": one_password}),
        API_PLAYBOOK,
        *api_vars(stack, vault_server_init_pgp_keys=public_keys),
    )
    assert shared.returncode != 0
    assert "is also the password of the vault-id 'vault_server_init'" in " ".join(
        shared.stdout.split()
    ), shared.stdout[-3000:]
    assert call(stack.url, "GET", "sys/init")[1]["initialized"] is False

    first = run(stack, API_PLAYBOOK, *api_vars(stack, vault_server_init_pgp_keys=public_keys))
    assert first.returncode != 0
    assert "encrypted to their holders' PGP keys" in first.stdout, first.stdout[-3000:]
    assert call(stack.url, "GET", "sys/seal-status")[1]["sealed"]
    assert not stack.admin_file.exists()

    init = decrypt(stack, stack.init_file)
    assert init["pgp_encrypted"] is True
    assert len(init["keys_base64"]) == SHARES
    # What the file holds does not unseal: each share is a PGP message to one holder.
    status, _ = call(stack.url, "PUT", "sys/unseal", json={"key": init["keys_base64"][0]})
    assert status == 400
    call(stack.url, "PUT", "sys/unseal", json={"reset": True})

    # Two holders decrypt their shares and hand them to the run.
    shares = [
        gpg(home, "--decrypt", stdin=base64.b64decode(share)).decode().strip()
        for share in init["keys_base64"][:THRESHOLD]
    ]
    unsealed = run(stack, API_PLAYBOOK, *api_vars(stack, vault_server_unseal_keys=shares))
    assert unsealed.returncode == 0, unsealed.stdout[-5000:]
    assert not call(stack.url, "GET", "sys/seal-status")[1]["sealed"]
    # Setup finished with the root token from the init file, which is now revoked.
    assert call(stack.url, "GET", "auth/token/lookup-self", init["root_token"])[0] == 403
    assert call(stack.url, "GET", "auth/token/lookup-self", admin_login(stack))[0] == 200


def test_dev_server_hands_over_when_asked(tmp_path_factory, plugin_mirror, security_server):
    """Off by default in dev mode (the demo keeps its root token file); turned on, the dev root
    token sets up the same admin identity and is revoked. Issue 20: the hand-over stopped dead
    after writing the admin file left the dev root token live; the next run revokes it."""
    emulator = start_emulator()
    stack = new_stack(tmp_path_factory, plugin_mirror, emulator, server=security_server)
    admin_file = stack.work_dir / "admin.json"
    hand_over = json.dumps(
        {
            "vault_server_admin_identity": True,
            "vault_server_revoke_root_token": True,
            "vault_server_admin_file": str(admin_file),
            "vault_server_init_allow_plaintext": True,
        }
    )
    try:
        default = run(stack, "playbooks/server.yml")
        assert default.returncode == 0, default.stdout[-5000:]
        assert call(stack.url, "GET", "auth/token/lookup-self", stack.root_token)[0] == 200
        stopped = run(
            stack, "playbooks/server.yml", "-e", hand_over, env=stopped_after(ADMIN_FILE_WRITTEN)
        )
        assert stopped.returncode == -signal.SIGKILL, stopped.stdout[-5000:]
        assert admin_file.is_file()
        assert call(stack.url, "GET", "auth/token/lookup-self", stack.root_token)[0] == 200
        handed_over = run(stack, "playbooks/server.yml", "-e", hand_over)
        assert handed_over.returncode == 0, handed_over.stdout[-5000:]
        assert changed(handed_over.stdout) == 2, handed_over.stdout[-5000:]
        assert call(stack.url, "GET", "auth/token/lookup-self", stack.root_token)[0] == 403
        again = run(stack, "playbooks/server.yml", "-e", hand_over)
        assert again.returncode == 0 and changed(again.stdout) == 0, again.stdout[-5000:]
        admin = json.loads(admin_file.read_text())
        status, body = call(
            stack.url,
            "POST",
            "auth/approle/login",
            json={"role_id": admin["role_id"], "secret_id": admin["secret_id"]},
        )
        assert status == 200, body
        assert body["auth"]["policies"] == [ADMIN_POLICY]
    finally:
        stack.stop()
        emulator.shutdown()
