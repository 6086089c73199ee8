"""The samples' settings: read once from the environment and an env file, each value checked.

A bad value raises SettingsError naming the variable to fix.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from webex_vault.env_file import read_env_file
from webex_vault.errors import SettingsError

_MIN_SECRET_KEY_CHARS = 32
_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")
# RFC 6749 section 3.3 scope-token characters, minus the comma that separates Vault list values.
_SCOPE = re.compile(r"[\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]+")
_NAME_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
_VAULT_PATH = re.compile(rf"{_NAME_SEGMENT}(/{_NAME_SEGMENT})*")
_VAULT_NAME = re.compile(_NAME_SEGMENT)


@dataclass(frozen=True)
class Settings:
    """Configuration of the samples, read once from the environment and `samples/.env`
    (the web app: `samples/web.env`)."""

    vault_addr: str
    vault_token: str | None = field(default=None, repr=False)
    vault_role_id: str | None = field(default=None, repr=False)
    vault_secret_id: str | None = field(default=None, repr=False)
    # A response-wrapping token around the secret ID: unwrapped once, at the first login.
    vault_secret_id_wrapped: str | None = field(default=None, repr=False)
    vault_approle_mount: str = "approle"
    vault_cacert: str | None = None
    vault_namespace: str | None = None
    oauthapp_mount: str = "oauthapp"
    oauthapp_server: str = "webex-myapp"
    oauthapp_credential: str = "people-me"
    webex_api_base_url: str = "https://webexapis.com/v1"
    http_timeout_seconds: float = 10.0
    # The web app: one credential per browser session under <mount>/creds/<prefix>/, or, for a
    # single user, every session shares `oauthapp_credential`.
    oauthapp_credential_prefix: str = "webex"
    oauthapp_shared_credential: bool = False
    oauthapp_redirect_url: str = "http://localhost:5000/auth"
    oauthapp_scopes: tuple[str, ...] = ("spark:people_read",)
    flask_secret_key: str | None = field(default=None, repr=False)
    # The web app: the KV v2 mount of its last-use records, and how long a credential may go
    # unused before the pruning deletes it.
    oauthapp_state_mount: str = "webex-vault-state"
    oauthapp_credential_max_idle_seconds: int = 14 * 86400

    @property
    def uses_approle(self) -> bool:
        return self.vault_role_id is not None

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        env_file_variable: str = "WEBEX_VAULT_ENV_FILE",
        default_env_file: Path | None = None,
    ) -> Settings:
        """Real environment variables win over the env file, as with python-dotenv's default.

        The env file is `default_env_file` (each sample passes the one beside it) unless the
        variable `env_file_variable` names another; with neither, only the environment counts.
        """
        environ = os.environ if environ is None else environ
        values = {**read_env_file(environ, env_file_variable, default_env_file), **environ}

        def get(key: str) -> str | None:
            value = (values.get(key) or "").strip()
            return value or None

        role_id, secret_id = get("VAULT_ROLE_ID"), get("VAULT_SECRET_ID")
        wrapped = get("VAULT_SECRET_ID_WRAPPED")
        if secret_id is not None and wrapped is not None:
            raise SettingsError(
                "VAULT_SECRET_ID and VAULT_SECRET_ID_WRAPPED are both set; keep only the one "
                "the playbook wrote."
            )
        if (role_id is None) != (secret_id is None and wrapped is None):
            missing = "VAULT_SECRET_ID" if role_id is not None else "VAULT_ROLE_ID"
            raise SettingsError(
                f"{missing} must be set too: an AppRole login needs both VAULT_ROLE_ID and "
                "VAULT_SECRET_ID (or VAULT_SECRET_ID_WRAPPED)."
            )
        # The AppRole identity wins over VAULT_TOKEN: the playbook writes a least-privilege
        # AppRole, while a VAULT_TOKEN in the shell is often an operator's admin session.
        token = None if role_id else get("VAULT_TOKEN")
        if role_id is None and token is None:
            raise SettingsError(
                "VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID, must be set so that the "
                "sample can log in to Vault."
            )

        cacert = get("VAULT_CACERT")
        if cacert is not None and not Path(cacert).expanduser().is_file():
            raise SettingsError(
                f"VAULT_CACERT must name a CA certificate file, and '{cacert}' is not a file."
            )
        namespace = get("VAULT_NAMESPACE")
        if namespace is not None:
            namespace = _vault_path("VAULT_NAMESPACE", namespace)
        shared = _boolean("OAUTHAPP_SHARED_CREDENTIAL", get("OAUTHAPP_SHARED_CREDENTIAL"))
        if shared and get("OAUTHAPP_CREDENTIAL") is None:
            raise SettingsError(
                "OAUTHAPP_CREDENTIAL must name the credential that every visitor shares when "
                "OAUTHAPP_SHARED_CREDENTIAL is true."
            )
        secret_key = get("FLASK_SECRET_KEY")
        if secret_key is not None and len(secret_key) < _MIN_SECRET_KEY_CHARS:
            raise SettingsError(
                f"FLASK_SECRET_KEY must be at least {_MIN_SECRET_KEY_CHARS} random characters, "
                "for example the output of `python3 -c 'import secrets; "
                "print(secrets.token_hex(32))'`."
            )

        return cls(
            vault_addr=_http_url("VAULT_ADDR", get("VAULT_ADDR"), "http://127.0.0.1:8200"),
            vault_token=token,
            vault_role_id=role_id,
            vault_secret_id=secret_id,
            vault_secret_id_wrapped=wrapped,
            vault_approle_mount=_vault_path(
                "VAULT_APPROLE_MOUNT", get("VAULT_APPROLE_MOUNT") or cls.vault_approle_mount
            ),
            vault_cacert=str(Path(cacert).expanduser()) if cacert else None,
            vault_namespace=namespace,
            oauthapp_mount=_vault_path(
                "OAUTHAPP_MOUNT", get("OAUTHAPP_MOUNT") or cls.oauthapp_mount
            ),
            oauthapp_server=_vault_name(
                "OAUTHAPP_SERVER", get("OAUTHAPP_SERVER") or cls.oauthapp_server
            ),
            oauthapp_credential=_vault_path(
                "OAUTHAPP_CREDENTIAL", get("OAUTHAPP_CREDENTIAL") or cls.oauthapp_credential
            ),
            webex_api_base_url=_http_url(
                "WEBEX_API_BASE_URL",
                get("WEBEX_API_BASE_URL") or cls.webex_api_base_url,
                cls.webex_api_base_url,
            ),
            http_timeout_seconds=_timeout(get("HTTP_TIMEOUT_SECONDS")),
            oauthapp_credential_prefix=_vault_path(
                "OAUTHAPP_CREDENTIAL_PREFIX",
                get("OAUTHAPP_CREDENTIAL_PREFIX") or cls.oauthapp_credential_prefix,
            ),
            oauthapp_shared_credential=shared,
            oauthapp_redirect_url=_redirect_url(
                get("OAUTHAPP_REDIRECT_URL") or cls.oauthapp_redirect_url
            ),
            oauthapp_scopes=_scopes(get("OAUTHAPP_SCOPES")),
            flask_secret_key=secret_key,
            oauthapp_state_mount=_vault_path(
                "OAUTHAPP_STATE_MOUNT", get("OAUTHAPP_STATE_MOUNT") or cls.oauthapp_state_mount
            ),
            oauthapp_credential_max_idle_seconds=_max_idle(
                get("OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS")
            ),
        )


def _http_url(key: str, value: str | None, example: str) -> str:
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


def _redirect_url(value: str) -> str:
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
    return value


def _boolean(key: str, value: str | None) -> bool:
    if value is None or value.lower() in _FALSE:
        return False
    if value.lower() in _TRUE:
        return True
    raise SettingsError(f"{key} must be true or false, not '{value}'.")


def _scopes(value: str | None) -> tuple[str, ...]:
    if value is None:
        return Settings.oauthapp_scopes
    scopes = tuple(value.replace(",", " ").split())
    if not scopes or not all(_SCOPE.fullmatch(scope) for scope in scopes):
        raise SettingsError(
            "OAUTHAPP_SCOPES must list Webex scopes separated by spaces or commas, such as "
            "spark:people_read."
        )
    return scopes


def _vault_path(key: str, value: str) -> str:
    path = value.strip("/")
    if not _VAULT_PATH.fullmatch(path):
        raise SettingsError(
            f"{key} must be a Vault path made of letters, digits, '-', '_', '.' and '/', "
            f"not '{value}'."
        )
    return path


def _vault_name(key: str, value: str) -> str:
    if not _VAULT_NAME.fullmatch(value):
        raise SettingsError(
            f"{key} must be a name made of letters, digits, '-', '_' and '.', not '{value}'."
        )
    return value


def _max_idle(value: str | None) -> int:
    if value is None:
        return Settings.oauthapp_credential_max_idle_seconds
    if not (value.isascii() and value.isdigit() and 3600 <= int(value) <= 366 * 86400):
        raise SettingsError(
            "OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS must be a whole number of seconds from 3600 "
            "(an hour) to 31622400 (366 days)."
        )
    return int(value)


def _timeout(value: str | None) -> float:
    if value is None:
        return Settings.http_timeout_seconds
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= 300:  # also false for NaN
        raise SettingsError("HTTP_TIMEOUT_SECONDS must be a number of seconds above 0, up to 300.")
    return seconds
