# Sourced by the build tools: a Go module release, fetched through the Go module proxy into a
# writable scratch copy (the module cache's copy is read-only).
#
#   go_module_copy <tool> <module> <version> <dest>
#     copies the module's source to <dest> and sets module_info to its .info file (JSON with
#     the release tag's Time and Origin.Hash); exits 4 when the proxy does not serve it.
go_module_copy() {
  local tool="$1" module="$2" version="$3" dest="$4" download_json module_dir reason
  download_json="$(go mod download -json "${module}@v${version}" 2>&1 || true)"
  module_dir="$(printf '%s\n' "$download_json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [ -z "$module_dir" ] || [ ! -d "$module_dir" ]; then
    reason="$(printf '%s\n' "$download_json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)"$/\1/p' | sed 's/\\n\\t/ /g')"
    echo "${tool}: the Go module proxy did not serve ${module}@v${version}: ${reason:-no reason given}" >&2
    exit 4
  fi
  module_info="$(printf '%s\n' "$download_json" | sed -n 's/^[[:space:]]*"Info": "\(.*\)",$/\1/p')"
  cp -R "$module_dir" "$dest"
  chmod -R u+w "$dest"
}
