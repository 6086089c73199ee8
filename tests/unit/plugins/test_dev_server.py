"""webex_vault.oauthapp.dev_server through ansible-playbook, with a stand-in for `bao server -dev`
(a small HTTP server that answers /v1/sys/health and records its token and arguments): the first
run creates the directories, configuration and token file and starts it; a re-run changes
nothing; a changed configuration of a running server is written and warned about, the server
is left running; check mode writes and starts nothing."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time

import pytest

FAKE_SERVER = """#!{python}
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
address = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("-dev-listen-address="))
host, port = address.rsplit(":", 1)
with open(os.path.join(os.path.dirname(sys.argv[0]), "started.json"), "w") as handle:
    json.dump({{"argv": sys.argv[1:], "vault": os.environ.get("VAULT_DEV_ROOT_TOKEN_ID"),
               "bao": os.environ.get("BAO_DEV_ROOT_TOKEN_ID"), "umask": os.umask(0)}}, handle)
class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/v1/sys/health" else 404)
        self.end_headers()
        self.wfile.write(b"{{}}")
    def log_message(self, *args):
        pass
HTTPServer((host, int(port)), Health).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    binary = tmp_path / "bin" / "bao"
    binary.parent.mkdir()
    binary.write_text(FAKE_SERVER.format(python=sys.executable))
    binary.chmod(0o755)
    port = free_port()
    data = tmp_path / "data"
    args = {
        "binary": str(binary),
        "listen_address": f"127.0.0.1:{port}",
        "api_addr": f"http://127.0.0.1:{port}",
        "config": 'plugin_directory = "plugins"\n',
        "config_file": str(data / "server.hcl"),
        "data_dir": str(data),
        "plugin_directory": str(data / "plugins"),
        "root_token_file": str(data / "root-token"),
        "log_file": str(data / "server.log"),
        "pid_file": str(data / "server.pid"),
        "start_timeout": 20,
    }
    yield {"args": args, "data": data, "started": binary.parent / "started.json"}
    pid_file = data / "server.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)


def test_first_run_sets_up_and_starts_then_a_rerun_changes_nothing(run_host_task, server):
    code, result = run_host_task("dev_server", server["args"], "--diff")
    assert code == 0, result
    assert (result["changed"], result["started"], result["status"]) == (True, True, 200)
    data = server["data"]
    assert data.stat().st_mode & 0o777 == 0o750
    assert (data / "plugins").stat().st_mode & 0o777 == 0o750
    assert (data / "server.hcl").read_text() == server["args"]["config"]
    assert (data / "server.hcl").stat().st_mode & 0o777 == 0o640
    token_file = data / "root-token"
    token = token_file.read_text()
    assert len(token) == 40 and token.isalnum()
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert token not in json.dumps(result)
    started = json.loads(server["started"].read_text())
    assert started["vault"] == started["bao"] == token
    assert started["umask"] == 0o077
    assert started["argv"] == [
        "server",
        "-dev",
        f"-dev-listen-address={server['args']['listen_address']}",
        f"-config={data / 'server.hcl'}",
    ]
    assert (data / "server.log").stat().st_mode & 0o777 == 0o600
    assert (data / "server.pid").stat().st_mode & 0o777 == 0o600
    server["started"].unlink()
    code, again = run_host_task("dev_server", server["args"])
    assert code == 0 and again["changed"] is False and again["started"] is False
    assert not server["started"].exists()
    assert token_file.read_text() == token


def test_a_running_server_keeps_running_when_its_configuration_changes(run_host_task, server):
    run_host_task("dev_server", server["args"])
    server["started"].unlink()
    changed = {**server["args"], "config": 'plugin_directory = "other"\n'}
    code, result = run_host_task("dev_server", changed, "--diff")
    assert code == 0 and result["changed"] is True and result["config_changed"] is True
    assert result["started"] is False and not server["started"].exists()
    assert any("keeps running with the old one" in warning for warning in result["warnings"])
    assert result["diff"][0]["before"] == server["args"]["config"]
    assert (server["data"] / "server.hcl").read_text() == changed["config"]


def test_check_mode_writes_and_starts_nothing(run_host_task, server):
    code, result = run_host_task("dev_server", server["args"], "--check")
    assert code == 0 and result["changed"] is True and result["started"] is True
    assert result["status"] == -1
    assert not server["data"].exists() and not server["started"].exists()


def test_a_server_that_exits_at_once_fails_the_task(run_host_task, server, tmp_path):
    broken = tmp_path / "bin" / "broken"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    started = time.monotonic()
    code, result = run_host_task("dev_server", {**server["args"], "binary": str(broken)})
    assert code != 0 and "exited before it answered" in result["msg"]
    assert time.monotonic() - started < 20


def test_a_log_an_older_run_left_readable_is_made_private(run_host_task, server):
    """The shell's umask applies to new files only (issue 20: logs written 0644)."""
    data = server["data"]
    data.mkdir(mode=0o750)
    for name in ("server.log", "server.pid"):
        (data / name).write_text("old\n")
        (data / name).chmod(0o644)

    code, result = run_host_task("dev_server", server["args"])

    assert code == 0, result
    assert (data / "server.log").stat().st_mode & 0o777 == 0o600
    assert (data / "server.pid").stat().st_mode & 0o777 == 0o600
