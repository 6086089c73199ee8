#!/usr/bin/env bash
# Start or stop the plugin mirror and the Webex emulator of one Molecule scenario, on the
# scenario's own ports, so that scenarios run beside each other and beside `make demo`.
#
#   tools/scenario-services.sh start|stop|status --name NAME --mirror-port P --emulator-port P
#       [--seal-port P --seal-binary PATH]
#
# State lives in .local/molecule/<NAME>/: pid files, logs, and webex.env (0600) with the
# emulator's client ID and secret, generated on the first start and kept until `stop --purge`.
# The mirror serves .local/mirror (the GitHub release layout of tools/build-plugin.sh).
# The secret reaches the emulator through its environment, never its command line. Every file
# written here is 0600.
# With --seal-port, a seal server for the scenario's transit seal: a dev server (in memory)
# of --seal-binary (bao or vault) on 127.0.0.1:P with a transit key `webex-vault-unseal`, and
# seal.env (0600) with SEAL_TOKEN, a periodic token that may encrypt and decrypt with it only.
set -euo pipefail
umask 077

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
redirect_uri="${WEBEX_VAULT_REDIRECT_URI:-http://localhost:5000/auth}"
action="${1:-}"
[ "$#" -gt 0 ] && shift
name="" mirror_port="" emulator_port="" seal_port="" seal_binary="" purge=false
while [ "$#" -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --mirror-port) mirror_port="$2"; shift 2 ;;
    --emulator-port) emulator_port="$2"; shift 2 ;;
    --seal-port) seal_port="$2"; shift 2 ;;
    --seal-binary) seal_binary="$2"; shift 2 ;;
    --purge) purge=true; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "scenario-services: unknown argument '$1' (see --help)." >&2; exit 2 ;;
  esac
done
if ! [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]]; then
  echo "scenario-services: --name must be a plain scenario name, not '$name'." >&2; exit 2
fi
state_dir="$root/.local/molecule/$name"

# Alive and still the process we started (a recycled pid must never be signalled).
running() { # pidfile pattern
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

wait_for() { # what url log
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "scenario-services: $1 did not answer at $2; last lines of $3:" >&2
  tail -n 20 "$3" >&2
  return 1
}

check_port() { # option value
  if ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -lt 1024 ] || [ "$2" -gt 65535 ]; then
    echo "scenario-services: $1 must be a port number from 1024 to 65535, not '$2'." >&2; exit 2
  fi
}

start() {
  check_port --mirror-port "$mirror_port"
  check_port --emulator-port "$emulator_port"
  mkdir -p "$state_dir" "$root/.local/mirror"
  chmod 700 "$state_dir"
  if [ ! -s "$state_dir/webex.env" ]; then
    (umask 077
     printf 'WEBEX_CLIENT_ID=C%s\nWEBEX_CLIENT_SECRET=%s\n' \
       "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" \
       > "$state_dir/webex.env")
  fi
  if running "$state_dir/mirror.pid" http.server; then
    echo "scenario-services: $name mirror already on http://127.0.0.1:$mirror_port"
  else
    rm -f "$state_dir/mirror.log" "$state_dir/mirror.pid"
    setsid nohup "$python" -m http.server --bind 127.0.0.1 "$mirror_port" --directory "$root/.local/mirror" \
      > "$state_dir/mirror.log" 2>&1 < /dev/null &
    echo $! > "$state_dir/mirror.pid"
    wait_for "the plugin mirror" "http://127.0.0.1:$mirror_port/" "$state_dir/mirror.log"
    echo "scenario-services: $name mirror started on http://127.0.0.1:$mirror_port"
  fi
  if running "$state_dir/emulator.pid" webex_emulator; then
    echo "scenario-services: $name Webex emulator already on http://127.0.0.1:$emulator_port"
  else
    rm -f "$state_dir/emulator.log" "$state_dir/emulator.pid"
    (
      # shellcheck disable=SC1091
      set -a; . "$state_dir/webex.env"; set +a
      WEBEX_EMULATOR_CLIENT_ID="$WEBEX_CLIENT_ID" WEBEX_EMULATOR_CLIENT_SECRET="$WEBEX_CLIENT_SECRET" \
        setsid nohup "$python" -m webex_emulator --host 127.0.0.1 --port "$emulator_port" \
        --redirect-uri "$redirect_uri" --client-name "webex-vault molecule $name" \
        > "$state_dir/emulator.log" 2>&1 < /dev/null &
      echo $! > "$state_dir/emulator.pid"
    )
    wait_for "the Webex emulator" "http://127.0.0.1:$emulator_port/_emulator/health" "$state_dir/emulator.log"
    echo "scenario-services: $name Webex emulator started on http://127.0.0.1:$emulator_port"
  fi
}

seal_key=webex-vault-unseal

# POST/PUT to the seal server with its root token; prints the answer.
seal_call() { # method path [json]
  curl -fsS -X "$1" -H "X-Vault-Token: $(cat "$state_dir/seal-root-token")" \
    ${3:+-H 'Content-Type: application/json' --data "$3"} "http://127.0.0.1:$seal_port/v1/$2"
}

start_seal() {
  [ -n "$seal_port" ] || return 0
  check_port --seal-port "$seal_port"
  if [ ! -x "$seal_binary" ]; then
    echo "scenario-services: --seal-binary must be the server binary, not '$seal_binary'." >&2; exit 2
  fi
  if running "$state_dir/seal.pid" "server -dev"; then
    echo "scenario-services: $name seal server already on http://127.0.0.1:$seal_port"
    return 0
  fi
  rm -f "$state_dir/seal.log" "$state_dir/seal.pid" "$state_dir/seal.env"
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$state_dir/seal-root-token"
  VAULT_DEV_ROOT_TOKEN_ID="$(cat "$state_dir/seal-root-token")" \
  BAO_DEV_ROOT_TOKEN_ID="$(cat "$state_dir/seal-root-token")" \
    setsid nohup "$seal_binary" server -dev -dev-no-store-token "-dev-listen-address=127.0.0.1:$seal_port" \
    > "$state_dir/seal.log" 2>&1 < /dev/null &
  echo $! > "$state_dir/seal.pid"
  wait_for "the seal server" "http://127.0.0.1:$seal_port/v1/sys/health" "$state_dir/seal.log"
  seal_call POST sys/mounts/transit '{"type":"transit"}' > /dev/null
  seal_call POST "transit/keys/$seal_key" '{}' > /dev/null
  # Encrypt and decrypt with that one key (the default policy lets the token renew itself).
  policy="path \"transit/encrypt/$seal_key\" { capabilities = [\"update\"] }
path \"transit/decrypt/$seal_key\" { capabilities = [\"update\"] }"
  seal_call PUT "sys/policies/acl/$seal_key" \
    "$("$python" -c 'import json, sys; print(json.dumps({"policy": sys.argv[1]}))' "$policy")" > /dev/null
  seal_call POST auth/token/create "{\"policies\":[\"$seal_key\"],\"period\":\"24h\",\"display_name\":\"$name-seal\"}" \
    | "$python" -c 'import json, sys; print("SEAL_TOKEN=" + json.load(sys.stdin)["auth"]["client_token"])' \
    > "$state_dir/seal.env"
  echo "scenario-services: $name seal server started on http://127.0.0.1:$seal_port (transit key $seal_key)"
}

stop_one() { # what pidfile pattern
  if running "$2" "$3"; then
    kill "$(cat "$2")"
    for _ in $(seq 1 50); do running "$2" "$3" || break; sleep 0.1; done
    echo "scenario-services: $name $1 stopped"
  fi
  rm -f "$2"
}

case "$action" in
  start) start; start_seal ;;
  stop)
    stop_one "seal server" "$state_dir/seal.pid" "server -dev"
    stop_one "Webex emulator" "$state_dir/emulator.pid" webex_emulator
    stop_one "mirror" "$state_dir/mirror.pid" http.server
    if $purge; then rm -rf "$state_dir"; fi ;;
  status)
    for item in "mirror:mirror.pid:http.server" "Webex emulator:emulator.pid:webex_emulator"; do
      IFS=: read -r what file pattern <<< "$item"
      if running "$state_dir/$file" "$pattern"; then echo "running: $name $what"; else echo "stopped: $name $what"; fi
    done ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
