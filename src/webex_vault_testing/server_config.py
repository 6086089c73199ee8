"""vault_server's checks and server.hcl template run offline (tests/playbooks/cluster_config.yml)
for an inventory of local hosts in service mode: nothing is installed or started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from webex_vault_testing.base import BIN, REPO

PLAYBOOK = REPO / "tests" / "playbooks" / "cluster_config.yml"


def render_server_config(
    folder: Path,
    hosts: dict[str, dict[str, Any]],
    group_vars: dict[str, Any],
    env: dict[str, str] | None = None,
    timeout: int = 300,
) -> subprocess.CompletedProcess[str]:
    """Run the playbook for `hosts` (each a host's variables; webex_vault_node_config names the
    file its server.hcl goes to) with the service-mode group variables every case shares, then
    `group_vars`; an empty file in `folder` stands in for the server binary."""
    binary = folder / "bao"
    binary.write_text("")
    inventory = {
        "all": {
            "children": {
                "vault_servers": {
                    "hosts": hosts,
                    "vars": {
                        "ansible_connection": "local",
                        "ansible_python_interpreter": sys.executable,
                        "vault_server_mode": "service",
                        "vault_server_binary_src": str(binary),
                        "vault_server_user": "nobody",
                        "vault_server_group": "nogroup",
                        "vault_server_data_dir": "/var/lib/openbao",
                        **group_vars,
                    },
                }
            }
        }
    }
    inventory_file = folder / "hosts.json"
    inventory_file.write_text(json.dumps(inventory))
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory_file), str(PLAYBOOK)],
        cwd=REPO,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
