"""Get a valid Webex access token from Vault's oauthapp engine, and call Webex with it.

Shared by the samples (people_me.py, the web app). The oauthapp plugin, not this package,
talks to the Webex token endpoint: it exchanges authorization codes, keeps the refresh token
(Vault never returns it) and refreshes the access token before it expires. This package reads
and writes `<mount>/creds/<name>` and turns every failure a user can act on into a
`SampleError` whose message is one sentence that never contains a token.

One module per concern: errors, settings (and env_file), vault (with vault_errors, the error
mapping), tokens (the cache), connection (a long-running app's client), webex, and cli (the
CLI sample, the `webex-people-me` command).
"""

# The distribution's version (pyproject.toml reads it): the collection's, galaxy.yml.
__version__ = "1.0.0"

from webex_vault.connection import VaultConnection
from webex_vault.errors import (
    AuthorizationFailed,
    CredentialMissing,
    CredentialRefreshFailed,
    OAuthAppNotConfigured,
    SampleError,
    SettingsError,
    VaultPermissionDenied,
    VaultRequestFailed,
    VaultSealed,
    VaultTokenInvalid,
    VaultUnreachable,
    WebexRateLimited,
    WebexRequestFailed,
    WebexUnauthorized,
    authorize_hint,
)
from webex_vault.settings import Settings
from webex_vault.tokens import DEFAULT_MARGIN_SECONDS, TokenProvider
from webex_vault.vault import (
    AuthCodeURL,
    Credential,
    auth_code_url,
    delete_credential,
    login,
    read_credential,
    unwrap_secret_id,
    vault_client,
    write_authorization_code,
)
from webex_vault.webex import DEFAULT_RETRY_AFTER_SECONDS, retry_after_seconds, webex_people_me

__all__ = [
    "__version__",
    "DEFAULT_MARGIN_SECONDS",
    "DEFAULT_RETRY_AFTER_SECONDS",
    "AuthCodeURL",
    "AuthorizationFailed",
    "Credential",
    "CredentialMissing",
    "CredentialRefreshFailed",
    "OAuthAppNotConfigured",
    "SampleError",
    "Settings",
    "SettingsError",
    "TokenProvider",
    "VaultConnection",
    "VaultPermissionDenied",
    "VaultRequestFailed",
    "VaultSealed",
    "VaultTokenInvalid",
    "VaultUnreachable",
    "WebexRateLimited",
    "WebexRequestFailed",
    "WebexUnauthorized",
    "auth_code_url",
    "authorize_hint",
    "delete_credential",
    "login",
    "read_credential",
    "retry_after_seconds",
    "unwrap_secret_id",
    "vault_client",
    "webex_people_me",
    "write_authorization_code",
]
