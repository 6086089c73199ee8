#!/bin/sh
# Ansible Vault password of the Molecule scenarios (ANSIBLE_VAULT_PASSWORD_FILE), so that the
# vault_server role's init file is written encrypted there. Ansible runs this script and reads
# its output; the password is made once per checkout in the git-ignored .local/ (0600).
set -eu
file="$(cd "$(dirname "$0")/../.." && pwd)/.local/molecule/vault-password"
if [ ! -s "$file" ]; then
  mkdir -p "$(dirname "$file")"
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$file")
fi
cat "$file"
