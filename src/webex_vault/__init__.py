"""Get a valid Webex access token from Vault's oauthapp engine, and call Webex with it.

Shared by the samples (people_me.py, the Flask web app). The oauthapp plugin, not this code,
talks to the Webex token endpoint: it exchanges authorization codes, keeps the refresh token
(Vault never returns it) and refreshes the access token before it expires. This module reads
and writes `<mount>/creds/<name>` and turns every failure a user can act on into a
`SampleError` whose message is one sentence that never contains a token.
"""

from __future__ import annotations

import email.utils
import math
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import hvac
import hvac.exceptions
import requests
from dotenv import dotenv_values
from dotenv.parser import parse_stream

DEFAULT_MARGIN_SECONDS = 60
DEFAULT_RETRY_AFTER_SECONDS = 15

_ENV_FILE_SECRETS = (
    "VAULT_TOKEN",
    "VAULT_SECRET_ID",
    "VAULT_SECRET_ID_WRAPPED",
    "FLASK_SECRET_KEY",
)
_MIN_SECRET_KEY_CHARS = 32
_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")
# RFC 6749 section 3.3 scope-token characters, minus the comma that separates Vault list values.
_SCOPE = re.compile(r"[\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]+")
_NAME_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
_VAULT_PATH = re.compile(rf"{_NAME_SEGMENT}(/{_NAME_SEGMENT})*")
_VAULT_NAME = re.compile(_NAME_SEGMENT)
_MAX_DETAIL_CHARS = 200


# --- Errors -----------------------------------------------------------------------------------


class SampleError(Exception):
    """A failure the user can act on; str() is one sentence and never holds a secret."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        # One line whatever the server sent: the CLI prints exactly this.
        super().__init__(" ".join(message.split()))


class SettingsError(SampleError):
    exit_code = 2


class CredentialMissing(SampleError):
    exit_code = 3

    def __init__(self, mount: str, name: str) -> None:
        super().__init__(
            f"Vault holds no Webex credential '{name}' at {mount}/creds/{name}; "
            f"authorize it first: {authorize_hint(mount, name)}."
        )


class CredentialRefreshFailed(SampleError):
    """The stored token cannot be refreshed (revoked, expired, or Webex keeps failing)."""

    exit_code = 4


class WebexUnauthorized(SampleError):
    exit_code = 5

    def __init__(self, webex_message: str) -> None:
        super().__init__(
            f"Webex rejected the access token (401: {webex_message}); re-authorize it: "
            "run `make demo` or sign in again through the web app."
        )


class WebexRateLimited(SampleError):
    exit_code = 6

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"Webex is rate-limiting requests (429); try again in {retry_after} seconds."
        )


class VaultUnreachable(SampleError):
    exit_code = 7


class VaultSealed(SampleError):
    exit_code = 8


class VaultPermissionDenied(SampleError):
    exit_code = 9


class VaultTokenInvalid(SampleError):
    """Vault refused the identity itself: a bad, expired or revoked token, or a failed login."""

    exit_code = 10


class OAuthAppNotConfigured(SampleError):
    """No oauthapp engine at the mount, or its server entry is missing or broken."""

    exit_code = 11


class AuthorizationFailed(SampleError):
    """Webex refused to exchange an authorization code (raised by the web app's callback)."""

    exit_code = 12


class VaultRequestFailed(SampleError):
    exit_code = 13


class WebexRequestFailed(SampleError):
    exit_code = 14


def authorize_hint(mount: str, name: str) -> str:
    """How to (re-)authorize a credential, as the tail of a sentence."""
    return (
        f"run `make demo`, sign in through the web app, or "
        f"`bao write {mount}/creds/{name} server=<server> code=<code> redirect_url=<redirect URL>`"
    )


# --- Settings ---------------------------------------------------------------------------------


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
        values = {**_read_env_file(environ, env_file_variable, default_env_file), **environ}

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
        )


def _read_env_file(
    environ: Mapping[str, str], variable: str, default: Path | None
) -> dict[str, str]:
    explicit = (environ.get(variable) or "").strip()
    path = Path(explicit).expanduser() if explicit else default
    if path is None:
        return {}
    if not path.exists() or path.is_dir():
        if explicit:
            fallback = f"to use {default}" if default else "to use the environment only"
            raise SettingsError(
                f"{variable} names '{explicit}', which is not a file; fix the path "
                f"or unset it {fallback}."
            )
        return {}
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.error:
                raise SettingsError(
                    f"The env file {path} has a line that is not KEY=VALUE "
                    f"(line {binding.original.line}); fix it or point {variable} elsewhere."
                )
    values = {key: value for key, value in dotenv_values(path).items() if value is not None}
    secrets_held = [key for key in _ENV_FILE_SECRETS if values.get(key)]
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and secrets_held and mode & 0o077:
        raise SettingsError(
            f"The env file {path} holds {secrets_held[0]} but other users may read it "
            f"(mode {mode:04o}); "
            f"run `chmod 600 {path}`."
        )
    return values


def _http_url(key: str, value: str | None, example: str) -> str:
    if value is None:
        raise SettingsError(f"{key} must be set, for example to {example}.")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{key} must be an http:// or https:// URL such as {example}.")
    return value.rstrip("/")


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


# --- Vault ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """What `<mount>/creds/<name>` returns: never the refresh token, which stays in Vault."""

    access_token: str = field(repr=False)
    expire_time: datetime | None
    server: str | None
    token_type: str = "Bearer"  # noqa: S105 - a token type, not a secret
    # e.g. "token will expire: refresh failed: ..." while the old token is still valid.
    warnings: tuple[str, ...] = ()


class AuthCodeURL(NamedTuple):
    url: str
    state: str | None


def vault_client(settings: Settings) -> hvac.Client:
    """A client for Vault, logged in with the token or the AppRole from the settings."""
    client = _new_client(settings)
    if settings.uses_approle:
        login(client, unwrap_secret_id(client, settings))
    return client


def unwrap_secret_id(client: hvac.Client, settings: Settings) -> Settings:
    """The settings with the secret ID out of its response-wrapping token (sys/wrapping/unwrap).

    A wrapping token works once: the playbook writes a new one on its next run.
    """
    if settings.vault_secret_id is not None or settings.vault_secret_id_wrapped is None:
        return settings
    unwrapper = _new_client(replace(settings, vault_token=settings.vault_secret_id_wrapped))
    try:
        response = unwrapper.adapter.post("/v1/sys/wrapping/unwrap")
    except (hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden) as error:
        raise VaultTokenInvalid(
            "Vault refused VAULT_SECRET_ID_WRAPPED (a wrapped secret ID works once, and only "
            f"for a limited time: {_detail(error)}); re-run the playbook "
            "(ansible-playbook playbooks/app_access.yml) to write a new one."
        ) from error
    except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as error:
        raise _vault_error(error, client, "update", "sys/wrapping/unwrap") from error
    data = response.get("data") if isinstance(response, dict) else None
    if not isinstance(data, dict) or not data.get("secret_id"):
        raise VaultTokenInvalid(
            "VAULT_SECRET_ID_WRAPPED does not wrap a secret ID; re-run the playbook "
            "(ansible-playbook playbooks/app_access.yml) to write a new one."
        )
    return replace(settings, vault_secret_id=data["secret_id"], vault_secret_id_wrapped=None)


def _new_client(settings: Settings) -> hvac.Client:
    # hvac builds one requests.Session per client. Passing our own session would let the
    # session's default verify=True silently override a VAULT_CACERT file.
    return hvac.Client(
        url=settings.vault_addr,
        # "" rather than None: on None hvac falls back to VAULT_TOKEN or ~/.vault-token.
        token=settings.vault_token or "",
        verify=settings.vault_cacert or True,
        namespace=settings.vault_namespace,
        timeout=settings.http_timeout_seconds,
    )


def login(client: hvac.Client, settings: Settings) -> None:
    """Log in with the AppRole from the settings; also used to renew an expired login."""
    mount = settings.vault_approle_mount
    try:
        client.auth.approle.login(
            role_id=settings.vault_role_id,
            secret_id=settings.vault_secret_id,
            mount_point=mount,
        )
    except hvac.exceptions.InvalidRequest as error:
        raise VaultTokenInvalid(
            f"Vault rejected the AppRole login at auth/{mount} ({_detail(error)}); check "
            "VAULT_ROLE_ID and VAULT_SECRET_ID, or ask for a new secret ID."
        ) from error
    except hvac.exceptions.Forbidden as error:
        raise VaultTokenInvalid(
            f"Vault refused the AppRole login at auth/{mount}/login (permission denied); "
            "check VAULT_APPROLE_MOUNT."
        ) from error
    except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as error:
        raise _vault_error(error, client, "update", f"auth/{mount}/login") from error


def read_credential(
    client: hvac.Client, mount: str, name: str, minimum_seconds: int = 0
) -> Credential:
    """Read `<mount>/creds/<name>`; the plugin refreshes first if fewer seconds are left.

    minimum_seconds is for an operator's token only: the samples' policies refuse it.
    """
    path = f"{mount}/creds/{name}"
    # The adapter rather than client.read(): read() takes no query parameters, and it turns
    # every 404 into None, hiding whether the credential or the whole engine is missing.
    params = {"minimum_seconds": str(int(minimum_seconds))} if minimum_seconds else None
    with _vault_errors(client, "read", path, mount=mount, name=name):
        response = client.adapter.get(f"/v1/{path}", params=params)
    data = response.get("data") if isinstance(response, dict) else None
    if not isinstance(data, dict) or not data.get("access_token"):
        raise VaultRequestFailed(f"Vault answered a read of {path} without an access_token.")
    return Credential(
        access_token=data["access_token"],
        expire_time=_parse_expire_time(data.get("expire_time"), path),
        server=data.get("server"),
        token_type=data.get("type") or "Bearer",
        warnings=tuple(response.get("warnings") or ()),
    )


def write_authorization_code(
    client: hvac.Client, mount: str, name: str, *, server: str, code: str, redirect_url: str
) -> None:
    """Have the plugin exchange an authorization code and store the tokens as `name`."""
    path = f"{mount}/creds/{name}"
    with _vault_errors(client, "update", path, mount=mount, name=name):
        client.write_data(path, data={"server": server, "code": code, "redirect_url": redirect_url})


def auth_code_url(
    client: hvac.Client,
    mount: str,
    *,
    server: str,
    redirect_url: str,
    scopes: list[str],
    state: str | None = None,
) -> AuthCodeURL:
    """The Webex authorize URL; the plugin invents a state when none is given."""
    path = f"{mount}/auth-code-url"
    # One comma-separated string, as the web app's policy pins it (a JSON list never matches
    # a policy's allowed_parameters value).
    data: dict[str, Any] = {
        "server": server,
        "redirect_url": redirect_url,
        "scopes": ",".join(scopes),
    }
    if state is not None:
        data["state"] = state
    with _vault_errors(client, "update", path, mount=mount):
        response = client.write_data(path, data=data)
    result = response.get("data") if isinstance(response, dict) else None
    if not isinstance(result, dict) or not result.get("url"):
        raise VaultRequestFailed(f"Vault answered a write to {path} without a url.")
    return AuthCodeURL(url=result["url"], state=result.get("state", state))


def delete_credential(client: hvac.Client, mount: str, name: str) -> None:
    """Forget a user's tokens (sign-out); deleting a missing credential succeeds."""
    path = f"{mount}/creds/{name}"
    with _vault_errors(client, "delete", path, mount=mount, name=name):
        client.delete(path)


class VaultConnection:
    """One Vault client for a long-running app (the web app), shared by all its threads.

    It logs in with the AppRole on first use, and again whenever Vault refuses the token (an
    AppRole token lives minutes, or an operator revoked it); the refused call is then tried
    once more. Access tokens come through one TokenProvider, so they are cached per credential.
    """

    def __init__(
        self,
        settings: Settings,
        client: hvac.Client | None = None,
        *,
        margin_seconds: float = DEFAULT_MARGIN_SECONDS,
    ) -> None:
        self.settings = settings
        self.client = client if client is not None else _new_client(settings)
        self._login_lock = threading.Lock()
        self._logged_in = not settings.uses_approle
        self.tokens = TokenProvider(
            self.client,
            settings.oauthapp_mount,
            margin_seconds=margin_seconds,
            relogin=self.relogin,
        )

    def relogin(self, refused_token: str | None = None) -> None:
        """Log in again, unless another thread already replaced the refused token."""
        if not self.settings.uses_approle:
            raise VaultTokenInvalid(
                "Vault rejected the client token (invalid, expired or revoked); set "
                "VAULT_ROLE_ID and VAULT_SECRET_ID so that the app can log in again by itself."
            )
        with self._login_lock:
            if refused_token is not None and self._logged_in and self.client.token != refused_token:
                return
            self.settings = unwrap_secret_id(self.client, self.settings)
            login(self.client, self.settings)
            self._logged_in = True

    def _ensure_login(self) -> None:
        if not self._logged_in:
            self.relogin()

    def _call(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._ensure_login()
        token = self.client.token
        try:
            return operation(self.client, *args, **kwargs)
        except VaultTokenInvalid:
            if not self.settings.uses_approle:
                raise
            self.relogin(token)
            return operation(self.client, *args, **kwargs)

    def auth_code_url(self, state: str) -> AuthCodeURL:
        s = self.settings
        return self._call(
            auth_code_url,
            s.oauthapp_mount,
            server=s.oauthapp_server,
            redirect_url=s.oauthapp_redirect_url,
            scopes=list(s.oauthapp_scopes),
            state=state,
        )

    def write_authorization_code(self, name: str, code: str) -> None:
        s = self.settings
        self.tokens.forget(name)
        self._call(
            write_authorization_code,
            s.oauthapp_mount,
            name,
            server=s.oauthapp_server,
            code=code,
            redirect_url=s.oauthapp_redirect_url,
        )

    def credential(self, name: str) -> Credential:
        self._ensure_login()
        return self.tokens.credential(name)

    def forget(self, name: str) -> None:
        self.tokens.forget(name)

    def delete_credential(self, name: str) -> None:
        self.tokens.forget(name)
        self._call(delete_credential, self.settings.oauthapp_mount, name)


def _parse_expire_time(value: Any, path: str) -> datetime | None:
    if not value:
        return None  # the plugin omits expire_time for tokens that never expire
    try:
        parsed = datetime.fromisoformat(str(value))  # RFC 3339, nanoseconds truncated
    except ValueError:
        raise VaultRequestFailed(
            f"Vault answered a read of {path} with an expire_time that is not a time."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@contextmanager
def _vault_errors(
    client: hvac.Client, capability: str, path: str, *, mount: str, name: str | None = None
) -> Iterator[None]:
    try:
        yield
    except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as error:
        raise _vault_error(error, client, capability, path, mount=mount, name=name) from error


_STATUS = {
    hvac.exceptions.InvalidRequest: 400,
    hvac.exceptions.Unauthorized: 401,
    hvac.exceptions.Forbidden: 403,
    hvac.exceptions.InvalidPath: 404,
    hvac.exceptions.RateLimitExceeded: 429,
    hvac.exceptions.InternalServerError: 500,
    hvac.exceptions.VaultNotInitialized: 501,
    hvac.exceptions.BadGateway: 502,
    hvac.exceptions.VaultDown: 503,
}


def _vault_error(
    error: Exception,
    client: hvac.Client,
    capability: str,
    path: str,
    *,
    mount: str | None = None,
    name: str | None = None,
) -> SampleError:
    """Map what Vault/OpenBao and the oauthapp plugin really answer (see the unit tests)."""
    address = client.url
    if isinstance(error, requests.exceptions.SSLError):
        return VaultUnreachable(
            f"{_network_failure('Vault', address, error)}; set VAULT_CACERT to the CA file that "
            "signed it."
        )
    if isinstance(error, requests.exceptions.RequestException):
        return VaultUnreachable(
            f"{_network_failure('Vault', address, error)}; check VAULT_ADDR and that Vault is "
            "running."
        )

    errors = [str(item) for item in (getattr(error, "errors", None) or [])]
    text = "\n".join(errors)
    detail = _detail(error)
    if isinstance(error, hvac.exceptions.VaultDown):
        if "sealed" in text:
            return VaultSealed(
                f"Vault at {address} is sealed; an operator must unseal it "
                "(`bao operator unseal`) before the sample can read tokens."
            )
        return VaultUnreachable(f"Vault at {address} is unavailable (503: {detail}).")
    if isinstance(error, hvac.exceptions.VaultNotInitialized):
        return VaultSealed(
            f"Vault at {address} is not initialized; initialize and unseal it, or run the "
            "playbook (ansible-playbook site.yml)."
        )
    if isinstance(error, hvac.exceptions.Forbidden):
        if _token_refused(errors):
            return VaultTokenInvalid(
                "Vault rejected the client token (invalid, expired or revoked); set a valid "
                "VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID for an AppRole login."
            )
        return VaultPermissionDenied(
            f"Vault denied access to {path}; the policy of the sample's Vault identity must "
            f"grant '{capability}' on that path."
        )
    if isinstance(error, hvac.exceptions.InvalidPath):
        if "no handler for route" in text:
            return OAuthAppNotConfigured(
                f"Vault has no secrets engine mounted at {mount}/; check OAUTHAPP_MOUNT, or "
                "run the playbook (ansible-playbook site.yml) to enable oauthapp."
            )
        if name is not None:  # the plugin answers an unknown credential with 404 and no error
            return CredentialMissing(mount or "", name)
    if isinstance(error, (hvac.exceptions.InvalidRequest, hvac.exceptions.InternalServerError)):
        if "checksums did not match" in text:  # Vault: the plugin file was replaced
            return OAuthAppNotConfigured(
                f"The oauthapp plugin of {mount}/ cannot start: its file on the server does not "
                "match the sha256 in the plugin catalog; run the playbook (ansible-playbook "
                "site.yml) to restore it."
            )
        if "has configuration problems" in text:
            return OAuthAppNotConfigured(
                f"The oauthapp server for {path} is not usable ({detail}); check "
                "OAUTHAPP_SERVER, or run the playbook (ansible-playbook site.yml)."
            )
        hint = authorize_hint(mount or "", name or "")
        if detail.startswith("refresh failed"):
            return CredentialRefreshFailed(
                f"Webex refused to refresh the token stored at {path} ({detail}); "
                f"re-authorize it: {hint}."
            )
        if detail == "token expired":
            return CredentialRefreshFailed(
                f"The Webex token stored at {path} has expired, or is about to, and Vault could "
                "not refresh it; "
                f"try again in a minute, or re-authorize it: {hint}."
            )
        if capability == "update" and name is not None:
            # Exchanging a code: "exchange failed: server rejected request: invalid_grant: ..."
            # (400) or, for answers the plugin cannot classify, "oauth2: ..." (500).
            return AuthorizationFailed(
                f"Vault could not exchange the authorization code with Webex ({detail}); "
                "start the sign-in again."
            )
    status = _STATUS.get(type(error), "an unexpected status")
    return VaultRequestFailed(f"Vault answered {status} to a {capability} of {path}: {detail}.")


def _token_refused(errors: list[str]) -> bool:
    # HashiCorp Vault (1.17+) adds "invalid token" for bad tokens. OpenBao and older Vault send
    # a bare "permission denied" when the token itself is refused, while a policy refusal comes
    # wrapped as "1 error occurred:\n\t* permission denied\n\n".
    return any("invalid token" in item for item in errors) or errors == ["permission denied"]


def _detail(error: Exception) -> str:
    """The first meaningful line of a Vault error, without multierror framing."""
    errors = getattr(error, "errors", None) or [str(error)]
    for line in "\n".join(str(item) for item in errors).splitlines():
        line = line.strip().removeprefix("* ").strip()
        if line and not re.fullmatch(r"\d+ errors? occurred:", line):
            return _clip(line.rstrip(".:").strip())
    return "no error message"


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL_CHARS else text[: _MAX_DETAIL_CHARS - 1] + "…"


def _network_failure(service: str, address: str, error: Exception) -> str:
    """The start of a sentence saying why `address` could not be reached."""
    if isinstance(error, requests.exceptions.SSLError):
        return f"Cannot verify the TLS certificate of {service} at {address}"
    if isinstance(error, requests.exceptions.Timeout):
        return f"{service} at {address} did not answer in time"
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"Cannot connect to {service} at {address}"
    return f"Cannot talk to {service} at {address} ({type(error).__name__})"


# --- Token cache ------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TokenProvider:
    """Hands out each credential's access token until it is within `margin_seconds` of expiry.

    One provider serves many credential names (the web app keeps one per user). It is
    thread-safe, and concurrent callers for the same name share a single Vault read.

    Reads are plain: the samples' policies refuse `minimum_seconds`, which would let any reader
    make the plugin refresh at Webex on every read. The plugin refreshes in the background
    ahead of expiry and on a read within its own 10 s of it; a token that Vault returns inside
    the margin is therefore handed out, but not cached, so the next call asks Vault again.
    """

    def __init__(
        self,
        client: hvac.Client,
        mount: str,
        *,
        margin_seconds: float = DEFAULT_MARGIN_SECONDS,
        relogin: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if margin_seconds < 0:
            raise ValueError("margin_seconds must not be negative")
        self._client = client
        self._mount = mount
        self._margin = margin_seconds
        self._relogin = relogin
        self._clock = clock
        self._lock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}
        self._cache: dict[str, Credential] = {}

    def access_token(self, name: str) -> str:
        return self.credential(name).access_token

    def credential(self, name: str) -> Credential:
        with self._name_lock(name):
            with self._lock:
                cached = self._cache.get(name)
            if cached is not None and self._outside_margin(cached):
                return cached
            fresh = self._read(name)
            if fresh.expire_time is not None and fresh.expire_time <= self._clock():
                raise CredentialRefreshFailed(
                    f"Vault returned a Webex token for {self._mount}/creds/{name} that has "
                    f"already expired; try again in a minute, or re-authorize it: "
                    f"{authorize_hint(self._mount, name)}."
                )
            with self._lock:
                # A token without an expiry could be revoked at any time, and one inside the
                # margin is about to be refreshed: ask Vault again next time.
                if self._outside_margin(fresh):
                    self._cache[name] = fresh
                else:
                    self._cache.pop(name, None)
            return fresh

    def forget(self, name: str) -> None:
        """Drop a cached token, e.g. after Webex answered 401 or the user signed out."""
        with self._lock:
            self._cache.pop(name, None)

    def _name_lock(self, name: str) -> threading.Lock:
        with self._lock:
            return self._name_locks.setdefault(name, threading.Lock())

    def _outside_margin(self, credential: Credential) -> bool:
        if credential.expire_time is None:
            return False
        return (credential.expire_time - self._clock()).total_seconds() > self._margin

    def _read(self, name: str) -> Credential:
        try:
            return read_credential(self._client, self._mount, name)
        except VaultTokenInvalid:
            if self._relogin is None:
                raise
            self._relogin()  # an AppRole token has a short TTL; log in again once
            return read_credential(self._client, self._mount, name)


# --- Webex ------------------------------------------------------------------------------------


def webex_people_me(
    session: requests.Session, base_url: str, access_token: str, timeout: float
) -> dict[str, Any]:
    """GET /people/me: the person the access token belongs to."""
    url = f"{base_url.rstrip('/')}/people/me"
    try:
        response = session.get(
            url,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=timeout,
        )
    except requests.exceptions.RequestException as error:
        raise WebexRequestFailed(
            f"{_network_failure('Webex', base_url, error)}; check WEBEX_API_BASE_URL."
        ) from error

    if response.status_code == 401:
        raise WebexUnauthorized(_webex_message(response))
    if response.status_code == 429:
        raise WebexRateLimited(retry_after_seconds(response.headers.get("Retry-After")))
    if not response.ok:
        tracking = _webex_tracking_id(response)
        raise WebexRequestFailed(
            f"Webex answered {response.status_code} to GET /people/me: "
            f"{_webex_message(response)}" + (f" (trackingId {tracking})." if tracking else ".")
        )
    try:
        person = response.json()
    except ValueError:
        person = None
    if not isinstance(person, dict):
        raise WebexRequestFailed("Webex answered GET /people/me with a body that is not a person.")
    return person


def retry_after_seconds(value: str | None, now: datetime | None = None) -> int:
    """Seconds to wait after a 429: Retry-After as seconds or an HTTP date, else 15; at least 1."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit():
        return max(1, int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
    if when.tzinfo is None:
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(1, math.ceil((when - (now or _utc_now())).total_seconds()))


def _webex_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _webex_message(response: requests.Response) -> str:
    # Webex errors look like {"message": ..., "errors": [{"description": ...}], "trackingId": ...}
    body = _webex_body(response)
    message = body.get("message")
    if not message and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        message = first.get("description") if isinstance(first, dict) else None
    return _clip(str(message or response.reason or "no error message").strip().rstrip("."))


def _webex_tracking_id(response: requests.Response) -> str | None:
    tracking = _webex_body(response).get("trackingId") or response.headers.get("trackingId")
    return _clip(str(tracking)) if tracking else None
