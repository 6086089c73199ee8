"""webex_vault.oauthapp.controller_file through ansible-playbook: written only when content or
mode differ, atomically with its final mode, check mode writes nothing, no_log hides the diff."""

from __future__ import annotations

SECRET = "secret-id-that-must-not-be-printed"


def test_writes_once_then_changes_nothing(run_task, tmp_path):
    dest = tmp_path / "app.env"
    code, result = run_task("controller_file", {"content": "A=1\n", "dest": str(dest)}, "--diff")
    assert code == 0 and result["changed"] is True
    assert dest.read_text() == "A=1\n"
    assert dest.stat().st_mode & 0o777 == 0o600
    assert result["diff"]["before"] == "" and result["diff"]["after"] == "A=1\n"
    code, result = run_task("controller_file", {"content": "A=1\n", "dest": str(dest)})
    assert code == 0 and result["changed"] is False


def test_a_content_or_mode_difference_is_written(run_task, tmp_path):
    dest = tmp_path / "app.env"
    dest.write_text("A=1\n")
    dest.chmod(0o644)
    code, result = run_task("controller_file", {"content": "A=1\n", "dest": str(dest)})
    assert code == 0 and result["changed"] is True
    assert dest.stat().st_mode & 0o777 == 0o600
    code, result = run_task("controller_file", {"content": "A=2\n", "dest": str(dest)}, "--diff")
    assert code == 0 and result["changed"] is True
    assert (result["diff"]["before"], result["diff"]["after"]) == ("A=1\n", "A=2\n")
    assert dest.read_text() == "A=2\n"
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_check_mode_reports_and_writes_nothing(run_task, tmp_path):
    dest = tmp_path / "app.env"
    dest.write_text("A=1\n")
    dest.chmod(0o600)
    code, result = run_task("controller_file", {"content": "A=2\n", "dest": str(dest)}, "--check")
    assert code == 0 and result["changed"] is True
    assert dest.read_text() == "A=1\n"
    code, result = run_task(
        "controller_file", {"content": "B=1\n", "dest": str(tmp_path / "new.env")}, "--check"
    )
    assert code == 0 and result["changed"] is True
    assert not (tmp_path / "new.env").exists()


def test_no_log_hides_the_content(run_task, tmp_path):
    dest = tmp_path / "app.env"
    code, result = run_task(
        "controller_file",
        {"content": f"VAULT_SECRET_ID={SECRET}\n", "dest": str(dest)},
        "--diff",
        no_log=True,
    )
    assert code == 0 and result["changed"] is True
    assert SECRET not in str(result)
    assert dest.read_text() == f"VAULT_SECRET_ID={SECRET}\n"


def test_a_missing_directory_or_bad_mode_fails_and_writes_nothing(run_task, tmp_path):
    code, result = run_task(
        "controller_file", {"content": "A=1\n", "dest": str(tmp_path / "no" / "app.env")}
    )
    assert code != 0 and "does not exist" in result["msg"]
    code, result = run_task(
        "controller_file", {"content": "A=1\n", "dest": str(tmp_path / "a.env"), "mode": "rw"}
    )
    assert code != 0 and "mode must be octal" in result["msg"]
    assert not (tmp_path / "a.env").exists()
