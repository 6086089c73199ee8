"""The operator's report: every indexed credential of an oauthapp mount, and how it is.

    webex-vault-credentials [--env-file FILE] [--json] [--textfile FILE]
    (or python -m webex_vault.credential_report, the same)

It reads the index (credential_index) and each credential once, as the apps do, and prints a
table (or JSON) without any token: the read's access token is dropped as soon as it arrives.
--textfile also writes the Prometheus metrics (metrics.py) for node_exporter. Settings come from
the environment and the env file (--env-file, or WEBEX_VAULT_OPERATOR_ENV_FILE): VAULT_ADDR, the
operator identity's VAULT_ROLE_ID and VAULT_SECRET_ID (or VAULT_TOKEN), OAUTHAPP_MOUNT and
OAUTHAPP_STATE_MOUNT. docs/credential-health.md shows the output.

Exit status, as a Nagios-style check reads it:
   0  OK: every credential is healthy (or none is indexed)
   1  WARNING: a refresh is failing, the token still works and the plugin retries
   2  CRITICAL: a credential needs someone: re-authorize, expired, missing, server misconfigured
   3  UNKNOWN: the report could not run (settings, Vault unreachable or sealed, the identity
      refused), or a credential could not be read, and nothing is CRITICAL
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from webex_vault.credential_health import Row, report
from webex_vault.credential_states import CRITICAL, HEALTHY, REFRESH_FAILING, UNREADABLE, counts
from webex_vault.errors import SampleError
from webex_vault.metrics import exposition, write_textfile
from webex_vault.settings import Settings
from webex_vault.vault import vault_client

OK, WARNING, CRITICAL_STATUS, UNKNOWN = 0, 1, 2, 3
ENV_FILE_VARIABLE = "WEBEX_VAULT_OPERATOR_ENV_FILE"
COLUMNS = ("NAME", "STATE", "EXPIRES IN", "FAILURES", "SERVER", "CREATED BY", "CREATED AT")


def exit_status(rows: Sequence[Row]) -> int:
    states = {row.health.state for row in rows}
    if states & set(CRITICAL):
        return CRITICAL_STATUS
    if UNREADABLE in states:
        return UNKNOWN
    return WARNING if REFRESH_FAILING in states else OK


def table(rows: Sequence[Row]) -> str:
    """The rows as aligned columns, then one line per credential that needs someone."""
    if not rows:
        return "No credential is indexed."
    lines = [
        (
            row.entry.name,
            row.health.state,
            _duration(row.health.seconds_to_expiry),
            str(row.health.refresh_failures),
            row.entry.server,
            row.entry.created_by,
            row.entry.created_at,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [COLUMNS, *lines]) for i in range(len(COLUMNS))]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [COLUMNS, *lines]
    ]
    needing = [row for row in rows if row.health.state != HEALTHY]
    if needing:
        text.append("")
    for row in needing:
        detail = f" ({row.health.detail})" if row.health.detail else ""
        text.append(f"{row.entry.name}: {row.health.action}{detail}")
    return "\n".join(text)


def as_json(settings: Settings, rows: Sequence[Row], status: int) -> str:
    return json.dumps(
        {
            "mount": settings.oauthapp_mount,
            "state_mount": settings.oauthapp_state_mount,
            "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "counts": counts(row.health for row in rows),
            "exit_status": status,
            "credentials": [row.as_dict() for row in rows],
        },
        indent=2,
    )


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return "expired" if seconds < 0 else _compact(seconds)


def _compact(seconds: int) -> str:
    """3d 4h, 5h 12m, 7m 30s: the two largest units."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="webex-vault-credentials",
        description="Report the health of every indexed oauthapp credential (never a token).",
    )
    parser.add_argument("--env-file", type=Path, help=f"settings file (or ${ENV_FILE_VARIABLE})")
    parser.add_argument("--json", action="store_true", help="JSON instead of the table")
    parser.add_argument(
        "--textfile", type=Path, help="also write Prometheus metrics here (node_exporter)"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    args = parser.parse_args(argv)

    environ = dict(os.environ)
    if args.env_file is not None:
        environ[ENV_FILE_VARIABLE] = str(args.env_file)
    mount = environ.get("OAUTHAPP_MOUNT", "oauthapp")
    try:
        settings = Settings.from_environment(environ, env_file_variable=ENV_FILE_VARIABLE)
        mount = settings.oauthapp_mount
        rows = report(vault_client(settings), settings.oauthapp_state_mount, mount)
    except SampleError as error:
        if args.debug:
            traceback.print_exc()
        print(f"credential_report: {error}", file=sys.stderr)
        if args.textfile is not None:
            write_textfile(args.textfile, exposition(mount, None, time.time()))
        return UNKNOWN
    status = exit_status(rows)
    print(as_json(settings, rows, status) if args.json else table(rows))
    if args.textfile is not None:
        write_textfile(args.textfile, exposition(mount, rows, time.time()))
    return status


def console() -> None:
    """The `webex-vault-credentials` command."""
    sys.exit(main())


if __name__ == "__main__":
    console()
