#!/usr/bin/env bash
# Check that the test image boots systemd as PID 1 the way the Molecule scenarios run it.
#
#   tools/smoke-test-image.sh [--tag TAG] [--keep]
#
# Runs a container (`--network host --cgroupns=host`, /sys/fs/cgroup mounted rw, tmpfs on
# /run and /run/lock, no --privileged) and checks that `systemctl is-system-running --wait`
# says "running" (a "degraded" system fails the check and lists the failed units, which then
# belong in the masked units of tools/build-test-image.sh), that python3 works, that a
# transient unit and a regular service can be started, and that the container stops on
# its STOPSIGNAL. The container is removed afterwards unless --keep is given.
set -euo pipefail

start_time=$(date +%s)
tag="${WEBEX_VAULT_TEST_IMAGE:-webex-vault/debian-systemd:bookworm}"
name=wv-smoke
keep=false
boot_timeout=90

while [ "$#" -gt 0 ]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "smoke-test-image: unknown argument '$1' (see --help)." >&2; exit 2 ;;
  esac
done

log() { echo "smoke-test-image: $*"; }
fail() {
  echo "smoke-test-image: FAIL: $*" >&2
  if docker container inspect "$name" >/dev/null 2>&1; then
    echo "---- docker logs (tail) ----" >&2
    docker logs --tail 30 "$name" >&2 2>&1 || true
  fi
  exit 1
}
in_ct() { docker exec "$name" "$@"; }

docker image inspect "$tag" >/dev/null 2>&1 || \
  fail "image ${tag} not found; run tools/build-test-image.sh first."

cleanup() {
  local rc=$?
  if ! $keep; then docker rm -f "$name" >/dev/null 2>&1 || true; fi
  return "$rc"
}
trap cleanup EXIT

docker rm -f "$name" >/dev/null 2>&1 || true
docker run -d --name "$name" --network host --cgroupns=host \
  -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock \
  "$tag" >/dev/null
log "started ${name} from ${tag}"

# 1. systemd is PID 1 and the boot finishes cleanly.
pid1="$(in_ct cat /proc/1/comm)" || fail "cannot exec into the container."
[ "$pid1" = "systemd" ] || fail "PID 1 is '${pid1}', not systemd."
# Right after `docker run`, systemctl can fail with "Failed to connect to bus" because PID 1
# has not opened its socket yet; --wait only waits once connected. So ask again until it answers.
deadline=$(( $(date +%s) + boot_timeout ))
state=""
while [ -z "$state" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  state="$(timeout "$boot_timeout" docker exec "$name" systemctl is-system-running --wait 2>/dev/null || true)"
  [ -n "$state" ] || sleep 0.2
done
log "systemctl is-system-running: ${state:-<no answer>}"
if [ "$state" != "running" ]; then
  in_ct systemctl --failed --no-legend --plain >&2 || true
  fail "system state is '${state:-<no answer within ${boot_timeout}s>}', expected 'running'."
fi

# 2. python3 (for Ansible) works.
py="$(in_ct python3 -c 'import apt, json, sys; print(json.dumps(sys.version_info[:2]))')" || \
  fail "python3 (with python3-apt) does not run."
log "python3 ${py} with python3-apt: ok"

# 3. A transient unit starts and stops.
in_ct systemd-run --unit=wv-smoke-transient --quiet sleep 30 || fail "systemd-run failed."
[ "$(in_ct systemctl is-active wv-smoke-transient.service)" = "active" ] || \
  fail "transient unit is not active."
in_ct systemctl stop wv-smoke-transient.service
log "transient unit: ok"

# 4. A regular service from a unit file starts, serves on loopback only, and stops.
port=18499
docker exec -i "$name" sh -c "cat >/etc/systemd/system/wv-smoke-http.service" <<EOF
[Unit]
Description=webex-vault smoke-test HTTP server
[Service]
ExecStart=/usr/bin/python3 -m http.server --bind 127.0.0.1 ${port} --directory /etc
User=nobody
# Typical hardening of a server unit (the Vault/OpenBao unit has these). Without CAP_SYS_ADMIN
# systemd cannot make mount namespaces here and skips them ("assuming containerized
# execution"); the unit must still start. DynamicUser=, TemporaryFileSystem=, BindPaths= and
# the like cannot be skipped and fail with status=226/NAMESPACE in this container.
PrivateTmp=yes
ProtectSystem=full
ProtectHome=read-only
NoNewPrivileges=yes
[Install]
WantedBy=multi-user.target
EOF
in_ct systemctl daemon-reload
in_ct systemctl enable --now --quiet wv-smoke-http.service || fail "could not start a service."
ok=false
for _ in $(seq 1 20); do
  if in_ct curl -fsS -o /dev/null "http://127.0.0.1:${port}/hostname" 2>/dev/null; then ok=true; break; fi
  sleep 0.5
done
$ok || { in_ct systemctl status --no-pager wv-smoke-http.service >&2 || true; fail "service did not answer on 127.0.0.1:${port}."; }
in_ct systemctl disable --now --quiet wv-smoke-http.service
log "hardened service answering on 127.0.0.1:${port}: ok"

# 5. The container shuts down on its STOPSIGNAL (SIGRTMIN+3 = systemd's clean halt).
if ! $keep; then
  stop_start=$(date +%s)
  docker stop --time 30 "$name" >/dev/null
  took=$(( $(date +%s) - stop_start ))
  code="$(docker inspect --format '{{.State.ExitCode}}' "$name")"
  [ "$took" -lt 25 ] || fail "stopping took ${took}s: systemd ignored the stop signal."
  log "clean stop in ${took}s (exit code ${code}): ok"
fi

log "PASS in $(( $(date +%s) - start_time ))s."
