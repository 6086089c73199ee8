"""Vault access: a logged-in client, and the oauthapp engine's calls the samples make.

`<mount>/creds/<name>` holds one user's Webex tokens; the plugin refreshes them and never
returns the refresh token. Every failure comes out as a SampleError (see vault_errors).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

import hvac
import hvac.exceptions
import requests

from webex_vault.errors import VaultRequestFailed, VaultTokenInvalid
from webex_vault.settings import Settings
from webex_vault.vault_errors import error_detail, vault_error, vault_errors


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
    client = new_client(settings)
    if settings.uses_approle:
        login(client, unwrap_secret_id(client, settings))
    return client


def unwrap_secret_id(client: hvac.Client, settings: Settings) -> Settings:
    """The settings with the secret ID out of its response-wrapping token (sys/wrapping/unwrap).

    A wrapping token works once: the playbook writes a new one on its next run.
    """
    if settings.vault_secret_id is not None or settings.vault_secret_id_wrapped is None:
        return settings
    unwrapper = new_client(replace(settings, vault_token=settings.vault_secret_id_wrapped))
    try:
        response = unwrapper.adapter.post("/v1/sys/wrapping/unwrap")
    except (hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden) as error:
        raise VaultTokenInvalid(
            "Vault refused VAULT_SECRET_ID_WRAPPED (a wrapped secret ID works once, and only "
            f"for a limited time: {error_detail(error)}); re-run the playbook "
            "(ansible-playbook playbooks/app_access.yml) to write a new one."
        ) from error
    except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as error:
        raise vault_error(error, client, "update", "sys/wrapping/unwrap") from error
    data = response.get("data") if isinstance(response, dict) else None
    if not isinstance(data, dict) or not data.get("secret_id"):
        raise VaultTokenInvalid(
            "VAULT_SECRET_ID_WRAPPED does not wrap a secret ID; re-run the playbook "
            "(ansible-playbook playbooks/app_access.yml) to write a new one."
        )
    return replace(settings, vault_secret_id=data["secret_id"], vault_secret_id_wrapped=None)


def new_client(settings: Settings) -> hvac.Client:
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
            f"Vault rejected the AppRole login at auth/{mount} ({error_detail(error)}); check "
            "VAULT_ROLE_ID and VAULT_SECRET_ID, or ask for a new secret ID."
        ) from error
    except hvac.exceptions.Forbidden as error:
        raise VaultTokenInvalid(
            f"Vault refused the AppRole login at auth/{mount}/login (permission denied); "
            "check VAULT_APPROLE_MOUNT."
        ) from error
    except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as error:
        raise vault_error(error, client, "update", f"auth/{mount}/login") from error


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
    with vault_errors(client, "read", path, mount=mount, name=name):
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
    with vault_errors(client, "update", path, mount=mount, name=name):
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
    with vault_errors(client, "update", path, mount=mount):
        response = client.write_data(path, data=data)
    result = response.get("data") if isinstance(response, dict) else None
    if not isinstance(result, dict) or not result.get("url"):
        raise VaultRequestFailed(f"Vault answered a write to {path} without a url.")
    return AuthCodeURL(url=result["url"], state=result.get("state", state))


def delete_credential(client: hvac.Client, mount: str, name: str) -> None:
    """Forget a user's tokens (sign-out); deleting a missing credential succeeds."""
    path = f"{mount}/creds/{name}"
    with vault_errors(client, "delete", path, mount=mount, name=name):
        client.delete(path)


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
