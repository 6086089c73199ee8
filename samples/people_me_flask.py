"""The web sample: sign in with Webex; Vault keeps each visitor's tokens; the page greets them.

    python samples/people_me_flask.py [--host 127.0.0.1] [--port 5000] [--threads 8]
        [--prune-every 3600] [--debug]
    cd samples && FLASK_APP=people_me_flask flask run      # Flask's development server
    cd samples && flask --app people_me_flask prune-credentials

The app itself is the package webex_vault_web (src/webex_vault_web/: an app factory and one
blueprint per concern); this file builds it with the settings file beside it and serves it with
waitress, a production WSGI server, and deletes idle credentials every hour
(webex_vault_web/serving.py, the same as the installed package's `webex-vault-web` command).
Settings come from the environment and samples/web.env,
which `ansible-playbook site.yml` writes with the app's own AppRole identity
(WEBEX_VAULT_WEB_ENV_FILE names another file). The app also needs FLASK_SECRET_KEY.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from flask import Flask

import webex_vault_web
from webex_vault_web import serving

# The web app's own settings file (its AppRole identity), written by the playbook beside this file.
DEFAULT_WEB_ENV_FILE = Path(__file__).resolve().with_name("web.env")
# The CLI sample's settings file. `flask run` in this folder loads a .env into the environment
# (python-dotenv), which would make the web app log in with the CLI's identity.
CLI_ENV_FILE = Path(__file__).resolve().with_name(".env")


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
    """Serve the app built by `create_app` above (webex_vault_web/serving.py: waitress, the
    hourly pruning, the port check)."""
    return serving.main(argv, app_factory=create_app)


if __name__ == "__main__":
    raise SystemExit(main())
