# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The salted fingerprint of a configuration whose secrets the server never returns.

Computed exactly as roles/oauthapp_webex/tasks/server.yml does in Jinja,
`(salt ~ (config | to_json(sort_keys=true))) | hash('sha256')`: Ansible's to_json is
json.dumps with its default separators and ensure_ascii, and hash() digests the UTF-8 bytes.
Equal inputs give equal fingerprints, so a server the role wrote is not rewritten by the module.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import string

SALT_ALPHABET = string.ascii_letters + string.digits
SALT_LENGTH = 32


def fingerprint(salt: str, config: dict) -> str:
    serialised = json.dumps(config, sort_keys=True)
    return hashlib.sha256((salt + serialised).encode("utf-8")).hexdigest()


def new_salt() -> str:
    """32 letters and digits, like the role's password lookup."""
    return "".join(map(secrets.choice, [SALT_ALPHABET] * SALT_LENGTH))
