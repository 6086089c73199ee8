"""Tests for webex_vault.webex: people/me against a stub with Webex's real error bodies (401, 429
with Retry-After, 5xx, unreachable)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

import webex_vault
from webex_vault import (
    WebexRateLimited,
    WebexRequestFailed,
    WebexUnauthorized,
)
from webex_vault_testing import free_port
from webex_vault_testing.recorded import (
    ACCESS_TOKEN,
    PERSON,
    WEBEX_401,
    WEBEX_401_MESSAGE,
    assert_one_sentence,
)
from webex_vault_testing.stub import Stub


def people_me(stub_webex: Stub) -> dict[str, Any]:
    with requests.Session() as session:
        return webex_vault.webex_people_me(session, f"{stub_webex.url}/v1", ACCESS_TOKEN, 5)


def test_webex_people_me(stub_webex: Stub) -> None:
    stub_webex.route("GET", "/v1/people/me", (200, PERSON))

    assert people_me(stub_webex)["displayName"] == "Alice Example"
    assert stub_webex.seen[-1]["headers"]["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_webex_401_asks_to_reauthorize(stub_webex: Stub) -> None:
    stub_webex.route("GET", "/v1/people/me", (401, WEBEX_401))

    with pytest.raises(WebexUnauthorized, match="re-authorize") as caught:
        people_me(stub_webex)
    assert WEBEX_401_MESSAGE.rstrip(".") in str(caught.value)
    assert_one_sentence(str(caught.value))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7), (None, 15), ("soon", 15), ("-3", 15), ("0", 1), ("2.5", 15), ("²", 15)],
)
def test_webex_429_carries_retry_after(stub_webex: Stub, header: str | None, seconds: int) -> None:
    headers = {"Retry-After": header} if header is not None else {}
    stub_webex.route("GET", "/v1/people/me", (429, None), headers)

    with pytest.raises(WebexRateLimited) as caught:
        people_me(stub_webex)
    assert caught.value.retry_after == seconds
    assert f"{seconds} seconds" in str(caught.value)
    assert_one_sentence(str(caught.value))


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert webex_vault.retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30
    assert webex_vault.retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now) == 1


def test_webex_other_errors(stub_webex: Stub) -> None:
    stub_webex.route(
        "GET",
        "/v1/people/me",
        (503, {"message": "Service Unavailable", "trackingId": "ROUTER_1234"}),
    )

    with pytest.raises(WebexRequestFailed, match="503.*ROUTER_1234") as caught:
        people_me(stub_webex)
    assert_one_sentence(str(caught.value))


def test_webex_unreachable() -> None:
    base = f"http://127.0.0.1:{free_port()}/v1"
    with requests.Session() as session, pytest.raises(WebexRequestFailed) as caught:
        webex_vault.webex_people_me(session, base, ACCESS_TOKEN, 5)
    assert "WEBEX_API_BASE_URL" in str(caught.value)
    assert_one_sentence(str(caught.value))
