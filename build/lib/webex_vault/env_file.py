"""A sample's settings file: KEY=VALUE lines, refused when others may read the secrets in it."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from webex_vault.errors import SettingsError

_ENV_FILE_SECRETS = (
    "VAULT_TOKEN",
    "VAULT_SECRET_ID",
    "VAULT_SECRET_ID_WRAPPED",
    "FLASK_SECRET_KEY",
)


def read_env_file(
    environ: Mapping[str, str], variable: str, default: Path | None
) -> dict[str, str]:
    """The file's values: `variable` names the file, else `default`; {} when there is none."""
    explicit = (environ.get(variable) or "").strip()
    path = Path(explicit).expanduser() if explicit else default
    if path is None:
        return {}
    if not path.exists() or path.is_dir():
        if explicit:
            fallback = f"to use {default}" if default else "to use the environment only"
            raise SettingsError(
                f"{variable} names '{explicit}', which is not a file; fix the path "
                f"or unset it {fallback}."
            )
        return {}
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.error:
                raise SettingsError(
                    f"The env file {path} has a line that is not KEY=VALUE "
                    f"(line {binding.original.line}); fix it or point {variable} elsewhere."
                )
    values = {key: value for key, value in dotenv_values(path).items() if value is not None}
    secrets_held = [key for key in _ENV_FILE_SECRETS if values.get(key)]
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and secrets_held and mode & 0o077:
        raise SettingsError(
            f"The env file {path} holds {secrets_held[0]} but other users may read it "
            f"(mode {mode:04o}); "
            f"run `chmod 600 {path}`."
        )
    return values
