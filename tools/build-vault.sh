#!/usr/bin/env bash
# Build the HashiCorp Vault server from its Go module (through the Go module proxy) into .local/.
#
#   tools/build-vault.sh [--version 1.19.0] [--out DIR]
#
# Prints the path of the binary on its last line; .local/vault/vault links to the default
# version's. A binary already built for that version is reused. The first build takes ~15 min on 2 cores; the Go build and module caches make a
# rebuild on the same machine (a fresh clone in CI) take a fraction of that.
#
# Why not `go install github.com/hashicorp/vault@vX`: the module's go.mod replaces
# github.com/hashicorp/vault/api, .../api/auth/* and .../sdk with folders of its own tree
# (./api, ./sdk, ...), which are separate modules absent from the module zip. Dropping those
# replaces in a scratch copy builds v1.19.0
# unmodified against the api and sdk versions its go.mod already requires. Newer releases
# (1.19.5, 1.20.0, 1.21.4) do not build against any sdk the proxy serves.
set -euo pipefail

# The release this project proves (README, "Tested versions"); .local/vault/vault links to it.
default_version=1.19.0
version=$default_version
out_dir="$(cd "$(dirname "$0")/.." && pwd)/.local/vault"

while [ "$#" -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-vault: unknown argument '$1' (see --help)." >&2; exit 2 ;;
  esac
done
version="${version#v}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "build-vault: --version must look like 1.19.0, not '$version'." >&2; exit 2
fi
command -v go >/dev/null || { echo "build-vault: Go is not installed; install Go 1.23 or newer." >&2; exit 3; }

binary="${out_dir}/${version}/vault"
publish() {
  [ "$version" = "$default_version" ] && ln -sfn "${version}/vault" "${out_dir}/vault"
  echo "$binary"
}
if [ -x "$binary" ] && "$binary" version 2>/dev/null | grep -q "Vault v${version}"; then
  echo "build-vault: reusing ${binary} ($("$binary" version))" >&2
  publish
  exit 0
fi

module=github.com/hashicorp/vault
started=$SECONDS
scratch="$(mktemp -d "${TMPDIR:-/tmp}/vault-build.XXXXXX")"
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT

echo "build-vault: building ${module}@v${version} with $(go version | cut -d' ' -f3) (first build ~15 min)" >&2
# shellcheck source=tools/lib/go-module.sh
. "$(dirname "$0")/lib/go-module.sh"
go_module_copy build-vault "$module" "$version" "$scratch/src"
# The release tag's time and commit, as the release build stamps them (reproducible builds).
read -r release_time release_commit < <(python3 -c '
import json, sys
info = json.load(open(sys.argv[1]))
print(info["Time"], info.get("Origin", {}).get("Hash", ""))
' "$module_info")
(
  cd "$scratch/src"
  # Every replace that points into the module's own tree (./api, ./api/auth/*, ./sdk).
  go mod edit -json | python3 -c '
import json, sys
for replace in json.load(sys.stdin).get("Replace") or []:
    if replace["New"]["Path"].startswith("./"):
        print(replace["Old"]["Path"])
' | while read -r path; do go mod edit -dropreplace "$path"; done
  # The version comes from the module's own version/VERSION file.
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X ${module}/version.BuildDate=${release_time} -X ${module}/version.GitCommit=${release_commit}" \
    -o "$scratch/vault" . >&2
)
mkdir -p "$(dirname "$binary")"
mv "$scratch/vault" "$binary.tmp"
mv "$binary.tmp" "$binary"
echo "build-vault: built ${binary} in $(( SECONDS - started )) s ($("$binary" version))" >&2
publish
