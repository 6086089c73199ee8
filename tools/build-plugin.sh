#!/usr/bin/env bash
# Build the oauthapp secrets plugin from Go source into the exact GitHub release format,
# so that the oauthapp_plugin role's download path (get_url + checksum + unarchive) can be
# exercised from a local mirror on machines that cannot reach GitHub.
#
#   tools/build-plugin.sh [--distribution openbao|puppetlabs] [--version 3.1.1] [--out DIR]
#
# Result, laid out like the release download URLs (<base>/v<version>/<asset>):
#   DIR/<distribution>/v<version>/<binary>-v<version>-<os>-<arch>.tar.xz
#   DIR/<distribution>/v<version>/<binary>-v<version>-<os>-<arch>.tar.xz.sha256.asc
# An archive already present whose checksum file matches is reused.
#
# Why not `go install module/cmd/...@version`: it also asks the module proxy for the module's
# version list (to look for deprecations) and fails where the proxy serves only the exact
# version. So the module is fetched with `go mod download` and built in a scratch copy, which
# is also where a dependency could be raised if a release ever stops building with a newer Go.
set -euo pipefail

distribution=puppetlabs
version=""
out_dir="$(cd "$(dirname "$0")/.." && pwd)/.local/mirror"

while [ "$#" -gt 0 ]; do
  case "$1" in
    --distribution) distribution="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "build-plugin: unknown argument '$1' (see --help)." >&2; exit 2 ;;
  esac
done

# shellcheck source=tools/lib/releases.sh
. "$(dirname "$0")/lib/releases.sh"
module="$(release_field "$distribution" module 2>&1)" || { echo "build-plugin: $module" >&2; exit 2; }
binary="$(release_field "$distribution" binary_name)"
version="${version:-$(release_field "$distribution" default_version)}"
version="${version#v}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
  echo "build-plugin: --version must look like 3.1.1, not '$version'." >&2; exit 2
fi
command -v go >/dev/null || { echo "build-plugin: Go is not installed; install Go 1.21 or newer." >&2; exit 3; }

goos="$(go env GOOS)"
goarch="$(go env GOARCH)"
asset="${binary}-v${version}-${goos}-${goarch}"
release_dir="${out_dir}/${distribution}/v${version}"
archive="${release_dir}/${asset}.tar.xz"
checksum_file="${archive}.sha256.asc"

if [ -f "$archive" ] && [ -f "$checksum_file" ] && (cd "$release_dir" && sha256sum --check --status "$checksum_file"); then
  echo "build-plugin: reusing ${archive#"$PWD"/}"
  exit 0
fi

started=$SECONDS
scratch="$(mktemp -d "${TMPDIR:-/tmp}/oauthapp-plugin-build.XXXXXX")"
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT

echo "build-plugin: building ${module}@v${version} for ${goos}/${goarch} with $(go version | cut -d' ' -f3)"
# shellcheck source=tools/lib/go-module.sh
. "$(dirname "$0")/lib/go-module.sh"
go_module_copy build-plugin "$module" "$version" "$scratch/src"
(
  cd "$scratch/src"
  # Release builds are static (CGO off); -trimpath keeps paths of this machine out of the binary.
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$scratch/$asset" "./cmd/${binary}"
)

mkdir -p "$release_dir"
# Deterministic archive: fixed owner and mtime, one file named like the archive.
tar -C "$scratch" --owner=0 --group=0 --numeric-owner --mtime=@0 -cJf "$archive.tmp" "$asset"
mv "$archive.tmp" "$archive"
(cd "$release_dir" && sha256sum "${asset}.tar.xz" > "${asset}.tar.xz.sha256.asc")
echo "build-plugin: wrote ${archive} ($(( SECONDS - started )) s)"
