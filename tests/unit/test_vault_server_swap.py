"""vault_server warns when swap is on and the server's memory is not locked (OpenBao never
locks it; Vault does not with vault_server_disable_mlock), and stays quiet otherwise.

The role's own swap check runs against a swaps file written here in the kernel's format.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
SWAP_AREA = "/swapfile                               file\t\t2097148\t\t0\t\t-2\n"
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: webex_vault.oauthapp.vault_server
        tasks_from: swap
"""
WARNING = "WARNING: swap is on on localhost"


def swap_check_output(tmp_path: Path, swaps: str, **role_vars) -> str:
    swaps_file = tmp_path / "swaps"
    swaps_file.write_text(swaps)
    playbook = tmp_path / "swap.yml"
    playbook.write_text(PLAYBOOK)
    extra = {"_vault_server_swaps_file": str(swaps_file), **role_vars}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            str(playbook),
            "-e",
            json.dumps(extra),
        ],
        cwd=REPO,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("role_vars", "reason"),
    [
        ({"vault_server_binary": "bao"}, "OpenBao never locks its memory"),
        (
            {"vault_server_binary": "vault", "vault_server_disable_mlock": True},
            "vault_server_disable_mlock is true",
        ),
    ],
)
def test_swap_on_and_memory_not_locked_warns(tmp_path, role_vars, reason):
    output = swap_check_output(tmp_path, HEADER + SWAP_AREA, **role_vars)
    assert WARNING in output
    assert reason in output


@pytest.mark.parametrize(
    ("swaps", "role_vars"),
    [
        (HEADER, {"vault_server_binary": "bao"}),  # no swap area
        (HEADER + SWAP_AREA, {"vault_server_binary": "vault", "vault_server_disable_mlock": False}),
    ],
)
def test_no_warning_without_swap_or_with_locked_memory(tmp_path, swaps, role_vars):
    assert WARNING not in swap_check_output(tmp_path, swaps, **role_vars)
