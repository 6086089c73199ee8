#!/usr/bin/env bash
# Build the HashiCorp Vault server from its Go module (through the Go module proxy) into .local/.
#
#   tools/build-vault.sh [--version 1.19.0] [--out DIR]
#
# Prints the path of the binary on its last line (progress, phase by phase with a heartbeat,
# goes to stderr); .local/vault/vault links to the default version's. A binary already built
# is reused when it still hashes to its build record (<binary>.build) or to the sha256 that
# tools/build-pins.json records for this Go release. The first build takes ~15 min on 2
# cores; the Go build and module caches make a rebuild on the same machine (a fresh clone in
# CI) take a minute or two.
#
# Every module is verified: the Vault module and the modules whose replaces are dropped against
# the Go checksum database, all others against Vault's own go.sum (-mod=readonly, then
# `go mod verify` re-hashes the module cache's copies).
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
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "build-vault: unknown argument '$1' (see --help)." >&2; exit 2 ;;
  esac
done
version="${version#v}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "build-vault: --version must look like 1.19.0, not '$version'." >&2; exit 2
fi
# shellcheck source=tools/lib/go-module.sh
. "$(dirname "$0")/lib/go-module.sh"
go_build_env build-vault
go_version="$(go env GOVERSION)"
pin_key="vault/${version}/$(go env GOOS)-$(go env GOARCH)"

binary="${out_dir}/${version}/vault"
record="${binary}.build"
publish() {
  [ "$version" = "$default_version" ] && ln -sfn "${version}/vault" "${out_dir}/vault"
  echo "$binary"
}
# One build of a version at a time: a second caller waits here, then reuses the first one's
# (the lock lives outside the output folder, which stays untouched until a build succeeds).
exec {build_lock}>"${TMPDIR:-/tmp}/build-vault-$(printf '%s' "$binary" | sha256sum | cut -c1-16).lock"
flock "$build_lock"

# A cached build is re-checked: its bytes against its build record (or the pin).
if [ -x "$binary" ]; then
  actual="$(sha256sum "$binary" | cut -d' ' -f1)"
  recorded="$(record_get "$record" sha256 || true)"
  if [ -z "$recorded" ] && [ "$actual" = "$(pinned_sha256 "$pin_key" "$go_version")" ]; then
    # Built before build records existed, and byte for byte what this Go builds.
    record_write "$record" "sha256=${actual}" "go=${go_version}" "source=matches tools/build-pins.json"
    recorded="$actual"
  fi
  if [ "$actual" = "$recorded" ] && "$binary" version 2>/dev/null | grep -q "Vault v${version}"; then
    echo "build-vault: reusing ${binary} ($("$binary" version); sha256 ${actual:0:12}…, as recorded when it was built with $(record_get "$record" go))" >&2
    publish
    exit 0
  fi
  echo "build-vault: ${binary} does not match its build record; building it again." >&2
fi

module=github.com/hashicorp/vault
started=$SECONDS
scratch="$(mktemp -d "${TMPDIR:-/tmp}/vault-build.XXXXXX")"
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
log="$scratch/build.log"

echo "build-vault: building ${module}@v${version} with ${go_version} (first build ~15 min on 2 cores; phases: source, go.mod, modules, compile, check)" >&2
echo "build-vault: [1/5] source: ${module}@v${version} from the Go module proxy (checked against the checksum database)" >&2
if ! go_module_copy build-vault "$module" "$version" "$scratch/src"; then
  echo "build-vault: the Go module proxy did not serve ${module}@v${version}: ${module_error}" >&2
  exit 4
fi
# The release tag's time and commit, as the release build stamps them (reproducible builds).
read -r release_time release_commit < <(python3 -c '
import json, sys
info = json.load(open(sys.argv[1]))
print(info["Time"], info.get("Origin", {}).get("Hash", ""))
' "$module_info")

echo "build-vault: [2/5] go.mod: the replaces that point into the module's own tree, dropped" >&2
# Every replace that points into the module's own tree (./api, ./api/auth/*, ./sdk), as
# path@version with the version go.mod requires.
dropped="$(
  cd "$scratch/src"
  go mod edit -json | python3 -c '
import json, sys
mod = json.load(sys.stdin)
required = {r["Path"]: r["Version"] for r in mod.get("Require") or []}
for replace in mod.get("Replace") or []:
    path = replace["Old"]["Path"]
    if replace["New"]["Path"].startswith("./") and path in required:
        print(path + "@" + required[path])
'
)"
# Those versions are fetched instead; go.sum does not list them (the replaces made them local
# folders), so the checksum database vouches for each (`go mod download` adds them to go.sum).
run_phase build-vault "fetching the $(wc -w <<<"$dropped") modules go.sum does not list" "$log" \
  bash -c 'cd "$1"; shift; for module in "$@"; do go mod edit -dropreplace "${module%@*}"; done
    go mod download "$@"' _ "$scratch/src" $dropped

echo "build-vault: [3/5] modules" >&2
run_phase build-vault "fetching the modules of the server (each checked against go.sum)" "$log" \
  bash -c 'cd "$1" && go list -deps . >/dev/null && go mod verify' _ "$scratch/src"

echo "build-vault: [4/5] compile" >&2
# The version comes from the module's own version/VERSION file.
run_phase build-vault "compiling the server (the longest phase)" "$log" \
  env CGO_ENABLED=0 bash -c 'cd "$1" && go build -trimpath -ldflags "$2" -o "$3" .' _ "$scratch/src" \
  "-s -w -X ${module}/version.BuildDate=${release_time} -X ${module}/version.GitCommit=${release_commit}" \
  "$scratch/vault"

echo "build-vault: [5/5] check" >&2
built="$(sha256sum "$scratch/vault" | cut -d' ' -f1)"
pin="$(pinned_sha256 "$pin_key" "$go_version")"
if [ -n "$pin" ] && [ "$pin" != "$built" ]; then
  echo "build-vault: warning: this build's sha256 ${built} differs from ${pin}, which tools/build-pins.json records for ${pin_key} with ${go_version}." >&2
elif [ -z "$pin" ]; then
  echo "build-vault: note: tools/build-pins.json records no sha256 for ${pin_key} with ${go_version}; this build's is ${built}." >&2
fi
mkdir -p "$(dirname "$binary")"
mv "$scratch/vault" "$binary.tmp"
mv "$binary.tmp" "$binary"
record_write "$record" "sha256=${built}" "go=${go_version}" "source=${module}@v${version} ${module_sum} (Go checksum database)"
echo "build-vault: built ${binary} in $(( SECONDS - started )) s ($("$binary" version))" >&2
publish
