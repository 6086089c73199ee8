"""A re-provision while the web app runs needs no restart (issue 20), on each server.

The web app (create_app with the settings file site.yml wrote, a real VaultConnection) signs a
visitor in. Then its identity stops working, as when the playbook replaces a secret ID or
`make demo` switches servers: its Vault token is revoked and its secret ID destroyed, and
playbooks/app_access.yml writes a new secret ID into the same file. The next page the visitor
opens works: the app's login is refused, it reads the file again and logs in with the new
identity. With the file left as it was, the app says that Vault refused its identity.

`make demo` then `make demo SERVER=vault` (issue 20 item 1) is the same with another server:
site.yml writes the web app's settings file for the new server (another role ID and secret ID)
while the old server, and every identity it knew, is gone. The running app, which knew only the
first server, follows the file to the second one, where the visitor authorizes again.
"""

from __future__ import annotations

import re

import pytest

from webex_vault_testing import SERVERS, distribution_for
from webex_vault_testing.web_app import app_on_settings_file, sign_in
from webex_vault_web.credentials import RECHECK_SECONDS

pytestmark = pytest.mark.integration


def secret_id_in(text: str) -> str:
    match = re.search(r"^VAULT_SECRET_ID=(.+)$", text, flags=re.M)
    assert match, "the settings file holds no VAULT_SECRET_ID"
    return match.group(1)


def test_the_running_web_app_logs_in_with_the_identity_the_playbook_rewrote(stack) -> None:
    app, clock = app_on_settings_file(stack.app_env_file)
    connection = app.extensions["webex_vault"].vault
    browser = app.test_client()
    signed_in(browser)

    # The app's identity stops working: its token and its secret ID are gone.
    old_secret_id = secret_id_in(stack.app_env_file.read_text())
    root = stack.client()
    root.auth.token.revoke(connection.client.token)
    root.write_data(
        "auth/approle/role/webex-app/secret-id/destroy", data={"secret_id": old_secret_id}
    )
    clock.advance(RECHECK_SECONDS)  # the app reads the credential from Vault again

    refused = browser.get("/status")
    assert refused.status_code == 502 and "Vault refused the app" in refused.text

    # The playbook writes a new secret ID into the same file; the running app takes it.
    rerun = stack.playbook(playbook="playbooks/app_access.yml")
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert secret_id_in(stack.app_env_file.read_text()) != old_secret_id

    clock.advance(RECHECK_SECONDS)
    page = browser.get("/status")

    assert page.status_code == 200, page.text
    assert connection.settings.vault_secret_id != old_secret_id


def signed_in(browser) -> None:
    """A visitor's Authorize, through the emulator's consent, to the status page."""
    sign_in(browser)
    assert browser.get("/status").status_code == 200


@pytest.mark.skipif(len(SERVERS) < 2, reason="needs both servers (WEBEX_VAULT_TEST_SERVERS)")
def test_the_running_web_app_follows_its_settings_file_to_the_other_server(
    provisioned_stacks, tmp_path
) -> None:
    first, second = (provisioned_stacks(server, distribution_for(server)) for server in SERVERS)
    # A secret ID of the app's own on the first server, so that the stack's file stays valid.
    root = first.client()
    own = root.write_data("auth/approle/role/webex-app/secret-id", data={})["data"]["secret_id"]
    env_file = tmp_path / "web.env"
    env_file.touch(mode=0o600)
    old_text = first.app_env_file.read_text().replace(
        secret_id_in(first.app_env_file.read_text()), own
    )
    env_file.write_text(old_text)
    app, clock = app_on_settings_file(env_file)
    connection = app.extensions["webex_vault"].vault
    browser = app.test_client()
    signed_in(browser)

    # The switch: the first server forgets the app (its token and secret ID are gone, as on a
    # new server that never knew them), and site.yml writes the file for the second server.
    root.auth.token.revoke(connection.client.token)
    root.write_data("auth/approle/role/webex-app/secret-id/destroy", data={"secret_id": own})
    env_file.write_text(second.app_env_file.read_text())
    clock.advance(RECHECK_SECONDS)

    page = browser.get("/status")
    # Logged in on the second server, which holds no credential of the visitor's yet: the
    # page with the Authorize button, not "Vault refused the app's identity".
    assert page.status_code == 200 and "Your earlier sign-in has ended" in page.text, page.text
    assert connection.settings.vault_addr == second.url
    signed_in(browser)
