"""Tests for webex_emulator.server: the threaded HTTP server serves the whole flow, one code
exchanged at once succeeds once, and only loopback addresses are served. The Flask app runs in-
process with a fake clock (fixtures in conftest.py, requests shaped like golang.org/x/oauth2's in
webex_vault_testing.emulator_app)."""

from __future__ import annotations

import concurrent.futures
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

import webex_emulator as emu
from webex_vault_testing.emulator_app import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    authorize_params,
    go_basic_auth,
    make_settings,
)


def test_start_in_thread_serves_the_whole_flow_over_http(live_server):
    _, base_url = live_server
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
    session = requests.Session()
    requests_settings = {"auto_approve": True}
    session.post(f"{base_url}/_emulator/settings", json=requests_settings, timeout=5)

    authorize = session.get(
        f"{base_url}/v1/authorize", params=authorize_params(), allow_redirects=False, timeout=5
    )
    code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
    token = session.post(
        f"{base_url}/v1/access_token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers=go_basic_auth(),
        timeout=5,
    )
    access_token = token.json()["access_token"]
    person = session.get(
        f"{base_url}/v1/people/me",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=5,
    )

    assert token.headers["Content-Type"] == "application/json"
    assert person.json()["avatar"].startswith(f"{base_url}/_emulator/avatar/")


def test_concurrent_exchanges_of_one_code_succeed_once(live_server):
    server, base_url = live_server
    server.state.update_settings({"auto_approve": True})
    authorize = requests.get(
        f"{base_url}/v1/authorize", params=authorize_params(), allow_redirects=False, timeout=5
    )
    code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }

    def attempt(_):
        return requests.post(f"{base_url}/v1/access_token", data=data, timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(16)))

    assert statuses == [200] + [400] * 15


def test_start_in_thread_refuses_a_public_address():
    with pytest.raises(ValueError, match="only binds to loopback"):
        emu.start_in_thread(make_settings(host="0.0.0.0"))  # noqa: S104 (that is the test)
