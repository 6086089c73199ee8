"""The oauthapp mount, server and scopes that the provisioned stacks carry, and what tests do
with them: authorize a credential, get an authorization code, call the Vault API raw."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import hvac
import requests
from dotenv import dotenv_values

from webex_vault_testing.authorize import approve, authorize
from webex_vault_testing.base import REDIRECT_URL
from webex_vault_testing.stack import Stack

MOUNT = "oauthapp"
SERVER = "webex-myapp"
STATE_MOUNT = "webex-vault-state"
SCOPES = ["spark:people_read"]
# The scopes as the web app sends them, and as its policy pins them: one comma-separated string.
SCOPE = ",".join(SCOPES)
# Above the plugin's 10 s expiry delta: a shorter token counts as expired the moment it is issued.
SHORT_LIFETIME = 13


def login_as(env_file: Path) -> hvac.Client:
    """A client logged in with the AppRole identity of a settings file that app_access wrote
    (its VAULT_ADDR, role ID, secret ID and AppRole mount; its CA bundle when it names one)."""
    settings = dotenv_values(env_file)
    client = hvac.Client(
        url=settings["VAULT_ADDR"], verify=settings.get("VAULT_CACERT") or True, timeout=30
    )
    client.auth.approle.login(
        role_id=settings["VAULT_ROLE_ID"],
        secret_id=settings["VAULT_SECRET_ID"],
        mount_point=settings["VAULT_APPROLE_MOUNT"],
    )
    return client


def authorize_credential(client: hvac.Client, name: str, mount: str = MOUNT) -> None:
    authorize(
        client,
        mount=mount,
        server=SERVER,
        credential=name,
        redirect_url=REDIRECT_URL,
        scopes=SCOPES,
    )


def get_code(client: hvac.Client, mount: str = MOUNT) -> str:
    """Start a sign-in with `client` and approve it; the code the plugin would exchange."""
    state = secrets.token_urlsafe(24)
    response = client.write_data(
        f"{mount}/auth-code-url",
        data={"server": SERVER, "redirect_url": REDIRECT_URL, "scopes": SCOPE, "state": state},
    )
    return approve(response["data"]["url"], state, requests.Session())


def raw(
    stack: Stack, method: str, path: str, token: str | None = None, **kwargs: Any
) -> tuple[int, Any]:
    """A Vault API call without hvac's exception mapping: (status, JSON body or None)."""
    response = requests.request(
        method,
        f"{stack.url}/v1/{path}",
        headers={"X-Vault-Token": token or stack.root_token},
        timeout=60,
        **kwargs,
    )
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = {"raw": response.text}
    return response.status_code, body
