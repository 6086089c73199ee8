"""webex_vault_web.serving: the port check of the waitress entry point (`webex-vault-web`,
samples/people_me_flask.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from webex_vault_web.serving import parser, port_problem


def test_a_port_other_than_the_loopback_redirect_urls_names_the_setting_and_the_fix():
    problem = port_problem(urlsplit("http://localhost:5000/auth"), 18080)
    assert problem == (
        "The app listens on port 18080, but OAUTHAPP_REDIRECT_URL (http://localhost:5000/auth) "
        "sends the browser back to port 5000: start it without --port, or set "
        "OAUTHAPP_REDIRECT_URL to http://localhost:18080/auth (the playbook's "
        "oauthapp_webex_app_redirect_url, and the redirect URI registered with Webex)."
    )


@pytest.mark.parametrize(
    ("redirect", "port"),
    [
        ("http://localhost:5000/auth", 5000),
        ("http://127.0.0.1/auth", 80),
        # A public redirect URL points at a reverse proxy, whose port may rightly differ.
        ("https://app.example.com/auth", 8080),
    ],
)
def test_no_problem_when_the_browser_comes_back_to_the_app(redirect, port):
    assert port_problem(urlsplit(redirect), port) is None


def test_the_command_line_options():
    args = parser().parse_args(["--port", "8080", "--threads", "16", "--prune-every", "0"])
    assert (args.host, args.port, args.threads, args.prune_every) == ("127.0.0.1", 8080, 16, 0)
