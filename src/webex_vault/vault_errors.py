"""What Vault, OpenBao and the oauthapp plugin answer when something fails, as a SampleError.

The answers were recorded from real servers (webex_vault_testing/recorded.py; tested in
tests/unit/webex_vault/test_vault.py and test_vault_errors.py): the same failure
reads differently on Vault and on OpenBao, and the plugin adds its own wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import hvac
import hvac.exceptions
import requests

from webex_vault.errors import (
    AuthorizationFailed,
    CredentialMissing,
    CredentialRefreshFailed,
    OAuthAppNotConfigured,
    SampleError,
    VaultPermissionDenied,
    VaultRequestFailed,
    VaultSealed,
    VaultTokenInvalid,
    VaultUnreachable,
    authorize_hint,
    clip,
    network_failure,
)


@contextmanager
def vault_errors(
    client: hvac.Client, capability: str, path: str, *, mount: str, name: str | None = None
) -> Iterator[None]:
    """Turn the hvac and requests errors of the block into the SampleError vault_error picks."""
    try:
        yield
    except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as error:
        raise vault_error(error, client, capability, path, mount=mount, name=name) from error


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


def vault_error(
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
            f"{network_failure('Vault', address, error)}; set VAULT_CACERT to the CA file that "
            "signed it."
        )
    if isinstance(error, requests.exceptions.RequestException):
        return VaultUnreachable(
            f"{network_failure('Vault', address, error)}; check VAULT_ADDR and that Vault is "
            "running."
        )

    errors = [str(item) for item in (getattr(error, "errors", None) or [])]
    text = "\n".join(errors)
    detail = error_detail(error)
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


def error_detail(error: Exception) -> str:
    """The first meaningful line of a Vault error, without multierror framing."""
    errors = getattr(error, "errors", None) or [str(error)]
    for line in "\n".join(str(item) for item in errors).splitlines():
        line = line.strip().removeprefix("* ").strip()
        if line and not re.fullmatch(r"\d+ errors? occurred:", line):
            return clip(line.rstrip(".:").strip())
    return "no error message"
