# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
# The implementation is the action plugin plugins/action/approle_identity.py.

from __future__ import annotations

DOCUMENTATION = r"""
module: approle_identity
short_description: An identity's policy, AppRole role and the delivery of its IDs
version_added: 1.0.0
author: webex-vault maintainers (!UNKNOWN)
description:
  - Enables AppRole auth at I(approle_mount) when nothing is there, and fails, changing nothing,
    when another auth method is.
  - Writes the ACL policy I(policy_name) (default I(name)) when its text differs from I(policy).
  - Writes the AppRole role I(name) when a setting of I(role) differs from what the server
    reads back; settings left out are not managed.
  - With I(env_file), keeps a settings file on the controller (mode C(0600)). As C(dotenv) (an
    application's), it holds I(env_content), then C(VAULT_ROLE_ID) and C(VAULT_SECRET_ID)
    (C(VAULT_SECRET_ID_WRAPPED) with I(secret_id_wrap_ttl)). As C(json) (Ansible's own admin
    identity), it is a JSON document of I(env_fields) with C(role_id), C(secret_id) and
    C(secret_id_accessor). With I(encrypt) the file is Ansible Vault-encrypted, and compared in
    plain text.
  - With I(role_id_file) and I(secret_id_file) instead, keeps the role ID and the secret ID (or,
    with I(secret_id_wrap_ttl), a wrapping token around it) in two files on the task's host
    (mode C(0600), I(file_owner), I(file_group)), as the AppRole auto-auth of a Vault or OpenBao
    agent reads them; written through the task's connection (Ansible's stat, slurp and copy
    modules on the host), never through a file on the controller.
  - A new secret ID is issued only when the delivered one no longer works (unknown, expired,
    used up, or its wrapping token expired or was unwrapped, or wraps a secret ID of another
    role), or when less than I(secret_id_renew_share) of its life is left (renewal ahead of
    expiry). Once the new one is in place, the secret IDs issued before it for the same
    delivery (the same settings file or secret-ID file on the same host, I(secret_id_tag)) are
    destroyed, except the one it renews, which keeps working until it expires (the overlap,
    so that an app that still holds it never meets a dead identity, and reads its file again
    when it is refused at last); secret IDs of other hosts, instances or hands are left alone. With
    I(secret_id_scope=role) (the admin identity) every other secret ID of the role is
    destroyed. The server's login lockout of the role ID is then lifted (an app that kept
    trying a dead secret ID logs in with the new one at once).
  - Each secret ID it issues carries I(secret_id_metadata) and C(delivered_to) (the tag).
  - With I(check_login), the file's identity then logs in once (outside check mode), and that
    login's token is revoked at once; the task fails when the login is refused.
  - A wrapped secret ID in I(secret_id_file) is meant to be unwrapped once and the file deleted
    by the agent, which then holds the secret ID in memory only. A state file beside it
    (C(<secret_id_file>.state), no secret) records which run of the agent it was handed to
    (I(secret_id_holder)) and a delivery tag also kept in the secret ID's metadata. While the
    file is gone, no new one is issued as long as the same run holds a secret ID that still
    works; a restarted agent (another holder) gets a new one.
  - The role ID and secret ID never appear in a result or a diff.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - community.hashi_vault.connection
  - webex_vault.oauthapp.vault_auth
  - webex_vault.oauthapp.vault_action
options:
  name:
    description: Name of the AppRole role (and of the policy, unless I(policy_name) is given).
    type: str
    required: true
  policy_name:
    description: Name of the ACL policy; empty for I(name).
    type: str
    default: ""
  approle_mount:
    description: Path AppRole auth is enabled at.
    type: str
    default: approle
  approle_description:
    description: Description of the AppRole auth method, when this module enables it.
    type: str
    default: ""
  policy:
    description:
      - The policy's text (HCL); required unless I(secret_id_only).
      - With I(secret_id_only) it is only compared with the stored one (never written), and a
        warning says when they differ or the stored one cannot be read.
    type: str
  role:
    description:
      - Settings of the AppRole role, as Vault's C(auth/<mount>/role/<name>) takes them; required
        unless I(secret_id_only). Numbers are sent as strings, which an admin policy can pin.
      - A policy or role write that Vault denies (the admin policy pins them to other values)
        fails the task with one sentence that asks for break glass, before the settings file is
        written.
    type: dict
    suboptions:
      token_policies:
        description: Policies of the tokens a login returns.
        type: list
        elements: str
      token_ttl:
        description: Lifetime of those tokens, in seconds.
        type: int
      token_max_ttl:
        description: Longest lifetime of those tokens after renewals, in seconds.
        type: int
      secret_id_ttl:
        description: Lifetime of a secret ID, in seconds (C(0) means never expires).
        type: int
      secret_id_num_uses:
        description: Logins a secret ID allows (C(0) means any number).
        type: int
      token_no_default_policy:
        description: Whether the tokens go without the C(default) policy.
        type: bool
      secret_id_bound_cidrs:
        description: Networks a secret ID may log in from (CIDR).
        type: list
        elements: str
      token_bound_cidrs:
        description:
          - Networks the tokens may be used from (CIDR).
          - A host's C(/32) or C(/128) is compared without it, as the server reads it back.
        type: list
        elements: str
  secret_id_metadata:
    description: Metadata of each secret ID this module issues (string values).
    type: dict
    default: {issued_by: webex-vault app_access}
  env_file:
    description:
      - Absolute path of the settings file on the controller; empty for none.
      - Its directory must exist.
    type: path
    default: ""
  env_format:
    description: C(dotenv) (KEY=value lines) or C(json) (one JSON document).
    type: str
    default: dotenv
    choices: [dotenv, json]
  env_content:
    description:
      - For C(dotenv), the settings file's other lines (comments, C(VAULT_ADDR) and the like),
        written before the role ID and secret ID. No secret belongs here.
    type: str
    default: ""
  env_fields:
    description: For C(json), the document's other keys (C(auth_method), C(mount_point) ...).
    type: dict
    default: {}
  encrypt:
    description:
      - Encrypt the settings file with Ansible Vault; not given, it is plain text.
      - No secret ID is issued when the file could not be encrypted.
    type: dict
    suboptions:
      vault_id:
        description: Vault ID label of the encryption.
        type: str
        default: ""
      vault_password_file:
        description: Password file to encrypt with; empty for the password the run loaded.
        type: path
        default: ""
      allow_plaintext:
        description: Write plain text when the run has no Ansible Vault password.
        type: bool
        default: false
      own_password:
        description:
          - Encrypt only with the password loaded under I(vault_id) (or I(vault_password_file)),
            never another loaded one; a file encrypted with another password is written again
            under its own (reported as a change).
        type: bool
        default: false
      distinct_from:
        description:
          - Vault-ids (with their optional password files) whose password must not encrypt this
            file; the task fails when it would, and issues no secret ID.
        type: list
        elements: dict
        default: []
        suboptions:
          vault_id:
            description: The other file's vault-id.
            type: str
            required: true
          vault_password_file:
            description: The other file's password file, when it has one.
            type: path
            default: ""
  check_login:
    description:
      - Log in once with the file's identity, and fail when that is refused; with a new secret
        ID, before the ones it replaces are destroyed.
      - With I(secret_id_only), only when it wrote the file (a new secret ID).
    type: bool
    default: false
  secret_id_only:
    description:
      - Only the secret ID in I(env_file), whose role ID it keeps; the AppRole mount, the policy
        and the role are neither read nor written. For an identity renewing its own secret ID
        (Ansible's admin identity, which may issue and destroy its own secret IDs, never change
        its policy or role).
    type: bool
    default: false
  secret_id_wrap_ttl:
    description:
      - Seconds a response-wrapped secret ID can be unwrapped in; the settings file then holds
        the wrapping token as C(VAULT_SECRET_ID_WRAPPED) (C(dotenv) only), and
        I(secret_id_file) the wrapping token alone.
      - C(0) writes the secret ID itself.
    type: int
    default: 0
  role_id_file:
    description:
      - Path on the task's host of a file holding the role ID alone; set with I(secret_id_file),
        instead of I(env_file).
    type: str
    default: ""
  secret_id_file:
    description:
      - Path on the task's host of a file holding the secret ID (or its wrapping token) alone.
    type: str
    default: ""
  secret_id_holder:
    description:
      - With a wrapped I(secret_id_file), an ID of the agent process that reads it and that
        changes whenever that process starts again (a systemd unit's C(InvocationID)); empty when
        none runs.
    type: str
    default: ""
  file_owner:
    description: Owner of I(role_id_file) and I(secret_id_file); empty means the connecting user.
    type: str
    default: ""
  file_group:
    description: Group of I(role_id_file) and I(secret_id_file); empty means the owner's default.
    type: str
    default: ""
  secret_id_renew_share:
    description:
      - A new secret ID is issued when less than this share (at least C(0), less than C(1)) of
        the delivered one's life (from its creation to its expiry) is left, while it still
        works. C(0) renews only a secret ID that stopped working; a secret ID that does not
        expire (the role's C(secret_id_ttl) C(0)) is never due.
      - Run the task more often than I(secret_id_renew_share) times the role's C(secret_id_ttl).
    type: float
    default: 0.5
  secret_id_scope:
    description:
      - Which earlier secret IDs a new one replaces. C(delivery) those issued for the same
        delivery (I(secret_id_tag)), the one it renews excepted until it expires. C(role)
        every other secret ID of the role, at once (an identity with one holder, as Ansible's
        admin identity).
    type: str
    default: delivery
    choices: [delivery, role]
  secret_id_tag:
    description:
      - The delivery a secret ID is issued for, kept in its metadata as C(delivered_to).
      - Empty means C(<controller's host name>:<absolute env_file>), or
        C(<inventory_hostname>:<secret_id_file>).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: The CLI sample's identity and settings file
  webex_vault.oauthapp.approle_identity:
    name: webex-cli
    policy: |
      path "oauthapp/creds/people-me" {
        capabilities = ["read"]
      }
    role:
      token_policies: [webex-cli]
      token_ttl: 1200
      token_max_ttl: 3600
      secret_id_ttl: 2592000
      token_no_default_policy: true
      token_bound_cidrs: [127.0.0.1/32]
      secret_id_bound_cidrs: [127.0.0.1/32]
    env_file: /srv/webex-cli/.env
    env_content: |
      VAULT_ADDR=https://vault.example.com:8200
      OAUTHAPP_MOUNT=oauthapp
      OAUTHAPP_CREDENTIAL=people-me

- name: An agent's identity, its IDs in files on its host
  webex_vault.oauthapp.approle_identity:
    name: webex-agent-people-me
    policy: |
      path "oauthapp/creds/people-me" {
        capabilities = ["read"]
        allowed_parameters = {
          "minimum_seconds" = ["600"]
        }
      }
    role:
      token_policies: [webex-agent-people-me]
      token_ttl: 1200
      token_max_ttl: 14400
      secret_id_ttl: 2592000
      token_no_default_policy: true
    role_id_file: /var/lib/webex-agent-people-me/role-id
    secret_id_file: /var/lib/webex-agent-people-me/secret-id
    file_owner: webex-agent-people-me
    file_group: webex-agent-people-me

- name: Ansible's own admin identity, encrypted beside the init file, checked by a login
  webex_vault.oauthapp.approle_identity:
    name: webex-vault-admin
    policy: "{{ lookup('ansible.builtin.file', 'admin.hcl') }}"
    role:
      token_policies: [webex-vault-admin]
      token_ttl: 1800
      token_no_default_policy: true
      secret_id_ttl: 7776000
    secret_id_metadata:
      issued_by: ansible vault_server
    secret_id_scope: role
    env_file: /home/ops/.webex-vault/vault-init-admin.json
    env_format: json
    env_fields:
      auth_method: approle
      mount_point: approle
    encrypt:
      vault_id: vault_server_init
    check_login: true
"""

RETURN = r"""
secret_id_issued:
  description: Whether a new secret ID was issued (and written to I(env_file)).
  returned: success
  type: bool
secret_id_renewed:
  description: Whether the new secret ID renews one that still works (due for renewal).
  returned: success
  type: bool
superseded:
  description: How many earlier secret IDs of the role were destroyed (check mode, would be).
  returned: success
  type: int
kept_until_expiry:
  description:
    - Accessor of the secret ID a new one replaces and leaves working until it expires (the
      delivered one, or the one a running app unwrapped); empty for none.
  returned: success
  type: str
"""
