# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""What the oauthapp plugin's answer to a read of `<mount>/creds/<name>` says about that
credential, as one of a few states. The one classifier of the project: the collection imports it
as plugin_utils.credential_states, the Python package as webex_vault.credential_states (a link to
this file), so the module, the operator command and the web app can never disagree.

Standard library only, and no token in or out: callers drop `access_token` before calling.

The plugin's texts (pkg/backend/path_creds.go, the same in puppetlabs 3.1.1 and openbao 3.2.0):

  200 + warning 'server "<s>" has configuration problems: <e>'   server_misconfigured
  200 + warning 'token will expire: <user error>'                reauthorize (still valid)
  200 + warning '<n> attempt(s) to refresh this token failed, most recently: <e>'
                                                                 refresh_failing
  200, no warning                                                healthy
  400 'server "<s>" has configuration problems: <e>'             server_misconfigured
  400 'token expired' / 'token pending issuance'                 expired
  400 <any other text: the stored user error, e.g. 'refresh failed: server rejected request:
      invalid_grant: ...'>                                       reauthorize (expired)
  404, no error                                                  missing
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

HEALTHY = "healthy"
REFRESH_FAILING = "refresh_failing"
REAUTHORIZE = "reauthorize"
SERVER_MISCONFIGURED = "server_misconfigured"
EXPIRED = "expired"
MISSING = "missing"
# Not the plugin's: the read itself failed (permission denied, Vault down).
UNREADABLE = "unreadable"
STATES = (HEALTHY, REFRESH_FAILING, REAUTHORIZE, SERVER_MISCONFIGURED, EXPIRED, MISSING, UNREADABLE)
# The states that need an operator (or the user) now: the credential stops working by itself.
CRITICAL = (REAUTHORIZE, SERVER_MISCONFIGURED, EXPIRED, MISSING)
# What each state asks of someone, in the words of the report and the web app.
ACTIONS = {
    HEALTHY: "nothing to do",
    REFRESH_FAILING: "the plugin retries; check that Vault reaches the Webex token URL",
    REAUTHORIZE: "Webex refused the refresh token: authorize again",
    SERVER_MISCONFIGURED: "fix the server entry (run the oauthapp_webex role)",
    EXPIRED: "the token expired and was not refreshed: authorize again",
    MISSING: "indexed, but Vault holds no such credential: authorize again or unregister it",
    UNREADABLE: "the read failed; see the detail",
}

_MISCONFIGURED = re.compile(r'^server "[^"]*" has configuration problems: ')
_WILL_EXPIRE = "token will expire: "
_FAILED = re.compile(
    r"^(\d+) attempt\(s\) to refresh this token failed, most recently: (.*)$", re.S
)
_NOT_ISSUED = ("token expired", "token pending issuance")
MAX_DETAIL = 200


@dataclass(frozen=True)
class Health:
    """One credential's state, the plugin's own words for it, and how long its token lasts."""

    state: str
    detail: str = ""
    seconds_to_expiry: int | None = None
    refresh_failures: int = 0
    # The plugin's expire_time (RFC 3339), when the token still works.
    expire_time: str | None = None

    @property
    def action(self) -> str:
        return ACTIONS[self.state]

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "detail": self.detail,
            "seconds_to_expiry": self.seconds_to_expiry,
            "refresh_failures": self.refresh_failures,
            "expire_time": self.expire_time,
            "action": self.action,
        }


def classify(status: int, body: Mapping[str, Any] | None, now: datetime) -> Health:
    """The state of a credential from the HTTP status and JSON body of its read (without its
    access_token). Any other status than 200, 400 and 404 is UNREADABLE."""
    body = body or {}
    if status == 404:
        # The plugin answers an unknown credential with no error at all; a 404 with one comes
        # from Vault itself (no engine at the mount).
        error = _first_line(body.get("errors"))
        return Health(UNREADABLE, f"HTTP 404: {error}") if error else Health(MISSING)
    if status == 400:
        error = _first_line(body.get("errors"))
        if _MISCONFIGURED.match(error):
            return Health(SERVER_MISCONFIGURED, error)
        if error in _NOT_ISSUED:
            return Health(EXPIRED, error)
        return Health(REAUTHORIZE, error)  # the user error the plugin stored at its last refresh
    if status != 200:
        return Health(UNREADABLE, f"HTTP {status}: {_first_line(body.get('errors'))}".rstrip(": "))
    data = body.get("data") or {}
    expiry = parse_time(data.get("expire_time"))
    seconds = int((expiry - now).total_seconds() // 1) if expiry else None
    expire_time = expiry.strftime("%Y-%m-%dT%H:%M:%SZ") if expiry else None
    for warning in body.get("warnings") or ():
        text = str(warning)
        if _MISCONFIGURED.match(text):
            return Health(SERVER_MISCONFIGURED, _one_line(text), seconds, 0, expire_time)
        if text.startswith(_WILL_EXPIRE):
            detail = _one_line(text[len(_WILL_EXPIRE) :])
            return Health(REAUTHORIZE, detail, seconds, 0, expire_time)
        failed = _FAILED.match(text)
        if failed:
            detail = _one_line(failed.group(2))
            return Health(REFRESH_FAILING, detail, seconds, int(failed.group(1)), expire_time)
    return Health(HEALTHY, "", seconds, 0, expire_time)


def parse_time(expire_time: Any) -> datetime | None:
    """The plugin's expire_time (RFC 3339) in UTC, or None without one."""
    if not expire_time:
        return None
    text = str(expire_time).replace("Z", "+00:00")
    # Go writes up to nine fractional digits; Python reads at most six.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        expiry = datetime.fromisoformat(text)
    except ValueError:
        return None
    return expiry.astimezone(UTC) if expiry.tzinfo else expiry.replace(tzinfo=UTC)


def seconds_left(expire_time: Any, now: datetime) -> int | None:
    """Whole seconds from now to the plugin's expire_time, or None without one."""
    expiry = parse_time(expire_time)
    return int((expiry - now).total_seconds() // 1) if expiry else None


def counts(healths: Iterable[Health]) -> dict[str, int]:
    """How many credentials are in each state (every state present, 0 included)."""
    found = dict.fromkeys(STATES, 0)
    for health in healths:
        found[health.state] += 1
    return found


def _one_line(text: str) -> str:
    """The plugin's text on one line (a token endpoint's answer follows on a second line),
    clipped: a report quotes it, never whole."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def _first_line(errors: Any) -> str:
    """The plugin's error text: the first non-empty entry of `errors`, without multierror
    framing ("1 error occurred:", "* ")."""
    for item in errors or ():
        for line in str(item).splitlines():
            line = line.strip().removeprefix("* ").strip()
            if line and not re.fullmatch(r"\d+ errors? occurred:", line):
                return _one_line(line)
    return ""
