"""A provisioned stack's server, restarted by a test: a dev server with extra config files (an
audit device), a non-dev server with storage on disk that comes up sealed, and a plugin binary
that is no longer the registered build."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from webex_vault_testing.oauthapp import MOUNT
from webex_vault_testing.stack import Stack


def wait_healthy(url: str, codes: tuple[int, ...] = (200,), timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    status = -1
    while time.monotonic() < deadline:
        try:
            status = requests.get(f"{url}/v1/sys/health", timeout=2).status_code
        except requests.RequestException:
            status = -1
        if status in codes:
            return status
        time.sleep(0.2)
    raise AssertionError(f"{url} answered {status}, not {codes}, within {timeout} s")


def restart_dev_server_with(stack: Stack, *extra_configs: Path) -> None:
    """Restart the stack's dev server the way roles/vault_server starts it, plus extra HCL files.

    OpenBao 2.x refuses audit devices enabled through the API ("use declarative, config-based
    audit device management"), so the hygiene tests declare theirs in an extra config file
    there (Vault gets it through the API: enable_audit_device). The root token goes through
    the environment, never the command line.
    """
    stop_server(stack)
    data_dir = stack.data_dir
    env = {
        **os.environ,
        "BAO_DEV_ROOT_TOKEN_ID": stack.root_token,
        "VAULT_DEV_ROOT_TOKEN_ID": stack.root_token,
    }
    command = [
        str(stack.binary),
        "server",
        "-dev",
        f"-dev-listen-address=127.0.0.1:{stack.port}",
        f"-config={data_dir / 'server.hcl'}",
        *(f"-config={path}" for path in extra_configs),
    ]
    old_umask = os.umask(0o077)
    try:
        with (data_dir / "server.log").open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
    finally:
        os.umask(old_umask)
    (data_dir / "server.pid").write_text(str(process.pid))
    stack.server_process = process
    wait_healthy(stack.url)


AUDIT_PATH = "security-tests"


def audit_config(path: Path, log_file: Path) -> Path:
    path.write_text(
        f'audit "file" "{AUDIT_PATH}" {{\n  options {{\n    file_path = "{log_file}"\n  }}\n}}\n'
    )
    return path


def enable_audit_device(stack: Stack, log_file: Path) -> None:
    """A file audit device at AUDIT_PATH: declared in a config file for OpenBao (which refuses
    the API for it), enabled through sys/audit on Vault (which has no declarative devices)."""
    if stack.server == "openbao":
        restart_dev_server_with(stack, audit_config(log_file.with_suffix(".hcl"), log_file))
        return
    stack.client().sys.enable_audit_device(
        "file", path=AUDIT_PATH, options={"file_path": str(log_file)}
    )


def persistent_config(stack: Stack) -> Path:
    data_dir = stack.data_dir
    cluster_port = stack.cluster_port
    config = data_dir / "persistent.hcl"
    config.write_text(
        f'storage "raft" {{\n  path = "{data_dir / "raft"}"\n  node_id = "security-tests"\n}}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{stack.port}"\n'
        f'  cluster_address = "127.0.0.1:{cluster_port}"\n  tls_disable = true\n}}\n'
        f'api_addr = "{stack.url}"\ncluster_addr = "http://127.0.0.1:{cluster_port}"\n'
        f'plugin_directory = "{data_dir / "plugins"}"\n'
        # Vault locks memory unless told not to; OpenBao 2 has no mlock and warns about it.
        + ("disable_mlock = true\n" if stack.server == "vault" else "")
    )
    return config


def start_persistent_server(stack: Stack) -> None:
    """Start (or restart) the non-dev server; it comes up sealed."""
    data_dir = stack.data_dir
    with (data_dir / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [str(stack.binary), "server", f"-config={data_dir / 'persistent.hcl'}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (data_dir / "server.pid").write_text(str(process.pid))
    stack.server_process = process
    wait_healthy(stack.url, codes=(501, 503))


def unseal_persistent_server(stack: Stack) -> None:
    key = (stack.data_dir / "unseal-key").read_text().strip()
    response = requests.put(f"{stack.url}/v1/sys/unseal", json={"key": key}, timeout=10)
    response.raise_for_status()
    wait_healthy(stack.url)


def stop_server(stack: Stack) -> None:
    """Stop the stack's server: our own child process, or the one the role started."""
    process = stack.server_process
    if process is not None and process.poll() is None:
        process.terminate()
        process.wait(timeout=30)
        return
    stack.stop()


def catalog_entry(stack: Stack) -> dict[str, Any]:
    """The catalog entry of the plugin version the oauthapp mount runs."""
    client = stack.client()
    version = client.read(f"sys/mounts/{MOUNT}")["data"]["plugin_version"]
    entry: dict[str, Any] = client.read(f"sys/plugins/catalog/secret/oauthapp?version={version}")[
        "data"
    ]
    return entry


def forge_plugin_binary(binary: Path) -> None:
    """Overwrite the plugin file with a build that is not the registered one. A running binary
    cannot be opened for writing ("text file busy"), so the file is replaced."""
    forged = binary.with_name(binary.name + ".forged")
    shutil.copyfile(binary, forged)
    with forged.open("ab") as file:
        file.write(b"\0not the registered build")
    forged.chmod(0o750)
    forged.replace(binary)
