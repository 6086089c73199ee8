"""Tests for webex_emulator.state: codes (single use, lifetime), access and refresh tokens (refresh,
rotation, expiry, runtime lifetimes), and the person each token belongs to. The Flask app runs in-
process with a fake clock (fixtures in conftest.py, requests shaped like golang.org/x/oauth2's in
webex_vault_testing.emulator_app)."""

from __future__ import annotations

from webex_vault_testing.emulator_app import (
    WEBEX_SECRET,
    approve,
    assert_unauthorized,
    control,
    exchange,
    new_tokens,
    people_me,
    refresh,
)


def test_a_code_is_single_use(client):
    code = approve(client)
    assert exchange(client, code).status_code == 200

    again = exchange(client, code)

    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"


def test_a_code_expires_after_the_code_lifetime(client, clock):
    fresh, stale = approve(client), approve(client)
    clock.advance(299)
    assert exchange(client, fresh).status_code == 200

    clock.advance(1)
    response = exchange(client, stale)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_code_lifetime_is_a_runtime_setting(client, clock):
    client.post("/_emulator/settings", json={"code_lifetime": 1})
    code = approve(client)

    clock.advance(1)

    assert exchange(client, code).get_json()["error"] == "invalid_grant"


def test_refresh_returns_a_new_access_token_and_the_same_refresh_token(client):
    first = new_tokens(client)

    response = refresh(client, first["refresh_token"])

    assert response.status_code == 200
    body = response.get_json()
    assert body["refresh_token"] == first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert people_me(client, body["access_token"]).status_code == 200
    assert refresh(client, first["refresh_token"]).status_code == 200


def test_using_a_refresh_token_resets_its_expiry(client, clock):
    client.post("/_emulator/settings", json={"refresh_token_lifetime": 100})
    refresh_token = new_tokens(client)["refresh_token"]

    clock.advance(60)
    assert refresh(client, refresh_token).get_json()["refresh_token_expires_in"] == 100
    clock.advance(60)  # 120 s after issue, 60 s after the last use

    assert refresh(client, refresh_token).status_code == 200


def test_an_unused_refresh_token_expires(client, clock):
    client.post("/_emulator/settings", json={"refresh_token_lifetime": 100})
    refresh_token = new_tokens(client)["refresh_token"]

    clock.advance(100)
    response = refresh(client, refresh_token)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_rotated_refresh_token_replaces_the_old_one(client):
    client.post("/_emulator/settings", json={"rotate_refresh_tokens": True})
    first = new_tokens(client)

    rotated = refresh(client, first["refresh_token"]).get_json()

    assert WEBEX_SECRET.fullmatch(rotated["refresh_token"])
    assert rotated["refresh_token"] != first["refresh_token"]
    assert refresh(client, first["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert refresh(client, rotated["refresh_token"]).status_code == 200


def test_token_lifetimes_are_runtime_settings(client):
    client.post(
        "/_emulator/settings", json={"access_token_lifetime": 5, "refresh_token_lifetime": 9}
    )

    body = new_tokens(client)

    assert (body["expires_in"], body["refresh_token_expires_in"]) == (5, 9)


def test_people_me_rejects_an_access_token_after_it_expires(client, clock):
    client.post("/_emulator/settings", json={"access_token_lifetime": 30})
    token = new_tokens(client)["access_token"]
    assert people_me(client, token).status_code == 200

    clock.advance(30)

    assert_unauthorized(people_me(client, token))


def test_people_me_returns_the_current_profile_of_the_token_user(client, clock):
    token = new_tokens(client)["access_token"]
    clock.advance(60)

    updated = control(client, "PUT", "user", {"displayName": "<script>alert(1)</script>"})
    person = people_me(client, token).get_json()

    assert updated.status_code == 200
    assert person["displayName"] == "<script>alert(1)</script>"
    assert person["lastModified"] == "2027-01-15T08:01:00.000Z"
    assert person["created"] == "2027-01-15T08:00:00.000Z"


def test_tokens_belong_to_the_user_who_approved(client):
    demo_token = new_tokens(client)["access_token"]
    demo_id = control(client, "GET", "user").get_json()["id"]
    alice = control(
        client,
        "POST",
        "users",
        {"displayName": "Alice Example", "emails": ["alice@example.com"]},
    )
    alice_token = new_tokens(client)["access_token"]

    assert alice.status_code == 201
    assert people_me(client, alice_token).get_json()["emails"] == ["alice@example.com"]
    assert people_me(client, alice_token).get_json()["firstName"] == "Alice"
    assert people_me(client, demo_token).get_json()["displayName"] == "Demo User"
    users = control(client, "GET", "users").get_json()
    assert [user["displayName"] for user in users["items"]] == ["Demo User", "Alice Example"]
    assert users["current"] == alice.get_json()["id"]
    assert control(client, "POST", "login", {"id": demo_id}).status_code == 200
    assert control(client, "GET", "user").get_json()["displayName"] == "Demo User"
    assert control(client, "POST", "login", {"id": "nobody"}).status_code == 404
