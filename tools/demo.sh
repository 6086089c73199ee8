#!/usr/bin/env bash
# `make demo`: the whole chain on this machine, against the embedded default
# (OpenBao dev server + Webex emulator), ending with the CLI sample's output.
# SERVER=vault runs it on HashiCorp Vault instead (built once by tools/build-vault.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="$root/.venv/bin"
server="${SERVER:-openbao}"
# The plugin for the server (docs/servers.md): the openbao fork on OpenBao, puppetlabs on Vault.
case "$server" in vault) distribution="${DISTRIBUTION:-puppetlabs}" ;; *) distribution="${DISTRIBUTION:-openbao}" ;; esac
# The demo's ports (inventory/local and tools/local-services.sh read the same variables).
server_port="${WEBEX_VAULT_SERVER_PORT:-8200}"
web_port="${WEBEX_VAULT_WEB_PORT:-5000}"

step() { printf '\n==> %s\n' "$*"; }

# Which server a running dev server is: `vault` when its command is a binary named vault.
running_server() {
  local pid_file=.local/server/server.pid
  [ -f "$pid_file" ] || return 0
  python3 -c '
import os, sys
try:
    argv = open(f"/proc/{int(sys.argv[1])}/cmdline", "rb").read().split(b"\0")
except (OSError, ValueError):
    sys.exit()
print("vault" if any(os.path.basename(arg) == b"vault" for arg in argv[:2]) else "openbao")
' "$(cat "$pid_file")"
}

case "$server" in
  openbao) ;;
  vault)
    step "HashiCorp Vault server binary (built once into .local/vault/, ~15 min the first time)"
    tools/build-vault.sh ;;
  *) echo "demo: SERVER must be 'openbao' or 'vault', not '$server'." >&2; exit 2 ;;
esac
running="$(running_server)"
if [ -n "$running" ] && [ "$running" != "$server" ]; then
  step "Stop the ${running} dev server on :${server_port} (in memory) to start ${server}"
  kill "$(cat .local/server/server.pid)"
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:${server_port}/v1/sys/health" || break; sleep 0.2; done
fi

case "$distribution" in
  openbao) plugin_note="the openbao fork, the plugin for OpenBao" ;;
  puppetlabs) plugin_note="the puppetlabs release, the plugin for HashiCorp Vault" ;;
  *) plugin_note="$distribution" ;;
esac
step "Plugin release in the local mirror: ${plugin_note} (DISTRIBUTION=openbao|puppetlabs picks another; docs/servers.md)"
tools/fetch-plugin.sh --distribution "$distribution" --source "${PLUGIN_SOURCE:-auto}"

step "Plugin mirror and Webex emulator"
tools/local-services.sh start
set -a; . .local/demo.env; set +a

step "ansible-playbook site.yml (server, plugin, engine, Webex config, app identities)"
"$bin/ansible-playbook" site.yml -e oauthapp_plugin_distribution="$distribution" -e webex_vault_server="$server"

step "Authorize the demo user (auth-code-url -> emulator consent -> creds write)"
VAULT_ADDR="http://127.0.0.1:${server_port}" "$bin/python" tools/authorize_user.py \
  --credential people-me --token-file .local/server/root-token

step "samples/people_me.py (logs in with its own AppRole identity from samples/.env)"
"$bin/python" samples/people_me.py

step "samples/people_me.sh (curl, no Vault code: the token file the agent keeps fresh)"
"$bin/ansible-playbook" -i inventory/local/hosts.yml -i inventory/local/agent.yml playbooks/agent.yml \
  -e webex_vault_server="$server"
for _ in $(seq 60); do [ -s .local/agent/run/people-me.token ] && break; sleep 1; done
WEBEX_API_BASE_URL="http://127.0.0.1:${WEBEX_VAULT_EMULATOR_PORT:-8600}/v1" \
  samples/people_me.sh .local/agent/run/people-me.token

step "The web sample"
tools/web-app.sh start

cat <<TEXT

Done. Next: open http://localhost:${web_port}/ and press Authorize (the web sample, with its own
AppRole identity; \`make web\` starts it, and restarts it when site.yml has rewritten its
settings file since). The server (http://127.0.0.1:${server_port}), the emulator, the mirror
and the web app keep running; \`make down\` stops them. The root token is in
.local/server/root-token (0600).

To use real Webex instead of the emulator:
  1. Create an integration at https://developer.webex.com/my-apps with redirect URI
     http://localhost:${web_port}/auth and scope spark:people_read.
  2. Put its client ID and secret in an Ansible Vault-encrypted vars file (or export
     WEBEX_CLIENT_ID / WEBEX_CLIENT_SECRET).
  3. Copy inventory/example/ and point it at your server; run
     ansible-playbook -i inventory/<yours> site.yml
  See docs/real-webex.md.
TEXT

step "Credential health: python -m webex_vault.credential_report (the operator identity)"
"$bin/python" -m webex_vault.credential_report --env-file .local/operator.env
