"""A fake Webex OAuth and People API server for the tests, the benchmarks and the local demo.

LOOPBACK TEST HARNESS ONLY. Its tokens are worthless, its consent page has no login and no CSRF
protection, and anyone who can reach the /_emulator/ control API can rewrite its state. It
therefore refuses to listen on anything but a loopback address.

It follows Webex's public documentation ("Login with Webex", the webex-openapi-specs). Where Webex
leaves behaviour undocumented (error body shape of /v1/access_token, refresh-token rotation) both
variants are available behind a switch.

Webex endpoints
  GET  /v1/authorize      Checks client_id, redirect_uri (exact match; optional when only one is
                          registered), response_type=code, scope, optional PKCE. An unknown client
                          or redirect_uri gets a 400 page, never a redirect. Shows the consent page,
                          or redirects straight away with a code when auto-approve is on.
  POST /v1/authorize      The consent form. decision=approve: 302 to redirect_uri?code=..&state=..;
                          decision=deny: 302 to redirect_uri?error=access_denied&..&state=..
  POST /v1/access_token   Form-encoded. Client auth by HTTP Basic (id and secret URL-escaped, as
                          golang.org/x/oauth2 sends them) or client_id/client_secret in the body.
                          grant_type=authorization_code or refresh_token.
  GET  /v1/people/me      Bearer token with spark:people_read or spark:all: the signed-in person.

Control API (JSON)
  GET      /_emulator/health          {"status": "ok"}
  GET|POST /_emulator/settings        read, or partially update, the runtime settings
  GET|PUT  /_emulator/user            read, or partially update, the signed-in user's profile
  GET|POST /_emulator/users           list the profiles, or add one and sign in as it
  POST     /_emulator/login           {"id": person id}: sign in as another profile
  POST     /_emulator/tokens/expire   {"kind": "access"|"refresh"|"all", "token": optional}
  POST     /_emulator/tokens/revoke   {"token": optional}: that token's grant, or every grant
  POST     /_emulator/faults          {"endpoint", "count", "status", "error", "hang_seconds",
                                      "retry_after"}: the next `count` calls to that endpoint
                                      hang and/or fail with `status`; no status means a slow
                                      but normal answer. A 429 carries Retry-After (1 s unless
                                      retry_after is given; null leaves it out). Faults queue.
                                      "token" (access_token only) aims the fault at the
                                      refreshes of that token's grant, and no other call.
  DELETE   /_emulator/faults          drop the queued faults
  GET      /_emulator/stats           request, grant, client-auth and fault counters; live tokens
  POST     /_emulator/reset           tokens, faults, stats, settings and users back to the start
  GET      /_emulator/avatar/<id>     the default avatar picture (SVG), so pages load nothing remote

Run it with
  python -m webex_emulator --client-id ID --client-secret SECRET --redirect-uri URI
(see --help; every flag can also be set as WEBEX_EMULATOR_<FLAG>). From pytest use
`start_in_thread(EmulatorSettings(...))`, which returns `(server, base_url)`.

Modules: settings, records, people, authorize (the authorize request's checks), state and
faults (everything mutable), responses, webex_api and control (the two blueprints), server,
cli.
"""

from webex_emulator.cli import DEFAULT_CLI_PORT, ENV_PREFIX, main, settings_from_args
from webex_emulator.responses import (
    MISSING_SCOPE_MESSAGE,
    UNAUTHORIZED_MESSAGE,
    WEBEX_STATUS_MESSAGES,
)
from webex_emulator.server import EmulatorServer, create_app, is_loopback_host, start_in_thread
from webex_emulator.settings import EmulatorSettings
from webex_emulator.state import EmulatorState

__all__ = [
    "DEFAULT_CLI_PORT",
    "ENV_PREFIX",
    "MISSING_SCOPE_MESSAGE",
    "UNAUTHORIZED_MESSAGE",
    "WEBEX_STATUS_MESSAGES",
    "EmulatorServer",
    "EmulatorSettings",
    "EmulatorState",
    "create_app",
    "is_loopback_host",
    "main",
    "settings_from_args",
    "start_in_thread",
]
