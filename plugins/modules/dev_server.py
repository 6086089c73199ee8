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

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.webex_vault.oauthapp.plugins.module_utils.dev_server import (
    ARGUMENT_SPEC,
    ensure,
)
from ansible_collections.webex_vault.oauthapp.plugins.module_utils.host_task import (
    Host,
    HostTaskError,
)


def main():
    # The action plugin of the same name runs ensure() itself when the host is the controller.
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)

    def run_command(argv, environ_update):
        return module.run_command(argv, environ_update=environ_update)

    host = Host(module.check_mode, run_command=run_command, warn=module.warn)
    try:
        result = ensure(module.params, host)
    except HostTaskError as exc:
        module.fail_json(msg=exc.msg, **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
