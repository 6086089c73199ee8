"""What `make demo` runs after the CLI sample: the agent of the credential people-me on the dev
server, as a background process (inventory/local/agent.yml, no systemd), and the shell sample
reading the token file it keeps. The systemd unit, rotation and restarts: molecule/default."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import pytest

from webex_vault_testing import BIN, REDIRECT_URL, REPO, authorize, recap

pytestmark = pytest.mark.integration

CREDENTIAL = "people-me"


def agent_playbook(stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            "inventory/local/hosts.yml",
            "-i",
            "inventory/local/agent.yml",
            "playbooks/agent.yml",
            "-e",
            f"@{stack.vars_file}",
            *args,
        ],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def demo_agent(stack):
    client = stack.client()
    if not client.read(f"oauthapp/creds/{CREDENTIAL}"):
        authorize(
            client,
            mount="oauthapp",
            server="webex-myapp",
            credential=CREDENTIAL,
            redirect_url=REDIRECT_URL,
            scopes=["spark:people_read"],
        )
    yield stack.local_dir / "agent"
    pid_file = stack.local_dir / "agent" / "state" / "agent.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)


def test_the_demo_agent_keeps_a_token_file_that_the_shell_sample_uses(stack, emulator, demo_agent):
    first = agent_playbook(stack)
    assert first.returncode == 0, first.stdout[-5000:]

    token_file = demo_agent / "run" / "people-me.token"
    deadline = time.monotonic() + 60
    while not (token_file.exists() and token_file.stat().st_size):
        assert time.monotonic() < deadline, (demo_agent / "state" / "agent.log").read_text()[-3000:]
        time.sleep(0.5)
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert (demo_agent / "run" / "people-me.env").read_text() == (
        f"WEBEX_ACCESS_TOKEN={token_file.read_text()}\n"
    )
    shown = subprocess.run(
        [str(REPO / "samples" / "people_me.sh"), str(token_file)],
        env={**os.environ, "WEBEX_API_BASE_URL": f"{emulator.base_url}/v1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "User displayName: Demo User"

    again = agent_playbook(stack)
    assert again.returncode == 0, again.stdout[-5000:]
    assert recap(again.stdout)["changed"] == 0, again.stdout[-5000:]
