"""What the emulator issues (codes, tokens) and the two errors its endpoints answer with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AuthorizationCode:
    client_id: str
    user_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    expires_at: float
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass
class IssuedToken:
    """An access or a refresh token. grant_id links every token issued from one consent, so
    revoking any of them revokes the whole family, as revoking an authorization does at Webex."""

    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    grant_id: str
    expires_at: float


class OAuthError(Exception):
    """A token endpoint error: rendered in the RFC 6749 or the Webex shape."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class ControlError(Exception):
    """A control API request the emulator cannot honour."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
