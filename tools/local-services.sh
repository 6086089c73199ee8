#!/usr/bin/env bash
# Start, stop or list the local services of the embedded default (inventory/local):
# the plugin mirror (HTTP on 127.0.0.1:8601, serving .local/mirror in the GitHub release
# layout) and the Webex emulator (127.0.0.1:8600). The dev server (OpenBao or Vault) is started by the
# vault_server role and only stopped here.
#
#   tools/local-services.sh start|stop|status
#
# The emulator's client ID and secret are generated once into .local/demo.env (0600).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
local_dir="$root/.local"
run_dir="$local_dir/run"
python="$root/.venv/bin/python"
mirror_port="${WEBEX_VAULT_MIRROR_PORT:-8601}"
emulator_port="${WEBEX_VAULT_EMULATOR_PORT:-8600}"
redirect_uri="${WEBEX_VAULT_REDIRECT_URI:-http://localhost:${WEBEX_VAULT_WEB_PORT:-5000}/auth}"
mkdir -p "$run_dir"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

demo_env() {
  if [ ! -f "$local_dir/demo.env" ]; then
    (umask 077
     printf 'WEBEX_CLIENT_ID=C%s\nWEBEX_CLIENT_SECRET=%s\n' \
       "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" \
       > "$local_dir/demo.env")
  fi
  # shellcheck disable=SC1091
  set -a; . "$local_dir/demo.env"; set +a
}

wait_for() { # name url log
  for _ in $(seq 1 50); do
    curl -fsS -o /dev/null "$2" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "local-services: $1 did not start; last lines of $3:" >&2
  tail -n 20 "$3" >&2
  return 1
}

start() {
  demo_env
  if running "$run_dir/mirror.pid"; then
    echo "local-services: plugin mirror already on http://127.0.0.1:$mirror_port"
  else
    mkdir -p "$local_dir/mirror"
    setsid nohup "$python" -m http.server --bind 127.0.0.1 "$mirror_port" --directory "$local_dir/mirror" \
      > "$run_dir/mirror.log" 2>&1 < /dev/null &
    echo $! > "$run_dir/mirror.pid"
    wait_for "the plugin mirror" "http://127.0.0.1:$mirror_port/" "$run_dir/mirror.log"
    echo "local-services: plugin mirror on http://127.0.0.1:$mirror_port"
  fi
  if running "$run_dir/emulator.pid"; then
    echo "local-services: Webex emulator already on http://127.0.0.1:$emulator_port"
  else
    WEBEX_EMULATOR_CLIENT_ID="$WEBEX_CLIENT_ID" WEBEX_EMULATOR_CLIENT_SECRET="$WEBEX_CLIENT_SECRET" \
      setsid nohup "$python" -m webex_emulator --host 127.0.0.1 --port "$emulator_port" \
      --redirect-uri "$redirect_uri" --client-name "webex-vault demo" --display-name "${WEBEX_VAULT_DEMO_USER:-Demo User}" \
      > "$run_dir/emulator.log" 2>&1 < /dev/null &
    echo $! > "$run_dir/emulator.pid"
    wait_for "the Webex emulator" "http://127.0.0.1:$emulator_port/_emulator/health" "$run_dir/emulator.log"
    echo "local-services: Webex emulator on http://127.0.0.1:$emulator_port"
  fi
}

stop_one() { # name pidfile
  if running "$2"; then
    kill "$(cat "$2")" 2>/dev/null || true
    for _ in $(seq 1 50); do running "$2" || break; sleep 0.1; done
    echo "local-services: stopped $1"
  fi
  rm -f "$2"
}

case "${1:-}" in
  start) start ;;
  stop)
    stop_one "the web app" "$run_dir/web.pid"
    stop_one "the Webex emulator" "$run_dir/emulator.pid"
    stop_one "the plugin mirror" "$run_dir/mirror.pid"
    stop_one "the agent" "$local_dir/agent/state/agent.pid"
    stop_one "the dev server" "$local_dir/server/server.pid" ;;
  status)
    for item in "plugin mirror:$run_dir/mirror.pid" "Webex emulator:$run_dir/emulator.pid" \
                "dev server:$local_dir/server/server.pid" "web app:$run_dir/web.pid" \
                "agent:$local_dir/agent/state/agent.pid"; do
      if running "${item#*:}"; then echo "running: ${item%%:*}"; else echo "stopped: ${item%%:*}"; fi
    done ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
