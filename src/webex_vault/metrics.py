"""The credential report as Prometheus metrics (text exposition format 0.0.4), for
node_exporter's textfile collector: `credential_report --textfile <dir>/webex_vault.prom`, from
cron or a systemd timer. The file is replaced atomically, so the collector never reads half of it.

Aggregates only, labelled by mount: a web app's credentials are one per user, and a series per
user would grow without bound. docs/credential-health.md shows the file and an alert rule
(docs/examples/credential-health.rules.yml).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from webex_vault.credential_health import Row
from webex_vault.credential_states import REAUTHORIZE, counts

PREFIX = "webex_vault_credential"


def exposition(mount: str, rows: Sequence[Row] | None, now: float) -> str:
    """The metrics of one report; rows None when the report could not read the index (only
    the `up` and timestamp samples are written then, so that an alert sees the failure)."""
    label = f'mount="{_escape(mount)}"'
    lines = [
        f"# HELP {PREFIX}_report_up 1 if the last credential report could read the index, else 0.",
        f"# TYPE {PREFIX}_report_up gauge",
        f"{PREFIX}_report_up{{{label}}} {0 if rows is None else 1}",
        f"# HELP {PREFIX}_report_timestamp_seconds When the last credential report ran (Unix "
        "time).",
        f"# TYPE {PREFIX}_report_timestamp_seconds gauge",
        f"{PREFIX}_report_timestamp_seconds{{{label}}} {now:.3f}",
    ]
    if rows is None:
        return "\n".join(lines) + "\n"
    healths = [row.health for row in rows]
    lines += [
        f"# HELP {PREFIX}s Indexed oauthapp credentials, by state.",
        f"# TYPE {PREFIX}s gauge",
        *(
            f'{PREFIX}s{{{label},state="{state}"}} {number}'
            for state, number in counts(healths).items()
        ),
        f"# HELP {PREFIX}_refresh_failures Failed refresh attempts since each credential's last "
        "successful one, summed over the credentials whose token still works.",
        f"# TYPE {PREFIX}_refresh_failures gauge",
        f"{PREFIX}_refresh_failures{{{label}}} {sum(h.refresh_failures for h in healths)}",
    ]
    soonest = _soonest(h.seconds_to_expiry for h in healths)
    if soonest is not None:
        lines += [
            f"# HELP {PREFIX}_soonest_expiry_seconds Seconds until the soonest expiry of an "
            "access token that still works (the plugin refreshes healthy ones before it).",
            f"# TYPE {PREFIX}_soonest_expiry_seconds gauge",
            f"{PREFIX}_soonest_expiry_seconds{{{label}}} {soonest}",
        ]
    deadline = _soonest(h.seconds_to_expiry for h in healths if h.state == REAUTHORIZE)
    if deadline is not None:
        lines += [
            f"# HELP {PREFIX}_reauthorize_deadline_seconds Seconds until the first token whose "
            "refresh token Webex refused stops working: its user must authorize again by then.",
            f"# TYPE {PREFIX}_reauthorize_deadline_seconds gauge",
            f"{PREFIX}_reauthorize_deadline_seconds{{{label}}} {deadline}",
        ]
    return "\n".join(lines) + "\n"


def write_textfile(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically (a temporary file in the same folder, renamed),
    readable by node_exporter (0644): the file holds no secret."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).chmod(0o644)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _soonest(values: Iterable[int | None]) -> int | None:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
