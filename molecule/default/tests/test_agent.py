"""The agent of one app (roles/oauthapp_agent, group_vars oauthapp_agents.yml) on the scenario's
server host: a hardened unit of its own that keeps the app's Webex access token in a file, which
only the app's account reads, through short token lifetimes, a secret-ID rotation by site.yml and
a server restart, while the shell sample keeps working. OpenBao keeps the plain secret ID in its
file; Vault delivers it response-wrapped, and the agent deletes the file."""

from __future__ import annotations

import hashlib
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field

import hvac
import pytest
import requests

from webex_vault_testing.authorize import authorize
from webex_vault_testing.base import REPO
from webex_vault_testing.molecule import (
    BINARY,
    MOUNT,
    REDIRECT_URL,
    SCOPES,
    SERVER,
    SERVER_KIND,
    SERVICE,
    seal_status,
)

AGENT = "webex-agent-people-me"
APP_USER = "webex-people-me"
CREDENTIAL = "agent/people-me"
RENDER_DIR = f"/run/{AGENT}"
TOKEN_FILE = f"{RENDER_DIR}/people-me.token"
ENV_FILE = f"{RENDER_DIR}/people-me.env"
STATE_DIR = f"/var/lib/{AGENT}"
SAMPLE = "/usr/local/bin/people_me.sh"
WRAPPED = SERVER_KIND == "vault"
# The emulator's access tokens live this long during these tests (minimum_seconds is 280: the
# agent writes a new token about every 20 s, and the file's token always has over 270 s left,
# longer than a site.yml run or the server's restart take, even on a busy machine).
LIFETIME = 300


def wait_for(condition, timeout: float, what: str, host=None):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            journal = "" if host is None else journal_tail(host)
            raise AssertionError(f"waited {timeout} s for {what}; the agent's log:\n{journal}")
        time.sleep(1)


def journal_tail(host, lines: int = 80) -> str:
    return host.run(f"journalctl --no-pager -o cat -n {lines} -u {AGENT}.service").stdout


def logins_since(host, since: float) -> int:
    """How many times the agent has logged in since the time `since` (seconds since the epoch;
    the container shares the controller's clock)."""
    journal = host.run(
        f"journalctl --no-pager -o cat -u {AGENT}.service --since @{int(since)}"
    ).stdout
    return journal.count("authentication successful")


def token_in_file(host) -> str:
    return host.run(f"cat {TOKEN_FILE}").stdout.strip()


@pytest.fixture(scope="module")
def agent(scenario, vault, host):
    """The agent's credential, authorized through the emulator with short-lived tokens, and the
    shell sample in the container; the emulator's lifetimes are put back afterwards."""
    settings = f"{scenario.emulator_url}/_emulator/settings"
    before = requests.get(settings, timeout=10).json()
    requests.post(settings, json={"access_token_lifetime": LIFETIME}, timeout=10).raise_for_status()
    subprocess.run(
        ["docker", "cp", str(REPO / "samples" / "people_me.sh"), f"{scenario.container}:{SAMPLE}"],
        check=True,
    )
    host.check_output(f"chmod 0755 {SAMPLE}")
    authorize(
        vault,
        mount=MOUNT,
        server=SERVER,
        credential=CREDENTIAL,
        redirect_url=REDIRECT_URL,
        scopes=SCOPES,
    )
    # Until now the agent met "no secret" and retried; it renders at its next attempt.
    wait_for(lambda: host.file(TOKEN_FILE).exists, 60, "the first render", host)
    yield
    requests.post(
        settings, json={"access_token_lifetime": before["access_token_lifetime"]}, timeout=10
    ).raise_for_status()


def sample(host, scenario, user: str = APP_USER):
    return host.run(
        f"runuser -u {user} -- env WEBEX_API_BASE_URL={scenario.emulator_url}/v1 "
        f"{SAMPLE} {TOKEN_FILE}"
    )


def test_the_agent_runs_as_its_own_user_in_a_sandbox(host):
    names = [
        "User",
        "Group",
        "NoNewPrivileges",
        "ProtectSystem",
        "ProtectHome",
        "PrivateTmp",
        "CapabilityBoundingSet",
        "AmbientCapabilities",
        "ReadWritePaths",
        "RuntimeDirectoryPreserve",
    ]
    shown = host.check_output(f"systemctl show {AGENT} -p {' -p '.join(names)}")
    properties = dict(line.split("=", 1) for line in shown.splitlines())
    assert properties == {
        "User": AGENT,
        "Group": APP_USER,
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        # No capability at all.
        "CapabilityBoundingSet": "",
        "AmbientCapabilities": "",
        # A wrapped secret ID is deleted after reading; a plain one stays, read-only to it.
        "ReadWritePaths": RENDER_DIR + (f" {STATE_DIR}" if WRAPPED else ""),
        "RuntimeDirectoryPreserve": "restart",
    }
    assert host.service(AGENT).is_running and host.service(AGENT).is_enabled
    pid = host.check_output(f"systemctl show -p MainPID --value {AGENT}")
    status = host.file(f"/proc/{pid}/status").content_string
    uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
    assert int(uid) == host.user(AGENT).uid
    # The agent binary is the server's own.
    assert host.file(f"/proc/{pid}/cmdline").content_string.split("\0")[:2] == [BINARY, "agent"]


def test_the_ids_are_the_agents_alone(host, agent):
    state = host.file(STATE_DIR)
    assert (state.user, state.mode) == (AGENT, 0o700)
    role_id = host.file(f"{STATE_DIR}/role-id")
    assert (role_id.user, role_id.group, role_id.mode) == (AGENT, AGENT, 0o600)
    # Plain: the secret ID stays in its file. Wrapped: the agent unwrapped it and deleted it.
    assert host.file(f"{STATE_DIR}/secret-id").exists is not WRAPPED
    assert host.run(f"runuser -u {APP_USER} -- cat {STATE_DIR}/role-id").rc != 0


def test_the_token_file_belongs_to_the_app_and_nobody_else_reads_it(host, scenario, agent):
    # The agent's user writes, the app's group reads.
    for path in (TOKEN_FILE, ENV_FILE):
        item = host.file(path)
        assert (item.user, item.group, item.mode) == (AGENT, APP_USER, 0o640)
    directory = host.file(RENDER_DIR)
    assert (directory.user, directory.group, directory.mode) == (AGENT, APP_USER, 0o750)
    token = token_in_file(host)
    assert host.file(ENV_FILE).content_string == f"WEBEX_ACCESS_TOKEN={token}\n"

    shown = sample(host, scenario)
    assert shown.rc == 0, shown.stderr
    assert shown.stdout.strip() == "User displayName: Demo User"
    refused = sample(host, scenario, user="nobody")
    assert refused.rc == 2 and "cannot read the token file" in refused.stderr
    assert host.run(f"runuser -u nobody -- ls {RENDER_DIR}").rc != 0
    # The token never shows in the process list: curl reads it from its standard input.
    assert token not in host.run("ps -eo args").stdout


def test_the_agents_identity_reads_its_credential_and_nothing_else(scenario, vault, agent):
    token = vault.auth.token.create(policies=[AGENT], no_default_policy=True, ttl="5m")
    client = hvac.Client(
        url=scenario.api_url, token=token["auth"]["client_token"], timeout=30, verify=scenario.ca
    )

    def status(path: str) -> int:
        response = requests.get(
            f"{scenario.api_url}/v1/{path}",
            headers={"X-Vault-Token": client.token},
            timeout=10,
            verify=scenario.ca,
        )
        return response.status_code

    assert status(f"{MOUNT}/creds/{CREDENTIAL}?minimum_seconds=280") == 200
    # The CLI sample's credential, another minimum_seconds, the server entry: all refused.
    assert status(f"{MOUNT}/creds/people-me") == 403
    assert status(f"{MOUNT}/creds/{CREDENTIAL}?minimum_seconds=3600") == 403
    assert status(f"{MOUNT}/servers/{SERVER}") == 403
    assert status("sys/mounts") == 403


@dataclass
class Sampler:
    """Runs the shell sample as the app's user every three seconds, in a thread."""

    host: object
    scenario: object
    results: list = field(default_factory=list)
    tokens: set = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.wait(3):
            answer = sample(self.host, self.scenario)
            self.results.append((time.monotonic(), answer.rc, answer.stderr.strip()))
            self.tokens.add(hashlib.sha256(token_in_file(self.host).encode()).hexdigest())


def test_the_file_stays_fresh_through_restart_and_rotation(host, scenario, vault, agent):
    """One timeline, while the app reads the file every few seconds: the agent's secret ID
    stops working (as when it expires), the server restarts (the transit seal unseals it by
    itself), and one site.yml run hands the agent a new secret ID. The agent, never
    restarted, logs in again by itself with the new one; the app never fails, and the file
    keeps changing with each refresh."""
    sampler = Sampler(host, scenario)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(sampler.tokens) >= 2, 60, "a refresh before the restart", host)
        role = f"auth/approle/role/{AGENT}"
        for accessor in vault.list(f"{role}/secret-id")["data"]["keys"]:
            vault.write(f"{role}/secret-id-accessor/destroy", secret_id_accessor=accessor)
        host.check_output(f"systemctl restart {SERVICE}")
        wait_for(lambda: serving(scenario), 60, "the restarted server to unseal itself")
        # Until site.yml has written the new secret ID, the agent's logins fail (and the server
        # locks its role ID out); its last token stays in the file, with minutes to live.
        converged = scenario.playbook("site.yml")
        assert converged.returncode == 0, converged.stdout[-5000:]
        # The agent's new secret ID, nothing else.
        changed = changed_tasks(converged.stdout)
        assert changed == set(EXPECTED_CHANGES), converged.stdout[-5000:]
        done, before = time.time(), token_in_file(host)
        wait_for(lambda: logins_since(host, done), 60, "a login with the new secret ID", host)
        wait_for(lambda: token_in_file(host) != before, 60, "a new token after the login", host)
        # The app reads that new token too (the sampler runs every few seconds).
        wait_for(lambda: len(sampler.tokens) >= 3, 30, "the app reading the new token", host)
    finally:
        sampler.stop.set()
        thread.join()
    failures = [result for result in sampler.results if result[1] != 0]
    assert not failures, failures
    assert len(sampler.results) >= 20
    assert len(sampler.tokens) >= 3, "the file changed after each refresh"
    # The command after each render ran, in the agent's sandbox.
    assert host.file(f"{RENDER_DIR}/rendered").exists


EXPECTED_CHANGES = ("role-id and secret-id files",)


def changed_tasks(output: str) -> set[str]:
    """The tasks of a playbook run that changed something: the unseal and the agent's IDs by
    those words, any other by its full name (the transit seal leaves no unseal to the run)."""
    found = set()
    for block in re.split(r"^TASK \[", output, flags=re.M)[1:]:
        if re.search(r"^changed: \[", block, flags=re.M):
            name = block.split("]", 1)[0]
            known = [key for key in EXPECTED_CHANGES if key in name.lower()]
            found.add(known[0] if known else name)
    return found


def serving(scenario) -> bool:
    """Whether the server answers, unsealed (a restarted one may not answer yet)."""
    try:
        status = seal_status(scenario.api_url, scenario.ca)
    except (requests.ConnectionError, ValueError):
        return False
    return status.get("sealed") is False


def test_the_agent_never_met_a_wrapping_token_of_another_path(host, agent):
    journal = host.run(f"journalctl --no-pager -o cat -u {AGENT}.service").stdout
    assert "SECURITY" not in journal
