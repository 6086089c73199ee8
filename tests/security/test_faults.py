"""What users see when Webex misbehaves, and when the plugin binary is swapped on disk.

The fault stack runs the plugin with tune_provider_timeout_seconds=2 (a request that takes longer
is abandoned), and background refresh off except while a background test turns it on: the
emulator's fault queue is shared by every call, so only the call under test may take a fault.
Each fault is injected for exactly one token-endpoint call.

Expected behaviour (the full table is in SECURITY.md, "Faults"), per phase:

- code exchange (creds write): 500, or 400 for an RFC 6749 invalid_grant; nothing is stored,
  the plugin does not retry, and the code stays good for a retry unless the token endpoint
  answered after the provider timeout (a hang), which used it up.
- refresh at read (creds read): 400 "token expired", or the stored "refresh failed: ...
  invalid_grant" user error for an RFC 6749 invalid_grant; the next read refreshes.
- background refresh: the still-valid token is served with a warning ("N attempt(s) to refresh
  this token failed", or "token will expire" for an RFC 6749 invalid_grant); the next run
  refreshes. A Webex-shaped invalid_grant body counts as transient, not as a revocation, and
  Retry-After is never honoured.

In every case a credential that already existed keeps its tokens, and the samples turn the error
into one sentence: AuthorizationFailed (exit 12) for an exchange, CredentialRefreshFailed
(exit 4) for a read.
"""

from __future__ import annotations

import hashlib
import time

import pytest

import webex_vault
from webex_vault_testing import REDIRECT_URL
from webex_vault_testing.oauthapp import (
    MOUNT,
    SERVER,
    SHORT_LIFETIME,
    authorize_credential,
    get_code,
    raw,
)
from webex_vault_testing.playbook_run import run_playbook
from webex_vault_testing.processes import wait_for
from webex_vault_testing.server_control import catalog_entry, forge_plugin_binary

pytestmark = pytest.mark.integration

# The task that puts the plugin binary in place (one plugin_binary module run).
INSTALL_TASK = (
    "webex_vault.oauthapp.oauthapp_plugin : download | "
    "Download, verify, unpack and install the plugin binary"
)
PROVIDER_TIMEOUT = 2
HANG = 5
FAULTS = {
    "5xx": ({"status": 500}, "rfc"),
    "hang": ({"hang_seconds": HANG}, "rfc"),
    "invalid_grant-rfc": ({"status": 400, "error": "invalid_grant"}, "rfc"),
    "invalid_grant-webex": ({"status": 400, "error": "invalid_grant"}, "webex"),
    "429": ({"status": 429, "retry_after": 1}, "rfc"),
}
# How the plugin words a failed call to the token endpoint: the two releases differ only in their
# golang.org/x/oauth2 (puppetlabs 3.1.1: v0.4.0; the openbao fork 3.2.0: v0.28.0, which names the
# RFC 6749 error code of the answer and puts the request in front of a transport error).
PROVIDER_ERROR = {
    "puppetlabs": {
        "5xx": "oauth2: cannot fetch token: 500",
        "hang": "refresh failed: context deadline exceeded",
        "429": "oauth2: cannot fetch token: 429",
    },
    "openbao": {
        "5xx": 'oauth2: "server_error" "Injected by the Webex emulator',
        "hang": '/v1/access_token": context deadline exceeded',
        "429": 'oauth2: "temporarily_unavailable" "Injected by the Webex emulator',
    },
}
# (HTTP status, part of the error) of the creds write that exchanges the code; None: the
# plugin's PROVIDER_ERROR.
EXCHANGE = {
    "5xx": (500, None),
    "hang": (500, "context deadline exceeded"),
    "invalid_grant-rfc": (400, "exchange failed: server rejected request: invalid_grant"),
    "invalid_grant-webex": (500, "server rejected request:"),
    "429": (500, None),
}
# The error of a read whose refresh failed.
READ = {
    "5xx": "token expired",
    "hang": "token expired",
    "invalid_grant-rfc": "refresh failed: server rejected request: invalid_grant",
    "invalid_grant-webex": "token expired",
    "429": "token expired",
}
# The warning on a read after a failed background refresh, while the old token is still valid:
# its start, and a part that follows (None: the plugin's PROVIDER_ERROR).
RETRIED = "1 attempt(s) to refresh this token failed, most recently: refresh failed: "
BACKGROUND = {
    "5xx": (RETRIED, None),
    "hang": (RETRIED, None),
    "invalid_grant-rfc": (
        "token will expire: refresh failed: server rejected request: ",
        "invalid_grant",
    ),
    "invalid_grant-webex": (RETRIED, "server rejected request:"),
    "429": (RETRIED, None),
}


def token_calls(emulator) -> int:
    return emulator.stats()["requests"]["access_token"]


def error_text(body) -> str:
    return "\n".join((body or {}).get("errors") or [])


def creds_write(stack, name: str, code: str):
    started = time.monotonic()
    status, body = raw(
        stack,
        "PUT",
        f"{MOUNT}/creds/{name}",
        json={"server": SERVER, "code": code, "redirect_url": REDIRECT_URL},
    )
    return status, body, time.monotonic() - started


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_during_code_exchange(fault_stack, fault_emulator, fault_credential, fault):
    spec, style = FAULTS[fault]
    client = fault_stack.client()
    authorize_credential(client, fault_credential)  # a user who signed in before
    old = raw(fault_stack, "GET", f"{MOUNT}/creds/{fault_credential}")[1]["data"]["access_token"]
    fault_emulator.settings(error_style=style)
    code = get_code(client)
    calls = token_calls(fault_emulator)
    fault_emulator.fault(**spec)

    status, body, seconds = creds_write(fault_stack, fault_credential, code)

    expected_status, expected_error = EXCHANGE[fault]
    expected_error = expected_error or PROVIDER_ERROR[fault_stack.distribution][fault]
    assert status == expected_status, body
    assert expected_error in error_text(body), body
    assert token_calls(fault_emulator) == calls + 1, "the plugin must not retry on its own"
    if fault == "hang":
        assert seconds < HANG, "the provider timeout must cut the hang short"
    # The user's earlier tokens are untouched by the failed re-authorization.
    status, body = raw(fault_stack, "GET", f"{MOUNT}/creds/{fault_credential}")
    assert status == 200 and body["data"]["access_token"] == old
    # The web app would show one sentence (exit code 12 of the samples).
    fault_emulator.fault(**spec)
    with pytest.raises(webex_vault.AuthorizationFailed) as failed:
        webex_vault.write_authorization_code(
            client,
            MOUNT,
            fault_credential,
            server=SERVER,
            code=get_code(client),
            redirect_url=REDIRECT_URL,
        )
    assert "\n" not in str(failed.value) and "start the sign-in again" in str(failed.value)
    if fault == "hang":
        time.sleep(HANG)  # the emulator answers the abandoned request and uses up the code
        status, body, _ = creds_write(fault_stack, fault_credential, code)
        assert status == 400 and "invalid_grant" in error_text(body)
    else:
        status, body, _ = creds_write(fault_stack, fault_credential, code)
        assert status == 204, f"the code should still be good after a {fault}: {body}"


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_during_refresh_at_read(fault_stack, fault_emulator, fault_credential, fault):
    spec, style = FAULTS[fault]
    client = fault_stack.client()
    fault_emulator.settings(access_token_lifetime=SHORT_LIFETIME, error_style=style)
    authorize_credential(client, fault_credential)
    first = webex_vault.read_credential(client, MOUNT, fault_credential)
    # Inside the plugin's 10 s expiry delta, a read refreshes first.
    time.sleep(SHORT_LIFETIME - 10 + 0.5)
    calls = token_calls(fault_emulator)
    fault_emulator.fault(**spec)

    started = time.monotonic()
    with pytest.raises(webex_vault.CredentialRefreshFailed) as failed:
        webex_vault.read_credential(client, MOUNT, fault_credential)
    seconds = time.monotonic() - started

    assert READ[fault] in error_text({"errors": failed.value.__cause__.errors})
    assert failed.value.exit_code == 4 and "\n" not in str(failed.value)
    assert token_calls(fault_emulator) == calls + 1
    if fault == "hang":
        assert seconds < HANG
    # Once Webex answers again, the next read refreshes.
    second = webex_vault.read_credential(client, MOUNT, fault_credential)
    assert second.access_token != first.access_token
    assert fault_emulator.people_me(second.access_token).status_code == 200


def background_refresh(stack, interval: int) -> None:
    """Turn the plugin's background refresh on (every `interval` s, refreshing tokens with less
    than 5 x interval left) or off (0, and the factor the role writes). A config write restarts
    the refresh loop at once."""
    client = stack.client()
    config = client.read(f"{MOUNT}/config")["data"]
    config.update(
        tune_refresh_check_interval_seconds=interval,
        tune_refresh_expiry_delta_factor=5 if interval else 1.2,
    )
    client.write_data(f"{MOUNT}/config", data=config)


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_during_background_refresh(fault_stack, fault_emulator, fault_credential, fault):
    spec, style = FAULTS[fault]
    client = fault_stack.client()
    lifetime = 20  # under the 25 s background window, above the 10 s read window
    fault_emulator.settings(access_token_lifetime=lifetime, error_style=style)
    authorize_credential(client, fault_credential)
    first = webex_vault.read_credential(client, MOUNT, fault_credential)
    faults_before = fault_emulator.stats()["faults_injected"]["access_token"]
    fault_emulator.fault(**spec)
    try:
        background_refresh(fault_stack, 5)  # the first run starts now and takes the fault
        wait_for(
            lambda: fault_emulator.stats()["faults_injected"]["access_token"] > faults_before,
            timeout=10,
            message="a background refresh",
        )
        time.sleep(PROVIDER_TIMEOUT + 1 if fault == "hang" else 0.5)
        background_refresh(fault_stack, 0)  # no second run before the read below

        served = webex_vault.read_credential(client, MOUNT, fault_credential)
        assert served.access_token == first.access_token, "the valid token is still served"
        start, part = BACKGROUND[fault]
        part = part or PROVIDER_ERROR[fault_stack.distribution][fault]
        assert any(start in warning and part in warning for warning in served.warnings), (
            served.warnings
        )

        refreshes = fault_emulator.stats()["grant_types"]["refresh_token"]
        background_refresh(fault_stack, 5)
        wait_for(
            lambda: fault_emulator.stats()["grant_types"]["refresh_token"] > refreshes,
            timeout=10,
            message="the next background refresh",
        )
        time.sleep(0.5)
    finally:
        background_refresh(fault_stack, 0)
    recovered = webex_vault.read_credential(client, MOUNT, fault_credential)
    assert recovered.access_token != first.access_token
    assert recovered.warnings == ()


def test_replaced_plugin_binary_is_refused_and_restored(fault_stack, fault_credential):
    """Someone overwrites the plugin file (OpenBao: "anyone with write access to this directory
    can put arbitrary plugins here"). The running process keeps serving; the server refuses to
    start the new file (sha256 differs from the catalog); the next site.yml run reports the
    mismatch as a change, restores the registered binary and reloads the engine."""
    client = fault_stack.client()
    authorize_credential(client, fault_credential)
    before = raw(fault_stack, "GET", f"{MOUNT}/creds/{fault_credential}")[1]["data"]
    catalog = catalog_entry(fault_stack)
    binary = fault_stack.data_dir / "plugins" / catalog["command"]
    forge_plugin_binary(binary)

    status, _ = raw(fault_stack, "GET", f"{MOUNT}/creds/{fault_credential}")
    assert status == 200, "the process already running keeps the old binary"
    status, body = raw(fault_stack, "PUT", "sys/plugins/reload/backend", json={"mounts": [MOUNT]})
    # Both refuse the file; OpenBao calls it a bad request, Vault an internal error.
    assert status == {"openbao": 400, "vault": 500}[fault_stack.server]
    assert "checksums did not match" in error_text(body)
    # OpenBao leaves the mount without a backend; Vault tries to start the file on every request.
    status, body = raw(fault_stack, "GET", f"{MOUNT}/creds/{fault_credential}")
    expected_status, expected_error = {
        "openbao": (404, "backend is nil"),
        "vault": (500, "checksums did not match"),
    }[fault_stack.server]
    assert status == expected_status and expected_error in error_text(body)
    with pytest.raises(webex_vault.OAuthAppNotConfigured):
        webex_vault.read_credential(client, MOUNT, fault_credential)

    run = run_playbook(fault_stack, "site.yml")
    assert run.returncode == 0, run.stdout[-3000:]
    changed = {name for name, result in run.task_results() if result.get("changed")}
    assert INSTALL_TASK in changed, changed
    assert "webex_vault.oauthapp.oauthapp_plugin : Reload the oauthapp plugin" in changed, changed
    assert hashlib.sha256(binary.read_bytes()).hexdigest() == catalog["sha256"]
    status, body = raw(fault_stack, "GET", f"{MOUNT}/creds/{fault_credential}")
    assert status == 200 and body["data"]["access_token"] == before["access_token"]
    assert client.read(f"sys/mounts/{MOUNT}")["data"]["running_sha256"] == catalog["sha256"]
