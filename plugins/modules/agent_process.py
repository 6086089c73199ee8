#!/usr/bin/python
# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_process
short_description: Keep a Vault or OpenBao agent running as a background process, without systemd
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - For hosts without systemd (the local demo, a container without an init), it keeps one
    C(<binary> agent -config=<config_file>) process running as the connecting user.
  - The process is the one whose ID I(pid_file) holds, if it still runs an agent with that
    configuration file. When none runs, the module starts one in a session of its own with
    umask 077, its output in I(log_file) (mode 0600), its process ID in I(pid_file).
  - With I(restart), or when the running agent is another binary (the demo switched from
    OpenBao to Vault), a running agent is stopped (SIGINT, then SIGKILL after 10 seconds) and
    started again. With I(state=stopped) it is stopped.
  - Nothing restarts the process after a crash or a reboot; a service manager does that
    (the oauthapp_agent role's service mode).
  - In check mode it reports what it would do and starts or stops nothing.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
options:
  binary:
    description: Path of the C(bao) or C(vault) executable.
    type: path
    required: true
  config_file:
    description: The agent's configuration file.
    type: path
    required: true
  pid_file:
    description: File that keeps the agent's process ID.
    type: path
    required: true
  log_file:
    description: File that receives the agent's output (mode 0600).
    type: path
    required: true
  restart:
    description: Stop a running agent and start it again (a new configuration).
    type: bool
    default: false
  state:
    description: Whether the agent runs.
    type: str
    choices: [started, stopped]
    default: started
"""

EXAMPLES = r"""
- name: Run the agent in the background
  webex_vault.oauthapp.agent_process:
    binary: /usr/local/bin/bao
    config_file: /srv/agent/agent.hcl
    pid_file: /srv/agent/agent.pid
    log_file: /srv/agent/agent.log
"""

RETURN = r"""
pid:
  description:
    - Process ID of the running agent; 0 when none runs (or, in check mode, would be started).
  returned: always
  type: int
holder:
  description:
    - An ID of the running agent process (its process ID and start time) that changes with every
      start; empty when none runs. What I(secret_id_holder) of approle_identity takes.
  returned: always
  type: str
started:
  description: Whether the module started an agent (or, in check mode, would have).
  returned: always
  type: bool
"""

import os
import signal
import time

from ansible.module_utils.basic import AnsibleModule

# setsid: the agent leaves the module's session and outlives it; its output goes to the log.
START_SCRIPT = 'umask 077; setsid nohup "$0" "$@" > "$AGENT_LOG" 2>&1 < /dev/null & echo $!'


def process_start_time(pid):
    """The start time of pid (clock ticks since boot), or None when it does not run (a
    zombie, exited but not reaped yet, does not run)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else fields[19]


def command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return [part.decode(errors="replace") for part in handle.read().split(b"\0") if part]
    except OSError:
        return []


def running_agent(params):
    """(process ID, whether it runs params' binary) of the agent this module started for
    config_file, or (None, False)."""
    try:
        with open(params["pid_file"]) as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return None, False
    argv = command_line(pid)
    ours = argv[1:3] == ["agent", "-config=" + params["config_file"]]
    if not ours or process_start_time(pid) is None:
        return None, False
    return pid, argv[0] == params["binary"]


def stop(pid):
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 10
    while process_start_time(pid) is not None:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
        time.sleep(0.1)


def start(module):
    params = module.params
    agent = [params["binary"], "agent", "-config=" + params["config_file"]]
    argv = ["/bin/sh", "-c", START_SCRIPT, *agent]
    rc, out, err = module.run_command(argv, environ_update={"AGENT_LOG": params["log_file"]})
    if rc != 0 or not out.strip().isdigit():
        module.fail_json(msg=f"Could not start {params['binary']} agent: {err.strip() or rc}")
    pid = int(out.strip())
    descriptor = os.open(params["pid_file"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(f"{pid}\n")
    # An agent that cannot use its configuration exits at once: say so here, not later. One
    # that accepted it says "Agent started!" first.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process_start_time(pid) is None:
            module.fail_json(msg=f"The agent exited at start; see {params['log_file']}.")
        if b"Agent started!" in log_head(params["log_file"]):
            break
        time.sleep(0.1)
    return pid


def log_head(path):
    try:
        with open(path, "rb") as handle:
            return handle.read(4096)
    except OSError:
        return b""


def main():
    module = AnsibleModule(
        argument_spec={
            "binary": {"type": "path", "required": True},
            "config_file": {"type": "path", "required": True},
            "pid_file": {"type": "path", "required": True},
            "log_file": {"type": "path", "required": True},
            "restart": {"type": "bool", "default": False},
            "state": {"type": "str", "choices": ["started", "stopped"], "default": "started"},
        },
        supports_check_mode=True,
    )
    params = module.params
    pid, same_binary = running_agent(params)
    if params["state"] == "stopped":
        if pid is not None and not module.check_mode:
            stop(pid)
        module.exit_json(changed=pid is not None, pid=0, holder="", started=False)
    changed = started = False
    if pid is not None and (params["restart"] or not same_binary):
        changed = True
        if not module.check_mode:
            stop(pid)
        pid = None
    if pid is None:
        changed = started = True
        if not module.check_mode:
            pid = start(module)
    holder = f"{pid}-{process_start_time(pid)}" if pid else ""
    module.exit_json(changed=changed, pid=pid or 0, holder=holder, started=started)


if __name__ == "__main__":
    main()
