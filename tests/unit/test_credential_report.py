"""Unit tests for the operator's credential report: webex_vault.credential_report (the command),
credential_health (the reads), credential_index (the index) and metrics (the Prometheus file),
against a stub of Vault's HTTP API on 127.0.0.1 that answers as OpenBao and the oauthapp plugin
do. tests/security/test_credential_health.py runs the same report against the real plugin with
the emulator's faults, and the collection's credential_info is tests/unit/plugins.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from webex_vault import credential_report
from webex_vault.credential_health import Row
from webex_vault.credential_index import IndexEntry
from webex_vault.credential_states import Health
from webex_vault.metrics import exposition, write_textfile

REPO = Path(__file__).resolve().parents[2]
TOKEN = "NjlhNDc0ZTgtcmVwb3J0LWFjY2Vzcy10b2tlbg"  # must never be printed
STATE = "/v1/webex-vault-state"
RULES = REPO / "docs" / "examples" / "credential-health.rules.yml"


def expire(seconds: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f598Z")


def read_ok(seconds: int, *warnings: str) -> tuple[int, dict[str, Any]]:
    data = {"access_token": TOKEN, "expire_time": expire(seconds), "server": "w", "type": "Bearer"}
    return 200, {"data": data, "warnings": list(warnings) or None}


class VaultStub:
    """Canned answers per (method, path); hvac lists KV v2 folders with the LIST method."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], tuple[int, Any]] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                path = self.path.partition("?")[0]
                method = "LIST" if "list=true" in self.path else self.command
                status, body = stub.routes.get((method, path), (404, {"errors": []}))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_LIST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def index(self, *names: str) -> None:
        """Index entries (one folder level, as the web app's webex/<id>)."""
        top = sorted({name.split("/")[0] + ("/" if "/" in name else "") for name in names})
        self.routes[("LIST", f"{STATE}/metadata/oauthapp/index")] = (200, {"data": {"keys": top}})
        for folder in {name.split("/")[0] for name in names if "/" in name}:
            below = [name.split("/", 1)[1] for name in names if name.startswith(f"{folder}/")]
            self.routes[("LIST", f"{STATE}/metadata/oauthapp/index/{folder}")] = (
                200,
                {"data": {"keys": below}},
            )
        for name in names:
            entry = {
                "name": name,
                "mount": "oauthapp",
                "server": "webex-myapp",
                "created_by": "test",
                "created_at": "2026-12-05T19:00:00Z",
            }
            self.routes[("GET", f"{STATE}/data/oauthapp/index/{name}")] = (
                200,
                {"data": {"data": entry, "metadata": {"version": 1}}},
            )

    def creds(self, name: str, answer: tuple[int, Any]) -> None:
        self.routes[("GET", f"/v1/oauthapp/creds/{name}")] = answer


@pytest.fixture
def vault() -> Iterator[VaultStub]:
    stub = VaultStub()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture
def environment(vault: VaultStub, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("VAULT_", "OAUTHAPP_", "WEBEX_VAULT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VAULT_ADDR", vault.url)
    monkeypatch.setenv("VAULT_TOKEN", "operator-token")


def four_credentials(vault: VaultStub) -> None:
    """The fault test's four, as the plugin answers them."""
    vault.index("healthy", "revoked", "webex/transient", "deleted")
    vault.creds("healthy", read_ok(3600))
    vault.creds(
        "revoked",
        read_ok(
            900,
            "token will expire: refresh failed: server rejected request: invalid_grant: "
            "The refresh token is invalid, expired or revoked.",
        ),
    )
    vault.creds(
        "webex/transient",
        read_ok(
            1800,
            "2 attempt(s) to refresh this token failed, most recently: refresh failed: "
            "oauth2: cannot fetch token: 503 Service Unavailable\nResponse: {}",
        ),
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = credential_report.main(list(argv))
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    return status, out, err


@pytest.mark.usefixtures("environment")
def test_the_table_names_each_state_and_what_to_do(
    vault: VaultStub, capsys: pytest.CaptureFixture[str]
) -> None:
    four_credentials(vault)

    status, out, err = run(capsys)

    assert status == credential_report.CRITICAL_STATUS and err == ""
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [*credential_report.COLUMNS]
    rows = {line.split()[0]: line.split()[1] for line in lines[1:5]}
    assert rows == {
        "deleted": "missing",
        "healthy": "healthy",
        "revoked": "reauthorize",
        "webex/transient": "refresh_failing",
    }
    assert "revoked: Webex refused the refresh token: authorize again (refresh failed:" in out
    assert "webex/transient: the plugin retries" in out and "deleted: indexed, but" in out
    assert "healthy:" not in out


@pytest.mark.usefixtures("environment")
def test_json_carries_the_same_and_never_a_token(
    vault: VaultStub, capsys: pytest.CaptureFixture[str]
) -> None:
    four_credentials(vault)

    status, out, _ = run(capsys, "--json")

    report = json.loads(out)
    assert report["exit_status"] == status == 2
    states = {row["name"]: row for row in report["credentials"]}
    assert states["webex/transient"]["refresh_failures"] == 2
    assert states["webex/transient"]["state"] == "refresh_failing"
    assert 3590 <= states["healthy"]["seconds_to_expiry"] <= 3600
    assert states["deleted"]["seconds_to_expiry"] is None
    assert report["counts"]["missing"] == 1 and report["counts"]["healthy"] == 1
    assert all("access_token" not in row for row in report["credentials"])


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ({}, 0),
        ({"a": read_ok(60)}, 0),
        ({"a": read_ok(60, "1 attempt(s) to refresh this token failed, most recently: x")}, 1),
        ({"a": read_ok(60), "b": (400, {"errors": ["token expired"]})}, 2),
        ({"a": (403, {"errors": ["1 error occurred:\n\t* permission denied\n\n"]})}, 3),
        (
            {
                "a": (403, {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}),
                "b": read_ok(60, "1 attempt(s) to refresh this token failed, most recently: x"),
            },
            3,
        ),
    ],
    ids=["nothing-indexed", "healthy", "warning", "critical", "unknown", "unknown-over-warning"],
)
@pytest.mark.usefixtures("environment")
def test_exit_status(
    vault: VaultStub,
    capsys: pytest.CaptureFixture[str],
    answers: dict[str, tuple[int, Any]],
    status: int,
) -> None:
    if answers:
        vault.index(*answers)
    for name, answer in answers.items():
        vault.creds(name, answer)

    assert run(capsys)[0] == status


@pytest.mark.usefixtures("environment")
def test_metrics_parse_as_prometheus_text_and_count_each_state(
    vault: VaultStub, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    four_credentials(vault)
    textfile = tmp_path / "webex_vault.prom"

    run(capsys, "--textfile", str(textfile))

    text = textfile.read_text()
    assert TOKEN not in text
    assert stat.S_IMODE(textfile.stat().st_mode) == 0o644
    assert list(tmp_path.iterdir()) == [textfile], "no temporary file is left behind"
    samples = {
        (sample.name, sample.labels.get("state")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels.get("mount") == "oauthapp"
    }
    credentials = "webex_vault_credentials"
    assert samples[(credentials, "healthy")] == 1
    assert samples[(credentials, "refresh_failing")] == 1
    assert samples[(credentials, "reauthorize")] == 1
    assert samples[(credentials, "missing")] == 1
    assert samples[(credentials, "expired")] == 0
    assert samples[("webex_vault_credential_refresh_failures", None)] == 2
    assert 890 <= samples[("webex_vault_credential_soonest_expiry_seconds", None)] <= 900
    assert 890 <= samples[("webex_vault_credential_reauthorize_deadline_seconds", None)] <= 900
    assert samples[("webex_vault_credential_report_up", None)] == 1


@pytest.mark.usefixtures("environment")
def test_an_unreachable_vault_is_unknown_and_the_metrics_say_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("VAULT_ADDR", "http://127.0.0.1:9")
    textfile = tmp_path / "webex_vault.prom"

    status, out, err = run(capsys, "--textfile", str(textfile))

    assert status == credential_report.UNKNOWN and out == ""
    assert err.startswith("credential_report: Cannot connect to Vault at http://127.0.0.1:9")
    assert err.count("\n") == 1
    families = {
        family.name: family for family in text_string_to_metric_families(textfile.read_text())
    }
    assert families["webex_vault_credential_report_up"].samples[0].value == 0
    assert "webex_vault_credentials" not in families


def test_bad_settings_are_unknown_and_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env_file = tmp_path / "operator.env"
    env_file.write_text("VAULT_ADDR=http://127.0.0.1:8200\nOAUTHAPP_MOUNT=oauth app\n")
    env_file.chmod(0o600)
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    monkeypatch.setenv("VAULT_TOKEN", "t")

    status, _, err = run(capsys, "--env-file", str(env_file))

    assert status == credential_report.UNKNOWN and "OAUTHAPP_MOUNT" in err


def test_a_textfile_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "webex_vault.prom"
    target.write_text("old\n")
    write_textfile(target, "new\n")
    assert target.read_text() == "new\n" and list(tmp_path.iterdir()) == [target]


def test_the_classifier_is_one_file_for_the_collection_and_the_package() -> None:
    package = REPO / "src" / "webex_vault" / "credential_states.py"
    collection = REPO / "plugins" / "plugin_utils" / "credential_states.py"
    assert package.is_symlink() and package.resolve() == collection.resolve()


def test_the_alert_rules_are_prometheus_rules_on_the_reports_metrics() -> None:
    """Every rule names an alert, an expression on metrics the report writes, a severity and a
    summary; promtool checks the file too where it is installed."""
    rows = [
        Row(IndexEntry("a", "oauthapp", "s", "t", ""), Health("reauthorize", "x", 60)),
        Row(IndexEntry("b", "oauthapp", "s", "t", ""), Health("healthy", "", 600)),
    ]
    written = {family.name for family in text_string_to_metric_families(exposition("m", rows, 0))}
    rules = yaml.safe_load(RULES.read_text())
    (group,) = rules["groups"]
    assert group["name"] and len(group["rules"]) == 4
    for rule in group["rules"]:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert rule["alert"] and rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]
        used = set(re.findall(r"webex_vault_\w+", rule["expr"]))
        assert used and used <= written, (rule["alert"], used - written)
    promtool = shutil.which("promtool")
    if promtool:
        checked = subprocess.run(
            [promtool, "check", "rules", str(RULES)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
