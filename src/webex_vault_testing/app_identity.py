"""The arguments of webex_vault.oauthapp.approle_identity for the web sample's identity, as the
unit tests of its secret-ID lifecycle and of the admin policy's pins give them to the fake
Vault, and the secret ID that a run wrote into a settings file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DAY = 86400
POLICY = 'path "oauthapp/creds/people-me" {\n  capabilities = ["read"]\n}\n'
ROLE = {
    "token_policies": ["webex-app"],
    "token_ttl": 900,
    "token_max_ttl": 3600,
    "secret_id_ttl": 30 * DAY,
    "secret_id_num_uses": 0,
    "token_no_default_policy": True,
}


def identity(env_file: Path, **overrides: Any) -> dict[str, Any]:
    """approle_identity's arguments for the web sample, its settings file at env_file."""
    return {
        "name": "webex-app",
        "policy": POLICY,
        "role": ROLE,
        "env_file": str(env_file),
        "env_content": "VAULT_ADDR=http://127.0.0.1:8200\n",
        **overrides,
    }


def secret_id_in(env_file: Path, key: str = "VAULT_SECRET_ID") -> str:
    """The value of `key` (the secret ID, or its accessor) in a settings file."""
    for line in env_file.read_text().splitlines():
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"no {key} in {env_file}")
