"""Command-line commands of the app, run through Flask's command:

    flask --app people_me_flask prune-credentials

deletes the credentials that nobody used for longer than OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS
(see credentials.py); run it from cron or a systemd timer, or let the waitress entry point
(samples/people_me_flask.py) run it every hour.
"""

from __future__ import annotations

import logging
import threading

import click
from flask import Flask
from flask.cli import with_appcontext

from webex_vault import SampleError

from .credentials import Credentials, PruneResult
from .extension import web_app

_log = logging.getLogger("webex_vault_web")


@click.command("prune-credentials")
@with_appcontext
def prune_credentials_command() -> None:
    """Delete the credentials unused for longer than the idle lifetime."""
    try:
        result = web_app().credentials.prune()
    except SampleError as error:  # e.g. Vault unreachable, or the policy refuses the listing
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Removed {result.removed} idle credentials, kept {result.kept}"
        + (f", could not remove {result.failed} (see the log)." if result.failed else ".")
    )
    if result.failed:
        raise click.exceptions.Exit(1)


def prune_periodically(
    credentials: Credentials, every_seconds: float, stop: threading.Event
) -> list[PruneResult | None]:
    """Prune now, then every `every_seconds` until `stop` is set (a server's daemon thread).

    A failure is logged and tried again next time; returns what each run did (None: failed)."""
    results: list[PruneResult | None] = []
    while True:
        try:
            results.append(credentials.prune())
        except SampleError as error:
            _log.warning("Could not prune idle credentials: %s", error)
            results.append(None)
        if stop.wait(every_seconds):
            return results


def init_app(app: Flask) -> None:
    app.cli.add_command(prune_credentials_command)
