#!/usr/bin/python
# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
module: dev_server
short_description: Run a Vault or OpenBao dev server with its configuration and root token
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Everything a C(server -dev) process needs, read, compared and written in one module run on
    the server host.
  - Creates I(data_dir) and I(plugin_directory) (mode 0750), writes I(config) to I(config_file)
    (mode 0640) when it differs, and writes a new random root token to I(root_token_file)
    (mode 0600) when that file does not exist; an existing token file is never replaced.
  - Asks C(<api_addr>/v1/sys/health); when nothing answers, starts
    C(<binary> server -dev -dev-listen-address=<listen_address> -config=<config_file>) in a
    session of its own with umask 077, the token as C(VAULT_DEV_ROOT_TOKEN_ID) and
    C(BAO_DEV_ROOT_TOKEN_ID), its output in I(log_file) and its process ID in I(pid_file).
  - Then waits up to I(start_timeout) seconds for the server to answer 200 (active).
  - A dev server keeps everything in memory, so a server that answers is left running, even
    when I(config) changed; the module warns instead, and the operator decides when to restart it.
  - In check mode it reports what it would change and starts nothing.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The configuration file's content and the directories' state; never the root token.
  platform:
    support: full
    platforms: posix
options:
  binary:
    description: Path of the C(vault) or C(bao) executable.
    type: path
    required: true
  listen_address:
    description: Address and port the dev listener binds, for example C(127.0.0.1:8200).
    type: str
    required: true
  api_addr:
    description: URL of the server's API as seen from the server host, for the health checks.
    type: str
    required: true
  config:
    description: Content of the server's configuration file (HCL).
    type: str
    required: true
  config_file:
    description: Path of the configuration file.
    type: path
    required: true
  data_dir:
    description: Directory of the server's files; created when missing.
    type: path
    required: true
  plugin_directory:
    description: The server's C(plugin_directory); created when missing.
    type: path
    required: true
  root_token_file:
    description: File that keeps the dev server's root token; created once, never replaced.
    type: path
    required: true
  log_file:
    description: File that receives the server's output (mode 0600).
    type: path
    required: true
  pid_file:
    description: File that receives the server's process ID.
    type: path
    required: true
  owner:
    description: Owner of the directories and files; empty leaves the default.
    type: str
    default: ""
  group:
    description: Group of the directories and files; empty leaves the default.
    type: str
    default: ""
  start_timeout:
    description: Seconds to wait for a server to become active.
    type: int
    default: 30
"""

EXAMPLES = r"""
- name: Run the dev server
  webex_vault.oauthapp.dev_server:
    binary: /usr/local/bin/bao
    listen_address: 127.0.0.1:8200
    api_addr: http://127.0.0.1:8200
    config: "{{ lookup('ansible.builtin.template', 'dev.hcl.j2') }}"
    config_file: /srv/openbao/server.hcl
    data_dir: /srv/openbao
    plugin_directory: /srv/openbao/plugins
    root_token_file: /srv/openbao/root-token
    log_file: /srv/openbao/server.log
    pid_file: /srv/openbao/server.pid
"""

RETURN = r"""
status:
  description:
    - HTTP status of C(/v1/sys/health) at the end, C(-1) when nothing answers (check mode).
  returned: always
  type: int
  sample: 200
started:
  description: Whether the module started a server (or, in check mode, would have).
  returned: always
  type: bool
config_changed:
  description: Whether the configuration file changed (or would change).
  returned: always
  type: bool
"""

import os
import secrets
import string
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.module_utils.urls import fetch_url

# /v1/sys/health status codes of a server that answers (Vault and OpenBao alike): 200 active,
# 429 standby, 472 DR secondary, 473 performance standby, 501 not initialised, 503 sealed.
ANSWERING = (200, 429, 472, 473, 501, 503)
TOKEN_CHARS = string.ascii_letters + string.digits


def health(module, api_addr, timeout=5):
    url = api_addr.rstrip("/") + "/v1/sys/health"
    response, info = fetch_url(module, url, timeout=timeout, force=True)
    if response is not None:
        response.close()
    return int(info.get("status", -1))


def set_attributes(module, path, mode, changed):
    changed = module.set_mode_if_different(path, mode, changed)
    if module.params["owner"]:
        changed = module.set_owner_if_different(path, module.params["owner"], changed)
    if module.params["group"]:
        changed = module.set_group_if_different(path, module.params["group"], changed)
    return changed


def ensure_directory(module, path):
    """Create path (0750) when missing; set its owner, group and mode."""
    if os.path.isdir(path):
        return set_attributes(module, path, "0750", False), "directory"
    if os.path.exists(path):
        module.fail_json(msg=f"{path} exists and is not a directory.")
    if not module.check_mode:
        os.makedirs(path, 0o750)
        set_attributes(module, path, "0750", True)
    return True, "absent"


def write_file(module, path, data, mode):
    """Write data to path atomically (a temporary file in the same directory, then a rename)."""
    if module.check_mode:
        return
    directory = os.path.dirname(path)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".dev_server.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, int(mode, 8))
        os.replace(temporary, path)
    except OSError:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def ensure_config(module):
    path, wanted = module.params["config_file"], to_bytes(module.params["config"])
    try:
        with open(path, "rb") as handle:
            current = handle.read()
    except FileNotFoundError:
        current = None
    changed = current != wanted
    if changed:
        write_file(module, path, wanted, "0640")
    if os.path.exists(path):
        changed = set_attributes(module, path, "0640", changed)
    before = "" if current is None else to_text(current, errors="surrogate_or_replace")
    return changed, {
        "before_header": path,
        "after_header": path,
        "before": before,
        "after": module.params["config"],
    }


def ensure_root_token(module):
    """A new random token when the file is missing; an existing one is kept as it is."""
    path = module.params["root_token_file"]
    if os.path.exists(path):
        return set_attributes(module, path, "0600", False)
    if not module.check_mode:
        token = "".join(secrets.choice(TOKEN_CHARS) for position in range(40))
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(token)
        set_attributes(module, path, "0600", True)
    return True


# setsid: the server leaves the module's session and outlives it; its output goes to the log.
START_SCRIPT = 'umask 077; setsid nohup "$0" "$@" > "$DEV_SERVER_LOG" 2>&1 < /dev/null & echo $!'


def start(module):
    """Start the server in the background; its process ID."""
    params = module.params
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
    rc, out, err = module.run_command(argv, environ_update=environment)
    if rc != 0 or not out.strip().isdigit():
        module.fail_json(msg=f"Could not start {params['binary']}: {err.strip() or rc}")
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


def wait_active(module, pid):
    deadline = time.monotonic() + module.params["start_timeout"]
    status = health(module, module.params["api_addr"])
    while status != 200:
        if pid is not None and not running(pid):
            module.fail_json(
                msg=f"The dev server exited before it answered; see {module.params['log_file']}.",
                status=status,
            )
        if time.monotonic() > deadline:
            module.fail_json(
                msg=f"The server at {module.params['api_addr']} did not become active within "
                f"{module.params['start_timeout']} s (last /v1/sys/health status {status}).",
                status=status,
            )
        time.sleep(0.25)
        status = health(module, module.params["api_addr"], timeout=2)
    return status


def main():
    module = AnsibleModule(
        argument_spec={
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
        },
        supports_check_mode=True,
    )
    params = module.params
    diffs = []
    changed = False
    for path in (params["data_dir"], params["plugin_directory"]):
        directory_changed, before = ensure_directory(module, path)
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
        ensure_config(module) if os.path.isdir(params["data_dir"]) else (True, None)
    )
    if config_diff is not None and config_changed:
        diffs.append(config_diff)
    changed |= config_changed
    changed |= ensure_root_token(module) if os.path.isdir(params["data_dir"]) else True

    status = health(module, params["api_addr"])
    started = status not in ANSWERING
    if not started and config_changed:
        module.warn(
            f"{params['config_file']} changed but the dev server at {params['api_addr']} keeps "
            "running with the old one; stop it (make down) to apply it."
        )
    pid = None
    if started and not module.check_mode:
        pid = start(module)
    if status != 200 and not module.check_mode:
        status = wait_active(module, pid)
    module.exit_json(
        changed=changed or started,
        status=status,
        started=started,
        config_changed=config_changed,
        diff=diffs,
    )


if __name__ == "__main__":
    main()
