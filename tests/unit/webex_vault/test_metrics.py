"""Tests for webex_vault.metrics: the report's Prometheus text, read back with Prometheus's own
parser (prometheus_client), the atomic textfile, and the example alert rules
(docs/examples/credential-health.rules.yml) on those metrics."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from webex_vault import credential_report
from webex_vault.credential_health import Row
from webex_vault.credential_index import IndexEntry
from webex_vault.credential_states import STATES, Health
from webex_vault.metrics import exposition, write_textfile
from webex_vault_testing.base import REPO

RULES = REPO / "docs" / "examples" / "credential-health.rules.yml"


def row(name: str, health: Health) -> Row:
    return Row(IndexEntry(name, "oauthapp", "webex-myapp", "test", ""), health)


ROWS = [
    row("healthy", Health("healthy", "", 3600)),
    row("revoked", Health("reauthorize", "refresh failed: …", 900)),
    row("failing", Health("refresh_failing", "refresh failed: 503", 1800, 3)),
    row("failing-too", Health("refresh_failing", "refresh failed: 503", 1700, 2)),
    row("deleted", Health("missing")),
    row("dead", Health("reauthorize", "refresh failed: …")),  # expired: no seconds left
]


def samples(text: str) -> dict[tuple[str, str | None], float]:
    return {
        (sample.name, sample.labels.get("state")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_counts_per_state_soonest_expiry_and_failures() -> None:
    found = samples(exposition("oauthapp", ROWS, 1796500000.5))

    assert {state: found[("webex_vault_credentials", state)] for state in STATES} == {
        "healthy": 1,
        "refresh_failing": 2,
        "reauthorize": 2,
        "server_misconfigured": 0,
        "expired": 0,
        "missing": 1,
        "unreadable": 0,
    }
    assert found[("webex_vault_credential_refresh_failures", None)] == 5
    assert found[("webex_vault_credential_soonest_expiry_seconds", None)] == 900
    assert found[("webex_vault_credential_reauthorize_deadline_seconds", None)] == 900
    assert found[("webex_vault_credential_report_up", None)] == 1
    assert found[("webex_vault_credential_report_timestamp_seconds", None)] == 1796500000.5


def test_every_family_has_help_and_type_and_the_mount_label() -> None:
    text = exposition('odd"mount', ROWS, 0)
    families = list(text_string_to_metric_families(text))
    assert all(family.documentation and family.type == "gauge" for family in families)
    assert all(s.labels["mount"] == 'odd"mount' for f in families for s in f.samples)


def test_without_a_report_only_up_and_the_time_are_written() -> None:
    found = samples(exposition("oauthapp", None, 5.0))
    assert found == {
        ("webex_vault_credential_report_up", None): 0,
        ("webex_vault_credential_report_timestamp_seconds", None): 5.0,
    }


def test_no_expiry_no_deadline_samples() -> None:
    names = {name for name, _ in samples(exposition("oauthapp", [ROWS[0]], 0))}
    assert "webex_vault_credential_reauthorize_deadline_seconds" not in names
    assert "webex_vault_credential_soonest_expiry_seconds" in names
    names = {name for name, _ in samples(exposition("oauthapp", [], 0))}
    assert "webex_vault_credential_soonest_expiry_seconds" not in names


def test_the_textfile_is_replaced_whole_and_readable_by_node_exporter(tmp_path: Path) -> None:
    target = tmp_path / "webex_vault.prom"
    target.write_text("old\n")

    write_textfile(target, "new\n")

    assert target.read_text() == "new\n" and list(tmp_path.iterdir()) == [target]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "webex_vault.prom"
    target.write_text("old\n")

    def broken(self: Path, mode: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "chmod", broken)
    with pytest.raises(OSError, match="disk full"):
        write_textfile(target, "new\n")

    assert target.read_text() == "old\n" and list(tmp_path.iterdir()) == [target]


def test_the_report_writes_the_textfile_even_when_vault_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VAULT_ADDR", "http://127.0.0.1:9")
    monkeypatch.setenv("VAULT_TOKEN", "t")
    monkeypatch.delenv("VAULT_ROLE_ID", raising=False)
    target = tmp_path / "webex_vault.prom"

    assert credential_report.main(["--textfile", str(target)]) == credential_report.UNKNOWN

    capsys.readouterr()
    assert samples(target.read_text())[("webex_vault_credential_report_up", None)] == 0


def test_the_alert_rules_are_prometheus_rules_on_the_reports_metrics() -> None:
    """Every rule names an alert, an expression on metrics the report writes, a severity and a
    summary; promtool (Debian's prometheus package) checks the file too where it is installed."""
    written = {family.name for family in text_string_to_metric_families(exposition("m", ROWS, 0))}
    rules = yaml.safe_load(RULES.read_text())
    (group,) = rules["groups"]
    assert group["name"] and len(group["rules"]) == 4
    for rule in group["rules"]:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert rule["alert"] and rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]
        used = set(re.findall(r"webex_vault_\w+", rule["expr"]))
        assert used and used <= written, (rule["alert"], used - written)
    reauthorize = next(r for r in group["rules"] if r["alert"] == "WebexUserMustReauthorizeSoon")
    assert "webex_vault_credential_reauthorize_deadline_seconds <" in reauthorize["expr"]
    promtool = shutil.which("promtool")
    if promtool:
        checked = subprocess.run(
            [promtool, "check", "rules", str(RULES)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
