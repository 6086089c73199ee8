"""The command line: `python -m webex_emulator --client-id ID --client-secret SECRET
--redirect-uri URI`; every flag can also be set as WEBEX_EMULATOR_<FLAG>."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from webex_emulator.server import EmulatorServer
from webex_emulator.settings import EmulatorSettings

ENV_PREFIX = "WEBEX_EMULATOR_"
DEFAULT_CLI_PORT = 8600

# Every option: (flags, dest, type, help). Each one can also come from WEBEX_EMULATOR_<DEST>.
_OPTIONS: tuple[tuple[str, str, Callable[[str], Any], str], ...] = (
    ("--host", "host", str, "loopback address to listen on (default 127.0.0.1)"),
    ("--port", "port", int, f"port, 0 for any free one (default {DEFAULT_CLI_PORT})"),
    ("--client-id", "client_id", str, "the integration's client id (required)"),
    ("--client-secret", "client_secret", str, "the integration's client secret (required)"),
    ("--client-name", "client_name", str, "name shown on the consent page"),
    ("--access-token-lifetime", "access_token_lifetime", int, "seconds (default 1209599)"),
    ("--refresh-token-lifetime", "refresh_token_lifetime", int, "seconds (default 7775999)"),
    ("--code-lifetime", "code_lifetime", int, "authorization code lifetime, seconds (default 300)"),
    ("--error-style", "error_style", str, "token error body: rfc (default) or webex"),
    ("--latency-ms", "latency_ms", int, "delay added to every token endpoint answer"),
    ("--display-name", "display_name", str, "the signed-in user's displayName (default Demo User)"),
    ("--email", "email", str, "the signed-in user's email (default demo.user@example.com)"),
)
_SWITCHES = (
    ("--rotate-refresh-tokens", "rotate_refresh_tokens", "issue a new refresh token on refresh"),
    ("--auto-approve", "auto_approve", "skip the consent page and approve at once"),
)


def env_name(dest: str) -> str:
    return ENV_PREFIX + dest.upper()


def parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m webex_emulator",
        description="Fake Webex OAuth server for local tests (loopback only).",
        epilog="Flags win over the WEBEX_EMULATOR_<FLAG> environment variables.",
    )
    # Defaults are None so that an unset flag can fall back to its environment variable.
    for flag, dest, convert, help_text in _OPTIONS:
        parser.add_argument(flag, dest=dest, type=convert, help=f"{help_text}; {env_name(dest)}")
    parser.add_argument(
        "--redirect-uri",
        dest="redirect_uri",
        action="append",
        help="a registered redirect URI, repeatable (required); "
        f"{env_name('redirect_uri')} takes a space-separated list",
    )
    for flag, dest, help_text in _SWITCHES:
        parser.add_argument(
            flag,
            dest=dest,
            action=argparse.BooleanOptionalAction,
            help=f"{help_text}; {env_name(dest)}=true|false",
        )
    return parser


def settings_from_args(argv: list[str] | None, environ: Mapping[str, str]) -> EmulatorSettings:
    """Flags, then WEBEX_EMULATOR_* variables, then the defaults. Exits on a usage error."""
    parser = build_parser()
    args = vars(parser.parse_args(argv))
    converters: dict[str, Callable[[str], Any]] = {
        dest: convert for _, dest, convert, _ in _OPTIONS
    }
    converters.update({dest: parse_bool for _, dest, _ in _SWITCHES})
    converters["redirect_uri"] = str.split
    for dest, convert in converters.items():
        raw = environ.get(env_name(dest), "")
        if args[dest] is None and raw.strip():
            try:
                args[dest] = convert(raw)
            except ValueError:
                parser.error(f"{env_name(dest)} has an invalid value {raw!r}.")
    for dest, flag in (
        ("client_id", "--client-id"),
        ("client_secret", "--client-secret"),
        ("redirect_uri", "--redirect-uri"),
    ):
        if not args[dest]:
            parser.error(f"{flag} (or {env_name(dest)}) is required.")
    args["redirect_uris"] = args.pop("redirect_uri")
    if args["port"] is None:
        args["port"] = DEFAULT_CLI_PORT
    try:
        return EmulatorSettings(
            **{name: value for name, value in args.items() if value is not None}
        )
    except ValueError as exc:
        parser.error(str(exc))
        raise  # parser.error exits; this line keeps type checkers content


def main(argv: list[str] | None = None) -> int:
    settings = settings_from_args(argv, os.environ)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        server = EmulatorServer(settings)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"Cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}.",
            file=sys.stderr,
        )
        return 1
    # Harnesses wait for this exact line before they send requests.
    print(f"Webex emulator listening on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0
