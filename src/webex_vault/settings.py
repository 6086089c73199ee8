"""The samples' settings: read once from the environment and an env file, each value checked.

A bad value raises SettingsError naming the variable to fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from webex_vault import setting_values as check
from webex_vault.env_file import read_env_file
from webex_vault.errors import SettingsError

_MIN_SECRET_KEY_CHARS = 32


@dataclass(frozen=True)
class SettingsSource:
    """Where settings were read from, so that a long-running app can read them again: the
    playbook rewrites the settings file when it issues a new identity."""

    environ: Mapping[str, str] = field(repr=False)
    env_file_variable: str
    default_env_file: Path | None


# The fields that say who the app is and which server it talks to: what a re-read may change
# in a running app (the rest, such as the redirect URL, is wired into it at start-up).
IDENTITY_FIELDS = (
    "vault_addr",
    "vault_token",
    "vault_role_id",
    "vault_secret_id",
    "vault_secret_id_wrapped",
    "vault_approle_mount",
    "vault_cacert",
    "vault_namespace",
    "http_timeout_seconds",
)


@dataclass(frozen=True)
class Settings:
    """Configuration of the samples, read once from the environment and `samples/.env`
    (the web app: `samples/web.env`)."""

    vault_addr: str
    vault_token: str | None = field(default=None, repr=False)
    vault_role_id: str | None = field(default=None, repr=False)
    vault_secret_id: str | None = field(default=None, repr=False)
    # A response-wrapping token around the secret ID: unwrapped once, at the first login.
    vault_secret_id_wrapped: str | None = field(default=None, repr=False)
    vault_approle_mount: str = "approle"
    vault_cacert: str | None = None
    vault_namespace: str | None = None
    oauthapp_mount: str = "oauthapp"
    oauthapp_server: str = "webex-myapp"
    oauthapp_credential: str = "people-me"
    webex_api_base_url: str = "https://webexapis.com/v1"
    http_timeout_seconds: float = 10.0
    # The web app: one credential per browser session under <mount>/creds/<prefix>/, or, for a
    # single user, every session shares `oauthapp_credential`.
    oauthapp_credential_prefix: str = "webex"
    oauthapp_shared_credential: bool = False
    oauthapp_redirect_url: str = "http://localhost:5000/auth"
    oauthapp_scopes: tuple[str, ...] = ("spark:people_read",)
    flask_secret_key: str | None = field(default=None, repr=False)
    # The web app: the KV v2 mount of its last-use records, and how long a credential may go
    # unused before the pruning deletes it.
    oauthapp_state_mount: str = "webex-vault-state"
    oauthapp_credential_max_idle_seconds: int = 14 * 86400
    # How long a web app sign-in lasts before the visitor must sign in again.
    web_session_lifetime_seconds: int = 12 * 3600
    # Where these settings came from (None: built in code), for read_again().
    source: SettingsSource | None = field(default=None, repr=False, compare=False)

    @property
    def uses_approle(self) -> bool:
        return self.vault_role_id is not None

    def identity(self) -> tuple[object, ...]:
        """The values of IDENTITY_FIELDS, to tell whether a re-read brought a new identity."""
        return tuple(getattr(self, name) for name in IDENTITY_FIELDS)

    def read_again(self) -> Settings | None:
        """The settings as their source says now, or None when they were not read from one."""
        if self.source is None:
            return None
        return Settings.from_environment(
            self.source.environ,
            env_file_variable=self.source.env_file_variable,
            default_env_file=self.source.default_env_file,
        )

    def with_identity_of(self, other: Settings) -> Settings:
        """These settings with the identity and the server of `other` (see IDENTITY_FIELDS)."""
        return replace(
            self, source=other.source, **{name: getattr(other, name) for name in IDENTITY_FIELDS}
        )

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        env_file_variable: str = "WEBEX_VAULT_ENV_FILE",
        default_env_file: Path | None = None,
    ) -> Settings:
        """Real environment variables win over the env file, as with python-dotenv's default.

        The env file is `default_env_file` (each sample passes the one beside it) unless the
        variable `env_file_variable` names another; with neither, only the environment counts.
        """
        environ = dict(os.environ if environ is None else environ)
        values = {**read_env_file(environ, env_file_variable, default_env_file), **environ}

        def get(key: str) -> str | None:
            value = (values.get(key) or "").strip()
            return value or None

        role_id, secret_id = get("VAULT_ROLE_ID"), get("VAULT_SECRET_ID")
        wrapped = get("VAULT_SECRET_ID_WRAPPED")
        if secret_id is not None and wrapped is not None:
            raise SettingsError(
                "VAULT_SECRET_ID and VAULT_SECRET_ID_WRAPPED are both set; keep only the one "
                "the playbook wrote."
            )
        if (role_id is None) != (secret_id is None and wrapped is None):
            missing = "VAULT_SECRET_ID" if role_id is not None else "VAULT_ROLE_ID"
            raise SettingsError(
                f"{missing} must be set too: an AppRole login needs both VAULT_ROLE_ID and "
                "VAULT_SECRET_ID (or VAULT_SECRET_ID_WRAPPED)."
            )
        # The AppRole identity wins over VAULT_TOKEN: the playbook writes a least-privilege
        # AppRole, while a VAULT_TOKEN in the shell is often an operator's admin session.
        token = None if role_id else get("VAULT_TOKEN")
        if role_id is None and token is None:
            raise SettingsError(
                "VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID, must be set so that the "
                "sample can log in to Vault."
            )

        cacert = get("VAULT_CACERT")
        if cacert is not None and not Path(cacert).expanduser().is_file():
            raise SettingsError(
                f"VAULT_CACERT must name a CA certificate file, and '{cacert}' is not a file."
            )
        namespace = get("VAULT_NAMESPACE")
        if namespace is not None:
            namespace = check.vault_path("VAULT_NAMESPACE", namespace)
        shared = check.boolean("OAUTHAPP_SHARED_CREDENTIAL", get("OAUTHAPP_SHARED_CREDENTIAL"))
        if shared and get("OAUTHAPP_CREDENTIAL") is None:
            raise SettingsError(
                "OAUTHAPP_CREDENTIAL must name the credential that every visitor shares when "
                "OAUTHAPP_SHARED_CREDENTIAL is true."
            )
        secret_key = get("FLASK_SECRET_KEY")
        if secret_key is not None and len(secret_key) < _MIN_SECRET_KEY_CHARS:
            raise SettingsError(
                f"FLASK_SECRET_KEY must be at least {_MIN_SECRET_KEY_CHARS} random characters, "
                "for example the output of `python3 -c 'import secrets; "
                "print(secrets.token_hex(32))'`."
            )

        return cls(
            vault_addr=check.http_url("VAULT_ADDR", get("VAULT_ADDR"), "http://127.0.0.1:8200"),
            vault_token=token,
            vault_role_id=role_id,
            vault_secret_id=secret_id,
            vault_secret_id_wrapped=wrapped,
            vault_approle_mount=check.vault_path(
                "VAULT_APPROLE_MOUNT", get("VAULT_APPROLE_MOUNT") or cls.vault_approle_mount
            ),
            vault_cacert=str(Path(cacert).expanduser()) if cacert else None,
            vault_namespace=namespace,
            oauthapp_mount=check.vault_path(
                "OAUTHAPP_MOUNT", get("OAUTHAPP_MOUNT") or cls.oauthapp_mount
            ),
            oauthapp_server=check.vault_name(
                "OAUTHAPP_SERVER", get("OAUTHAPP_SERVER") or cls.oauthapp_server
            ),
            oauthapp_credential=check.vault_path(
                "OAUTHAPP_CREDENTIAL", get("OAUTHAPP_CREDENTIAL") or cls.oauthapp_credential
            ),
            webex_api_base_url=check.http_url(
                "WEBEX_API_BASE_URL",
                get("WEBEX_API_BASE_URL") or cls.webex_api_base_url,
                cls.webex_api_base_url,
            ),
            http_timeout_seconds=check.timeout(
                get("HTTP_TIMEOUT_SECONDS"), cls.http_timeout_seconds
            ),
            oauthapp_credential_prefix=check.vault_path(
                "OAUTHAPP_CREDENTIAL_PREFIX",
                get("OAUTHAPP_CREDENTIAL_PREFIX") or cls.oauthapp_credential_prefix,
            ),
            oauthapp_shared_credential=shared,
            oauthapp_redirect_url=check.redirect_url(
                get("OAUTHAPP_REDIRECT_URL") or cls.oauthapp_redirect_url
            ),
            oauthapp_scopes=check.scopes(get("OAUTHAPP_SCOPES"), cls.oauthapp_scopes),
            flask_secret_key=secret_key,
            oauthapp_state_mount=check.vault_path(
                "OAUTHAPP_STATE_MOUNT", get("OAUTHAPP_STATE_MOUNT") or cls.oauthapp_state_mount
            ),
            oauthapp_credential_max_idle_seconds=check.max_idle(
                get("OAUTHAPP_CREDENTIAL_MAX_IDLE_SECONDS"),
                cls.oauthapp_credential_max_idle_seconds,
            ),
            web_session_lifetime_seconds=check.session_lifetime(
                get("WEB_SESSION_LIFETIME_SECONDS"), cls.web_session_lifetime_seconds
            ),
            source=SettingsSource(environ, env_file_variable, default_env_file),
        )
