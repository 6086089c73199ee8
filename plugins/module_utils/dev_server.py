# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""webex_vault.oauthapp.dev_server's work, shared by the module (any host) and its action
plugin (the controller itself): directories, configuration and root token file read, compared
and written, and the server started when nothing answers."""

from __future__ import annotations

import os
import secrets
import string
import tempfile
import time
import urllib.error

from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.webex_vault.oauthapp.plugins.module_utils.host_task import (
    HostTaskError,
    open_http,
    set_attributes,
)

ARGUMENT_SPEC = {
    "binary": {"type": "path", "required": True},
    "listen_address": {"type": "str", "required": True},
    "api_addr": {"type": "str", "required": True},
    "config": {"type": "str", "required": True},
    "config_file": {"type": "path", "required": True},
    "data_dir": {"type": "path", "required": True},
    "plugin_directory": {"type": "path", "required": True},
    "root_token_file": {"type": "path", "required": True},
    "log_file": {"type": "path", "required": True},
    "pid_file": {"type": "path", "required": True},
    "owner": {"type": "str", "default": ""},
    "group": {"type": "str", "default": ""},
    "start_timeout": {"type": "int", "default": 30},
}

# /v1/sys/health status codes of a server that answers (Vault and OpenBao alike): 200 active,
# 429 standby, 472 DR secondary, 473 performance standby, 501 not initialised, 503 sealed.
ANSWERING = (200, 429, 472, 473, 501, 503)
TOKEN_CHARS = string.ascii_letters + string.digits
# setsid: the server leaves the task's session and outlives it; its output goes to the log.
START_SCRIPT = 'umask 077; setsid nohup "$0" "$@" > "$DEV_SERVER_LOG" 2>&1 < /dev/null & echo $!'


def health(api_addr, timeout=5):
    """The status of <api_addr>/v1/sys/health; -1 when nothing answers."""
    url = api_addr.rstrip("/") + "/v1/sys/health"
    try:
        with open_http(url, timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError, ValueError):
        return -1


def ensure_directory(host, params, path):
    """Create path (0750) when missing; set its owner, group and mode."""
    if os.path.isdir(path):
        return set_attributes(host, path, "0750", params["owner"], params["group"]), "directory"
    if os.path.exists(path):
        raise HostTaskError(f"{path} exists and is not a directory.")
    if not host.check_mode:
        os.makedirs(path, 0o750)
        set_attributes(host, path, "0750", params["owner"], params["group"])
    return True, "absent"


def write_file(host, path, data, mode):
    """Write data to path atomically (a temporary file in the same directory, then a rename)."""
    if host.check_mode:
        return
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".dev_server.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def ensure_config(host, params):
    path, wanted = params["config_file"], to_bytes(params["config"])
    try:
        with open(path, "rb") as handle:
            current = handle.read()
    except FileNotFoundError:
        current = None
    changed = current != wanted
    if changed:
        write_file(host, path, wanted, 0o640)
    if os.path.exists(path):
        changed |= set_attributes(host, path, "0640", params["owner"], params["group"])
    before = "" if current is None else to_text(current, errors="surrogate_or_replace")
    return changed, {
        "before_header": path,
        "after_header": path,
        "before": before,
        "after": params["config"],
    }


def ensure_root_token(host, params):
    """A new random token when the file is missing; an existing one is kept as it is."""
    path = params["root_token_file"]
    if os.path.exists(path):
        return set_attributes(host, path, "0600", params["owner"], params["group"])
    if not host.check_mode:
        token = "".join(secrets.choice(TOKEN_CHARS) for position in range(40))
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(token)
        set_attributes(host, path, "0600", params["owner"], params["group"])
    return True


def start(host, params):
    """Start the server in the background; its process ID."""
    with open(params["root_token_file"]) as handle:
        token = handle.read().strip()
    argv = [
        "/bin/sh",
        "-c",
        START_SCRIPT,
        params["binary"],
        "server",
        "-dev",
        "-dev-listen-address=" + params["listen_address"],
        "-config=" + params["config_file"],
    ]
    environment = {
        "VAULT_DEV_ROOT_TOKEN_ID": token,
        "BAO_DEV_ROOT_TOKEN_ID": token,
        "DEV_SERVER_LOG": params["log_file"],
    }
    # The log and the pid file are the owner's only, even when an older run left them 0644
    # (the shell's umask applies to new files only).
    private_file(params["log_file"])
    rc, out, err = host.run(argv, environment)
    if rc != 0 or not out.strip().isdigit():
        raise HostTaskError(f"Could not start {params['binary']}: {err.strip() or rc}")
    pid = int(out.strip())
    private_file(params["pid_file"])
    with open(params["pid_file"], "w") as handle:
        handle.write(f"{pid}\n")
    return pid


def private_file(path):
    """path exists and is 0600 (its content is kept)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def running(pid):
    """Whether the process is alive (a zombie, exited but not reaped yet, is not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_active(params, pid):
    deadline = time.monotonic() + params["start_timeout"]
    status = health(params["api_addr"])
    while status != 200:
        if pid is not None and not running(pid):
            raise HostTaskError(
                f"The dev server exited before it answered; see {params['log_file']}.",
                status=status,
            )
        if time.monotonic() > deadline:
            raise HostTaskError(
                f"The server at {params['api_addr']} did not become active within "
                f"{params['start_timeout']} s (last /v1/sys/health status {status}).",
                status=status,
            )
        time.sleep(0.25)
        status = health(params["api_addr"], timeout=2)
    return status


def ensure(params, host):
    """The dev server as params describe it, running: the result."""
    diffs = []
    changed = False
    for path in (params["data_dir"], params["plugin_directory"]):
        directory_changed, before = ensure_directory(host, params, path)
        changed |= directory_changed
        if before == "absent":
            diffs.append(
                {
                    "before_header": path,
                    "after_header": path,
                    "before": {"state": "absent"},
                    "after": {"state": "directory"},
                }
            )
    # Without its directory (check mode on a new host) nothing below can be looked at.
    config_changed, config_diff = (
        ensure_config(host, params) if os.path.isdir(params["data_dir"]) else (True, None)
    )
    if config_diff is not None and config_changed:
        diffs.append(config_diff)
    changed |= config_changed
    changed |= ensure_root_token(host, params) if os.path.isdir(params["data_dir"]) else True

    status = health(params["api_addr"])
    started = status not in ANSWERING
    if not started and config_changed:
        host.warn(
            f"{params['config_file']} changed but the dev server at {params['api_addr']} keeps "
            "running with the old one; stop it (make down) to apply it."
        )
    pid = None
    if started and not host.check_mode:
        pid = start(host, params)
    if status != 200 and not host.check_mode:
        status = wait_active(params, pid)
    return {
        "changed": changed or started,
        "status": status,
        "started": started,
        "config_changed": config_changed,
        "diff": diffs,
    }
