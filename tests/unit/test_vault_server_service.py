"""vault_server's service-mode rules of issue 20, as the role's checks and server.hcl show them
(tests/playbooks/cluster_config.yml; nothing is started). One playbook run renders every case,
one inventory host per case, each with its own settings:

- TLS on the API listener is required; plain HTTP only with vault_server_tls_disable (loopback
  only), which the run warns about (during a restart any local user who binds a plain-HTTP
  port first would receive the unseal keys and tokens the role sends);
- the transit seal (auto-unseal) is configured without its token, which only a root-only
  environment file of the unit holds; a transit seal without a token, on plain HTTP to another
  host, or pointing at the server itself is refused;
- Shamir shares without PGP keys are warned about (one password opens them all);
- two file audit devices are declared; one device alone is warned about.

The Molecule scenarios default and vault run these settings for real on both servers."""

from __future__ import annotations

import json

import pytest

from webex_vault_testing.server_config import render_server_config

TOKEN = "s.seal-token-that-must-not-be-in-server-hcl"
CERT = {
    "vault_server_tls_cert_file": "/etc/openbao/tls/server.crt",
    "vault_server_tls_key_file": "/etc/openbao/tls/server.key",
}
TRANSIT = {
    "vault_server_seal": "transit",
    "vault_server_seal_transit_address": "https://seal.example.com:8200",
    "vault_server_seal_transit_key_name": "webex-vault-unseal",
    "vault_server_seal_transit_ca_file": "/etc/openbao/tls/seal-ca.crt",
    "vault_server_seal_transit_token": TOKEN,
}
LOOPBACK_HTTP = {"vault_server_tls_disable": True}
# Each case: the host's own settings (besides a listener on its own loopback port).
CASES: dict[str, dict] = {
    "no_tls": {},
    "tls": {**CERT},
    "tls_disable": {**LOOPBACK_HTTP},
    "tls_disable_and_cert": {**LOOPBACK_HTTP, **CERT},
    "tls_disable_remote": {
        **LOOPBACK_HTTP,
        "vault_server_listen_address": "0.0.0.0:8200",
        "vault_server_api_addr": "http://10.0.0.5:8200",
    },
    "transit": {**CERT, **TRANSIT},
    "transit_no_token": {**CERT, **TRANSIT, "vault_server_seal_transit_token": ""},
    "transit_plain_http": {
        **CERT,
        **TRANSIT,
        "vault_server_seal_transit_address": "http://seal.example.com:8200",
    },
    "transit_itself": {**CERT, **TRANSIT, "vault_server_seal_transit_address": "@self@"},
    "one_audit_device": {**CERT, "vault_server_audit_second_file": ""},
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Per case: `config` (server.hcl or None), `failed` (the check's message or None) and
    `warnings` (the WARNING messages), from one run over every case."""
    folder = tmp_path_factory.mktemp("service")
    hosts = {}
    for number, (name, settings) in enumerate(CASES.items()):
        port = 8261 + number
        listen = settings.get("vault_server_listen_address", f"127.0.0.1:{port}")
        host = {
            "vault_server_listen_address": listen,
            "vault_server_cluster_listen_address": f"127.0.0.1:{port + 100}",
            "webex_vault_node_config": str(folder / f"{name}.hcl"),
            **settings,
        }
        if host.get("vault_server_seal_transit_address") == "@self@":
            host["vault_server_seal_transit_address"] = f"https://{listen}"
        hosts[name] = host
    result = render_server_config(
        folder,
        hosts,
        {"vault_server_audit_file": "/var/log/openbao/audit.log"},
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"},
    )
    report = json.loads(result.stdout[result.stdout.index("{") :])
    outcome: dict[str, dict] = {
        name: {"failed": None, "warnings": [], "stdout": result.stdout} for name in CASES
    }
    for play in report["plays"]:
        for task in play["tasks"]:
            for name, host_result in task["hosts"].items():
                message = str(host_result.get("msg", ""))
                if host_result.get("failed"):
                    outcome[name]["failed"] = message
                elif message.startswith("WARNING:"):
                    outcome[name]["warnings"].append(message)
    for name in CASES:
        config = folder / f"{name}.hcl"
        outcome[name]["config"] = config.read_text() if config.exists() else None
    return outcome


def test_service_mode_without_a_certificate_is_refused(rendered: dict) -> None:
    case = rendered["no_tls"]
    assert case["failed"] and "Service mode needs TLS on the API listener" in case["failed"]
    assert "vault_server_tls_disable" in case["failed"]
    assert case["config"] is None


def test_a_certificate_gives_an_https_api_address_and_a_tls_listener(rendered: dict) -> None:
    case = rendered["tls"]
    assert case["failed"] is None
    assert 'api_addr     = "https://127.0.0.1:8262"' in case["config"]
    assert 'tls_cert_file   = "/etc/openbao/tls/server.crt"' in case["config"]
    assert "tls_disable" not in case["config"]
    assert not any("vault_server_tls_disable" in warning for warning in case["warnings"])


def test_plain_http_needs_the_opt_out_and_the_run_warns(rendered: dict) -> None:
    case = rendered["tls_disable"]
    assert case["failed"] is None
    assert any(w.startswith("WARNING: vault_server_tls_disable is true") for w in case["warnings"])
    assert "tls_disable     = true" in case["config"]
    assert 'api_addr     = "http://127.0.0.1:8263"' in case["config"]


def test_the_opt_out_with_a_certificate_is_refused(rendered: dict) -> None:
    case = rendered["tls_disable_and_cert"]
    assert case["failed"] and "Service mode needs TLS on the API listener" in case["failed"]


def test_plain_http_is_still_loopback_only(rendered: dict) -> None:
    case = rendered["tls_disable_remote"]
    assert case["failed"] and "must be a loopback address" in case["failed"]


def test_the_transit_seal_is_configured_without_its_token(rendered: dict) -> None:
    case = rendered["transit"]
    assert case["failed"] is None
    config = case["config"]
    assert 'seal "transit" {' in config
    assert 'address         = "https://seal.example.com:8200"' in config
    assert 'key_name        = "webex-vault-unseal"' in config
    assert 'tls_ca_cert     = "/etc/openbao/tls/seal-ca.crt"' in config
    assert TOKEN not in config and TOKEN not in case["stdout"]
    assert not any("Shamir unseal shares" in warning for warning in case["warnings"])


@pytest.mark.parametrize("name", ["transit_no_token", "transit_plain_http", "transit_itself"])
def test_a_transit_seal_that_cannot_work_is_refused(rendered: dict, name: str) -> None:
    case = rendered[name]
    assert case["failed"] and "With vault_server_seal transit" in case["failed"]
    assert case["config"] is None


def test_shamir_shares_without_pgp_keys_are_warned_about(rendered: dict) -> None:
    case = rendered["tls"]
    assert any(
        "Shamir unseal shares without vault_server_init_pgp_keys" in w for w in case["warnings"]
    )
    assert 'seal "transit"' not in case["config"]


def test_two_audit_devices_are_declared(rendered: dict) -> None:
    case = rendered["tls"]
    assert 'audit "file" "file" {' in case["config"]
    assert 'file_path = "/var/log/openbao/audit.log"' in case["config"]
    assert 'audit "file" "file-second" {' in case["config"]
    assert 'file_path = "/var/lib/openbao/audit/audit.log"' in case["config"]
    assert not any("audit device" in warning for warning in case["warnings"])


def test_one_audit_device_is_warned_about(rendered: dict) -> None:
    case = rendered["one_audit_device"]
    assert case["failed"] is None
    assert any("one audit device only" in warning for warning in case["warnings"])
    assert 'audit "file" "file-second"' not in case["config"]
