"""vault_server's cluster settings: each node's server.hcl joins every other node of
vault_server_cluster_group (retry_join, with the CA under TLS), a single node has no join, and
a cluster host without vault_server_api_addr is refused before anything is written.

The role's own checks and template run (tests/playbooks/cluster_config.yml) for an inventory
of local hosts; nothing is started."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from webex_vault_testing.server_config import render_server_config


def render(tmp_path: Path, hosts: dict[str, dict], **group_vars) -> subprocess.CompletedProcess:
    for name, host_vars in hosts.items():
        host_vars.setdefault("webex_vault_node_config", str(tmp_path / f"{name}.hcl"))
    # Plain HTTP on loopback, where no certificate is given.
    tls_disable = "vault_server_tls_cert_file" not in group_vars
    return render_server_config(
        tmp_path, hosts, {"vault_server_tls_disable": tls_disable, **group_vars}, timeout=180
    )


def node(port: int, scheme: str = "http") -> dict:
    return {
        "vault_server_listen_address": f"127.0.0.1:{port}",
        "vault_server_api_addr": f"{scheme}://127.0.0.1:{port}",
        "vault_server_cluster_listen_address": f"127.0.0.1:{port + 10}",
    }


def joined(config: str) -> list[str]:
    return re.findall(r'leader_api_addr = "([^"]+)"', config)


def test_each_node_joins_the_others(tmp_path):
    result = render(
        tmp_path,
        {"n1": node(8241), "n2": node(8242), "n3": node(8243)},
        vault_server_cluster_group="vault_servers",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    for name, others in {
        "n1": ["http://127.0.0.1:8242", "http://127.0.0.1:8243"],
        "n2": ["http://127.0.0.1:8241", "http://127.0.0.1:8243"],
        "n3": ["http://127.0.0.1:8241", "http://127.0.0.1:8242"],
    }.items():
        config = (tmp_path / f"{name}.hcl").read_text()
        assert joined(config) == others
        assert f'node_id = "{name}"' in config
        assert "leader_ca_cert_file" not in config
        # OpenBao standbys must not run a plugin's write (an authorization code exchange)
        # before forwarding it to the active node.
        assert "disable_standby_reads = true" in config


def test_under_tls_the_joins_check_the_ca(tmp_path):
    result = render(
        tmp_path,
        {"n1": node(8241, "https"), "n2": node(8242, "https")},
        vault_server_cluster_group="vault_servers",
        vault_server_tls_cert_file="/etc/openbao/tls/server.crt",
        vault_server_tls_key_file="/etc/openbao/tls/server.key",
        vault_server_tls_ca_file="/etc/openbao/tls/ca.crt",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    config = (tmp_path / "n1.hcl").read_text()
    assert joined(config) == ["https://127.0.0.1:8242"]
    assert config.count('leader_ca_cert_file = "/etc/openbao/tls/ca.crt"') == 1
    assert 'tls_cert_file   = "/etc/openbao/tls/server.crt"' in config


def test_without_a_cluster_group_nodes_stay_single(tmp_path):
    result = render(tmp_path, {"n1": node(8241), "n2": node(8242)})
    assert result.returncode == 0, result.stdout[-3000:]
    for name in ("n1", "n2"):
        config = (tmp_path / f"{name}.hcl").read_text()
        assert "retry_join" not in config
        assert "disable_standby_reads" not in config


def test_a_cluster_host_without_api_addr_is_refused(tmp_path):
    second = node(8242)
    del second["vault_server_api_addr"]
    result = render(
        tmp_path, {"n1": node(8241), "n2": second}, vault_server_cluster_group="vault_servers"
    )
    assert result.returncode != 0
    assert "must set vault_server_api_addr in the inventory" in " ".join(result.stdout.split())
    assert not (tmp_path / "n1.hcl").exists()
