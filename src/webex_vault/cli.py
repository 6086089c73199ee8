"""The CLI sample as the installed package's command: print the Webex display name of the user
whose OAuth token Vault keeps.

    webex-people-me [--debug]

Settings come from the environment and the file WEBEX_VAULT_ENV_FILE names (default `.env` in
the working folder); samples/people_me.py runs the same `main` with the `.env` beside it.
Exit codes: see samples/people_me.py (one per SampleError, 0 on success).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

import requests

from webex_vault.errors import SampleError
from webex_vault.settings import Settings
from webex_vault.tokens import TokenProvider
from webex_vault.vault import vault_client
from webex_vault.webex import webex_people_me


def main(argv: list[str] | None = None, *, env_file: Path | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print your Webex display name.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_environment(default_env_file=env_file or Path.cwd() / ".env")
        client = vault_client(settings)
        tokens = TokenProvider(client, settings.oauthapp_mount)
        access_token = tokens.access_token(settings.oauthapp_credential)
        with requests.Session() as session:
            person = webex_people_me(
                session, settings.webex_api_base_url, access_token, settings.http_timeout_seconds
            )
    except SampleError as error:
        if args.debug:
            traceback.print_exc()
        print(f"people_me: {error}", file=sys.stderr)
        return error.exit_code

    print(f"User displayName: {person.get('displayName', '')}")
    return 0


def console() -> None:
    """The `webex-people-me` command."""
    sys.exit(main())
