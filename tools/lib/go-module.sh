# Sourced by the build tools (tools/build-plugin.sh, tools/build-vault.sh): Go modules fetched
# and verified, long steps with a phase line and a heartbeat, and the records that let a cached
# build be re-checked before it is reused.
#
#   go_build_env <tool>
#     checks that Go is installed and makes every later go command verify what it uses:
#     GOFLAGS=-mod=readonly (a build never adds or changes a requirement or a go.sum line),
#     the checksum database on (GOSUMDB as configured, refused when off) for every module that
#     no go.sum lists, and no GONOSUMDB/GOPRIVATE/GOINSECURE exemptions; GOTOOLCHAIN=local.
#   go_module_copy <tool> <module> <version> <dest>
#     copies the module's source (fetched through the module proxy and checked against the
#     checksum database) to <dest> and sets module_info (its .info file) and module_sum (its
#     h1: hash); returns 4 when the proxy does not serve it, with the reason in module_error.
#   go_verify_modules <tool> <dir> <log>
#     downloads every module the build list of the module in <dir> needs, each checked against
#     that module's go.sum, and re-hashes the module cache's copies (`go mod verify`).
#   run_phase <tool> <what> <log> <command...>
#     prints "<tool>: <what>", runs the command with its output in <log>, prints a heartbeat
#     line every WEBEX_VAULT_BUILD_HEARTBEAT seconds (default 20) while it runs, and on failure
#     the last lines of <log>, then exits with the command's status.
#   record_write <file> <key=value>...   record_get <file> <key>
#     the build record beside a built file: what it was built from and its sha256.
#   pinned_sha256 <key> <go version>
#     the sha256 tools/build-pins.json records for a reproducible build with that Go release
#     (empty when none is recorded for it).

go_build_env() {
  local tool="$1" sumdb
  command -v go >/dev/null || { echo "${tool}: Go is not installed; install Go 1.23 or newer." >&2; exit 3; }
  sumdb="$(go env GOSUMDB)"
  if [ "$sumdb" = off ] || [ -z "$sumdb" ]; then
    echo "${tool}: GOSUMDB is off, so modules that no go.sum lists could not be verified; unset it (the default is sum.golang.org)." >&2
    exit 3
  fi
  export GOSUMDB="$sumdb" GOFLAGS=-mod=readonly GOTOOLCHAIN=local
  export GONOSUMDB="" GOPRIVATE="" GOINSECURE=""
}

go_module_copy() {
  local tool="$1" module="$2" version="$3" dest="$4" download_json module_dir
  # Outside any module: the module itself is checked against the checksum database.
  download_json="$(cd "$(dirname "$dest")" && go mod download -json "${module}@v${version}" 2>&1 || true)"
  module_dir="$(json_field Dir <<<"$download_json")"
  if [ -z "$module_dir" ] || [ ! -d "$module_dir" ]; then
    module_error="$(json_field Error <<<"$download_json" | tr -s '\n\t' '  ')"
    module_error="${module_error:-${download_json:-no reason given}}"
    return 4
  fi
  module_info="$(json_field Info <<<"$download_json")"
  module_sum="$(json_field Sum <<<"$download_json")"
  cp -R "$module_dir" "$dest"
  chmod -R u+w "$dest"
}

go_verify_modules() {
  local tool="$1" dir="$2" log="$3"
  run_phase "$tool" "fetching and verifying the modules of go.sum" "$log" \
    bash -c 'cd "$1" && go mod download && go mod verify' _ "$dir"
}

# One top-level field of `go mod download -json` output (a JSON object per module).
json_field() {
  python3 -c '
import json, sys
text = sys.stdin.read()
try:
    value = json.loads(text).get(sys.argv[1], "")
except ValueError:
    value = ""
print(value if isinstance(value, str) else "")
' "$1"
}

run_phase() {
  local tool="$1" what="$2" log="$3" started=$SECONDS beat status=0
  shift 3
  echo "${tool}: ${what}" >&2
  (
    while sleep "${WEBEX_VAULT_BUILD_HEARTBEAT:-20}"; do
      kill -0 "$$" 2>/dev/null || exit 0
      elapsed=$(( SECONDS - started ))
      printf '%s: ... still %s (%dm%02ds)\n' "$tool" "$what" $(( elapsed / 60 )) $(( elapsed % 60 )) >&2
    done
  ) &
  beat=$!
  "$@" >>"$log" 2>&1 || status=$?
  kill "$beat" 2>/dev/null || true
  wait "$beat" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo "${tool}: ${what} failed (exit ${status}); the last lines of its output:" >&2
    tail -n 25 "$log" >&2
    exit "$status"
  fi
  printf '%s: ... done in %d s\n' "$tool" $(( SECONDS - started )) >&2
}

record_write() {
  local file="$1"
  shift
  printf '%s\n' "$@" >"${file}.tmp"
  mv "${file}.tmp" "$file"
}

record_get() {
  [ -f "$1" ] && sed -n "s/^$2=//p" "$1" | head -n 1
}

pinned_sha256() {
  python3 - "$(dirname "${BASH_SOURCE[0]}")/../build-pins.json" "$1" "$2" <<'PY'
import json, sys
pins = json.load(open(sys.argv[1]))
print(pins["builds"].get(sys.argv[3], {}).get(sys.argv[2], ""))
PY
}
