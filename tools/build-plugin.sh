#!/usr/bin/env bash
# Build the oauthapp secrets plugin from Go source into the exact GitHub release format,
# so that the oauthapp_plugin role's download path (get_url + checksum + unarchive) can be
# exercised from a local mirror on machines that cannot reach GitHub.
#
#   tools/build-plugin.sh [--distribution openbao|puppetlabs] [--version 3.2.0] [--out DIR]
#                         [--source-archive FILE]
#
# Result, laid out like the release download URLs (<base>/v<version>/<asset>):
#   DIR/<distribution>/v<version>/<binary>-v<version>-<os>-<arch>.tar.xz
#   DIR/<distribution>/v<version>/<binary>-v<version>-<os>-<arch>.tar.xz.sha256.asc
#   DIR/<distribution>/v<version>/<binary>-v<version>-<os>-<arch>.tar.xz.build (build record)
# An archive already built is reused when it still hashes to its build record (and its
# .sha256.asc); otherwise it is built again.
#
# Source: the module from the Go module proxy, checked against the checksum database. The
# openbao fork, which the proxy here refuses, builds from its source archive instead (a `git
# archive` of the release tag, checked against the sha256 in tools/build-pins.json first):
# --source-archive FILE, or <binary>-<version>.src.tar.xz in $WEBEX_VAULT_THIRD_PARTY_DIR, in
# ../shared/third_party beside this checkout, or beside the checkout it was cloned from.
# The project builds from third-party source; it never copies it in.
#
# Recipe: openbao runs upstream's own `make dist-bin-<os>-<arch>` (its scripts/dist: name,
# tar.xz, .sha256.asc) in a scratch copy, made reproducible through variables its Makefile
# reads (GOFLAGS=-trimpath, a TAR with fixed owner and mtime); tools/build-pins.json records
# the sha256 that gives with this machine's Go. GOFLAGS goes on make's command line, which also
# drops the `-a` that upstream's dist targets add: the Go build cache is reused (~20 s instead
# of ~70 s, and minutes on a busy machine), and the archive is the same bytes (the pin says so).
# puppetlabs: go build and a deterministic tar (its release recipe at v3.1.1 is the same
# scripts/dist). Every dependency is checked against the module's go.sum (-mod=readonly,
# `go mod verify`).
#
# Why not `go install module/cmd/...@version`: it also asks the module proxy for the module's
# version list (to look for deprecations) and fails where the proxy serves only the exact
# version.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
distribution=puppetlabs
version=""
out_dir="$root/.local/mirror"
source_archive=""

while [ "$#" -gt 0 ]; do
  case "$1" in
    --distribution) distribution="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    --source-archive) source_archive="$2"; shift 2 ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "build-plugin: unknown argument '$1' (see --help)." >&2; exit 2 ;;
  esac
done

# shellcheck source=tools/lib/releases.sh
. "$root/tools/lib/releases.sh"
# shellcheck source=tools/lib/go-module.sh
. "$root/tools/lib/go-module.sh"
module="$(release_field "$distribution" module 2>&1)" || { echo "build-plugin: $module" >&2; exit 2; }
binary="$(release_field "$distribution" binary_name)"
version="${version:-$(release_field "$distribution" default_version)}"
version="${version#v}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
  echo "build-plugin: --version must look like 3.1.1, not '$version'." >&2; exit 2
fi
go_build_env build-plugin

goos="$(go env GOOS)"
goarch="$(go env GOARCH)"
go_version="$(go env GOVERSION)"
asset="${binary}-v${version}-${goos}-${goarch}"
release_dir="${out_dir}/${distribution}/v${version}"
archive="${release_dir}/${asset}.tar.xz"
checksum_file="${archive}.sha256.asc"
record="${archive}.build"
pin_key="${distribution}/${version}/${goos}-${goarch}"

# One build of a release at a time: a second caller (make test runs pytest and Molecule side by
# side) waits here, then finds the first one's archive below. The lock lives outside the output
# folder, which stays untouched until a build succeeds.
exec {build_lock}>"${TMPDIR:-/tmp}/build-plugin-$(printf '%s' "$release_dir" | sha256sum | cut -c1-16).lock"
flock "$build_lock"

# --- A cached build is re-checked: its bytes against its build record and .sha256.asc. ---
if [ -f "$archive" ]; then
  actual="$(sha256sum "$archive" | cut -d' ' -f1)"
  recorded="$(record_get "$record" sha256 || true)"
  if [ -z "$recorded" ] && [ "$actual" = "$(pinned_sha256 "$pin_key" "$go_version")" ]; then
    # Built before build records existed, and byte for byte what this Go builds.
    record_write "$record" "sha256=${actual}" "go=${go_version}" "source=matches tools/build-pins.json"
    recorded="$actual"
  fi
  if [ "$actual" = "$recorded" ] && (cd "$release_dir" && sha256sum --check --status "$checksum_file" 2>/dev/null); then
    echo "build-plugin: reusing ${archive#"$root"/} (sha256 ${actual:0:12}…, as recorded when it was built with $(record_get "$record" go))"
    exit 0
  fi
  echo "build-plugin: ${archive#"$root"/} does not match its build record or .sha256.asc; building it again."
fi

started=$SECONDS
scratch="$(mktemp -d "${TMPDIR:-/tmp}/oauthapp-plugin-build.XXXXXX")"
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
log="$scratch/build.log"
src="$scratch/src"
echo "build-plugin: building ${distribution} ${version} (${goos}/${goarch}, ${go_version}); phases:" \
  "source, modules, compile and package, check"

# --- Phase 1: the source. ---
source_archive_candidates() {
  local origin
  [ -n "${WEBEX_VAULT_THIRD_PARTY_DIR:-}" ] && echo "$WEBEX_VAULT_THIRD_PARTY_DIR"
  realpath -m "$root/../shared/third_party"
  origin="$(git -C "$root" remote get-url origin 2>/dev/null || true)"
  origin="${origin#file://}"
  if [ -n "$origin" ] && [ -d "$origin" ]; then
    realpath -m "$origin/../shared/third_party"
  fi
}

echo "build-plugin: [1/4] source: ${module}@v${version} from the Go module proxy"
if [ -z "$source_archive" ] && go_module_copy build-plugin "$module" "$version" "$src"; then
  source_id="${module}@v${version} ${module_sum} (Go checksum database)"
  source_time="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["Time"])' "$module_info")"
else
  proxy_said="${module_error:-not asked (--source-archive given)}"
  expected="$(python3 - "$root/tools/build-pins.json" "${distribution}/${version}" <<'PY'
import json, sys
source = json.load(open(sys.argv[1]))["sources"].get(sys.argv[2])
print(f"{source['file']} {source['sha256']}" if source else "")
PY
)"
  if [ -z "$expected" ]; then
    echo "build-plugin: cannot build ${distribution} ${version}: the Go module proxy did not serve ${module}@v${version} (${proxy_said})." >&2
    exit 4
  fi
  read -r expected_file expected_sha256 <<<"$expected"
  if [ -z "$source_archive" ]; then
    searched=()
    while read -r dir; do
      searched+=("$dir")
      if [ -f "$dir/$expected_file" ]; then source_archive="$dir/$expected_file"; break; fi
    done < <(source_archive_candidates)
    if [ -z "$source_archive" ]; then
      echo "build-plugin: cannot build ${distribution} ${version}: the Go module proxy did not serve ${module}@v${version} (${proxy_said}) and its source archive ${expected_file} is in none of ${searched[*]}; put it there, set WEBEX_VAULT_THIRD_PARTY_DIR to its folder or pass --source-archive." >&2
      exit 4
    fi
  fi
  echo "build-plugin: ... the proxy did not serve it; using the source archive ${source_archive}"
  actual_source="$(sha256sum "$source_archive" | cut -d' ' -f1)"
  if [ "$actual_source" != "$expected_sha256" ]; then
    echo "build-plugin: the source archive ${source_archive} has sha256 ${actual_source}, not ${expected_sha256} as tools/build-pins.json records for ${distribution} ${version}; it was not used." >&2
    exit 5
  fi
  mkdir "$src"
  tar -C "$src" --strip-components=1 -xJf "$source_archive"
  source_id="$(basename "$source_archive") sha256 ${actual_source}"
  # The tag's commit time, which `git archive` gives every entry (as the proxy's .info Time).
  source_time="$(python3 -c '
import datetime, sys, tarfile
with tarfile.open(sys.argv[1]) as archive:
    print(datetime.datetime.fromtimestamp(archive.next().mtime, datetime.timezone.utc).isoformat())
' "$source_archive")"
fi

# --- Phase 2: every module the build needs, checked against go.sum; the cache re-hashed. ---
echo "build-plugin: [2/4] modules"
run_phase build-plugin "fetching the modules of ./cmd/${binary} (each checked against go.sum)" "$log" \
  bash -c 'cd "$1" && go list -deps "./cmd/$2" >/dev/null && go mod verify' _ "$src" "$binary"

# --- Phase 3: compile and package. ---
mtime="@$(python3 -c 'import datetime, sys; print(int(datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")).timestamp()))' "$source_time")"
tar_reproducible=(tar --owner=0 --group=0 --numeric-owner --mtime="$mtime" --mode=0755)
export XZ_OPT=-T1
mkdir -p "$scratch/artifacts"
if [ "$distribution" = openbao ]; then
  command -v make >/dev/null || { echo "build-plugin: make is not installed; the openbao build runs the plugin's own make dist recipe." >&2; exit 3; }
  echo "build-plugin: [3/4] compile and package: make dist-bin-${goos}-${goarch} (upstream's recipe; ~20 s with a warm Go build cache, ~70 s without)"
  chmod u+x "$src/scripts/dist"
  run_phase build-plugin "running make dist-bin-${goos}-${goarch}" "$log" \
    env TAR="${tar_reproducible[*]}" \
    make -C "$src" "dist-bin-${goos}-${goarch}" "PLUGIN_DIST_VERSION=v${version}" SHA256SUM=sha256sum \
    GOFLAGS="-mod=readonly -trimpath"
  mv "$src/artifacts/${asset}.tar.xz" "$src/artifacts/${asset}.tar.xz.sha256.asc" "$scratch/artifacts/"
else
  echo "build-plugin: [3/4] compile and package: go build ./cmd/${binary}"
  # Release builds are static (CGO off); -trimpath keeps paths of this machine out of the binary.
  run_phase build-plugin "compiling ./cmd/${binary}" "$log" \
    env CGO_ENABLED=0 bash -c 'cd "$1" && go build -trimpath -ldflags "-s -w" -o "$2" "./cmd/$3"' \
    _ "$src" "$scratch/$asset" "$binary"
  "${tar_reproducible[@]}" -C "$scratch" -cJf "$scratch/artifacts/${asset}.tar.xz" "$asset"
  (cd "$scratch/artifacts" && sha256sum "${asset}.tar.xz" >"${asset}.tar.xz.sha256.asc")
fi

# --- Phase 4: check and publish. ---
echo "build-plugin: [4/4] check"
(cd "$scratch/artifacts" && sha256sum --check --status "${asset}.tar.xz.sha256.asc")
built="$(sha256sum "$scratch/artifacts/${asset}.tar.xz" | cut -d' ' -f1)"
pin="$(pinned_sha256 "$pin_key" "$go_version")"
if [ -n "$pin" ] && [ "$pin" != "$built" ]; then
  echo "build-plugin: warning: this build's sha256 ${built} differs from ${pin}, which tools/build-pins.json records for ${pin_key} with ${go_version}; an inventory that pins it will refuse this archive." >&2
elif [ -z "$pin" ]; then
  echo "build-plugin: note: tools/build-pins.json records no sha256 for ${pin_key} with ${go_version}; this build's is ${built}."
fi
mkdir -p "$release_dir"
mv "$scratch/artifacts/${asset}.tar.xz" "$archive.tmp"
mv "$scratch/artifacts/${asset}.tar.xz.sha256.asc" "$checksum_file"
mv "$archive.tmp" "$archive"
record_write "$record" "sha256=${built}" "go=${go_version}" "source=${source_id}"
echo "build-plugin: wrote ${archive} (sha256 ${built}, $(( SECONDS - started )) s)"
