"""The web sample's entry points: `flask --app people_me_flask` (the command the original
samples documented, FLASK_APP=people_me_flask flask run) and `python people_me_flask.py`
(waitress), each started as its own process from samples/, answering on a free port.

The pages checked need no Vault: the home page of a visitor without a credential and the
static files. The app reads its settings from a web.env file, as it does after site.yml.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from webex_vault_testing.samples import load_sample

people_me_flask = load_sample("people_me_flask")
REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "samples"
BIN = Path(sys.executable).parent
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def web_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a shell that runs the web app with a settings file of its own."""
    env_file = tmp_path / "web.env"
    env_file.write_text(
        "VAULT_ADDR=http://127.0.0.1:9\nVAULT_ROLE_ID=role\nVAULT_SECRET_ID=secret\n"
        "OAUTHAPP_REDIRECT_URL=http://localhost:5000/auth\n"
        "WEBEX_API_BASE_URL=http://127.0.0.1:9/v1\n"
        f"FLASK_SECRET_KEY={'e' * 64}\n"
    )
    env_file.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "FLASK_"))}
    env["WEBEX_VAULT_WEB_ENV_FILE"] = str(env_file)
    return env


class Server:
    """A server process started from samples/; `output` is its log once it stopped."""

    def __init__(self, command: list[str], env: dict[str, str], port: int) -> None:
        self.command = command
        self.env = env
        self.base = f"http://127.0.0.1:{port}"
        self.output = ""

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            self.command,
            cwd=SAMPLES,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.command} exited early:\n{self.stop()}")
            try:
                requests.get(f"{self.base}/static/style.css", timeout=1)
                return self
            except requests.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.1)

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        output, _ = self.process.communicate(timeout=10)
        self.output = ANSI_COLOUR.sub("", output)  # Werkzeug colours status lines
        return self.output


def test_flask_app_finds_the_factory_and_its_routes(web_env: dict[str, str]) -> None:
    routes = subprocess.run(
        [BIN / "flask", "--app", "people_me_flask", "routes"],
        cwd=SAMPLES,
        env=web_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    for endpoint, path in (
        ("people.index", "/"),
        ("people.status", "/status"),
        ("auth.login", "/login"),
        ("auth.logout", "/logout"),
        ("auth.callback", "/auth"),  # the path of the configured redirect URL
    ):
        assert any(line.split()[:1] == [endpoint] and path in line for line in routes.splitlines())


def test_flask_run_as_the_samples_documented(web_env: dict[str, str]) -> None:
    port = free_port()
    env = {**web_env, "FLASK_APP": "people_me_flask"}
    with Server([str(BIN / "flask"), "run", "--port", str(port)], env, port) as server:
        home = requests.get(f"{server.base}/", timeout=10)
        callback = requests.get(f"{server.base}/auth?code=the-code-123&state=forged", timeout=10)

    assert home.status_code == 200 and "Unauthorized!" in home.text
    assert callback.status_code == 400
    # Werkzeug's request log keeps the path and drops the query, which carries the code.
    assert '"GET /auth HTTP/1.1" 400' in server.output
    assert "the-code-123" not in server.output


def test_the_entry_point_serves_with_waitress(web_env: dict[str, str]) -> None:
    port = free_port()
    command = [sys.executable, "people_me_flask.py", "--port", str(port), "--threads", "2"]
    with Server(command, web_env, port) as server:
        home = requests.get(f"{server.base}/", timeout=10)
        requests.get(f"{server.base}/auth?code=the-code-456&state=forged", timeout=10)

    assert home.status_code == 200 and "Unauthorized!" in home.text
    assert home.headers["Server"] == "webex-vault"  # waitress's ident, not Werkzeug's
    # The app's own request log: method, path and status, never the query.
    assert "webex_vault_web.access: GET /auth 400" in server.output
    assert "the-code-456" not in server.output
    # The pruning of idle credentials ran at start (this Vault does not answer: it says so).
    assert "Could not prune idle credentials: Cannot connect to Vault" in server.output


def test_the_prune_command_is_a_flask_command(web_env: dict[str, str]) -> None:
    pruned = subprocess.run(
        [BIN / "flask", "--app", "people_me_flask", "prune-credentials"],
        cwd=SAMPLES,
        env=web_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # It reached for Vault (which does not answer here) and says so, with a failing status.
    assert pruned.returncode == 1
    assert "Error: Cannot connect to Vault at http://127.0.0.1:9" in pruned.stderr


def test_the_cli_samples_env_file_does_not_leak_into_the_web_app(tmp_path: Path) -> None:
    # `flask run` in samples/ copies samples/.env (the CLI's identity) into the environment.
    cli_env = tmp_path / ".env"
    cli_env.write_text("VAULT_ADDR=http://127.0.0.1:8200\nVAULT_ROLE_ID=cli-role\n")
    environ = {"VAULT_ADDR": "http://127.0.0.1:8200", "VAULT_ROLE_ID": "cli-role", "HOME": "/h"}
    environ["OAUTHAPP_SCOPES"] = "spark:people_read"

    kept = people_me_flask.environment_without(cli_env, environ)

    assert kept == {"HOME": "/h", "OAUTHAPP_SCOPES": "spark:people_read"}
    assert people_me_flask.environment_without(tmp_path / "absent.env", environ) == environ


def test_web_settings_default_file_is_samples_web_env() -> None:
    assert (
        Path(people_me_flask.__file__).with_name("web.env") == people_me_flask.DEFAULT_WEB_ENV_FILE
    )
