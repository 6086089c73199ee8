"""Print the Webex display name of the user whose OAuth token Vault keeps.

    python samples/people_me.py [--debug]

Configuration comes from the environment and samples/.env (see samples/.env.example). Vault's
oauthapp engine hands out a valid access token (refreshing it first if needed), and the sample
calls GET /v1/people/me with it. The installed package has the same as the command
`webex-people-me` (reading `.env` in the working folder).

Exit codes (a failure prints one sentence on stderr; --debug adds the traceback):
   0  success
   1  other error a user can act on
   2  invalid settings (the message names the variable)
   3  no credential in Vault yet: authorize first
   4  Vault could not refresh the token (revoked or expired): re-authorize
   5  Webex rejected the access token (401): re-authorize
   6  Webex is rate-limiting (429): wait the number of seconds given
   7  Vault cannot be reached
   8  Vault is sealed (or not initialized)
   9  the Vault identity's policy does not allow reading the credential
  10  Vault rejected the token or the AppRole login
  11  the oauthapp engine or its Webex server is not configured in Vault
  12  (web app only) Webex refused to exchange an authorization code
  13  Vault gave an unexpected answer
  14  Webex cannot be reached or gave an unexpected answer
"""

from __future__ import annotations

from pathlib import Path

# The helper package (src/webex_vault), installed into the virtualenv by `make venv`; its
# cli.py is this sample's code, read top to bottom: settings -> Vault client -> token -> Webex.
from webex_vault import cli

# The settings file `ansible-playbook site.yml` writes beside this script.
ENV_FILE = Path(__file__).resolve().with_name(".env")


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, env_file=ENV_FILE)


if __name__ == "__main__":
    raise SystemExit(main())
