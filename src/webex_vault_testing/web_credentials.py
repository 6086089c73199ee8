"""Stand-ins for what webex_vault_web.credentials.Credentials works with: a Vault that caches
like VaultConnection, last-use records and index entries in memory, and the app built around
them with a clock the test moves. tests/integration/test_web_credentials.py runs the real ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from webex_vault import (
    AuthCodeURL,
    AuthorizationFailed,
    Credential,
    CredentialMissing,
    Settings,
    VaultPermissionDenied,
)
from webex_vault.credential_states import HEALTHY, Health
from webex_vault_testing.clock import FakeClock
from webex_vault_web import create_app

DAY = 86400.0
IDLE = 14 * DAY


class CachingVault:
    """Vault's credentials, and a cache in front of them that keeps a token until forget(),
    as VaultConnection's token cache does until the token nears expiry."""

    def __init__(self, stored: dict[str, Credential] | None = None) -> None:
        self.stored: dict[str, Credential] = {} if stored is None else stored
        self.cache: dict[str, Credential] = {}
        self.reads = 0
        self.fail_delete: set[str] = set()

    def auth_code_url(self, state: str) -> AuthCodeURL:
        raise NotImplementedError

    def write_authorization_code(self, name: str, code: str) -> None:
        if code == "refused":  # what Webex answers to a code it does not know
            raise AuthorizationFailed("Vault could not exchange the authorization code.")
        self.cache.pop(name, None)
        self.stored[name] = Credential(
            access_token=f"token-{code}",
            expire_time=datetime.now(UTC) + timedelta(hours=1),
            server="webex-myapp",
        )

    def credential(self, name: str) -> Credential:
        if name in self.cache:
            return self.cache[name]
        self.reads += 1
        if name not in self.stored:
            raise CredentialMissing("oauthapp", name)
        self.cache[name] = self.stored[name]
        return self.cache[name]

    def health(self, name: str) -> Health:
        self.reads += 1
        if name not in self.stored:
            raise CredentialMissing("oauthapp", name)
        return Health(HEALTHY, "", 3600)

    def forget(self, name: str) -> None:
        self.cache.pop(name, None)

    def delete_credential(self, name: str) -> None:
        if name in self.fail_delete:
            raise VaultPermissionDenied("Vault denied access to oauthapp/creds/x.")
        self.cache.pop(name, None)
        self.stored.pop(name, None)


class MemoryRecords:
    def __init__(self) -> None:
        self.last_used: dict[str, float | None] = {}
        self.writes: list[str] = []
        self.fail: Exception | None = None

    def record(self, name: str, when: float) -> None:
        if self.fail is not None:
            raise self.fail
        self.writes.append(name)
        self.last_used[name] = when

    def last_uses(self) -> Iterator[tuple[str, float | None]]:
        yield from list(self.last_used.items())

    def remove(self, name: str) -> None:
        self.last_used.pop(name, None)


class MemoryIndex:
    """The credential index's entries of the app, in memory."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.fail_remove: Exception | None = None

    def register(self, name: str) -> None:
        self.names.add(name)

    def remove(self, name: str) -> None:
        if self.fail_remove is not None:
            raise self.fail_remove
        self.names.discard(name)


def web_settings(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "vault_addr": "http://127.0.0.1:9",
        "vault_role_id": "role-id",
        "vault_secret_id": "secret-id",
        "webex_api_base_url": "http://127.0.0.1:9/v1",
    }
    return Settings(**{**values, **changes})


def app_with(
    vault: CachingVault,
    records: MemoryRecords,
    clock: FakeClock,
    index: MemoryIndex | None = None,
    **changes: Any,
) -> Flask:
    return create_app(
        {
            "WEBEX_VAULT_SETTINGS": web_settings(**changes),
            "WEBEX_VAULT_CONNECTION": vault,
            "WEBEX_VAULT_USAGE_RECORDS": records,
            "WEBEX_VAULT_CREDENTIAL_INDEX": index,
            "WEBEX_VAULT_CLOCK": clock,
            "SECRET_KEY": "k" * 64,
        }
    )
