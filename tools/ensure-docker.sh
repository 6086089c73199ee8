#!/usr/bin/env bash
# Make sure a Docker Engine answers `docker info`, starting one if needed.
#
#   tools/ensure-docker.sh [--timeout SECONDS]
#
# Idempotent: when `docker info` already answers, nothing is done. Otherwise:
#   1. Debian's `docker.io` (and `debootstrap`, which tools/build-test-image.sh needs) are
#      installed with apt-get when missing (from the machine's own apt sources);
#   2. `dockerd --bridge=none --iptables=false` is started in the background, detached from
#      this shell, logging to .local/docker/dockerd.log with its pid in .local/docker/dockerd.pid;
#   3. we wait (bounded) until `docker info` answers, or fail with the tail of the log.
# No bridge and no iptables rules: containers use `--network host`, so no test traffic
# leaves loopback. Needs root (or passwordless sudo) only when something must be installed
# or started.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
state_dir="${repo_root}/.local/docker"
log_file="${state_dir}/dockerd.log"
pid_file="${state_dir}/dockerd.pid"
timeout="${WEBEX_VAULT_DOCKER_TIMEOUT:-60}"

while [ "$#" -gt 0 ]; do
  case "$1" in
    --timeout) timeout="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "ensure-docker: unknown argument '$1' (see --help)." >&2; exit 2 ;;
  esac
done
if ! [[ "$timeout" =~ ^[0-9]+$ ]] || [ "$timeout" -lt 1 ]; then
  echo "ensure-docker: --timeout must be a positive number of seconds, not '$timeout'." >&2; exit 2
fi

docker_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else echo "ensure-docker: need root (or sudo) to run: $*" >&2; return 1
  fi
}

# Packages that are missing, by the command they provide.
missing_packages() {
  local pkgs=()
  command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
  # docker.io brings its own client, but one may already be installed elsewhere (e.g. /usr/local/bin).
  command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || pkgs+=(debootstrap)
  echo "${pkgs[@]+"${pkgs[@]}"}"
}

install_missing() {
  local pkgs
  pkgs="$(missing_packages)"
  [ -n "$pkgs" ] || return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-docker: missing ${pkgs} and apt-get is not available; install them by hand." >&2
    return 1
  fi
  echo "ensure-docker: installing ${pkgs} with apt-get ..."
  mkdir -p "$state_dir"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $pkgs \
    >"${state_dir}/apt-install.log" 2>&1 || {
      echo "ensure-docker: apt-get install ${pkgs} failed:" >&2
      tail -n 20 "${state_dir}/apt-install.log" >&2
      return 1
    }
  command -v dockerd >/dev/null 2>&1 || PATH="${PATH}:/usr/sbin:/sbin"
}

our_dockerd_alive() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && \
    [ "$(cat "/proc/${pid}/comm" 2>/dev/null || true)" = "dockerd" ]
}

fail_with_log() {
  echo "ensure-docker: $1" >&2
  if [ -f "$log_file" ]; then
    echo "---- last lines of ${log_file#"$repo_root"/} ----" >&2
    tail -n 30 "$log_file" >&2 || true
  fi
  exit 1
}

if docker_answers; then
  # Still make sure debootstrap is there for the image build; cheap when it already is.
  install_missing
  echo "ensure-docker: Docker Engine already answers; nothing to start."
  exit 0
fi

install_missing
command -v dockerd >/dev/null 2>&1 || fail_with_log "dockerd is still not installed after apt-get."
command -v docker >/dev/null 2>&1 || fail_with_log "no docker client found on PATH."

mkdir -p "$state_dir"
if our_dockerd_alive; then
  echo "ensure-docker: dockerd (pid $(cat "$pid_file")) is running but not answering yet; waiting ..."
elif [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null 2>&1; then
  echo "ensure-docker: another dockerd is running but not answering yet; waiting ..."
else
  # A stale socket or pid file from a killed engine would make dockerd refuse to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid 2>/dev/null || echo 0)" 2>/dev/null; then
    as_root rm -f /var/run/docker.pid
  fi
  echo "ensure-docker: starting dockerd --bridge=none --iptables=false (log: ${log_file#"$repo_root"/})"
  {
    echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) ensure-docker starting dockerd ==="
  } >>"$log_file"
  # setsid + nohup: the engine must outlive this script and the shell (or CI step) that ran it.
  if [ "$(id -u)" -eq 0 ]; then
    setsid nohup dockerd --bridge=none --iptables=false >>"$log_file" 2>&1 </dev/null &
    echo "$!" >"$pid_file"
  else
    sudo -n setsid nohup dockerd --bridge=none --iptables=false --pidfile /var/run/docker.pid \
      >>"$log_file" 2>&1 </dev/null &
    sleep 1
    sudo -n cat /var/run/docker.pid >"$pid_file" 2>/dev/null || true
  fi
fi

deadline=$(( $(date +%s) + timeout ))
until docker_answers; do
  if [ -f "$pid_file" ] && ! our_dockerd_alive && ! pgrep -x dockerd >/dev/null 2>&1; then
    fail_with_log "dockerd exited before answering."
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    fail_with_log "dockerd did not answer 'docker info' within ${timeout}s."
  fi
  sleep 1
done
# dockerd writes its own pid file; keep ours in step with it (setsid may have forked).
if [ -r /var/run/docker.pid ]; then cat /var/run/docker.pid >"$pid_file" 2>/dev/null || true; fi
echo "ensure-docker: Docker Engine is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))."
