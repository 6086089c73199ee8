"""Tests for webex_emulator.faults: injected 429s and 5xx, faults queued in order or aimed at one
grant, hangs and latency. The Flask app runs in-process with a fake clock (fixtures in
conftest.py, requests shaped like golang.org/x/oauth2's in webex_vault_testing.emulator_app)."""

from __future__ import annotations

import pytest
import requests

from webex_vault_testing.emulator_app import (
    approve,
    control,
    exchange,
    new_tokens,
    people_me,
    refresh,
)


def test_people_me_429_fault_sends_retry_after(client):
    token = new_tokens(client)["access_token"]
    control(client, "POST", "faults", {"endpoint": "people_me", "status": 429, "retry_after": 7})

    limited = people_me(client, token)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert set(limited.get_json()) == {"message", "errors", "trackingId"}
    assert people_me(client, token).status_code == 200


@pytest.mark.parametrize(("retry_after", "header"), [("absent", "1"), (None, None)])
def test_429_fault_retry_after_defaults_to_one_and_null_leaves_it_out(client, retry_after, header):
    token = new_tokens(client)["access_token"]
    fault = {"endpoint": "people_me", "status": 429}
    if retry_after != "absent":
        fault["retry_after"] = retry_after
    control(client, "POST", "faults", fault)

    assert people_me(client, token).headers.get("Retry-After") == header


def test_token_endpoint_fault_fails_the_next_n_calls_without_touching_the_code(client, state):
    code = approve(client)
    control(client, "POST", "faults", {"endpoint": "access_token", "status": 500, "count": 2})

    statuses = [exchange(client, code).status_code for _ in range(3)]

    assert statuses == [500, 500, 200]
    assert state.stats()["faults_injected"] == {"access_token": 2, "people_me": 0}


@pytest.mark.parametrize(
    ("error_style", "expected"),
    [
        ("rfc", {"error": "invalid_grant"}),
        ("webex", {"errors": [{"description": "Injected by the Webex emulator's fault API."}]}),
    ],
)
def test_token_endpoint_4xx_fault_uses_the_current_error_shape(client, error_style, expected):
    client.post("/_emulator/settings", json={"error_style": error_style})
    control(
        client,
        "POST",
        "faults",
        {"endpoint": "access_token", "status": 400, "error": "invalid_grant"},
    )

    body = refresh(client, "anything").get_json()

    assert expected.items() <= body.items()


def test_faults_queue_in_order_and_can_be_cleared(client):
    control(client, "POST", "faults", {"endpoint": "access_token", "status": 503})
    queued = control(client, "POST", "faults", {"endpoint": "access_token", "status": 502})
    assert queued.get_json() == {"endpoint": "access_token", "queued": 2}

    assert refresh(client, "x").status_code == 503
    control(client, "DELETE", "faults")

    assert refresh(client, "x").status_code == 400


def test_a_fault_aimed_at_a_grant_fails_only_that_grants_refreshes(client):
    """One user's refreshes fail while everyone else's work: the fault names one of the user's
    tokens (the access token is the one a test can read from Vault)."""
    first, second = new_tokens(client), new_tokens(client)
    aimed = {"endpoint": "access_token", "status": 503, "count": 2, "token": first["access_token"]}
    assert control(client, "POST", "faults", aimed).get_json()["queued"] == 2

    assert refresh(client, second["refresh_token"]).status_code == 200
    assert exchange(client, approve(client)).status_code == 200  # a sign-in is not that grant
    assert refresh(client, first["refresh_token"]).status_code == 503
    assert refresh(client, first["refresh_token"]).status_code == 503
    assert refresh(client, first["refresh_token"]).status_code == 200  # used up


def test_a_fault_aimed_at_an_unknown_token_is_refused(client):
    body = {"endpoint": "access_token", "status": 503, "token": "no-such-token"}
    assert control(client, "POST", "faults", body).status_code == 404
    body = {"endpoint": "people_me", "status": 503, "token": "x"}
    assert control(client, "POST", "faults", body).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "authorize", "status": 500},
        {"endpoint": "people_me", "status": 200},
        {"endpoint": "people_me", "status": 500, "count": 0},
        {"endpoint": "people_me"},
        {"endpoint": "people_me", "status": 500, "surprise": 1},
        {"endpoint": "people_me", "hang_seconds": -1},
        {"endpoint": "people_me", "status": 429, "retry_after": "soon"},
    ],
)
def test_fault_requests_are_validated(client, body):
    assert control(client, "POST", "faults", body).status_code == 400


def test_hang_fault_stalls_a_real_http_call(live_server):
    server, base_url = live_server
    requests.post(
        f"{base_url}/_emulator/faults",
        json={"endpoint": "access_token", "hang_seconds": 30, "status": 500},
        timeout=5,
    )

    with pytest.raises(requests.Timeout):
        requests.post(f"{base_url}/v1/access_token", data={"grant_type": "x"}, timeout=0.3)
    server.state.reset()  # wakes the stalled request thread at once

    response = requests.post(f"{base_url}/v1/access_token", data={"grant_type": "x"}, timeout=5)
    assert response.status_code == 401


def test_hang_only_fault_delays_and_then_answers_normally(client, state, monkeypatch):
    waits = []
    monkeypatch.setattr(state.stop_waiting, "wait", waits.append)
    token = new_tokens(client)["access_token"]
    control(client, "POST", "faults", {"endpoint": "people_me", "hang_seconds": 0.25})

    assert people_me(client, token).status_code == 200
    assert waits == [0.25]


def test_latency_setting_delays_every_token_response(client, state, monkeypatch):
    waits = []
    monkeypatch.setattr(state.stop_waiting, "wait", waits.append)
    client.post("/_emulator/settings", json={"latency_ms": 40})

    refresh(client, "x")
    refresh(client, "y")

    assert waits == [0.04, 0.04]
