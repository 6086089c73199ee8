"""Service mode requires TLS on the API listener (issue 20): during a restart any local user
who binds a plain-HTTP port first would receive the unseal keys and tokens the role sends.
Plain HTTP only with vault_server_tls_disable (loopback only), which the run warns about.

The role's checks and its server.hcl template run for a local inventory
(tests/playbooks/cluster_config.yml); nothing is started."""

from __future__ import annotations

from pathlib import Path

from test_vault_server_cluster import node, render

CERT = {
    "vault_server_tls_cert_file": "/etc/openbao/tls/server.crt",
    "vault_server_tls_key_file": "/etc/openbao/tls/server.key",
}


def test_service_mode_without_a_certificate_is_refused(tmp_path: Path) -> None:
    result = render(tmp_path, {"n1": node(8251)}, vault_server_tls_disable=False)

    assert result.returncode != 0
    assert "Service mode needs TLS on the API listener" in result.stdout
    assert "vault_server_tls_disable" in result.stdout
    assert not (tmp_path / "n1.hcl").exists()


def test_a_certificate_gives_an_https_api_address_and_a_tls_listener(tmp_path: Path) -> None:
    hosts = {"n1": {"vault_server_listen_address": "127.0.0.1:8252"}}
    result = render(tmp_path, hosts, **CERT)

    assert result.returncode == 0, result.stdout[-3000:]
    config = (tmp_path / "n1.hcl").read_text()
    assert 'api_addr     = "https://127.0.0.1:8252"' in config
    assert 'tls_cert_file   = "/etc/openbao/tls/server.crt"' in config
    assert "tls_disable" not in config


def test_plain_http_needs_the_opt_out_and_the_run_warns(tmp_path: Path) -> None:
    result = render(tmp_path, {"n1": node(8253)}, vault_server_tls_disable=True)

    assert result.returncode == 0, result.stdout[-3000:]
    assert "WARNING: vault_server_tls_disable is true" in result.stdout
    assert "tls_disable     = true" in (tmp_path / "n1.hcl").read_text()


def test_the_opt_out_with_a_certificate_is_refused(tmp_path: Path) -> None:
    result = render(tmp_path, {"n1": node(8254, "https")}, vault_server_tls_disable=True, **CERT)

    assert result.returncode != 0
    assert "Service mode needs TLS on the API listener" in result.stdout


def test_plain_http_is_still_loopback_only(tmp_path: Path) -> None:
    remote = {
        "vault_server_listen_address": "0.0.0.0:8255",
        "vault_server_api_addr": "http://10.0.0.5:8255",
    }
    result = render(tmp_path, {"n1": remote}, vault_server_tls_disable=True)

    assert result.returncode != 0
    assert "must be a loopback address" in result.stdout
