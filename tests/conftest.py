"""Session fixtures: the real plugin (built from Go source, served in the release layout), the
Webex emulator, and servers provisioned by the real playbooks: OpenBao and HashiCorp Vault
(WEBEX_VAULT_TEST_SERVERS), each test id naming the server it ran on.

Everything listens on 127.0.0.1 on free ports, so the tests run beside `make demo`.
"""

from __future__ import annotations

import secrets
import signal
from pathlib import Path
from types import FrameType

import pytest

from webex_vault_testing import (
    DISTRIBUTIONS,
    REPO,
    SERVERS,
    Emulator,
    Stack,
    distribution_for,
    plugin_mirror,
    stack_for_test,
    start_emulator_thread,
)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # A TERM (make test stopping its parts, a CI time limit) ends the session as Ctrl-C does:
    # the fixtures' teardown stops the servers, which run in process sessions of their own and
    # would outlive a pytest killed outright.
    signal.signal(signal.SIGTERM, _interrupt)


RUNTIME_SETTINGS = (
    "access_token_lifetime",
    "refresh_token_lifetime",
    "code_lifetime",
    "error_style",
    "rotate_refresh_tokens",
    "auto_approve",
    "latency_ms",
)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    path = REPO / "tests" / "output"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session", name="plugin_mirror")
def plugin_mirror_fixture() -> str:
    """Build each distribution once (reused when present) and serve .local/mirror over HTTP."""
    with plugin_mirror(DISTRIBUTIONS) as url:
        yield url


@pytest.fixture(scope="session")
def emulator() -> Emulator:
    server, client = start_emulator_thread(display_name="Demo User")
    yield client
    server.shutdown()


@pytest.fixture
def emulator_settings(emulator: Emulator):
    """Change emulator settings for one test; the start values come back afterwards."""
    before = emulator.control("GET", "settings")
    yield emulator.settings
    emulator.control("DELETE", "faults")
    emulator.settings(**{key: before[key] for key in RUNTIME_SETTINGS})


# The full chain runs each server with the distribution it runs by default (PAIRINGS); the
# tests that take `matrix_stack` run on the pairing no other test covers too: HashiCorp Vault
# with the openbao fork. OpenBao with puppetlabs runs in test_upgrade.py, test_migration.py,
# test_cluster.py and Molecule's upgrade and cluster scenarios (docs/servers.md, "Test matrix").
PAIRINGS = [(server, distribution_for(server)) for server in SERVERS]
MATRIX = PAIRINGS + [
    pairing
    for pairing in [("vault", "openbao")]
    if pairing[0] in SERVERS and pairing[1] in DISTRIBUTIONS and pairing not in PAIRINGS
]


@pytest.fixture(scope="session")
def provisioned_stacks(tmp_path_factory, plugin_mirror, emulator):
    """Servers provisioned with site.yml (the first converge), one per server and
    distribution, made when a test first asks for that pairing."""
    stacks: dict[tuple[str, str], Stack] = {}

    def get(server: str, distribution: str) -> Stack:
        made = stacks.get((server, distribution))
        if made is None:
            made = stack_for_test(tmp_path_factory, plugin_mirror, emulator, distribution, server)
            stacks[server, distribution] = made
            made.first_run = made.playbook()
        assert made.first_run is not None and made.first_run.returncode == 0, (
            made.first_run.stdout[-5000:] if made.first_run else "not provisioned"
        )
        return made

    yield get
    for made in stacks.values():
        made.stop()


@pytest.fixture(scope="session", params=PAIRINGS, ids=["-".join(p) for p in PAIRINGS])
def stack(request, provisioned_stacks) -> Stack:
    """A server provisioned once per server with site.yml, running its distribution."""
    return provisioned_stacks(*request.param)


@pytest.fixture(scope="session", params=MATRIX, ids=["-".join(p) for p in MATRIX])
def matrix_stack(request, provisioned_stacks) -> Stack:
    """A server provisioned once per server and distribution (every pairing of the matrix)."""
    return provisioned_stacks(*request.param)


@pytest.fixture(params=SERVERS)
def fresh_server(request, tmp_path_factory, plugin_mirror, emulator):
    """A running server on which only the server stage has run (nothing configured yet)."""
    started = stack_for_test(tmp_path_factory, plugin_mirror, emulator, server=request.param)
    result = started.playbook(playbook="playbooks/server.yml")
    assert result.returncode == 0, result.stdout[-5000:]
    yield started
    started.stop()


@pytest.fixture
def credential_name() -> str:
    """A credential name of its own for each test, so tests do not depend on order."""
    return f"test-{secrets.token_hex(6)}"
