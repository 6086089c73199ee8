"""Task tags per stage: `--tags <stage>` runs that stage's tasks and what they need (the
argument checks, the role's input checks and its Vault API connection), nothing else."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# The task files (task name prefixes) each stage runs, beyond argument checks, the connection
# and the logout of the role's own login token.
STAGES = {
    "oauthapp_plugin": {
        "oauthapp_plugin": {"assert", "download", "register", "prune_versions"},
        "oauthapp_webex": {"assert"},
    },
    "oauthapp_engine": {"oauthapp_webex": {"assert", "mount", "config"}},
    "oauthapp_server": {"oauthapp_webex": {"assert", "server"}},
    "oauthapp_access": {"oauthapp_webex": {"assert_app_access", "app_access"}},
    "oauthapp_agent": {"oauthapp_agent": {"assert", "install", "identity", "service", "process"}},
}
TASK = re.compile(r"^\s+(?:webex_vault\.oauthapp\.)?(\w+) : (.+?)\tTAGS: \[(.*)\]$")


def agent_play_include() -> dict:
    """The one task of playbooks/agent.yml: an include of the role (a run without agent hosts
    does not even load it), which `--list-tasks` cannot look into."""
    (play,) = yaml.safe_load((REPO / "playbooks" / "agent.yml").read_text(encoding="utf-8"))
    (task,) = play["tasks"]
    assert task["ansible.builtin.include_role"] == {"name": "webex_vault.oauthapp.oauthapp_agent"}
    return task


def listed(*args: str) -> list[tuple[str, str, set[str]]]:
    """site.yml's tasks, and the agent role's as if playbooks/agent.yml imported it, with the
    tags of its include."""
    playbook = [
        {"ansible.builtin.import_playbook": str(REPO / "site.yml")},
        {
            "name": "The agent play, imported",
            "hosts": "oauthapp_agents",
            "gather_facts": False,
            "tasks": [
                {
                    "ansible.builtin.import_role": {"name": "webex_vault.oauthapp.oauthapp_agent"},
                    "tags": agent_play_include()["tags"],
                }
            ],
        },
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", dir=REPO / ".local") as listing:
        listing.write(json.dumps(playbook))
        listing.flush()
        return tasks_of(listing.name, *args)


def tasks_of(playbook: str, *args: str) -> list[tuple[str, str, set[str]]]:
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), playbook, "--list-tasks", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    tasks = []
    for line in result.stdout.splitlines():
        match = TASK.match(line)
        if match:
            role, name, tags = match.groups()
            tasks.append((role, name, {tag.strip() for tag in tags.split(",")}))
    return tasks


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_tag_selects_only_that_stage(stage):
    tasks = [task for task in listed("--tags", stage) if "always" not in task[2]]
    files: dict[str, set[str]] = {}
    for role, name, tags in tasks:
        assert stage in tags, (role, name, tags)
        prefix = name.split(" | ")[0] if " | " in name else ""
        if prefix not in ("connection", "logout"):
            files.setdefault(role, set()).add(prefix)
    # Tasks of main.yml carry no file prefix: the one that imports register.yml, and the one
    # that leaves the API writes of a cluster to its active node.
    for role_files in files.values():
        role_files.discard("")
    assert files == STAGES[stage]
    # Every stage that calls the API passes the role's health gate and credential check first.
    assert any(
        name.startswith("connection | Log in, and stop unless the server serves and accepts")
        for _, name, _ in tasks
    )


def test_every_role_task_has_a_stage_or_is_the_server():
    """No oauthapp task escapes the stage tags (else `--tags` would silently skip it)."""
    for role, name, tags in listed():
        if role.startswith("oauthapp_") and "always" not in tags:
            assert tags & set(STAGES), (role, name, tags)


def test_the_agent_play_includes_its_role_under_the_stage_tag():
    assert agent_play_include()["tags"] == ["oauthapp_agent"]
