"""How the samples' AppRole secret IDs are delivered (playbooks/app_access.yml, issue 13).

- The secret ID and the tokens it logs in to work from oauthapp_webex_app_bound_cidrs only (the
  local inventory: 127.0.0.1/32). Another loopback address, 127.0.0.2, stands in for a foreign
  host, so that no test traffic leaves 127.0.0.0/8.
- A new secret ID destroys every one issued before it; re-runs change nothing and --check
  reports the change without making it.
- With oauthapp_webex_app_secret_id_wrap_ttl the settings file holds a response-wrapping token:
  the sample unwraps it once at start-up, a second start says to re-run the playbook.

These tests re-run the playbook, so they have a stack of their own.
"""

from __future__ import annotations

import pytest
import requests
from dotenv import dotenv_values
from requests.adapters import HTTPAdapter

from webex_vault_testing import stack_for_test as new_stack
from webex_vault_testing.oauthapp import MOUNT, authorize_credential
from webex_vault_testing.playbook_run import run_playbook
from webex_vault_testing.processes import run_sample
from webex_vault_testing.recording_emulator import start_emulator
from webex_vault_testing.server_control import stop_server

pytestmark = pytest.mark.integration

FOREIGN_SOURCE = "127.0.0.2"
APP_ACCESS = "playbooks/app_access.yml"
WRAPPED = {"oauthapp_webex_app_secret_id_wrap_ttl": "300"}


@pytest.fixture(scope="module")
def delivery_stack(tmp_path_factory, plugin_mirror, security_server):
    emulator = start_emulator()
    stack = new_stack(tmp_path_factory, plugin_mirror, emulator, server=security_server)
    stack.emulator = emulator
    first = run_playbook(stack, "site.yml", json_output=False)
    assert first.returncode == 0, first.stdout[-5000:]
    yield stack
    stop_server(stack)
    emulator.shutdown()


class _SourceAddressAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (FOREIGN_SOURCE, 0)
        super().init_poolmanager(*args, **kwargs)


def call(stack, method: str, path: str, token: str = "", source: str = "127.0.0.1", **kwargs):
    """A Vault API call from `source` (a loopback address): (status, JSON body or None)."""
    with requests.Session() as session:
        if source == FOREIGN_SOURCE:
            session.mount("http://", _SourceAddressAdapter())
        response = session.request(
            method,
            f"{stack.url}/v1/{path}",
            headers={"X-Vault-Token": token} if token else {},
            timeout=30,
            **kwargs,
        )
    return response.status_code, response.json() if response.content else None


def login(stack, env_file, source: str = "127.0.0.1", secret_id: str | None = None):
    settings = dotenv_values(env_file)
    return call(
        stack,
        "POST",
        f"auth/{settings['VAULT_APPROLE_MOUNT']}/login",
        source=source,
        json={
            "role_id": settings["VAULT_ROLE_ID"],
            "secret_id": secret_id or settings["VAULT_SECRET_ID"],
        },
    )


def accessors(stack, identity: str) -> list[str]:
    status, body = call(stack, "LIST", f"auth/approle/role/{identity}/secret-id", stack.root_token)
    return sorted(body["data"]["keys"]) if status == 200 else []


@pytest.mark.parametrize("identity", ["webex-app", "webex-cli"])
def test_secret_id_and_tokens_work_from_the_bound_network_only(delivery_stack, identity):
    stack = delivery_stack
    env_file = stack.app_env_file if identity == "webex-app" else stack.cli_env_file
    role = stack.client().read(f"auth/approle/role/{identity}")["data"]
    assert role["secret_id_bound_cidrs"] == ["127.0.0.1/32"]
    assert role["token_bound_cidrs"] in (["127.0.0.1/32"], ["127.0.0.1"])

    status, body = login(stack, env_file, source=FOREIGN_SOURCE)
    assert status == 400, body
    assert "CIDR" in body["errors"][0]

    status, body = login(stack, env_file)
    assert status == 200, body
    token = body["auth"]["client_token"]
    # A credential the identity may read (200, or 404 while none is stored: past the policy) ...
    credential = "webex/nobody" if identity == "webex-app" else "people-me"
    path = f"{MOUNT}/creds/{credential}"
    assert call(stack, "GET", path, token)[0] in (200, 404)
    # ... but the same token, presented from elsewhere, is refused.
    assert call(stack, "GET", path, token, source=FOREIGN_SOURCE)[0] == 403


def test_a_new_secret_id_destroys_the_ones_it_supersedes(delivery_stack):
    """A lost (or stolen) settings file: the next run issues a new secret ID, and the old one,
    still valid for 30 days, stops working at once. A secret ID issued for another delivery
    (by hand here; another host's or instance's) is not the file's to destroy (issue 20)."""
    stack = delivery_stack
    env_file = stack.cli_env_file
    old = dotenv_values(env_file)["VAULT_SECRET_ID"]
    extra = stack.client().write_data("auth/approle/role/webex-cli/secret-id", data={})
    extra_secret_id = extra["data"]["secret_id"]
    assert len(accessors(stack, "webex-cli")) == 2
    env_file.unlink()

    # --check tells the truth and changes nothing.
    checked = run_playbook(stack, APP_ACCESS, None, None, "--check")
    assert checked.returncode == 0, checked.stdout[-5000:]
    assert checked.changed > 0
    assert not env_file.exists()
    assert len(accessors(stack, "webex-cli")) == 2

    run = run_playbook(stack, APP_ACCESS)
    assert run.returncode == 0, run.stdout[-5000:]
    new = dotenv_values(env_file)["VAULT_SECRET_ID"]
    assert new != old
    assert login(stack, env_file)[0] == 200
    status, body = login(stack, env_file, secret_id=old)
    assert status == 400 and "invalid role or secret ID" in body["errors"][0], body
    assert login(stack, env_file, secret_id=extra_secret_id)[0] == 200
    assert len(accessors(stack, "webex-cli")) == 2

    again = run_playbook(stack, APP_ACCESS)
    assert again.returncode == 0, again.stdout[-5000:]
    assert again.changed == 0, [
        name for name, result in again.task_results() if result.get("changed")
    ]
    assert dotenv_values(env_file)["VAULT_SECRET_ID"] == new
    # Not the playbook's to destroy: the test takes its own away.
    stack.client().write_data(
        "auth/approle/role/webex-cli/secret-id/destroy", data={"secret_id": extra_secret_id}
    )


def test_wrapped_secret_id_is_unwrapped_once_by_the_sample(delivery_stack):
    stack = delivery_stack
    env_file = stack.cli_env_file
    authorize_credential(stack.client(), "people-me")
    plain = dotenv_values(env_file)["VAULT_SECRET_ID"]
    try:
        run = run_playbook(stack, APP_ACCESS, WRAPPED)
        assert run.returncode == 0, run.stdout[-5000:]
        settings = dotenv_values(env_file)
        assert "VAULT_SECRET_ID" not in settings
        wrapped = settings["VAULT_SECRET_ID_WRAPPED"]
        assert env_file.stat().st_mode & 0o777 == 0o600
        # The secret ID the file held before is superseded, and the wrapping token is no
        # secret ID.
        assert login(stack, env_file, secret_id=plain)[0] == 400
        assert login(stack, env_file, secret_id=wrapped)[0] == 400
        assert len(accessors(stack, "webex-cli")) == 1

        # Nobody unwrapped it yet: a re-run keeps it.
        again = run_playbook(stack, APP_ACCESS, WRAPPED)
        assert again.returncode == 0, again.stdout[-5000:]
        assert again.changed == 0
        assert dotenv_values(env_file)["VAULT_SECRET_ID_WRAPPED"] == wrapped

        env = {"WEBEX_VAULT_ENV_FILE": str(env_file)}
        first = run_sample("people_me.py", env)
        assert first.returncode == 0, first.stderr
        assert first.stdout == "User displayName: Demo User\n"

        second = run_sample("people_me.py", env)
        assert second.returncode == 10, second.stderr
        message = second.stderr.removeprefix("people_me: ").strip()
        assert "\n" not in message and message.endswith("."), message
        assert "VAULT_SECRET_ID_WRAPPED" in message and "re-run the playbook" in message
        assert wrapped not in second.stderr

        # The used wrapping token is spent: the next run writes a new one, and the sample starts.
        # The secret ID the first start unwrapped (a running app may hold it) works until it
        # expires (issue 20).
        renewed = run_playbook(stack, APP_ACCESS, WRAPPED)
        assert renewed.returncode == 0, renewed.stdout[-5000:]
        assert dotenv_values(env_file)["VAULT_SECRET_ID_WRAPPED"] != wrapped
        assert run_sample("people_me.py", env).returncode == 0
        assert len(accessors(stack, "webex-cli")) == 2
    finally:
        back = run_playbook(stack, APP_ACCESS)
        assert back.returncode == 0, back.stdout[-5000:]
    assert "VAULT_SECRET_ID" in dotenv_values(env_file)
    assert stack.client().read(f"{MOUNT}/creds/people-me") is not None
