"""What the visitor is told when something fails: one Problem (status, title, advice) per case.

The table maps each webex_vault error to its page; the constants are the web app's own failures
(a sign-in that cannot be completed, a form that expired, Webex refusing the token).
"""

from __future__ import annotations

from dataclasses import dataclass

from webex_vault import (
    AuthorizationFailed,
    CredentialRefreshFailed,
    OAuthAppNotConfigured,
    SampleError,
    VaultPermissionDenied,
    VaultSealed,
    VaultTokenInvalid,
    VaultUnreachable,
    WebexRequestFailed,
)

from .security import STATE_TTL_SECONDS


@dataclass(frozen=True)
class Problem:
    """A page for a failure: a title, what happened and what to do, as plain text."""

    status: int
    title: str
    message: str
    authorize: bool = False  # offer the Authorize button: signing in again is the fix


_OPERATOR = "If it keeps happening, tell the operator of this app."
# First match wins, so subclasses come before SampleError.
_PROBLEMS: tuple[tuple[type[SampleError], Problem], ...] = (
    (
        VaultSealed,
        Problem(
            503,
            "Vault is sealed",
            "The vault that keeps the Webex tokens is sealed. An operator must unseal it; "
            "then reload this page.",
        ),
    ),
    (
        VaultUnreachable,
        Problem(
            503,
            "Vault cannot be reached",
            f"The app cannot reach the vault that keeps the Webex tokens. Try again in a "
            f"minute. {_OPERATOR}",
        ),
    ),
    (
        VaultPermissionDenied,
        Problem(
            502,
            "Vault refused this step",
            "Vault's policy for this app does not allow what it just tried. The operator must "
            "re-run `ansible-playbook site.yml` so that the policy matches the app's settings.",
        ),
    ),
    (
        VaultTokenInvalid,
        Problem(
            502,
            "Vault refused the app's identity",
            "Vault no longer accepts this app's AppRole login. The operator must issue a new "
            "secret ID (re-run `ansible-playbook site.yml`) and restart the app.",
        ),
    ),
    (
        OAuthAppNotConfigured,
        Problem(
            502,
            "Webex sign-in is not set up",
            "Vault has no usable Webex configuration for this app. The operator must run "
            "`ansible-playbook site.yml`.",
        ),
    ),
    (
        CredentialRefreshFailed,
        Problem(
            502,
            "Your Webex sign-in could not be renewed",
            "Vault could not get a fresh Webex token for you: the sign-in was revoked, or Webex "
            "did not answer. Authorize again, or try again in a minute.",
            authorize=True,
        ),
    ),
    (
        AuthorizationFailed,
        Problem(
            502,
            "Webex did not accept the sign-in",
            "Webex refused to exchange the sign-in code; it may have expired. Start again.",
            authorize=True,
        ),
    ),
    (
        WebexRequestFailed,
        Problem(
            502,
            "Webex cannot be reached",
            f"Webex did not answer as expected. Try again in a minute. {_OPERATOR}",
        ),
    ),
    (
        SampleError,
        Problem(
            502,
            "Something went wrong",
            f"Vault or Webex gave an answer this app did not expect. {_OPERATOR}",
        ),
    ),
)
WEBEX_REJECTED_TOKEN = Problem(
    401,
    "Webex no longer accepts your sign-in",
    "Webex rejected the access token that Vault keeps for you. Authorize again.",
    authorize=True,
)
# A 503 with Retry-After: this app is the one that cannot serve the page for now.
RATE_LIMITED = Problem(
    503,
    "Webex asks this app to slow down",
    "Webex is rate-limiting this app (429 Too Many Requests).",
)
BAD_STATE = Problem(
    400,
    "This sign-in cannot be completed",
    "The answer from Webex does not belong to a sign-in started in this browser in the last "
    f"{STATE_TTL_SECONDS // 60} minutes (or it was used already). Nothing was stored. "
    "Start again.",
    authorize=True,
)
NO_CODE = Problem(
    400,
    "This sign-in cannot be completed",
    "Webex sent no authorization code. Nothing was stored. Start again.",
    authorize=True,
)
ACCESS_DENIED = Problem(
    403,
    "You did not allow access",
    "You declined to let this app see your Webex profile, so nothing was stored. You can "
    "authorize it whenever you like.",
    authorize=True,
)
PROVIDER_ERROR = Problem(
    502,
    "Webex could not sign you in",
    "Webex ended the sign-in with an error, so nothing was stored. Try again; if it keeps "
    "happening, tell the operator of this app the error code below.",
    authorize=True,
)
BAD_FORM = Problem(
    400,
    "This form has expired",
    "The form did not come from this page, or your session ended. Reload the page and try again.",
)


def problem_for(error: SampleError) -> Problem:
    """The page for an error: the first entry of the table that the error is an instance of."""
    return next(problem for kind, problem in _PROBLEMS if isinstance(error, kind))
