"""The checks of each setting's value: a bad value raises SettingsError naming its variable."""

from __future__ import annotations

import ipaddress
import math
import re
from urllib.parse import urlsplit

from webex_vault.errors import SettingsError

_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")
# RFC 6749 section 3.3 scope-token characters, minus the comma that separates Vault list values.
_SCOPE = re.compile(r"[\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]+")
_NAME_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
_VAULT_PATH = re.compile(rf"{_NAME_SEGMENT}(/{_NAME_SEGMENT})*")
_VAULT_NAME = re.compile(_NAME_SEGMENT)


def http_url(key: str, value: str | None, example: str) -> str:
    if value is None:
        raise SettingsError(f"{key} must be set, for example to {example}.")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{key} must be an http:// or https:// URL such as {example}.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        # Tokens and Vault credentials cross this connection: plain http only on this machine.
        raise SettingsError(
            f"{key} must be an https:// URL: plain http:// is accepted only for a loopback "
            f"host (127.0.0.0/8, ::1 or localhost), not for '{parts.hostname}'."
        )
    return value.rstrip("/")


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and the addresses of 127.0.0.0/8 and ::1, false for every other name."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_url(value: str) -> str:
    # Kept exactly as written: Webex and the Vault policy compare redirect URLs character by
    # character, so a normalised copy would be refused.
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or not parts.path:
        raise SettingsError(
            "OAUTHAPP_REDIRECT_URL must be the full redirect URL registered with Webex, such as "
            "http://localhost:5000/auth."
        )
    if parts.query or parts.fragment:
        raise SettingsError(
            "OAUTHAPP_REDIRECT_URL must have no query and no fragment, because Webex adds the "
            "code and the state to it."
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        # Over plain http the session cookie cannot be Secure, and the code crosses a network.
        raise SettingsError(
            "OAUTHAPP_REDIRECT_URL must be an https:// URL: plain http:// is accepted only for "
            f"a loopback host (127.0.0.0/8, ::1 or localhost), not for '{parts.hostname}'."
        )
    return value


def boolean(key: str, value: str | None) -> bool:
    if value is None or value.lower() in _FALSE:
        return False
    if value.lower() in _TRUE:
        return True
    raise SettingsError(f"{key} must be true or false, not '{value}'.")


def scopes(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    scopes = tuple(value.replace(",", " ").split())
    if not scopes or not all(_SCOPE.fullmatch(scope) for scope in scopes):
        raise SettingsError(
            "OAUTHAPP_SCOPES must list Webex scopes separated by spaces or commas, such as "
            "spark:people_read."
        )
    return scopes


def vault_path(key: str, value: str) -> str:
    path = value.strip("/")
    if not _VAULT_PATH.fullmatch(path):
        raise SettingsError(
            f"{key} must be a Vault path made of letters, digits, '-', '_', '.' and '/', "
            f"not '{value}'."
        )
    return path


def vault_name(key: str, value: str) -> str:
    if not _VAULT_NAME.fullmatch(value):
        raise SettingsError(
            f"{key} must be a name made of letters, digits, '-', '_' and '.', not '{value}'."
        )
    return value


def max_idle(value: str | None, default: int) -> int:
    if value is None:
        return default
    if not (value.isascii() and value.isdigit() and 3600 <= int(value) <= 366 * 86400):
        raise SettingsError(
            "OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS must be a whole number of seconds from 3600 "
            "(an hour) to 31622400 (366 days)."
        )
    return int(value)


def session_lifetime(value: str | None, default: int) -> int:
    if value is None:
        return default
    if not (value.isascii() and value.isdigit() and 300 <= int(value) <= 7 * 86400):
        raise SettingsError(
            "WEB_SESSION_LIFETIME_SECONDS must be a whole number of seconds from 300 (five "
            "minutes) to 604800 (seven days)."
        )
    return int(value)


def timeout(value: str | None, default: float) -> float:
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= 300:  # also false for NaN
        raise SettingsError("HTTP_TIMEOUT_SECONDS must be a number of seconds above 0, up to 300.")
    return seconds
