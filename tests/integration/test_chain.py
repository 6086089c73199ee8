"""The real chain: a server (OpenBao, HashiCorp Vault) + the real oauthapp plugin (provisioned by
site.yml) + the emulator.

Tests on `stack` run on each server with the distribution it runs by default (OpenBao with
openbao, Vault with puppetlabs); tests on `matrix_stack` (converge and re-run, the catalog and
mount, the code exchange, refresh on read, the CLI sample) also run on the other pairings.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

import webex_vault
from webex_vault_testing import BIN, PLUGIN_RELEASES, REDIRECT_URL, REPO, authorize, recap

pytestmark = pytest.mark.integration

MOUNT = "oauthapp"
SERVER = "webex-myapp"
# Seconds an access token lives in the refresh tests: just above the plugin's own 10 s margin
# (pkg/oauth2ext defaultExpiryDelta), under which it counts a token as already expired.
LIFETIME = 13


def authorize_credential(stack, name: str) -> None:
    authorize(
        stack.client(),
        mount=MOUNT,
        server=SERVER,
        credential=name,
        redirect_url=REDIRECT_URL,
        scopes=["spark:people_read"],
    )


def read_token(stack, name: str) -> str:
    return webex_vault.read_credential(stack.client(), MOUNT, name).access_token


def run_cli(stack, **env: str) -> subprocess.CompletedProcess:
    """Run samples/people_me.py as a user would, with its settings file from app_access."""
    return subprocess.run(
        [str(BIN / "python"), str(REPO / "samples" / "people_me.py")],
        env={**os.environ, "WEBEX_VAULT_ENV_FILE": str(stack.cli_env_file), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_first_converge_changes_and_second_run_changes_nothing(matrix_stack):
    assert recap(matrix_stack.first_run.stdout)["changed"] > 0
    second = matrix_stack.playbook()
    assert second.returncode == 0, second.stdout[-5000:]
    assert recap(second.stdout)["changed"] == 0, second.stdout[-5000:]


def test_plugin_registered_and_mounted_with_the_installed_binary(matrix_stack):
    client = matrix_stack.client()
    mount = client.read(f"sys/mounts/{MOUNT}")["data"]
    catalog = client.read(f"sys/plugins/catalog/secret/oauthapp?version={mount['plugin_version']}")[
        "data"
    ]
    # The distribution of the pairing runs, at its pinned release.
    release = PLUGIN_RELEASES[matrix_stack.distribution]
    assert catalog["command"] == f"{release['binary_name']}-v{release['default_version']}"
    assert mount["running_plugin_version"] == f"v{release['default_version']}"
    binary = matrix_stack.data_dir / "plugins" / catalog["command"]
    assert hashlib.sha256(binary.read_bytes()).hexdigest() == catalog["sha256"]
    assert mount["type"] == "oauthapp"
    assert mount["running_sha256"] == catalog["sha256"]
    assert binary.stat().st_mode & 0o022 == 0, "group/other must not write the plugin"


def test_webex_server_config_is_written_without_a_readable_secret(matrix_stack, emulator):
    server = matrix_stack.client().read(f"{MOUNT}/servers/{SERVER}")["data"]
    assert server["client_id"] == emulator.client_id
    assert server["provider"] == "custom"
    assert server["provider_options"] == {
        "auth_code_url": f"{emulator.base_url}/v1/authorize",
        "token_url": f"{emulator.base_url}/v1/access_token",
        "auth_style": "in_params",
    }
    assert emulator.client_secret not in str(server)


def test_auth_code_url_is_a_webex_authorize_url(matrix_stack, emulator):
    link = webex_vault.auth_code_url(
        matrix_stack.client(),
        MOUNT,
        server=SERVER,
        redirect_url=REDIRECT_URL,
        scopes=["spark:people_read"],
        state="state-123",
    )
    url = urlsplit(link.url)
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{emulator.base_url}/v1/authorize"
    assert query == {
        "client_id": [emulator.client_id],
        "redirect_uri": [REDIRECT_URL],
        "response_type": ["code"],
        "scope": ["spark:people_read"],
        "state": ["state-123"],
    }


def test_code_exchange_gives_a_token_webex_accepts(matrix_stack, emulator, credential_name):
    authorize_credential(matrix_stack, credential_name)
    credential = webex_vault.read_credential(matrix_stack.client(), MOUNT, credential_name)
    assert credential.server == SERVER
    assert credential.expire_time is not None
    response = emulator.people_me(credential.access_token)
    assert response.status_code == 200
    assert response.json()["displayName"] == "Demo User"


def test_refresh_needs_no_user_action_and_retires_the_old_token(
    matrix_stack, emulator, emulator_settings, credential_name
):
    # The plugin treats a token with 10 s or less left as expired, so lifetimes here stay above.
    emulator_settings(access_token_lifetime=LIFETIME)
    authorize_credential(matrix_stack, credential_name)
    first = read_token(matrix_stack, credential_name)
    time.sleep(LIFETIME + 1)  # the first access token has now expired at Webex
    assert emulator.people_me(first).status_code == 401
    second = read_token(matrix_stack, credential_name)
    assert second != first
    assert emulator.people_me(second).status_code == 200


def test_plugin_refreshes_in_the_background(stack, emulator, emulator_settings, credential_name):
    # tune_refresh_check_interval_seconds is 2 for the test stack: every 2 s the plugin
    # refreshes tokens that expire within 2 x 1.2 s, without anyone reading them.
    emulator_settings(access_token_lifetime=LIFETIME)
    authorize_credential(stack, credential_name)
    before = emulator.stats()["grant_types"].get("refresh_token", 0)
    deadline = time.monotonic() + LIFETIME + 10
    while time.monotonic() < deadline:
        if emulator.stats()["grant_types"].get("refresh_token", 0) > before:
            break
        time.sleep(0.5)
    assert emulator.stats()["grant_types"].get("refresh_token", 0) > before


def test_cli_sample_prints_the_display_name_with_its_own_identity(matrix_stack):
    authorize_credential(matrix_stack, "people-me")
    result = run_cli(matrix_stack)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "User displayName: Demo User"


def test_community_hashi_vault_reads_the_credential_with_the_app_identity(stack, tmp_path):
    """docs/connection.md's example, as written there: community.hashi_vault.vault_read, logged
    in with the CLI sample's own AppRole identity from its settings file."""
    authorize_credential(stack, "people-me")
    document = (REPO / "docs" / "connection.md").read_text()
    example = document.split("<!-- read-credential-example:start -->")[1].split(
        "<!-- read-credential-example:end -->"
    )[0]
    playbook = tmp_path / "read_credential.yml"
    playbook.write_text(example.split("```yaml\n")[1].split("```")[0])
    run = stack.playbook("-e", f"settings_file={stack.cli_env_file}", playbook=str(playbook))
    assert run.returncode == 0, run.stdout[-5000:]
    assert "The access token expires at 20" in run.stdout
    assert read_token(stack, "people-me") not in run.stdout


def test_cli_identity_cannot_read_another_credential(stack, credential_name):
    authorize_credential(stack, credential_name)
    result = run_cli(stack, OAUTHAPP_CREDENTIAL=credential_name)
    assert result.returncode == 9, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_revoked_refresh_token_gives_the_samples_clear_error(
    stack, emulator, emulator_settings, credential_name
):
    emulator_settings(access_token_lifetime=LIFETIME)
    authorize_credential(stack, credential_name)
    emulator.control("POST", "tokens/revoke")
    time.sleep(LIFETIME + 1)  # past the access token's expiry: the plugin must refresh, and cannot
    result = run_cli(
        stack,
        WEBEX_VAULT_ENV_FILE=os.devnull,
        VAULT_ADDR=stack.url,
        VAULT_TOKEN=stack.root_token,
        OAUTHAPP_CREDENTIAL=credential_name,
        WEBEX_API_BASE_URL=f"{emulator.base_url}/v1",
    )
    assert result.returncode == 4, result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "authoriz" in message.lower()
    assert "Traceback" not in result.stderr


def test_check_mode_on_a_fresh_server_changes_nothing(fresh_server):
    client = fresh_server.client()

    def state() -> dict:
        return {
            "mounts": sorted(client.read("sys/mounts")["data"]),
            "auth": sorted(client.read("sys/auth")["data"]),
            "policies": sorted(client.sys.list_acl_policies()["data"]["keys"]),
            "catalog": client.read("sys/plugins/catalog")["data"].get("secret"),
            "plugin_dir": sorted(p.name for p in (fresh_server.data_dir / "plugins").iterdir()),
            "env_files": [
                p.exists() for p in (fresh_server.cli_env_file, fresh_server.app_env_file)
            ],
        }

    before = state()
    result = fresh_server.playbook("--check", "--diff")
    assert result.returncode == 0, result.stdout[-5000:]
    assert recap(result.stdout)["changed"] > 0, "check mode should say what it would change"
    assert state() == before


def test_webex_people_me_needs_a_bearer_token(emulator):
    response = requests.get(f"{emulator.base_url}/v1/people/me", timeout=10)
    assert response.status_code == 401
    assert response.json()["message"] == (
        "The request requires a valid access token set in the Authorization request header."
    )


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
