"""A Webex emulator of a test's own that records every code and token it issues (for the
secret-hygiene scan) and whose client secret can be rotated."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webex_vault_testing.emulator import Emulator, start_emulator_thread


@dataclass
class RecordingEmulator(Emulator):
    """An emulator of our own (faults and settings of other tests cannot reach it) that records
    every code, access token and refresh token it issues, for the secret-hygiene scan.

    The recording wraps two methods of the in-process emulator object; the emulator's code is
    not changed.
    """

    server: Any = field(default=None, repr=False)
    issued: dict[str, set[str]] = field(
        default_factory=lambda: {"codes": set(), "access_tokens": set(), "refresh_tokens": set()}
    )

    def set_client_secret(self, client_secret: str) -> None:
        """Rotate the secret on the Webex side. The emulator holds exactly one secret per client
        and its control API cannot change it, so the test swaps it in the in-process object."""
        state = self.server.state
        with state._lock:
            state._settings = dataclasses.replace(state._settings, client_secret=client_secret)
        self.client_secret = client_secret

    def all_secrets(self) -> dict[str, set[str]]:
        return {
            "client_secret": {self.client_secret},
            **{k: set(v) for k, v in self.issued.items()},
        }

    def shutdown(self) -> None:
        self.server.shutdown()


def start_emulator(log_file: Path | None = None) -> RecordingEmulator:
    server, client = start_emulator_thread(display_name="Demo User")
    emulator = RecordingEmulator(
        client.base_url, client.client_id, client.client_secret, server=server
    )
    state = server.state
    issue_code, issue_tokens = state.issue_code, state._issue_tokens_locked

    def recording_issue_code(*args: Any, **kwargs: Any) -> str:
        code = issue_code(*args, **kwargs)
        emulator.issued["codes"].add(code)
        return code

    def recording_issue_tokens(*args: Any, **kwargs: Any) -> dict[str, Any]:
        tokens = issue_tokens(*args, **kwargs)
        emulator.issued["access_tokens"].add(tokens["access_token"])
        emulator.issued["refresh_tokens"].add(tokens["refresh_token"])
        return tokens

    # The recording wraps the methods of this one object (the emulator's code is unchanged).
    state.issue_code = recording_issue_code  # type: ignore[method-assign]
    state._issue_tokens_locked = recording_issue_tokens  # type: ignore[method-assign]
    if log_file is not None:
        # The emulator logs method, path and status of each request; keep them for the scan.
        handler = logging.FileHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger = logging.getLogger("webex_emulator")
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    return emulator
