"""The harness that the tests, the benchmarks and the Molecule verifiers share.

It starts what they need on 127.0.0.1, on free ports: the plugin mirror (mirror), the Webex
emulator and its control client (emulator), and OpenBao or HashiCorp Vault dev servers
provisioned by this repository's playbooks (stack). authorize runs the OAuth consent without
a browser; molecule holds the scenarios' shared fixtures; samples imports a sample script.
What several test modules share sits in modules of its own, imported by name (tests/README.md).
"""

from webex_vault_testing.authorize import AuthorizationError, approve, authorize
from webex_vault_testing.base import (
    BIN,
    DISTRIBUTIONS,
    MIRROR_DIR,
    PLUGIN_CONFIG_DEFAULTS,
    PLUGIN_RELEASES,
    REDIRECT_URL,
    REPO,
    SERVER_DISTRIBUTION,
    SERVERS,
    distribution_for,
    free_port,
    recap,
    url_port,
)
from webex_vault_testing.clock import FakeClock
from webex_vault_testing.emulator import (
    Emulator,
    emulator_process,
    new_client,
    start_emulator_thread,
)
from webex_vault_testing.mirror import build_plugin, plugin_mirror
from webex_vault_testing.stack import Stack, make_stack, server_binary, stack_for_test

__all__ = [
    "BIN",
    "DISTRIBUTIONS",
    "FakeClock",
    "MIRROR_DIR",
    "PLUGIN_CONFIG_DEFAULTS",
    "PLUGIN_RELEASES",
    "REDIRECT_URL",
    "REPO",
    "SERVERS",
    "SERVER_DISTRIBUTION",
    "AuthorizationError",
    "Emulator",
    "Stack",
    "approve",
    "authorize",
    "build_plugin",
    "distribution_for",
    "emulator_process",
    "free_port",
    "make_stack",
    "new_client",
    "plugin_mirror",
    "recap",
    "server_binary",
    "stack_for_test",
    "start_emulator_thread",
    "url_port",
]
