"""User profiles shaped like GET /v1/people/me answers."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import url_for

from webex_emulator.records import ControlError

WEBEX_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.000Z"

_PROFILE_READ_ONLY = ("id", "orgId", "created", "lastModified")
_PROFILE_STRING_FIELDS = (
    "displayName",
    "nickName",
    "firstName",
    "lastName",
    "avatar",
    "status",
    "type",
    "department",
    "title",
    "timezone",
    "extension",
    "locationId",
    "manager",
    "managerId",
)
_PROFILE_LIST_FIELDS = (
    "emails",
    "phoneNumbers",
    "roles",
    "licenses",
    "addresses",
    "siteUrls",
    "sipAddresses",
)


def webex_id(kind: str, raw_uuid: str) -> str:
    """Webex ids are unpadded base64 of ciscospark://us/<KIND>/<uuid>."""
    return (
        base64.urlsafe_b64encode(f"ciscospark://us/{kind}/{raw_uuid}".encode()).decode().rstrip("=")
    )


def webex_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime(WEBEX_TIME_FORMAT)


def new_person(org_uuid: str, display_name: str, email: str, now: float) -> dict[str, Any]:
    """A profile with the field names of GET /v1/people/me (webex-openapi-specs).

    No "avatar" key means the emulator serves its own picture; avatar null means none."""
    first_name, _, last_name = display_name.partition(" ")
    created = webex_time(now)
    return {
        "id": webex_id("PEOPLE", str(uuid.uuid4())),
        "emails": [email],
        "phoneNumbers": [],
        "displayName": display_name,
        "nickName": first_name,
        "firstName": first_name,
        "lastName": last_name,
        "orgId": webex_id("ORGANIZATION", org_uuid),
        "created": created,
        "lastModified": created,
        "status": "active",
        "type": "person",
    }


def check_profile_changes(changes: Mapping[str, Any]) -> None:
    """Raise ControlError unless every change names a writable field with a fitting type.
    null is allowed everywhere: it removes the field from the people/me answer."""
    for name, value in changes.items():
        if name in _PROFILE_READ_ONLY:
            raise ControlError(f"The profile field {name!r} cannot be changed.")
        if name in _PROFILE_STRING_FIELDS:
            expected: type = str
        elif name in _PROFILE_LIST_FIELDS:
            expected = list
        else:
            raise ControlError(f"Unknown profile field {name!r}.")
        if value is not None and not isinstance(value, expected):
            kind = "a string" if expected is str else "a list"
            raise ControlError(f"The profile field {name!r} must be {kind} or null.")


def person_document(profile: Mapping[str, Any]) -> dict[str, Any]:
    """The people/me answer: the default avatar filled in, null fields left out."""
    document = dict(profile)
    document.setdefault(
        "avatar", url_for("control.avatar", person_id=profile["id"], _external=True)
    )
    return {name: value for name, value in document.items() if value is not None}


def initials(display_name: str) -> str:
    return "".join(word[0] for word in display_name.split()[:2]).upper() or "?"
