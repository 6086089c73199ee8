"""Tests for webex_emulator.control, the control API under /_emulator: expiring and revoking tokens,
health, stats, reset, JSON for unknown paths. The Flask app runs in-process with a fake clock
(fixtures in conftest.py, requests shaped like golang.org/x/oauth2's in
webex_vault_testing.emulator_app)."""

from __future__ import annotations

import pytest

from webex_vault_testing.emulator_app import (
    approve,
    assert_unauthorized,
    control,
    new_tokens,
    people_me,
    refresh,
)


def test_expire_control_endpoint_expires_one_access_token(client):
    kept, expired = new_tokens(client), new_tokens(client)

    response = control(
        client, "POST", "tokens/expire", {"kind": "access", "token": expired["access_token"]}
    )

    assert response.get_json() == {"expired": 1}
    assert_unauthorized(people_me(client, expired["access_token"]))
    assert people_me(client, kept["access_token"]).status_code == 200
    assert refresh(client, expired["refresh_token"]).status_code == 200


def test_expire_all_refresh_tokens_leaves_access_tokens_alone(client):
    tokens = new_tokens(client)

    control(client, "POST", "tokens/expire", {"kind": "refresh"})

    assert refresh(client, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert people_me(client, tokens["access_token"]).status_code == 200


def test_expire_with_no_body_expires_everything(client):
    tokens = new_tokens(client)

    assert client.post("/_emulator/tokens/expire").get_json() == {"expired": 2}
    assert_unauthorized(people_me(client, tokens["access_token"]))


@pytest.mark.parametrize(
    ("body", "status"),
    [({"kind": "codes"}, 400), ({"kind": "refresh", "token": "unknown"}, 404), ({"token": 5}, 400)],
)
def test_expire_rejects_bad_requests(client, body, status):
    assert control(client, "POST", "tokens/expire", body).status_code == status


def test_revoking_a_refresh_token_revokes_its_access_tokens(client):
    client.post("/_emulator/settings", json={"rotate_refresh_tokens": True})
    revoked, kept = new_tokens(client), new_tokens(client)
    rotated = refresh(client, revoked["refresh_token"]).get_json()

    response = control(client, "POST", "tokens/revoke", {"token": rotated["refresh_token"]})

    assert response.get_json() == {"revoked": {"access": 2, "refresh": 1}}
    assert_unauthorized(people_me(client, revoked["access_token"]))
    assert_unauthorized(people_me(client, rotated["access_token"]))
    assert refresh(client, rotated["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert people_me(client, kept["access_token"]).status_code == 200


def test_revoke_without_a_token_revokes_everything(client):
    tokens = new_tokens(client)

    response = control(client, "POST", "tokens/revoke", {})

    assert response.get_json() == {"revoked": {"access": 1, "refresh": 1}}
    assert_unauthorized(people_me(client, tokens["access_token"]))
    assert control(client, "POST", "tokens/revoke", {"token": "gone"}).status_code == 404


def test_health(client):
    response = client.get("/_emulator/health")

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_stats_count_endpoints_grants_auth_styles_and_live_tokens(client, state):
    tokens = new_tokens(client)
    refresh(client, tokens["refresh_token"], auth="body")
    people_me(client, tokens["access_token"])
    people_me(client, "bad")
    approve(client)  # one code left unused

    stats = control(client, "GET", "stats").get_json()

    assert stats["requests"] == {"authorize": 2, "access_token": 2, "people_me": 2}
    assert stats["grant_types"] == {"authorization_code": 1, "refresh_token": 1, "other": 0}
    assert stats["client_auth"] == {"basic": 1, "body": 1, "none": 0}
    assert stats["responses"]["people_me"] == {"200": 1, "401": 1}
    assert stats["responses"]["access_token"] == {"200": 2}
    assert stats["issued"] == {"codes": 2, "access_tokens": 2, "refresh_tokens": 1}
    assert stats["live_tokens"] == {"access": 2, "refresh": 1, "codes": 1}
    assert stats["faults_injected"] == {"access_token": 0, "people_me": 0}


def test_reset_restores_the_start_state(client):
    tokens = new_tokens(client)
    control(client, "POST", "settings", {"auto_approve": True, "error_style": "webex"})
    control(client, "PUT", "user", {"displayName": "Changed"})
    control(client, "POST", "users", {"displayName": "Extra Person"})
    control(client, "POST", "faults", {"endpoint": "people_me", "status": 500})

    assert control(client, "POST", "reset").status_code == 200

    assert_unauthorized(people_me(client, tokens["access_token"]))  # no fault left
    assert control(client, "GET", "settings").get_json()["auto_approve"] is False
    assert control(client, "GET", "user").get_json()["displayName"] == "Demo User"
    assert len(control(client, "GET", "users").get_json()["items"]) == 1
    stats = control(client, "GET", "stats").get_json()
    assert stats["requests"]["access_token"] == 0
    assert stats["live_tokens"] == {"access": 0, "refresh": 0, "codes": 0}


def test_unknown_paths_answer_in_json(client):
    webex_style = client.get("/v1/rooms")
    wrong_method = client.get("/v1/access_token")
    control_style = client.get("/_emulator/nothing")

    assert webex_style.status_code == 404
    assert set(webex_style.get_json()) == {"message", "errors", "trackingId"}
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]
    assert control_style.status_code == 404
    assert "error" in control_style.get_json()
