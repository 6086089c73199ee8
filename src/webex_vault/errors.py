"""The failures a user can act on: one exception class per cause, each with its own exit code.

str() of every error is one sentence that never contains a token.
"""

from __future__ import annotations

import requests

MAX_DETAIL_CHARS = 200


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
            f"Webex rejected the access token (401: {webex_message}); re-authorize it: sign "
            "in again through the web app (on the local demo, `make demo` does it)."
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
        f"sign in through the web app, or write a fresh authorization code with "
        f"`bao write {mount}/creds/{name} server=<server> code=<code> redirect_url=<redirect URL>` "
        "(on the local demo, `make demo` does it)"
    )


# --- Settings ---------------------------------------------------------------------------------


def clip(text: str) -> str:
    """text, cut to MAX_DETAIL_CHARS: servers' error details are quoted, never in full."""
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def network_failure(service: str, address: str, error: Exception) -> str:
    """The start of a sentence saying why `address` could not be reached."""
    if isinstance(error, requests.exceptions.SSLError):
        return f"Cannot verify the TLS certificate of {service} at {address}"
    if isinstance(error, requests.exceptions.Timeout):
        return f"{service} at {address} did not answer in time"
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"Cannot connect to {service} at {address}"
    return f"Cannot talk to {service} at {address} ({type(error).__name__})"
