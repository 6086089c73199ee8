"""Serve the app with waitress, a production WSGI server, and prune idle credentials hourly.

    webex-vault-web [--host 127.0.0.1] [--port 5000] [--threads 8] [--prune-every 3600] [--debug]

The console script of the installed package reads its settings from the environment and the
file WEBEX_VAULT_WEB_ENV_FILE names (default `web.env` in the working folder);
samples/people_me_flask.py runs the same `main` with the `web.env` beside it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import waitress
from flask import Flask

from webex_vault import SampleError
from webex_vault.settings import is_loopback_host

from . import create_app
from .commands import prune_periodically

DEFAULT_THREADS = 8
PRUNE_EVERY_SECONDS = 3600

_log = logging.getLogger("webex_vault_web.serving")

AppFactory = Callable[[Mapping[str, Any] | None], Flask]


def default_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app with `web.env` in the working folder as its settings file."""
    return create_app(test_config, default_env_file=Path.cwd() / "web.env")


def parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Sign in with Webex; Vault keeps the tokens."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=int, help="port to listen on (default: the redirect URL's port)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"requests served at once (default {DEFAULT_THREADS})",
    )
    parser.add_argument(
        "--prune-every",
        type=int,
        default=PRUNE_EVERY_SECONDS,
        metavar="SECONDS",
        help="delete idle credentials at start and then this often (default 3600; 0: never)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show error details; FLASK_SECRET_KEY optional"
    )
    return parser


def port_problem(redirect: SplitResult, port: int) -> str | None:
    """One sentence when the browser would come back to another port than the one the app
    listens on.

    Only for a loopback redirect URL: a public one points at a reverse proxy, whose port may
    rightly differ from the app's."""
    default = 443 if redirect.scheme == "https" else 80
    redirect_port = redirect.port or default
    if not is_loopback_host(redirect.hostname) or redirect_port == port:
        return None
    fixed = redirect._replace(netloc=f"{redirect.hostname}:{port}").geturl()
    return (
        f"The app listens on port {port}, but OAUTHAPP_REDIRECT_URL ({redirect.geturl()}) sends "
        f"the browser back to port {redirect_port}: start it without --port, or set "
        f"OAUTHAPP_REDIRECT_URL to {fixed} (the playbook's oauthapp_webex_app_redirect_url, "
        "and the redirect URI registered with Webex)."
    )


def main(argv: list[str] | None = None, *, app_factory: AppFactory = default_app) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    try:
        app = app_factory({"DEBUG": True} if args.debug else None)
    except SampleError as error:
        print(f"people_me_flask: {error}", file=sys.stderr)
        return error.exit_code
    redirect = urlsplit(app.extensions["webex_vault"].settings.oauthapp_redirect_url)
    port = args.port or redirect.port or (443 if redirect.scheme == "https" else 80)
    # Sign-in cannot complete while the browser comes back elsewhere: say so, and serve anyway
    # (a proxy or a port forward may still join the two).
    problem = port_problem(redirect, port)
    if problem:
        _log.warning("%s", problem)
    else:
        _log.info("Open %s://%s/ in a browser.", redirect.scheme, redirect.netloc)
    _log.info("Listening on %s:%s.", args.host, port)
    if args.prune_every > 0:
        credentials = app.extensions["webex_vault"].credentials
        pruning = (credentials, args.prune_every, threading.Event())
        threading.Thread(target=prune_periodically, args=pruning, daemon=True).start()
    waitress.serve(app, host=args.host, port=port, threads=args.threads, ident="webex-vault")
    return 0


def console() -> None:
    """The `webex-vault-web` command."""
    sys.exit(main())
