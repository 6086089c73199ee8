"""The collection's modules through ansible-playbook against real dev servers (OpenBao and
Vault, WEBEX_VAULT_TEST_SERVERS) and the real oauthapp plugin: a first run changes, a second
changes nothing, --check --diff tells the truth without writing, and a server the
oauthapp_webex role wrote is adopted as it is."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import hvac
import pytest
import requests

from webex_vault_testing import (
    BIN,
    MIRROR_DIR,
    PLUGIN_RELEASES,
    REPO,
    SERVERS,
    distribution_for,
    free_port,
    recap,
    server_binary,
)

pytestmark = pytest.mark.integration

PLAYBOOKS = Path(__file__).parent / "collection"


@dataclass
class Server:
    url: str
    token: str
    plugin_vars: list[str]
    collections: Path

    def client(self) -> hvac.Client:
        return hvac.Client(url=self.url, token=self.token, timeout=30)

    def playbook(self, name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
        """ansible-playbook on one of PLAYBOOKS, the collection taken from this checkout."""
        return subprocess.run(
            [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", name, *args],
            cwd=PLAYBOOKS,
            env={
                **os.environ,
                "ANSIBLE_COLLECTIONS_PATH": str(self.collections),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_LOCALHOST_WARNING": "0",
                # Modules of other collections (role_fingerprint.yml) need hvac: this venv.
                "ANSIBLE_PYTHON_INTERPRETER": str(BIN / "python"),
                "VAULT_ADDR": self.url,
                "VAULT_TOKEN": self.token,
                **env,
            },
            capture_output=True,
            text=True,
            timeout=300,
        )

    def modules(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return self.playbook("modules.yml", *self.plugin_vars, *args, **env)


def plugin_file(distribution: str, target: Path) -> Path:
    """The plugin binary from the release archive the mirror serves, unpacked into target."""
    binary, version = (
        PLUGIN_RELEASES[distribution][key] for key in ("binary_name", "default_version")
    )
    asset = f"{binary}-v{version}-linux-amd64"
    archive = MIRROR_DIR / distribution / f"v{version}" / f"{asset}.tar.xz"
    with tarfile.open(archive) as archived:
        archived.extract(asset, target, filter="data")
    return target / asset


@pytest.fixture(scope="module", params=SERVERS)
def server(request, tmp_path_factory, plugin_mirror) -> Server:
    """A dev server with the release of the distribution it runs (distribution_for) in its
    plugin directory, not registered yet."""
    work = tmp_path_factory.mktemp("collection-modules")
    release = plugin_file(distribution_for(request.param), tmp_path_factory.mktemp("release"))
    plugin_dir = work / "plugins"
    plugin_dir.mkdir(mode=0o750)
    (work / "ansible_collections" / "webex_vault").mkdir(parents=True)
    (work / "ansible_collections" / "webex_vault" / "oauthapp").symlink_to(REPO)
    token, port = "root-" + secrets.token_hex(12), free_port()
    binary = server_binary(request.param)
    argv = [str(binary), "server", "-dev", f"-dev-listen-address=127.0.0.1:{port}"]
    # HOME: the dev server keeps its token in ~/.vault-token; this one stays in the scratch dir.
    env = {
        **os.environ,
        "BAO_DEV_ROOT_TOKEN_ID": token,
        "VAULT_DEV_ROOT_TOKEN_ID": token,
        "HOME": str(work),
    }
    with (work / "server.log").open("w") as log:
        process = subprocess.Popen(
            [*argv, f"-dev-plugin-dir={plugin_dir}"], env=env, stdout=log, stderr=log
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_active(url, process)
        # Copied after start: a dev server registers what it finds in its plugin dir at start.
        command = f"{release.name}"
        (plugin_dir / command).write_bytes(release.read_bytes())
        (plugin_dir / command).chmod(0o750)
        sha256 = hashlib.sha256(release.read_bytes()).hexdigest()
        version = "v" + release.name.split("-v")[-1].split("-")[0]
        plugin_vars = [
            "-e",
            f"test_plugin_sha256={sha256} test_plugin_command={command}",
            "-e",
            f"test_plugin_version={version}",
        ]
        yield Server(url, token, plugin_vars, work)
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_until_active(url: str, process: subprocess.Popen) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"the dev server exited with {process.returncode}")
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{url}/v1/sys/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("the dev server did not become active in 10 s")


@pytest.fixture(scope="module")
def client_credentials() -> dict[str, str]:
    return {
        "TEST_CLIENT_ID": "C" + secrets.token_hex(16),
        "TEST_CLIENT_SECRET": secrets.token_hex(32),
    }


@pytest.fixture(scope="module")
def first_and_second_run(server, client_credentials):
    first = server.modules("-v", "--diff", **client_credentials)
    second = server.modules("-v", "--diff", **client_credentials)
    return first, second


def test_a_first_run_changes_all_four_and_a_second_run_nothing(first_and_second_run):
    first, second = first_and_second_run
    assert first.returncode == 0, first.stdout[-5000:]
    assert recap(first.stdout)["changed"] == 4, first.stdout[-5000:]
    assert second.returncode == 0, second.stdout[-5000:]
    assert recap(second.stdout)["changed"] == 0, second.stdout[-5000:]


def test_the_server_runs_what_the_modules_wrote(first_and_second_run, server, client_credentials):
    client = server.client()
    mount = client.read("sys/mounts")["data"]["oauthapp/"]
    entry = client.read("oauthapp/servers/webex-test")["data"]
    assert (mount["type"], mount["config"]["max_lease_ttl"]) == ("oauthapp", 86400)
    assert mount["running_plugin_version"] == mount["plugin_version"]
    assert entry["client_id"] == client_credentials["TEST_CLIENT_ID"]


def test_the_secret_is_in_no_output(first_and_second_run, client_credentials):
    first, second = first_and_second_run
    assert "client_secret changed" in first.stdout
    for run in (first, second):
        assert client_credentials["TEST_CLIENT_SECRET"] not in run.stdout + run.stderr


def test_check_diff_tells_what_would_change_and_writes_nothing(
    first_and_second_run, server, client_credentials
):
    new_secret = secrets.token_hex(32)
    renamed = '{"test_mount_description": "Webex OAuth tokens, renamed"}'
    changed_secret = {**client_credentials, "TEST_CLIENT_SECRET": new_secret}

    checked = server.modules("--check", "--diff", "-e", renamed, **changed_secret)

    assert checked.returncode == 0, checked.stdout[-5000:]
    assert recap(checked.stdout)["changed"] == 2, checked.stdout[-5000:]
    assert '-    "description": "Webex OAuth tokens"' in checked.stdout
    assert '+    "description": "Webex OAuth tokens, renamed"' in checked.stdout
    assert "client_secret changed" in checked.stdout
    assert new_secret not in checked.stdout + checked.stderr
    assert recap(server.modules(**client_credentials).stdout)["changed"] == 0


def test_an_engine_of_another_type_at_the_path_is_refused(
    first_and_second_run, server, client_credentials
):
    refused = server.modules("-e", "test_state_mount=oauthapp", **client_credentials)

    assert refused.returncode != 0
    assert (
        "Mount path 'oauthapp' already holds a 'oauthapp' secrets engine, not 'kv': "
        "choose another path or disable that engine first."
    ) in refused.stdout
    assert recap(refused.stdout)["changed"] == 0


def test_a_server_the_role_wrote_is_adopted_unchanged(
    first_and_second_run, server, client_credentials
):
    adopted = server.playbook(
        "role_fingerprint.yml",
        VAULT_ADDR="",
        VAULT_TOKEN="",
        TEST_VAULT_ADDR=server.url,
        TEST_VAULT_TOKEN=server.token,
        **client_credentials,
    )

    assert adopted.returncode == 0, adopted.stdout[-5000:]
    assert recap(adopted.stdout)["changed"] == 2, adopted.stdout[-5000:]
