"""The Webex API call the samples make (GET /people/me), its failures as SampleErrors."""

from __future__ import annotations

import email.utils
import math
from datetime import UTC, datetime
from typing import Any

import requests

from webex_vault.errors import (
    WebexRateLimited,
    WebexRequestFailed,
    WebexUnauthorized,
    clip,
    network_failure,
)

DEFAULT_RETRY_AFTER_SECONDS = 15


def webex_people_me(
    session: requests.Session, base_url: str, access_token: str, timeout: float
) -> dict[str, Any]:
    """GET /people/me: the person the access token belongs to."""
    url = f"{base_url.rstrip('/')}/people/me"
    try:
        response = session.get(
            url,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=timeout,
        )
    except requests.exceptions.RequestException as error:
        raise WebexRequestFailed(
            f"{network_failure('Webex', base_url, error)}; check WEBEX_API_BASE_URL."
        ) from error

    if response.status_code == 401:
        raise WebexUnauthorized(_webex_message(response))
    if response.status_code == 429:
        raise WebexRateLimited(retry_after_seconds(response.headers.get("Retry-After")))
    if not response.ok:
        tracking = _webex_tracking_id(response)
        raise WebexRequestFailed(
            f"Webex answered {response.status_code} to GET /people/me: "
            f"{_webex_message(response)}" + (f" (trackingId {tracking})." if tracking else ".")
        )
    try:
        person = response.json()
    except ValueError:
        person = None
    if not isinstance(person, dict):
        raise WebexRequestFailed("Webex answered GET /people/me with a body that is not a person.")
    return person


def retry_after_seconds(value: str | None, now: datetime | None = None) -> int:
    """Seconds to wait after a 429: Retry-After as seconds or an HTTP date, else 15; at least 1."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit():
        return max(1, int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
    if when.tzinfo is None:
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(1, math.ceil((when - (now or datetime.now(UTC))).total_seconds()))


def _webex_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _webex_message(response: requests.Response) -> str:
    # Webex errors look like {"message": ..., "errors": [{"description": ...}], "trackingId": ...}
    body = _webex_body(response)
    message = body.get("message")
    if not message and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        message = first.get("description") if isinstance(first, dict) else None
    return clip(str(message or response.reason or "no error message").strip().rstrip("."))


def _webex_tracking_id(response: requests.Response) -> str | None:
    tracking = _webex_body(response).get("trackingId") or response.headers.get("trackingId")
    return clip(str(tracking)) if tracking else None
