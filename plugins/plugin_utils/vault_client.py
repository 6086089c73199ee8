# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The collection's one way to Vault: an hvac client (its public API only) built from
community.hashi_vault's option names and environment variables, logged in with a token or
AppRole, retrying the answers that mean "try again", and able to give up the token its own
login obtained."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ansible.module_utils.common.validation import check_type_dict
from ansible.module_utils.parsing.convert_bool import boolean

# hvac is imported with the action plugins, in ansible-playbook's own process: each task's
# worker is forked from it, so a run imports hvac once instead of once per Vault task.
try:
    import hvac
    import requests
    from hvac import exceptions as hvac_errors
except ImportError:
    hvac = requests = hvac_errors = None

# community.hashi_vault's connection options (doc fragment community.hashi_vault.connection).
CONNECTION_OPTIONS: dict[str, dict[str, Any]] = {
    "url": {"type": "str"},
    "proxies": {"type": "raw"},
    "ca_cert": {"type": "str", "aliases": ["cacert"]},
    "validate_certs": {"type": "bool"},
    "namespace": {"type": "str"},
    "timeout": {"type": "int"},
    "retries": {"type": "raw"},
    "retry_action": {"type": "str", "choices": ["ignore", "warn"], "default": "warn"},
}
# The auth methods these actions implement, with community.hashi_vault's option names.
SUPPORTED_AUTH = ("token", "approle", "none")
# Its other auth methods' options are accepted, so that module_defaults shared with its modules
# (this collection's action group extends community.hashi_vault.vault) apply here unchanged.
OTHER_AUTH = ("userpass", "ldap", "aws_iam", "azure", "jwt", "cert", "gcp")
AUTH_OPTIONS: dict[str, dict[str, Any]] = {
    "auth_method": {
        "type": "str",
        "default": "token",
        "choices": [*SUPPORTED_AUTH[:2], *OTHER_AUTH, SUPPORTED_AUTH[2]],
    },
    "mount_point": {"type": "str"},
    "token": {"type": "str", "no_log": True},
    "token_path": {"type": "str", "no_log": False},
    "token_file": {"type": "str", "default": ".vault-token"},
    "token_validate": {"type": "bool", "default": False},
    "role_id": {"type": "str"},
    "secret_id": {"type": "str", "no_log": True},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "jwt": {"type": "str", "no_log": True},
    "aws_profile": {"type": "str", "aliases": ["boto_profile"]},
    "aws_access_key": {"type": "str", "aliases": ["aws_access_key_id"], "no_log": False},
    "aws_secret_key": {"type": "str", "aliases": ["aws_secret_access_key"], "no_log": True},
    "aws_security_token": {"type": "str", "no_log": False},
    "region": {"type": "str"},
    "aws_iam_server_id": {"type": "str"},
    "azure_tenant_id": {"type": "str"},
    "azure_client_id": {"type": "str"},
    "azure_client_secret": {"type": "str", "no_log": True},
    "azure_resource": {"type": "str", "default": "https://management.azure.com/"},
    "cert_auth_private_key": {"type": "path", "no_log": False},
    "cert_auth_public_key": {"type": "path"},
}
OPTIONS = {**CONNECTION_OPTIONS, **AUTH_OPTIONS}

# Answers worth another try: sealed or standby without an active node (503), a cluster that is
# electing a leader (500, 502), Enterprise's eventual consistency (412), a rate limit (429).
RETRIED_STATUSES = (412, 429, 500, 502, 503)
BACKOFF_FACTOR = 0.3
# "[Errno 111] Connection refused" from deep inside urllib3's wrapping of a refused connection.
ERRNO = re.compile(r"\[Errno -?\d+\][^'\")]*")


class VaultClientError(Exception):
    """A setting, a refusal or an unreachable server, in one sentence."""


class VaultDeniedError(VaultClientError):
    """Vault answered 403: the token's policy does not allow the call."""


@dataclass
class Settings:
    """A connection and a login, resolved from the options and the environment."""

    url: str
    verify: bool | str = True
    namespace: str | None = None
    timeout: int | None = None
    proxies: dict | None = None
    retries: int = 0
    backoff_factor: float = BACKOFF_FACTOR
    warn_retries: bool = True
    auth_method: str = "token"
    token: str = ""
    role_id: str = ""
    secret_id: str = ""
    mount_point: str = ""
    token_validate: bool = False
    # Values no result may show: the token and secret ID, wherever they came from.
    secrets: set = field(default_factory=set)


def settings(options: dict, environ: dict | None = None) -> Settings:
    """The connection the options describe; the environment fills what they leave out, as in
    community.hashi_vault (VAULT_ADDR, VAULT_CACERT, VAULT_NAMESPACE, VAULT_SKIP_VERIFY,
    VAULT_TOKEN, then the token file)."""
    environ = os.environ if environ is None else environ
    url = (options.get("url") or environ.get("VAULT_ADDR") or "").strip()
    if not url:
        raise VaultClientError("No Vault URL was given: set the url option or VAULT_ADDR.")
    validate = options.get("validate_certs")
    if validate is None:
        skip = environ.get("VAULT_SKIP_VERIFY")
        validate = not boolean(skip, strict=False) if skip else True
    ca_cert = options.get("ca_cert") or environ.get("VAULT_CACERT") or ""
    total, backoff = _retries(options.get("retries"))
    found = Settings(
        url=url.rstrip("/"),
        verify=(ca_cert or True) if validate else False,
        namespace=options.get("namespace") or environ.get("VAULT_NAMESPACE") or None,
        timeout=options.get("timeout"),
        proxies=_proxies(options.get("proxies")),
        retries=total,
        backoff_factor=backoff,
        warn_retries=options.get("retry_action", "warn") == "warn",
        auth_method=options.get("auth_method") or "token",
        mount_point=options.get("mount_point") or "",
        token_validate=bool(options.get("token_validate")),
    )
    if found.auth_method in OTHER_AUTH:
        raise VaultClientError(
            f"auth_method '{found.auth_method}' is not one this collection's modules use: "
            f"choose {', '.join(SUPPORTED_AUTH)}."
        )
    if found.auth_method == "token":
        found.token = (
            options.get("token") or environ.get("VAULT_TOKEN") or _token_file(options, environ)
        )
        if not found.token:
            raise VaultClientError(
                "No Vault token was given: set the token option or VAULT_TOKEN, "
                "or choose another auth_method."
            )
    elif found.auth_method == "approle":
        found.role_id = options.get("role_id") or ""
        found.secret_id = options.get("secret_id") or ""
        found.mount_point = found.mount_point or "approle"
        if not found.role_id:
            raise VaultClientError("auth_method approle needs role_id (and usually secret_id).")
    found.secrets = {value for value in (found.token, found.secret_id) if value}
    return found


def _token_file(options: dict, environ: dict) -> str:
    folder = options.get("token_path") or environ.get("HOME") or ""
    path = Path(folder) / (options.get("token_file") or ".vault-token")
    if not folder or not path.exists():
        return ""
    if not path.is_file():
        raise VaultClientError(f"The Vault token file {path} exists but is not a file.")
    return path.read_text(encoding="utf-8").strip()


def _retries(value) -> tuple[int, float]:
    """(total, backoff factor) from a number or {total, backoff_factor}; 0 turns retries off."""
    if value in (None, ""):
        return 0, BACKOFF_FACTOR
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value, BACKOFF_FACTOR
    try:
        given = check_type_dict(value)
        total = int(given.pop("total", 0))
        backoff = float(given.pop("backoff_factor", BACKOFF_FACTOR))
    except (TypeError, ValueError):
        given, total, backoff = {"?": value}, -1, BACKOFF_FACTOR
    if given or total < 0 or backoff < 0:
        raise VaultClientError(
            "retries must be a number of retries or a dict with total and backoff_factor."
        )
    return total, backoff


def _proxies(value) -> dict | None:
    if value in (None, "", {}):
        return None
    if isinstance(value, str) and "=" not in value and ":" in value and "{" not in value:
        return {"http": value, "https": value}
    try:
        return {str(key): str(url) for key, url in check_type_dict(value).items()}
    except (TypeError, ValueError):
        raise VaultClientError(
            "proxies must be a proxy URL or a dict of scheme to proxy URL."
        ) from None


class VaultClient:
    """One server, one token: the hvac client the actions' calls go through."""

    def __init__(self, found: Settings, warn: Callable[[str], None] | None = None):
        if hvac is None:
            raise VaultClientError(
                "The Python library hvac is not installed on the controller; pip install hvac."
            )
        self.settings = found
        self._warn = warn or (lambda message: None)
        # Whether login() obtained the token (AppRole): logout() revokes only such a token.
        self.logged_in = False
        options: dict[str, Any] = {"url": found.url, "verify": found.verify}
        if found.timeout:
            options["timeout"] = found.timeout
        if found.proxies:
            options["proxies"] = found.proxies
        # The server's own state (health, seal, init, leader) is served in the root namespace
        # only, without a token: those reads go without the namespace header.
        self.server = hvac.Client(**options)
        self.hvac = hvac.Client(**options, namespace=found.namespace)

    @property
    def token(self) -> str:
        return self.hvac.token or ""

    # --- Login and logout --------------------------------------------------------------------

    def login(self) -> None:
        """Carry the token, or log in with AppRole; with token_validate, check the token."""
        method = self.settings.auth_method
        if method == "token":
            self.hvac.token = self.settings.token
            if self.settings.token_validate and self.lookup_self() is None:
                raise VaultClientError(f"The server at {self.settings.url} refused the token.")
        elif method == "approle":
            answer = self.call(
                f"log in with AppRole at auth/{self.settings.mount_point}",
                self.hvac.auth.approle.login,
                role_id=self.settings.role_id,
                secret_id=self.settings.secret_id or None,
                mount_point=self.settings.mount_point,
            )
            self.logged_in = bool(self.hvac.token)
            token = ((answer or {}).get("auth") or {}).get("client_token")
            if token:
                self.settings.secrets.add(token)

    def lookup_self(self) -> dict | None:
        """The token's own lookup (policies, ttl), or None when the server refuses the token."""
        try:
            answer = self.call("look up the token", self.hvac.auth.token.lookup_self, retry=False)
        except VaultClientError:
            return None
        return (answer or {}).get("data") or None

    def logout(self) -> bool:
        """Revoke the token login() obtained; a token the caller gave is never revoked."""
        if not self.logged_in:
            return False
        self.logged_in = False
        return self.revoke_self()

    def revoke_self(self) -> bool:
        """Revoke the token the client carries; whether the server took it (a token that is
        already revoked or expired is not an error)."""
        try:
            self.call("revoke the token", self.hvac.auth.token.revoke_self, retry=False)
        except VaultClientError:
            return False
        return True

    # --- Unauthenticated status ----------------------------------------------------------------

    def health(self) -> tuple[int, dict, str]:
        """(status, body, reason) of GET /v1/sys/health; status -1 and a reason when nothing
        answers. Never retried: the caller decides how long a status is worth waiting on."""
        try:
            answer = self.server.sys.read_health_status(method="GET")
        except requests.RequestException as exc:
            return -1, {}, unreachable(exc)
        if isinstance(answer, dict):
            return 200, answer, ""
        return answer.status_code, _json(answer), ""

    def status(self, name: str) -> dict:
        """An unauthenticated status read by its hvac name (read_seal_status, read_init_status,
        read_leader_status), once; {} when the server does not answer."""
        try:
            return getattr(self.server.sys, name)() or {}
        except (requests.RequestException, hvac_errors.VaultError):
            return {}

    # --- Calls ---------------------------------------------------------------------------------

    def call(self, what: str, method: Callable, *args, retry: bool = True, **kwargs):
        """method(*args, **kwargs), retried on the answers that mean "try again" (with
        retries), and any refusal turned into one sentence that says what was tried."""
        attempts = (self.settings.retries if retry else 0) + 1
        for attempt in range(attempts):
            try:
                return method(*args, **kwargs)
            except (hvac_errors.VaultError, requests.RequestException) as exc:
                left = attempts - attempt - 1
                if not left or not transient(exc):
                    denied = isinstance(exc, hvac_errors.Forbidden)
                    error = VaultDeniedError if denied else VaultClientError
                    raise error(self.sentence(what, exc)) from None
                if self.settings.warn_retries:
                    self._warn(f"Vault could not {what} ({reason(exc)}); {left} retries left.")
                time.sleep(self.settings.backoff_factor * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def sentence(self, what: str, exc: Exception) -> str:
        if isinstance(exc, requests.RequestException):
            return (
                f"Vault at {self.settings.url} could not be reached to {what}: {unreachable(exc)}."
            )
        if isinstance(exc, hvac_errors.Forbidden):
            return f"Vault denied the token permission to {what}."
        return f"Vault refused to {what}: {reason(exc)}."


def transient(exc: Exception) -> bool:
    if isinstance(exc, requests.RequestException):
        return isinstance(exc, (requests.ConnectionError, requests.Timeout))
    return isinstance(
        exc,
        (
            hvac_errors.PreconditionFailed,
            hvac_errors.RateLimitExceeded,
            hvac_errors.InternalServerError,
            hvac_errors.BadGateway,
            hvac_errors.VaultDown,
        ),
    )


def reason(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        return "; ".join(str(error) for error in errors)
    if isinstance(exc, requests.RequestException):
        return unreachable(exc)
    return type(exc).__name__


def unreachable(exc: Exception) -> str:
    """The root cause of a requests error ("[Errno 111] Connection refused"), if it says one."""
    found = ERRNO.search(str(exc))
    return found.group(0).strip() if found else type(exc).__name__


def _json(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
