"""A 3-node Raft cluster brought up by the vault_server role's init/join/unseal steps and
provisioned by site.yml, on server processes on loopback (webex_vault_testing.raft_cluster):
init exactly once, every node joined and unsealed with the same keys, the plugin on every node,
API writes once through the active node, standbys healthy, and the leader's loss survived.

The same role on systemd hosts, with TLS and the rolling restart, is molecule/cluster."""

from __future__ import annotations

import hashlib
import re
import signal
import time
from pathlib import Path

import pytest
import requests

import webex_vault
from webex_vault_testing import (
    PLUGIN_RELEASES,
    REDIRECT_URL,
    SERVERS,
    authorize,
    build_plugin,
    free_port,
)
from webex_vault_testing.raft_cluster import PLAYBOOKS, LoopbackCluster, Node

pytestmark = pytest.mark.integration

MOUNT = "oauthapp"
SERVER = "webex-myapp"
# Seconds an access token lives in the refresh test (as in test_chain.py).
LIFETIME = 13
# The plugin versions of the version change test: the one the cluster runs, and an older one
# (puppetlabs on both servers: the openbao fork has one release to build here).
DISTRIBUTION = "puppetlabs"
NEW = PLUGIN_RELEASES[DISTRIBUTION]["default_version"]
OLD = "3.0.0"
BINARY = PLUGIN_RELEASES[DISTRIBUTION]["binary_name"]


def recap_hosts(output: str) -> dict[str, dict[str, int]]:
    """The PLAY RECAP counters of every host."""
    hosts = {
        host: {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", counters)}
        for host, counters in re.findall(r"^(\S+)\s+:\s+(ok=\d+.*)$", output, re.MULTILINE)
    }
    assert hosts, f"no PLAY RECAP in:\n{output[-3000:]}"
    return hosts


def failure(output: str) -> str:
    """The part of a playbook's output around its first failure (or its end)."""
    index = output.find("fatal: [")
    return output[max(index - 2000, 0) : index + 3000] if index >= 0 else output[-5000:]


def changed_tasks(output: str) -> set[str]:
    """The names (without the role) of the tasks that changed something on some host."""
    blocks = re.split(r"^TASK \[", output, flags=re.M)[1:]
    return {
        block.split("]", 1)[0].split(" : ", 1)[-1]
        for block in blocks
        if re.search(r"^changed: \[", block, re.M)
    }


def changed(output: str) -> int:
    return sum(counters["changed"] for counters in recap_hosts(output).values())


@pytest.fixture(scope="module", params=SERVERS)
def cluster(request, tmp_path_factory, plugin_mirror, emulator):
    """Three nodes, initialised, joined and unsealed by the role, then site.yml."""
    built = LoopbackCluster(
        tmp_path_factory.mktemp(f"cluster-{request.param}"),
        server=request.param,
        distribution=DISTRIBUTION,
        mirror_port=int(plugin_mirror.rsplit(":", 1)[1]),
        emulator=emulator,
        extra_vars={"oauthapp_webex_tuning": {"tune_refresh_check_interval_seconds": 2}},
    )
    configured = built.configure()
    assert configured.returncode == 0, configured.stdout[-5000:]
    try:
        for node in built.nodes:
            built.start(node)
        built.first_unseal = built.unseal()
        assert built.first_unseal.returncode == 0, failure(built.first_unseal.stdout)
        built.first_site = built.playbook("site.yml")
        assert built.first_site.returncode == 0, failure(built.first_site.stdout)
        yield built
    finally:
        built.stop_all()


def test_the_configuration_joins_every_other_node(cluster):
    for node in cluster.nodes:
        config = node.config_file.read_text()
        joined = re.findall(r'leader_api_addr = "([^"]+)"', config)
        assert sorted(joined) == sorted(n.api_url for n in cluster.nodes if n is not node)
        assert f'node_id = "{node.name}"' in config


def test_init_happens_once_and_every_node_is_unsealed_with_the_same_keys(cluster):
    output = cluster.first_unseal.stdout
    hosts = recap_hosts(output)
    # Init (sys/init + the init file) on the first node only; every node gives its keys.
    for name in ("init | Initialise the server]", "init | Write the unseal keys and root token]"):
        assert re.findall(r"changed: \[(node\d)\]", _task(output, name)) == ["node1"], name
    unsealed = re.findall(r"changed: \[(node\d)\]", _tasks(output, "unseal_keys | Give as many"))
    assert sorted(unsealed) == ["node1", "node2", "node3"]
    assert all(counters["failed"] == 0 for counters in hosts.values())
    statuses = sorted(node.health() for node in cluster.nodes)
    assert statuses == [200, 429, 429]
    leader = cluster.leader()
    servers = cluster.wait_voters(leader, 3)
    assert sorted(s["node_id"] for s in servers if s["voter"]) == ["node1", "node2", "node3"]


def test_a_second_run_changes_nothing(cluster):
    again = cluster.unseal()
    assert again.returncode == 0, again.stdout[-5000:]
    assert changed(again.stdout) == 0, again.stdout[-5000:]
    site = cluster.playbook("site.yml")
    assert site.returncode == 0, site.stdout[-8000:]
    assert changed(site.stdout) == 0, site.stdout[-8000:]


def test_the_plugin_is_on_every_node_with_the_catalog_sha256(cluster):
    leader = cluster.leader()
    client = cluster.client(leader)
    mount = client.sys.read_mount_configuration(MOUNT)["data"]
    catalog = client.read(f"sys/plugins/catalog/secret/{MOUNT}?version={mount['plugin_version']}")[
        "data"
    ]
    for node in cluster.nodes:
        binary = node.plugin_dir / catalog["command"]
        assert hashlib.sha256(binary.read_bytes()).hexdigest() == catalog["sha256"], node.name


def test_api_writes_go_through_the_active_node_only(cluster):
    """Only the active host runs the engine's tasks; the standbys stop after the binary."""
    leader = cluster.leader()
    output = cluster.first_site.stdout
    registered = re.findall(
        r"(?:ok|changed): \[(node\d)[^\]]*\]",
        _task(output, "register | Register the binary in the catalog"),
    )
    assert registered == [leader.name]
    install = "download | Download, verify, unpack and install the plugin binary"
    installed = re.findall(r"(?:ok|changed): \[(node\d)\]", _task(output, install))
    assert sorted(set(installed)) == ["node1", "node2", "node3"]


def test_a_task_after_each_role_runs_on_every_node(cluster):
    """The caller's play goes on on every node after each role: the roles make their API writes
    through the active node by conditions, and never end the play for a standby."""
    run = cluster.playbook(PLAYBOOKS / "callers_play.yml")
    assert run.returncode == 0, failure(run.stdout)
    for step in ("vault_server", "oauthapp_plugin", "oauthapp_webex", "app_access", "prune"):
        ran = sorted(re.findall(rf"after {step} on (node\d)", run.stdout))
        assert ran == ["node1", "node2", "node3"], (step, ran)
    assert changed(run.stdout) == 0, run.stdout[-8000:]


def _task(output: str, name: str) -> str:
    """The output of the first task whose header contains name."""
    start = output.index(name)
    end = output.find("\nTASK [", start)
    return output[start:end]


def _tasks(output: str, name: str) -> str:
    """The output of every task whose header contains name."""
    blocks = re.split(r"^TASK \[", output, flags=re.M)[1:]
    return "\n".join(block for block in blocks if name in block.split("]", 1)[0])


def test_the_oauth_flow_works_through_a_standby(cluster, emulator):
    leader = cluster.leader()
    standby = next(n for n in cluster.nodes if n is not leader)
    assert standby.health() == 429
    client = cluster.client(standby)
    authorize(
        client,
        mount=MOUNT,
        server=SERVER,
        credential="through-standby",
        redirect_url=REDIRECT_URL,
        scopes=["spark:people_read"],
    )
    token = webex_vault.read_credential(client, MOUNT, "through-standby").access_token
    assert emulator.people_me(token).status_code == 200


def test_the_health_gate_refuses_a_sealed_node(cluster):
    leader = cluster.leader()
    sealed = next(n for n in cluster.nodes if n is not leader)
    # A standby cannot be sealed through the API; restarted, it comes back sealed.
    cluster.stop(sealed, signal.SIGTERM)
    cluster.start(sealed)
    try:
        assert sealed.health() == 503
        refused = cluster.playbook("playbooks/app_access.yml")
        assert refused.returncode != 0
        assert f"The server at {sealed.api_url} is sealed" in " ".join(refused.stdout.split())
    finally:
        unsealed = cluster.unseal()
        assert unsealed.returncode == 0, unsealed.stdout[-5000:]
    assert sealed.health() == 429


def plugin_processes(node) -> list[str]:
    """The executables of the plugin processes that this node's server runs (its children)."""
    names = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")[0].decode()
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        if parent == node.process.pid and Path(command).name.startswith(BINARY):
            names.append(Path(command).name)
    return sorted(names)


def running_version(cluster, node) -> str:
    mount = cluster.client(node).read(f"sys/mounts/{MOUNT}")["data"]
    assert mount["running_plugin_version"] == mount["plugin_version"]
    return str(mount["running_plugin_version"])


def test_a_plugin_version_change_runs_on_the_active_node_and_every_node_has_its_binary(cluster):
    """site.yml puts the binary on every node, then registers, tunes and reloads the mount
    through the active node (a plain reload: neither server does a cluster-wide one,
    docs/cluster.md). Only the active node runs the plugin: the standbys (no standby reads) run
    none, so there is nothing to reload on them; a node that takes over starts the mount from
    the catalog (test_leader_loss). Old binaries go from every node, not just the active one."""
    build_plugin(DISTRIBUTION, OLD)
    for version, args in ((OLD, ["-e", f"oauthapp_plugin_version={OLD}"]), (NEW, [])):
        run = cluster.playbook("site.yml", *args)
        assert run.returncode == 0, failure(run.stdout)
        assert "mount | Reload the engine" in run.stdout
        leader = cluster.leader()
        assert running_version(cluster, leader) == f"v{version}"
        assert plugin_processes(leader) == [f"{BINARY}-v{version}"]
        for node in cluster.nodes:
            assert sorted(p.name for p in node.plugin_dir.iterdir()) == [f"{BINARY}-v{version}"]
            if node is not leader:
                assert plugin_processes(node) == [], node.name
    again = cluster.playbook("site.yml")
    assert changed(again.stdout) == 0, again.stdout[-8000:]


def readable(client, name: str) -> bool:
    return bool(webex_vault.read_credential(client, MOUNT, name).access_token)


def refresh_grants(emulator) -> int:
    return emulator.stats()["grant_types"].get("refresh_token", 0)


def test_leader_loss(cluster, emulator, emulator_settings):
    """Kill the leader: another node leads, credentials still read, the plugin refreshes on the
    new leader by itself, nothing is lost; the role brings the killed node back."""
    # Tokens that the plugin must refresh within seconds (it counts one with 10 s or less left
    # as expired; the test stack checks every 2 s).
    emulator_settings(access_token_lifetime=LIFETIME)
    leader = cluster.leader()
    client = cluster.client(next(n for n in cluster.nodes if n is not leader))
    authorize(
        client,
        mount=MOUNT,
        server=SERVER,
        credential="survives",
        redirect_url=REDIRECT_URL,
        scopes=["spark:people_read"],
    )
    # The engine cannot list credentials: every one made in this module must still read.
    names = ["through-standby", "survives"]
    assert all(readable(client, name) for name in names)
    token_before = webex_vault.read_credential(client, MOUNT, "survives").access_token

    cluster.stop(leader, signal.SIGKILL)
    grants = refresh_grants(emulator)
    new_leader = cluster.leader(timeout=60)
    assert new_leader is not leader
    survivor = cluster.client(new_leader)
    assert (
        emulator.people_me(
            webex_vault.read_credential(survivor, MOUNT, "survives").access_token
        ).status_code
        == 200
    )
    # The new leader started the engine from the catalog: the upgraded version, with no reload.
    assert running_version(cluster, new_leader) == f"v{NEW}"
    assert plugin_processes(new_leader) == [f"{BINARY}-v{NEW}"]

    # Nobody reads it: the plugin on the new leader refreshes it in the background.
    deadline = time.monotonic() + LIFETIME + 30
    while refresh_grants(emulator) <= grants and time.monotonic() < deadline:
        time.sleep(0.5)
    assert refresh_grants(emulator) > grants
    token = webex_vault.read_credential(survivor, MOUNT, "survives").access_token
    assert token != token_before
    assert emulator.people_me(token).status_code == 200
    assert all(readable(survivor, name) for name in names)

    # The node comes back sealed; the role unseals it and it rejoins as a standby.
    cluster.start(leader)
    assert requests.get(f"{leader.api_url}/v1/sys/seal-status", timeout=5).json()["sealed"]
    back = cluster.unseal()
    assert back.returncode == 0, back.stdout[-5000:]
    assert changed(back.stdout) > 0
    assert leader.health() == 429
    assert sum(1 for s in cluster.wait_voters(new_leader, 3) if s["voter"]) == 3
    assert changed(cluster.unseal().stdout) == 0


def test_removing_a_node_and_adding_a_new_one(cluster):
    """docs/cluster.md: a node taken out with remove-peer (through another node) and out of the
    inventory leaves two voters that serve on, whose configurations no longer join it; site.yml
    on them changes nothing. A new node (empty data) added to the inventory joins through the
    role's join and unseal steps, becomes a voter and gets the plugin from site.yml. The
    harness does not restart the remaining nodes for their new retry_join blocks (no systemd);
    the rolling restart is molecule/cluster's."""
    leader = cluster.leader()
    removed, other = (n for n in cluster.nodes if n is not leader)
    cluster.client(other).sys.remove_raft_node(removed.name)
    cluster.stop(removed, signal.SIGTERM)
    cluster.nodes.remove(removed)
    servers = cluster.peers(leader)
    assert sorted(s["node_id"] for s in servers) == sorted(n.name for n in cluster.nodes)
    assert all(s["voter"] for s in servers)
    cluster.write_inventory()
    configured = cluster.configure()
    assert configured.returncode == 0, failure(configured.stdout)
    for node in cluster.nodes:
        assert removed.api_url not in node.config_file.read_text()
    shrunk = cluster.playbook("site.yml")
    assert shrunk.returncode == 0, failure(shrunk.stdout)
    # Only the samples' settings files may change: they name the active node, which changed
    # in test_leader_loss, after the last site.yml.
    assert changed_tasks(shrunk.stdout) <= {
        "app_access | Write each sample's policy, AppRole role and settings file"
    }
    assert f"VAULT_ADDR={leader.api_url}\n" in cluster.cli_env_file.read_text()
    assert readable(cluster.client(cluster.leader()), "survives")

    folder = cluster.work_dir / "node4"
    (folder / "raft").mkdir(parents=True)
    (folder / "plugins").mkdir(mode=0o750)
    added = Node("node4", free_port(), free_port(), folder)
    cluster.nodes.append(added)
    cluster.write_inventory()
    configured = cluster.configure()
    assert configured.returncode == 0, failure(configured.stdout)
    for node in cluster.nodes:
        if node is not added:
            assert added.api_url in node.config_file.read_text()
    cluster.start(added)
    joined = cluster.unseal()
    assert joined.returncode == 0, failure(joined.stdout)
    assert added.health() == 429
    voters = cluster.wait_voters(cluster.leader(), 3)
    assert sorted(s["node_id"] for s in voters if s["voter"]) == sorted(
        n.name for n in cluster.nodes
    )
    grown = cluster.playbook("site.yml")
    assert grown.returncode == 0, failure(grown.stdout)
    assert [p.name for p in added.plugin_dir.iterdir()] == [f"{BINARY}-v{NEW}"]
    assert readable(cluster.client(added), "survives")
