#!/usr/bin/env bash
# Run commands side by side (what `make test` does with pytest and the Molecule scenarios).
#
#   tools/side-by-side.sh NAME COMMAND [NAME COMMAND ...]
#
# Each COMMAND runs in bash with its output (stdout and stderr) line by line on this stdout,
# every line prefixed with "[NAME] ", and in .local/test-logs/NAME.log without the prefix. When
# all have ended, one line per command gives its exit status and minutes; the exit status is 0
# when every command succeeded, else 1. Ctrl-C or a TERM stops them all.
set -uo pipefail

if [ "$#" -eq 0 ] || [ $(( $# % 2 )) -ne 0 ]; then
  echo "side-by-side: give NAME COMMAND pairs (see the head of $0)." >&2
  exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
logs="$root/.local/test-logs"
mkdir -p "$logs"
status_dir="$(mktemp -d "${TMPDIR:-/tmp}/side-by-side.XXXXXX")"
# Python and Ansible write through a pipe here: line by line, not in 8 kB blocks.
export PYTHONUNBUFFERED=1

names=()
pids=()
while [ "$#" -gt 0 ]; do
  name="$1" command="$2"
  shift 2
  case "$name" in
    *[!A-Za-z0-9_-]*|'') echo "side-by-side: a NAME is letters, digits, - and _, not '$name'." >&2; exit 2 ;;
  esac
  (
    started=$SECONDS
    bash -c "$command" 2>&1 | tee "$logs/$name.log" | sed -u "s/^/[$name] /"
    rc=${PIPESTATUS[0]}
    echo "$rc $(( SECONDS - started ))" >"$status_dir/$name"
    exit "$rc"
  ) &
  names+=("$name")
  pids+=("$!")
  echo "side-by-side: started $name: $command (log: ${logs#"$root"/}/$name.log)"
done

stop() {
  echo "side-by-side: stopping ${names[*]}" >&2
  # Each command's whole process tree: its children inherited this script's process group.
  kill -TERM 0 2>/dev/null
  exit 130
}
trap stop INT TERM

for pid in "${pids[@]}"; do
  wait "$pid"
done
trap - INT TERM

failed=0
for name in "${names[@]}"; do
  read -r rc seconds <"$status_dir/$name" 2>/dev/null || { rc=1 seconds=0; }
  printf 'side-by-side: %-10s %s after %d min %02d s\n' "$name" \
    "$([ "$rc" -eq 0 ] && echo passed || echo "FAILED (exit $rc)")" $(( seconds / 60 )) $(( seconds % 60 ))
  [ "$rc" -eq 0 ] || failed=1
done
rm -rf "$status_dir"
exit "$failed"
