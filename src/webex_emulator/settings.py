"""The emulator's settings: the start values, and those the control API may change later."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

ERROR_STYLES = ("rfc", "webex")
RUNTIME_SETTINGS = (
    "access_token_lifetime",
    "refresh_token_lifetime",
    "code_lifetime",
    "error_style",
    "rotate_refresh_tokens",
    "auto_approve",
    "latency_ms",
)


@dataclass(frozen=True)
class EmulatorSettings:
    """Start values. The RUNTIME_SETTINGS can be changed later through /_emulator/settings."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    client_name: str = "Webex Vault Demo"
    host: str = "127.0.0.1"
    port: int = 0  # 0 picks a free port; the CLI defaults to 8600
    access_token_lifetime: int = 1209599
    refresh_token_lifetime: int = 7775999
    code_lifetime: int = 300
    error_style: str = "rfc"
    rotate_refresh_tokens: bool = False
    auto_approve: bool = False
    latency_ms: int = 0
    display_name: str = "Demo User"
    email: str = "demo.user@example.com"

    def __post_init__(self) -> None:
        # Accept any sequence (a list from JSON or argparse) but keep the frozen value hashable.
        object.__setattr__(self, "redirect_uris", tuple(self.redirect_uris))
        for name in ("client_id", "client_secret", "client_name", "display_name", "email"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string.")
        if not self.redirect_uris or not all(
            isinstance(uri, str) and uri for uri in self.redirect_uris
        ):
            raise ValueError("At least one redirect URI must be registered.")
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ValueError("port must be a number from 0 to 65535.")
        for name in RUNTIME_SETTINGS:
            check_runtime_setting(name, getattr(self, name))


def check_runtime_setting(name: str, value: Any) -> None:
    """Raise ValueError (one sentence) unless value suits the runtime setting `name`."""
    if name in ("access_token_lifetime", "refresh_token_lifetime", "code_lifetime"):
        # 0 would mean "no expiry" to golang.org/x/oauth2, which is not what a test wants.
        if not is_int(value) or value < 1:
            raise ValueError(f"{name} must be a whole number of seconds, at least 1.")
    elif name == "latency_ms":
        if not is_int(value) or value < 0:
            raise ValueError("latency_ms must be a whole number of milliseconds, at least 0.")
    elif name == "error_style":
        if value not in ERROR_STYLES:
            raise ValueError("error_style must be 'rfc' or 'webex'.")
    elif name in ("rotate_refresh_tokens", "auto_approve"):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false.")
    else:
        raise ValueError(
            f"Unknown setting {name!r}; changeable settings: {', '.join(RUNTIME_SETTINGS)}."
        )


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def public_settings(settings: EmulatorSettings) -> dict[str, Any]:
    """The settings as JSON, without the client secret."""
    values = dataclasses.asdict(settings)
    del values["client_secret"]
    values["redirect_uris"] = list(settings.redirect_uris)
    return values
