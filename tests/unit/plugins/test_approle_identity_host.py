"""webex_vault.oauthapp.approle_identity with role_id_file and secret_id_file: the IDs an agent
reads, written on the task's host through its connection (here a local one, through
ansible-playbook, so that the stat, slurp and copy modules really run)."""

from __future__ import annotations

import json
import stat
import time

from webex_vault_testing.fake_vault import printed
from webex_vault_testing.fake_vault_auth import rfc3339

NAME = "webex-agent-people-me"
POLICY = 'path "oauthapp/creds/people-me" {\n  capabilities = ["read"]\n}\n'
ROLE = {
    "token_policies": [NAME],
    "token_ttl": 1200,
    "token_max_ttl": 14400,
    "secret_id_ttl": 86400,
    "secret_id_num_uses": 0,
    "token_no_default_policy": True,
    "secret_id_bound_cidrs": [],
    "token_bound_cidrs": [],
}


def identity(vault, state_dir, **overrides):
    return {
        "url": vault.url,
        "token": vault.token,
        "name": NAME,
        "policy": POLICY,
        "role": ROLE,
        "role_id_file": str(state_dir / "role-id"),
        "secret_id_file": str(state_dir / "secret-id"),
        **overrides,
    }


def test_the_agent_gets_its_ids_in_private_files_and_a_rerun_writes_nothing(
    run_task, vault, tmp_path
):
    rc, first = run_task("approle_identity", identity(vault, tmp_path), "--diff")

    assert rc == 0 and first["changed"] is True and first["secret_id_issued"] is True
    role_id = (tmp_path / "role-id").read_text()
    secret_id = (tmp_path / "secret-id").read_text()
    assert role_id == vault.roles[("approle", NAME)]["role_id"]
    assert vault.secret_ids[secret_id][:2] == ("approle", NAME)
    for name in ("role-id", "secret-id"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert role_id not in printed(first) and secret_id not in printed(first)
    assert "(hidden, a new one)" in first["diff"][-1]["after"]

    writes = len(vault.writes())
    rc, again = run_task("approle_identity", identity(vault, tmp_path))

    assert rc == 0 and again["changed"] is False
    assert [path for _, path, _ in vault.writes()[writes:]] == [
        f"auth/approle/role/{NAME}/secret-id/lookup"
    ]
    assert (tmp_path / "secret-id").read_text() == secret_id


def test_a_secret_id_that_stopped_working_is_replaced_in_place(run_task, vault, tmp_path):
    run_task("approle_identity", identity(vault, tmp_path))
    old = (tmp_path / "secret-id").read_text()
    del vault.secret_ids[old]  # expired
    vault.secret_ids["by-hand"] = ("approle", NAME, "accessor-by-hand")

    rc, result = run_task("approle_identity", identity(vault, tmp_path))

    new = (tmp_path / "secret-id").read_text()
    # The one someone issued by hand is not this delivery's to destroy (issue 20).
    assert rc == 0 and result["secret_id_issued"] is True and result["superseded"] == 0
    assert new != old and list(vault.secret_ids) == ["by-hand", new]
    # The agent kept trying the dead one: its role ID's login lockout is lifted.
    role_id = (tmp_path / "role-id").read_text()
    unlocked = [path for _, path, _ in vault.writes() if path.startswith("sys/locked-users/")]
    assert [path.rsplit("/", 1)[1] for path in unlocked] == [role_id]


def test_a_loosened_mode_is_put_back_without_a_new_secret_id(run_task, vault, tmp_path):
    run_task("approle_identity", identity(vault, tmp_path))
    secret_id = (tmp_path / "secret-id").read_text()
    (tmp_path / "secret-id").chmod(0o644)

    rc, result = run_task("approle_identity", identity(vault, tmp_path))

    assert rc == 0 and result["changed"] is True and result["secret_id_issued"] is False
    assert stat.S_IMODE((tmp_path / "secret-id").stat().st_mode) == 0o600
    assert (tmp_path / "secret-id").read_text() == secret_id


def test_check_mode_reports_and_writes_nothing(run_task, vault, tmp_path):
    rc, result = run_task("approle_identity", identity(vault, tmp_path), "--check", "--diff")

    assert rc == 0 and result["changed"] is True
    assert vault.writes() == []
    assert not (tmp_path / "role-id").exists() and not (tmp_path / "secret-id").exists()
    assert [change["before_header"] for change in result["diff"]][-2:] == [
        str(tmp_path / "role-id"),
        str(tmp_path / "secret-id"),
    ]


def test_a_wrapped_secret_id_stays_with_the_agent_run_that_unwrapped_it(run_task, vault, tmp_path):
    wrapped = identity(vault, tmp_path, secret_id_wrap_ttl=300, secret_id_holder="run-1")
    rc, first = run_task("approle_identity", wrapped)
    token = (tmp_path / "secret-id").read_text()
    assert rc == 0 and vault.wrapped[token][0] == f"auth/approle/role/{NAME}/secret-id"
    state = json.loads((tmp_path / "secret-id.state").read_text())
    assert state["holder"] == "run-1" and token not in printed(state)

    # The agent unwraps it at its login and deletes the file (remove_secret_id_file_after_reading).
    vault.unwrap(token)
    (tmp_path / "secret-id").unlink()
    rc, same_run = run_task("approle_identity", wrapped)
    assert rc == 0 and same_run["changed"] is False
    assert not (tmp_path / "secret-id").exists()

    # A restarted agent (another run) lost it: it gets a new one.
    rc, restarted = run_task("approle_identity", {**wrapped, "secret_id_holder": "run-2"})
    assert rc == 0 and restarted["secret_id_issued"] is True
    assert (tmp_path / "secret-id").read_text() in vault.wrapped
    assert json.loads((tmp_path / "secret-id.state").read_text())["holder"] == "run-2"


def test_a_wrapped_secret_id_destroyed_on_the_server_is_replaced(run_task, vault, tmp_path):
    wrapped = identity(vault, tmp_path, secret_id_wrap_ttl=300, secret_id_holder="run-1")
    run_task("approle_identity", wrapped)
    secret_id = vault.unwrap((tmp_path / "secret-id").read_text())["secret_id"]
    (tmp_path / "secret-id").unlink()
    del vault.secret_ids[secret_id]

    rc, result = run_task("approle_identity", wrapped)

    assert rc == 0 and result["secret_id_issued"] is True


def test_an_expired_secret_id_is_replaced_whether_in_its_file_or_held_by_the_agent(
    run_task, vault, tmp_path
):
    plain = identity(vault, tmp_path / "plain")
    (tmp_path / "plain").mkdir()
    run_task("approle_identity", plain)
    old = (tmp_path / "plain" / "secret-id").read_text()
    vault.secret_id_expiration[vault.secret_ids[old][2]] = "2020-01-01T00:00:00Z"
    rc, result = run_task("approle_identity", plain)
    assert rc == 0 and result["secret_id_issued"] is True
    assert (tmp_path / "plain" / "secret-id").read_text() != old

    wrapped = identity(vault, tmp_path, secret_id_wrap_ttl=300, secret_id_holder="run-1")
    run_task("approle_identity", wrapped)
    held = vault.unwrap((tmp_path / "secret-id").read_text())["secret_id"]
    (tmp_path / "secret-id").unlink()
    vault.secret_id_expiration[vault.secret_ids[held][2]] = "2020-01-01T00:00:00Z"
    rc, result = run_task("approle_identity", wrapped)
    assert rc == 0 and result["secret_id_issued"] is True
    assert (tmp_path / "secret-id").read_text() in vault.wrapped


def test_one_place_for_the_ids(run_task, vault, tmp_path):
    rc, result = run_task(
        "approle_identity", identity(vault, tmp_path, env_file=str(tmp_path / "cli.env"))
    )

    assert rc != 0 and "Choose one place for the IDs" in result["msg"]
    assert vault.writes() == []


def test_an_agent_secret_id_due_for_renewal_is_replaced_while_it_keeps_working(
    run_task, vault, tmp_path
):
    run_task("approle_identity", identity(vault, tmp_path))
    old = (tmp_path / "secret-id").read_text()
    accessor = vault.secret_ids[old][2]
    # A day of its life left (of one): due with the default share (0.5).
    vault.secret_id_creation[accessor] = rfc3339(time.time() - 0.6 * 86400)
    vault.secret_id_expiration[accessor] = rfc3339(time.time() + 0.4 * 86400)

    rc, result = run_task("approle_identity", identity(vault, tmp_path))

    new = (tmp_path / "secret-id").read_text()
    assert rc == 0 and result["secret_id_renewed"] is True and new != old
    # The agent may still hold the old one: it works until it expires.
    assert set(vault.secret_ids) == {old, new} and result["kept_until_expiry"] == accessor
    metadata = vault.secret_id_metadata[vault.secret_ids[new][2]]
    assert metadata["delivered_to"] == f"localhost:{tmp_path / 'secret-id'}"
    rc, again = run_task("approle_identity", identity(vault, tmp_path))
    assert rc == 0 and again["changed"] is False
