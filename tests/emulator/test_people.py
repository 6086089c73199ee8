"""Tests for webex_emulator.people: people/me in Webex's field names, the avatar, the scopes it
needs, and profile updates. The Flask app runs in-process with a fake clock (fixtures in
conftest.py, requests shaped like golang.org/x/oauth2's in webex_vault_testing.emulator_app)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

import webex_emulator as emu
from webex_vault_testing.emulator_app import (
    TRACKING_ID,
    UUID,
    control,
    decode_webex_id,
    new_tokens,
    people_me,
)


def test_people_me_returns_the_person_in_webex_field_names(client, clock):
    response = people_me(client, new_tokens(client)["access_token"])

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    person = response.get_json()
    assert re.fullmatch(rf"ciscospark://us/PEOPLE/{UUID}", decode_webex_id(person["id"]))
    assert re.fullmatch(rf"ciscospark://us/ORGANIZATION/{UUID}", decode_webex_id(person["orgId"]))
    assert person["emails"] == ["demo.user@example.com"]
    assert person["phoneNumbers"] == []
    assert person["displayName"] == "Demo User"
    assert (person["firstName"], person["lastName"], person["nickName"]) == ("Demo", "User", "Demo")
    assert person["created"] == "2027-01-15T08:00:00.000Z"
    assert person["lastModified"] == person["created"]
    assert (person["status"], person["type"]) == ("active", "person")
    assert person["avatar"].startswith("http://localhost/_emulator/avatar/")


def test_the_default_avatar_is_served_locally_as_svg(client):
    avatar_url = people_me(client, new_tokens(client)["access_token"]).get_json()["avatar"]

    response = client.get(urlsplit(avatar_url).path)

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert ">DU</text>" in response.get_data(as_text=True)


def test_people_me_needs_a_people_read_scope(client):
    token = new_tokens(client, scope="spark:kms meeting:schedules_read")["access_token"]

    response = people_me(client, token)

    assert response.status_code == 403
    body = response.get_json()
    assert body["message"] == emu.MISSING_SCOPE_MESSAGE
    assert body["errors"] == [{"description": emu.MISSING_SCOPE_MESSAGE}]
    assert TRACKING_ID.fullmatch(body["trackingId"])


def test_spark_all_also_allows_people_me(client):
    token = new_tokens(client, scope="spark:all")["access_token"]

    assert people_me(client, token).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"id": "x"}, {"created": "2020"}, {"shoeSize": "42"}, {"emails": "a@b.c"}, {"displayName": 7}],
)
def test_profile_updates_reject_read_only_unknown_or_mistyped_fields(client, body):
    assert control(client, "PUT", "user", body).status_code == 400


def test_a_null_profile_field_is_left_out_of_people_me(client):
    token = new_tokens(client)["access_token"]

    control(client, "PUT", "user", {"avatar": None, "nickName": None})
    person = people_me(client, token).get_json()

    assert "avatar" not in person
    assert "nickName" not in person
