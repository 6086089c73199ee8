"""Zero-downtime rotation of the Webex client secret (SECURITY.md, "Rotating the client secret").

oauthapp_webex_client_secrets_previous puts the old secret after the new one in the plugin's
client secrets, which it tries in order for every code exchange and refresh. The emulator keeps
one secret per client, as Webex's portal shows one; the test swaps it in the running emulator to
play "the secret was regenerated at Webex". Both orders of the overlap are covered: Vault knows
the new secret before Webex uses it, and Webex uses it while Vault still also knows the old one.

A reader keeps reading a credential through the CLI identity during the whole rotation and
must never see an error.
"""

from __future__ import annotations

import json
import secrets
import threading
import time

import pytest
from dotenv import dotenv_values

import webex_vault
from webex_vault_testing.oauthapp import MOUNT, authorize_credential, raw
from webex_vault_testing.playbook_run import run_playbook

pytestmark = pytest.mark.integration

LIFETIME = 60
# A read asking for this many seconds makes the plugin refresh any token older than 2 s, and
# still accepts the fresh one.
FORCE_REFRESH_SECONDS = LIFETIME - 2


class Reader(threading.Thread):
    """Reads a credential as the CLI sample every 0.2 s; collects errors and warnings."""

    def __init__(self, stack, name: str) -> None:
        super().__init__(daemon=True)
        settings = webex_vault.Settings.from_environment(
            {"WEBEX_VAULT_ENV_FILE": str(stack.cli_env_file), "OAUTHAPP_CREDENTIAL": name}
        )
        self.client = webex_vault.vault_client(settings)
        self.name_ = name
        self.reads = 0
        self.errors: list[str] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                credential = webex_vault.read_credential(self.client, MOUNT, self.name_)
            except webex_vault.SampleError as error:
                self.errors.append(str(error))
            else:
                self.reads += 1
                # A warning means a refresh failed: degraded, even if the token still works.
                self.errors.extend(credential.warnings)
            self._stop_event.wait(0.2)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(10)


def converge(stack, secret: str, previous: list[str], *args: str):
    """playbooks/oauthapp.yml with the secrets in a 0600 vars file, as an Ansible Vault file
    would hold them (never on the command line)."""
    secrets_file = stack.work_dir / f"secrets-{secrets.token_hex(4)}.json"
    secrets_file.write_text(
        json.dumps(
            {
                "oauthapp_webex_client_secret": secret,
                "oauthapp_webex_client_secrets_previous": previous,
            }
        )
    )
    secrets_file.chmod(0o600)
    try:
        run = run_playbook(
            stack, "playbooks/oauthapp.yml", None, None, "-e", f"@{secrets_file}", *args
        )
    finally:
        secrets_file.unlink()
    assert run.returncode == 0, run.stdout[-3000:]
    for value in [secret, *previous]:
        assert value not in run.stdout + run.stderr, "a client secret was printed"
    return run


def refresh(stack, emulator, name: str) -> tuple[int, int]:
    """Force one refresh of `name`; (refreshes, client authentication failures) it cost."""
    stats = emulator.stats()
    before_token = raw(stack, "GET", f"{MOUNT}/creds/{name}")[1]["data"]["access_token"]
    time.sleep(2.1)
    raw(stack, "GET", f"{MOUNT}/creds/{name}", params={"minimum_seconds": FORCE_REFRESH_SECONDS})
    status, body = raw(stack, "GET", f"{MOUNT}/creds/{name}")
    assert status == 200, body
    assert body["data"]["access_token"] != before_token, body.get("warnings")
    assert not body.get("warnings"), body["warnings"]
    after = emulator.stats()
    return (
        after["grant_types"]["refresh_token"] - stats["grant_types"]["refresh_token"],
        sum(after["client_auth_failures"].values()) - sum(stats["client_auth_failures"].values()),
    )


def test_client_secret_rotation_without_downtime(rotation_stack):
    stack, emulator = rotation_stack, rotation_stack.emulator
    old_secret = emulator.client_secret
    new_secret = secrets.token_hex(32)
    emulator.settings(access_token_lifetime=LIFETIME)
    authorize_credential(stack.client(), "people-me")
    reader = Reader(stack, "people-me")
    reader.start()
    try:
        # 1. Vault learns the new secret first, and keeps the old one as a fallback. Check
        #    mode reports the change and writes nothing.
        fingerprint_version = stack.client().secrets.kv.v2.read_secret_metadata(
            path=f"{MOUNT}/servers/webex-myapp", mount_point="webex-vault-state"
        )["data"]["current_version"]
        assert converge(stack, new_secret, [old_secret], "--check").changed > 0
        assert refresh(stack, emulator, "people-me") == (1, 0), "check mode changed the secrets"
        assert (
            stack.client().secrets.kv.v2.read_secret_metadata(
                path=f"{MOUNT}/servers/webex-myapp", mount_point="webex-vault-state"
            )["data"]["current_version"]
            == fingerprint_version
        )
        assert converge(stack, new_secret, [old_secret]).changed > 0
        assert converge(stack, new_secret, [old_secret]).changed == 0

        # Webex still has the old secret: the new one is refused, the old one works.
        assert refresh(stack, emulator, "people-me") == (1, 1)
        authorize_credential(stack.client(), "signed-in-during-overlap")

        # 2. The secret is regenerated at Webex: the first secret tried now works.
        emulator.set_client_secret(new_secret)
        assert refresh(stack, emulator, "people-me") == (1, 0)
        authorize_credential(stack.client(), "signed-in-after-webex-rotated")

        # 3. The old secret is dropped.
        assert converge(stack, new_secret, []).changed > 0
        assert refresh(stack, emulator, "people-me") == (1, 0)
    finally:
        reader.stop()
    assert reader.errors == [], reader.errors[:3]
    assert reader.reads > 10

    # The old secret is really gone: if Webex went back to it, refreshes would fail.
    emulator.set_client_secret(old_secret)
    try:
        time.sleep(2.1)
        status, body = raw(
            stack,
            "GET",
            f"{MOUNT}/creds/people-me",
            params={"minimum_seconds": FORCE_REFRESH_SECONDS},
        )
        assert status == 400 and "invalid_client" in "".join(body["errors"]), body
    finally:
        emulator.set_client_secret(new_secret)
    # The settings files still hold only the sample identities, never a client secret.
    for path in (stack.cli_env_file, stack.app_env_file):
        assert not {old_secret, new_secret} & set(dotenv_values(path).values())
