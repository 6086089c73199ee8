#!/bin/sh
# Ansible Vault passwords of the Molecule scenarios, one per vault-id (ANSIBLE_VAULT_IDENTITY_LIST
# names this script for vault_server_init and vault_server_admin), so that the vault_server
# role writes the init file and the admin file encrypted, each with a password of its own.
# Ansible runs a "-client" script with --vault-id <id> and reads its output; each password is
# made once per checkout in the git-ignored .local/ (0600).
set -eu
id=default
while [ $# -gt 0 ]; do
  case "$1" in
    --vault-id) id="$2"; shift 2 ;;
    *) shift ;;
  esac
done
case "$id" in *[!A-Za-z0-9_-]*) echo "unexpected vault-id: $id" >&2; exit 2 ;; esac
file="$(cd "$(dirname "$0")/../.." && pwd)/.local/molecule/vault-password-$id"
if [ ! -s "$file" ]; then
  mkdir -p "$(dirname "$file")"
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$file")
fi
cat "$file"
