#!/usr/bin/env python3
"""Authorize a user without a browser: the scripted stand-in for "open the link and click Approve".

Used by `make demo`; the steps are webex_vault_testing.authorize's (the tests call it directly).
The code never leaves this process except towards Vault. The credential is registered in the
credential index first (webex_vault.credential_index), unless an entry exists: the role owns the
CLI sample's entry, and keeps it.

    python tools/authorize_user.py --credential people-me [--mount oauthapp]
        [--server webex-myapp] [--redirect-url http://localhost:5000/auth]
        [--scope spark:people_read] [--state-mount webex-vault-state]

Vault address and token come from VAULT_ADDR and VAULT_TOKEN (or --token-file).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

import hvac
import requests

import webex_vault
from webex_vault.credential_index import IndexEntry, register_credential, unregister_credential
from webex_vault_testing.authorize import AuthorizationError, authorize

CREATED_BY = "tools/authorize_user.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credential", required=True, help="name under <mount>/creds/")
    parser.add_argument("--mount", default="oauthapp")
    parser.add_argument("--server", default="webex-myapp")
    parser.add_argument("--redirect-url", default="http://localhost:5000/auth")
    parser.add_argument("--scope", action="append", dest="scopes", help="repeatable")
    parser.add_argument("--state-mount", default="webex-vault-state", help="the index's KV mount")
    parser.add_argument("--token-file", type=Path, help="file holding the Vault token")
    args = parser.parse_args()

    address = os.environ.get("VAULT_ADDR", "http://127.0.0.1:8200")
    token = (
        args.token_file.read_text().strip() if args.token_file else os.environ.get("VAULT_TOKEN")
    )
    if not token:
        print("authorize_user: set VAULT_TOKEN or pass --token-file.", file=sys.stderr)
        return 2
    client = hvac.Client(url=address, token=token, timeout=30)
    entry = IndexEntry(args.credential, args.mount, args.server, CREATED_BY)
    try:
        indexed = register_credential(client, args.state_mount, entry, only_if_absent=True)
    except webex_vault.SampleError as error:
        print(f"authorize_user: {error}", file=sys.stderr)
        return 1
    try:
        authorize(
            client,
            mount=args.mount,
            server=args.server,
            credential=args.credential,
            redirect_url=args.redirect_url,
            scopes=args.scopes or ["spark:people_read"],
        )
    except (AuthorizationError, webex_vault.SampleError, requests.RequestException) as error:
        print(f"authorize_user: {error}", file=sys.stderr)
        if indexed:  # nothing was created: the entry goes again
            with contextlib.suppress(webex_vault.SampleError):
                unregister_credential(client, args.state_mount, args.mount, args.credential)
        return 1
    print(f"authorize_user: {args.mount}/creds/{args.credential} now holds the user's tokens.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
