# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The auth options of this collection's Vault actions: community.hashi_vault's names and
environment variables, for the auth methods these actions implement (token, approle, none).
Its connection options come from its own public fragment, community.hashi_vault.connection."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  auth_method:
    description:
      - How to log in, with community.hashi_vault's names.
      - C(token) uses I(token); C(approle) logs in with I(role_id) and I(secret_id) at
        I(mount_point), and the token that login obtains is revoked when the task is done;
        C(none) sends no token.
      - community.hashi_vault's other methods (C(userpass), C(ldap), C(aws_iam), C(azure),
        C(jwt), C(cert), C(gcp)) are refused with one sentence. Their options are accepted and
        ignored, so that C(module_defaults) shared with community.hashi_vault's modules apply.
    type: str
    choices: [token, approle, none, userpass, ldap, aws_iam, azure, jwt, cert, gcp]
    default: token
  token:
    description:
      - Vault token for C(token) auth.
      - If not given, the C(VAULT_TOKEN) environment variable, then the file I(token_file) in
        I(token_path).
    type: str
  token_path:
    description: Directory of I(token_file); if not given, the C(HOME) environment variable.
    type: str
  token_file:
    description: File holding a token, read when neither I(token) nor C(VAULT_TOKEN) gives one.
    type: str
    default: .vault-token
  token_validate:
    description: For C(token) auth, check the token with C(auth/token/lookup-self) before use.
    type: bool
    default: false
  role_id:
    description: AppRole role ID for C(approle) auth.
    type: str
  secret_id:
    description: AppRole secret ID for C(approle) auth.
    type: str
  mount_point:
    description: Path the AppRole auth method is mounted at; C(approle) when not given.
    type: str
notes:
  - Every call goes through one hvac client (hvac's public API) built from these options and
    community.hashi_vault.connection's; with I(retries), answers 412, 429, 500, 502 and 503 and
    refused or timed-out connections are tried again with a growing delay (I(retries) as a
    number, or a dict with C(total) and C(backoff_factor)). Server initialisation and unseal
    keys are never retried.
"""
