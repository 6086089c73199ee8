"""The root token a hand-over left live (issue 20): a run that stops between writing the admin
file and revoking the root token, and an admin file from an older release (SECURITY.md, "Admin
identity", step 4).

- the admin stack's first run was killed right after it wrote the admin file (its fixture,
  webex_vault_testing.admin_identity.replay_stopped_handover): the init file's root token was
  still live; --check reports its revocation and the mark and leaves it; the next run revokes
  it and writes the mark beside the admin file (0600);
- an admin file without the mark (an older release's): one run checks the root token, finds it
  refused and records the mark; the run after it checks no root token and changes nothing.
The dev server's hand-over, stopped the same way: test_admin_handover.py.
"""

from __future__ import annotations

import re
import signal

import pytest

from webex_vault_testing.admin_identity import API_PLAYBOOK, api_vars, changed, run

pytestmark = pytest.mark.integration


def outcome(output: str, task: str) -> str | None:
    """What the (last) task whose name holds task reported: ok, changed, skipping, fatal; None
    when it never reported."""
    found = re.findall(rf"^TASK \[[^\]]*{re.escape(task)}[^\]]*\][^\n]*\n(\w+)", output, re.M)
    return found[-1] if found else None


def test_a_run_that_stopped_before_revoking_the_root_token_is_finished_by_the_next(admin_stack):
    """Issue 20: the next run used the admin identity and left the root token live for good."""
    replay = admin_stack.handover
    assert replay is not None
    assert replay.stopped.returncode == -signal.SIGKILL, replay.stopped.stdout[-5000:]
    assert outcome(replay.stopped.stdout, "admin | Write the admin policy") == "changed"
    assert outcome(replay.stopped.stdout, "admin | Revoke the root token") is None
    # The stop left the admin file and a live root token; --check reports the revocation and
    # the mark and leaves the token to the real run, which revokes it.
    assert replay.root_status == {"stopped": 200, "checked": 200, "finished": 403}
    for run_output in (replay.checked.stdout, replay.finished.stdout):
        assert changed(run_output) == 2, run_output[-5000:]
        for task in ("admin | Revoke the root token", "admin | Record that the root token is"):
            assert outcome(run_output, task) == "changed", run_output[-5000:]
    assert admin_stack.root_revoked_mark.stat().st_mode & 0o777 == 0o600


def test_an_admin_file_without_the_mark_gets_it_once(admin_stack):
    admin_stack.root_revoked_mark.unlink()
    first = run(admin_stack, API_PLAYBOOK, *api_vars(admin_stack))
    assert first.returncode == 0 and changed(first.stdout) == 1, first.stdout[-5000:]
    assert outcome(first.stdout, "credentials | Check the root token in hand") == "ok"
    assert outcome(first.stdout, "admin | Revoke the root token") == "skipping"
    assert outcome(first.stdout, "admin | Record that the root token is") == "changed"
    assert admin_stack.root_revoked_mark.is_file()
    # The mark vouches for the revocation: the next run does not look at the token again.
    again = run(admin_stack, API_PLAYBOOK, *api_vars(admin_stack))
    assert again.returncode == 0 and changed(again.stdout) == 0, again.stdout[-5000:]
    assert outcome(again.stdout, "credentials | Check the root token in hand") == "skipping"
