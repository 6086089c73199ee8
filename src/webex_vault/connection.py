"""VaultConnection: the one Vault client of a long-running app, logging in again by itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import hvac

from webex_vault.credential_health import read_health
from webex_vault.credential_states import MISSING, Health
from webex_vault.errors import CredentialMissing, VaultTokenInvalid
from webex_vault.settings import Settings
from webex_vault.tokens import DEFAULT_MARGIN_SECONDS, TokenProvider
from webex_vault.vault import (
    AuthCodeURL,
    Credential,
    auth_code_url,
    delete_credential,
    login,
    new_client,
    unwrap_secret_id,
    write_authorization_code,
)

_T = TypeVar("_T")


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
        self.client = client if client is not None else new_client(settings)
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

    def call(self, operation: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """operation(client, *args, **kwargs), logged in; after a refused token, once more."""
        return self._call(operation, *args, **kwargs)

    def _call(self, operation: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
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

    def health(self, name: str) -> Health:
        """How the credential is (credential_states); CredentialMissing when it is gone."""
        mount = self.settings.oauthapp_mount
        health = self._call(read_health, mount, name)
        if health.state == MISSING:
            raise CredentialMissing(mount, name)
        return health

    def forget(self, name: str) -> None:
        self.tokens.forget(name)

    def delete_credential(self, name: str) -> None:
        self.tokens.forget(name)
        self._call(delete_credential, self.settings.oauthapp_mount, name)
