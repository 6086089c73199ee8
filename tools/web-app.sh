#!/usr/bin/env bash
# Start or stop the web sample (samples/people_me_flask.py, served by waitress) for the local demo.
#
#   tools/web-app.sh start|stop|status
#
# It listens on 127.0.0.1:5000 and is opened as http://localhost:5000/, the origin of the
# redirect URL registered with Webex (the emulator) and pinned in the app's Vault policy.
# It logs in with the AppRole identity that `make demo` (site.yml) wrote to samples/web.env.
# The session key is generated once into .local/web-secret-key (0600), so that sessions
# survive a restart. `start` restarts a running app whose settings file changed since it
# started (the playbook wrote a new identity, or `make demo` switched servers); the app itself
# also reads the file again when Vault refuses its login. `tools/local-services.sh stop`
# (make down) stops the app too. Every file written here is 0600 (the log may name paths and
# accounts); WEBEX_VAULT_LOCAL_DIR moves them from .local (the tests).
set -euo pipefail
umask 077

root="$(cd "$(dirname "$0")/.." && pwd)"
local_dir="${WEBEX_VAULT_LOCAL_DIR:-$root/.local}"
run_dir="$local_dir/run"
python="$root/.venv/bin/python"
pid_file="$run_dir/web.pid"
# Touched just before the app starts: a settings file newer than this was not read by it.
started_file="$run_dir/web.started"
log_file="$run_dir/web.log"
key_file="$local_dir/web-secret-key"
env_file="${WEBEX_VAULT_WEB_ENV_FILE:-$root/samples/web.env}"
port="${WEBEX_VAULT_WEB_PORT:-5000}"

running() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

secret_key() {
  if [ ! -s "$key_file" ]; then
    mkdir -p "$local_dir"
    (umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$key_file")
  fi
  chmod 600 "$key_file"
  cat "$key_file"
}

start() {
  if [ ! -f "$env_file" ]; then
    echo "web-app: $env_file is missing; run \`make demo\` first (site.yml writes it)." >&2
    return 1
  fi
  if running; then
    if [ -f "$started_file" ] && ! [ "$env_file" -nt "$started_file" ]; then
      echo "web-app: already running on http://localhost:$port/"
      return 0
    fi
    echo "web-app: $env_file changed since the app started; restarting it"
    stop
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "web-app: something else already listens on 127.0.0.1:$port; stop it first." >&2
    return 1
  fi
  mkdir -p "$run_dir"
  chmod 700 "$run_dir"
  rm -f "$log_file" "$pid_file"
  touch "$started_file"
  FLASK_SECRET_KEY="$(secret_key)" WEBEX_VAULT_WEB_ENV_FILE="$env_file" \
    setsid nohup "$python" "$root/samples/people_me_flask.py" --host 127.0.0.1 --port "$port" \
    > "$log_file" 2>&1 < /dev/null &
  echo $! > "$pid_file"
  for _ in $(seq 1 50); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/static/style.css" 2>/dev/null; then
      echo "web-app: open http://localhost:$port/ (log: $log_file)"
      return 0
    fi
    running || break
    sleep 0.2
  done
  echo "web-app: the web app did not start; last lines of $log_file:" >&2
  tail -n 20 "$log_file" >&2
  rm -f "$pid_file"
  return 1
}

stop() {
  if running; then
    kill "$(cat "$pid_file")" 2>/dev/null || true
    for _ in $(seq 1 50); do running || break; sleep 0.1; done
    echo "web-app: stopped"
  fi
  rm -f "$pid_file" "$started_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running: web app (http://localhost:$port/)"; else echo "stopped: web app"; fi ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
