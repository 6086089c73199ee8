"""The web sample: sign in with Webex; Vault keeps each visitor's tokens; the page greets them.

    python samples/people_me_flask.py [--host 127.0.0.1] [--port 5000] [--threads 8]
        [--prune-every 3600] [--debug]
    cd samples && FLASK_APP=people_me_flask flask run      # Flask's development server
    cd samples && flask --app people_me_flask prune-credentials

The app itself is the package webex_vault_web (src/webex_vault_web/: an app factory and one
blueprint per concern); this file builds it with the settings file beside it and serves it with
waitress, a production WSGI server, and deletes idle credentials every hour (see
webex_vault_web/credentials.py). Settings come from the environment and samples/web.env,
which `ansible-playbook site.yml` writes with the app's own AppRole identity
(WEBEX_VAULT_WEB_ENV_FILE names another file). The app also needs FLASK_SECRET_KEY.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import waitress
from dotenv import dotenv_values
from flask import Flask

import webex_vault_web
from webex_vault import SampleError
from webex_vault_web.commands import prune_periodically

# The web app's own settings file (its AppRole identity), written by the playbook beside this file.
DEFAULT_WEB_ENV_FILE = Path(__file__).resolve().with_name("web.env")
# The CLI sample's settings file. `flask run` in this folder loads a .env into the environment
# (python-dotenv), which would make the web app log in with the CLI's identity.
CLI_ENV_FILE = Path(__file__).resolve().with_name(".env")
DEFAULT_THREADS = 8
PRUNE_EVERY_SECONDS = 3600

_log = logging.getLogger("people_me_flask")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app, with samples/web.env as its settings file; `flask --app people_me_flask` and
    the tests call this."""
    return webex_vault_web.create_app(
        test_config,
        default_env_file=DEFAULT_WEB_ENV_FILE,
        environ=environment_without(CLI_ENV_FILE, os.environ),
    )


def environment_without(env_file: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` less the values `env_file` holds: the ones `flask run` copied from it."""
    copied = dotenv_values(env_file) if env_file.is_file() else {}
    return {key: value for key, value in environ.items() if copied.get(key) != value}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sign in with Webex; Vault keeps the tokens.")
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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    try:
        app = create_app({"DEBUG": True} if args.debug else None)
    except SampleError as error:
        print(f"people_me_flask: {error}", file=sys.stderr)
        return error.exit_code
    redirect_url = urlsplit(app.extensions["webex_vault"].settings.oauthapp_redirect_url)
    port = args.port or redirect_url.port or (443 if redirect_url.scheme == "https" else 80)
    _log.info("Open %s://%s/ in a browser.", redirect_url.scheme, redirect_url.netloc)
    if args.prune_every > 0:
        credentials = app.extensions["webex_vault"].credentials
        pruning = (credentials, args.prune_every, threading.Event())
        threading.Thread(target=prune_periodically, args=pruning, daemon=True).start()
    waitress.serve(app, host=args.host, port=port, threads=args.threads, ident="webex-vault")
    return 0


if __name__ == "__main__":
    sys.exit(main())
