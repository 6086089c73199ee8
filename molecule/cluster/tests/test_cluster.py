"""The cluster scenario: three OpenBao nodes (systemd, TLS, Raft) provisioned by site.yml.

The order matters: the last tests stop the leader and run site.yml again to bring it back."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass

import hvac
import pytest
import requests

import webex_vault
from webex_vault_testing.molecule import (
    CATALOG,
    CONFIG_FILE,
    MOUNT,
    PLUGIN_DIR,
    SERVICE,
    Scenario,
    recap,
)

NODES = {f"wv-molecule-cluster-{i}": (8240 + i, 8250 + i) for i in (1, 2, 3)}
# Seconds an access token lives in the leader-loss test: the plugin counts a token with 10 s
# or less left as expired, and the scenario checks for refreshes every 2 s.
LIFETIME = 13
# The credentials the tests made, in order (the engine cannot list them).
CREDENTIALS: list[str] = []


@dataclass(frozen=True)
class Node:
    name: str
    api_port: int
    cluster_port: int

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.api_port}"

    def run(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker", "exec", self.name, *argv], capture_output=True, text=True, timeout=60
        )


@pytest.fixture(scope="session")
def nodes() -> list[Node]:
    return [Node(name, *ports) for name, ports in NODES.items()]


@pytest.fixture(scope="session")
def ca(scenario: Scenario) -> str:
    return str(scenario.state_dir / "tls" / "ca.crt")


@pytest.fixture(scope="session")
def cluster(scenario: Scenario, nodes, ca):
    """The nodes, with a break-glass root token (the role revoked init's) made from the unseal
    keys through the active node, revoked at the end."""
    cluster = Cluster(nodes, ca, token="")
    cluster.token = scenario.generate_root(cluster.leader().url, ca)
    yield cluster
    cluster.client(cluster.leader()).auth.token.revoke_self()


class Cluster:
    def __init__(self, nodes: list[Node], ca: str, token: str) -> None:
        self.nodes, self.ca, self.token = nodes, ca, token

    def client(self, node: Node) -> hvac.Client:
        return hvac.Client(url=node.url, token=self.token, verify=self.ca, timeout=30)

    def health(self, node: Node) -> int:
        try:
            return requests.get(f"{node.url}/v1/sys/health", verify=self.ca, timeout=3).status_code
        except requests.RequestException:
            return 0

    def leader(self, among: list[Node] | None = None, timeout: float = 60) -> Node:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node in among or self.nodes:
                if self.health(node) == 200:
                    return node
            time.sleep(0.2)
        raise AssertionError("no active node")

    def standbys(self) -> list[Node]:
        return [node for node in self.nodes if self.health(node) == 429]

    def servers(self, via: Node) -> list[dict]:
        return self.client(via).sys.read_raft_config()["data"]["config"]["servers"]

    def wait_voters(self, count: int, timeout: float = 90) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            servers = self.servers(self.leader())
            if sum(1 for s in servers if s["voter"]) == count or time.monotonic() > deadline:
                return servers
            time.sleep(1)


def emulator_settings(scenario: Scenario, **settings) -> dict:
    response = requests.post(
        f"{scenario.emulator_url}/_emulator/settings", json=settings, timeout=10
    )
    response.raise_for_status()
    return response.json()


def readable(client: hvac.Client, name: str) -> bool:
    return bool(webex_vault.read_credential(client, MOUNT, name).access_token)


def refresh_grants(scenario: Scenario) -> int:
    return scenario.emulator_stats()["grant_types"].get("refresh_token", 0)


def test_three_voters_and_one_leader(cluster):
    servers = cluster.wait_voters(3)
    assert sorted(s["node_id"] for s in servers if s["voter"]) == sorted(NODES)
    assert sum(1 for s in servers if s["leader"]) == 1
    assert sorted(cluster.health(node) for node in cluster.nodes) == [200, 429, 429]


def test_no_root_token_survives_setup_and_the_admin_identity_logs_in_everywhere(
    scenario, cluster, nodes, ca
):
    """The role set up the admin identity once, through the active node, then revoked init's
    root token: every node refuses it, and the admin identity logs in through every node."""
    for node in nodes:
        refused = requests.get(
            f"{node.url}/v1/auth/token/lookup-self",
            headers={"X-Vault-Token": scenario.init_document()["root_token"]},
            verify=ca,
            timeout=10,
        )
        assert refused.status_code == 403, node.name
        admin = hvac.Client(url=node.url, token=scenario.admin_token(node.url, ca), verify=ca)
        assert admin.auth.token.lookup_self()["data"]["policies"] == ["webex-vault-admin"]
        admin.auth.token.revoke_self()
    # Set up once: one secret_id, the one in the admin file.
    listed = cluster.client(cluster.leader()).list("auth/approle/role/webex-vault-admin/secret-id")
    assert listed["data"]["keys"] == [scenario.admin_document()["secret_id_accessor"]]


def test_every_api_listener_is_tls_with_the_test_ca(cluster, nodes):
    for node in nodes:
        config = node.run("cat", CONFIG_FILE).stdout
        assert 'tls_cert_file   = "/etc/openbao/tls/server.crt"' in config
        joined = re.findall(r'leader_api_addr = "([^"]+)"', config)
        assert sorted(joined) == sorted(n.url for n in nodes if n is not node)
        assert config.count('leader_ca_cert_file = "/etc/openbao/tls/ca.crt"') == 2
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{node.url}/v1/sys/health", timeout=5)  # not the system's CAs
        plain = requests.get(f"http://127.0.0.1:{node.api_port}/v1/sys/health", timeout=5)
        assert plain.status_code == 400
        assert "HTTP request to an HTTPS server" in plain.text


def test_the_plugin_is_on_every_node_with_the_catalog_sha256(cluster, nodes):
    client = cluster.client(cluster.leader())
    mount = client.sys.read_mount_configuration(MOUNT)["data"]
    catalog = client.read(f"{CATALOG}?version={mount['plugin_version']}")["data"]
    for node in nodes:
        on_disk = node.run("sha256sum", f"{PLUGIN_DIR}/{catalog['command']}").stdout.split()[0]
        assert on_disk == catalog["sha256"], node.name


def test_the_samples_settings_name_the_ca(scenario, ca):
    for env_file in ("cli.env", "web.env"):
        assert f"VAULT_CACERT={ca}\n" in (scenario.state_dir / env_file).read_text()


def test_the_oauth_flow_works_through_a_standby(scenario, cluster):
    standby = cluster.standbys()[0]
    client = cluster.client(standby)
    name = scenario.authorize(client, "standby")
    CREDENTIALS.append(name)
    credential = webex_vault.read_credential(client, MOUNT, name)
    assert scenario.people_me(credential.access_token)["displayName"] == "Demo User"


def test_a_configuration_change_restarts_one_node_at_a_time(scenario, cluster):
    leader = cluster.leader()
    changed = scenario.playbook("playbooks/server.yml", "-e", "vault_server_log_level=debug")
    assert changed.returncode == 0, changed.stdout[-5000:]
    # Handler steps print as RUNNING HANDLER [...]; each block runs until the next header.
    restarts = re.findall(
        r"RUNNING HANDLER \[(?:webex_vault\.oauthapp\.)?vault_server : "
        r"restart \| Restart the server\][^\n]*\n"
        r"((?:(?!TASK|RUNNING HANDLER).*\n)*)",
        changed.stdout,
    )
    restarted = [re.findall(r"^changed: \[(\S+)\]", block, re.M) for block in restarts]
    # One node per restart step, every node once, the active node last.
    assert sorted(map(len, restarted)) == [1, 1, 1], changed.stdout[-5000:]
    assert sorted(names[0] for names in restarted) == sorted(NODES)
    assert restarted[-1] == [leader.name]
    assert cluster.wait_voters(3)
    back = scenario.playbook("playbooks/server.yml")
    assert back.returncode == 0, back.stdout[-5000:]
    assert sum(1 for s in cluster.wait_voters(3) if s["voter"]) == 3


def test_leader_loss(scenario, cluster):
    """Kill the leader's process and stop its service: another node leads, credentials still
    read, the plugin on the new leader refreshes a token by itself, nothing is lost."""
    original = requests.get(f"{scenario.emulator_url}/_emulator/settings", timeout=10).json()
    emulator_settings(scenario, access_token_lifetime=LIFETIME)
    try:
        leader = cluster.leader()
        survivors = [node for node in cluster.nodes if node is not leader]
        client = cluster.client(survivors[0])
        name = scenario.authorize(client, "failover")
        # The engine cannot list credentials: every one made in this run must still read.
        CREDENTIALS.append(name)
        assert all(readable(client, made) for made in CREDENTIALS)
        token_before = webex_vault.read_credential(client, MOUNT, name).access_token

        pid = leader.run("systemctl", "show", "-P", "MainPID", f"{SERVICE}.service").stdout.strip()
        assert int(pid) > 0
        killed = leader.run("systemctl", "kill", "--signal=SIGKILL", f"{SERVICE}.service")
        assert killed.returncode == 0, killed.stderr
        leader.run("systemctl", "stop", f"{SERVICE}.service")
        assert leader.run("kill", "-0", pid).returncode != 0  # the process is gone
        grants = refresh_grants(scenario)

        new_leader = cluster.leader(among=survivors)
        survivor = cluster.client(new_leader)
        token = webex_vault.read_credential(survivor, MOUNT, name).access_token
        assert scenario.people_me(token)["displayName"] == "Demo User"

        deadline = time.monotonic() + LIFETIME + 30
        while refresh_grants(scenario) <= grants and time.monotonic() < deadline:
            time.sleep(0.5)
        assert refresh_grants(scenario) > grants
        token = webex_vault.read_credential(survivor, MOUNT, name).access_token
        assert token != token_before
        assert scenario.people_me(token)["displayName"] == "Demo User"
        assert all(readable(survivor, made) for made in CREDENTIALS)
    finally:
        emulator_settings(scenario, access_token_lifetime=original["access_token_lifetime"])

    # site.yml starts the stopped node; the role unseals it and it rejoins.
    rerun = scenario.playbook("site.yml")
    assert rerun.returncode == 0, rerun.stdout[-5000:]
    assert leader.run("systemctl", "is-active", f"{SERVICE}.service").stdout.strip() == "active"
    assert cluster.health(leader) == 429
    assert sum(1 for s in cluster.wait_voters(3) if s["voter"]) == 3
    again = scenario.playbook("site.yml")
    assert again.returncode == 0, again.stdout[-5000:]
    assert recap(again.stdout)["changed"] == 0, again.stdout[-5000:]
