#!/usr/bin/env bash
# Put a plugin release into the local mirror (.local/mirror/<distribution>/v<version>/),
# in the GitHub release format the oauthapp_plugin role downloads.
#
#   tools/fetch-plugin.sh [--distribution D] [--version V] [--source auto|download|build]
#
# download: the published archive and .sha256.asc from the distribution's GitHub releases,
#           checked with sha256sum.
# build:    tools/build-plugin.sh (Go module proxy, no GitHub needed).
# auto:     download, and build from source when the release host cannot be reached.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
distribution=puppetlabs
version=""
source=auto
while [ "$#" -gt 0 ]; do
  case "$1" in
    --distribution) distribution="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --source) source="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "fetch-plugin: unknown argument '$1' (see --help)." >&2; exit 2 ;;
  esac
done

# shellcheck source=tools/lib/releases.sh
. "$root/tools/lib/releases.sh"
release_base_url="$(release_field "$distribution" release_base_url 2>&1)" \
  || { echo "fetch-plugin: $release_base_url" >&2; exit 2; }
binary="$(release_field "$distribution" binary_name)"
version="${version:-$(release_field "$distribution" default_version)}"
case "$source" in auto|download|build) ;; *) echo "fetch-plugin: --source must be auto, download or build, not '$source'." >&2; exit 2 ;; esac
version="${version#v}"

build() { exec "$root/tools/build-plugin.sh" --distribution "$distribution" --version "$version" --out "$root/.local/mirror"; }
[ "$source" = build ] && build

asset="${binary}-v${version}-linux-$(dpkg --print-architecture 2>/dev/null || echo amd64)"
release_dir="$root/.local/mirror/$distribution/v$version"
if [ -f "$release_dir/$asset.tar.xz" ] && (cd "$release_dir" && sha256sum --check --status "$asset.tar.xz.sha256.asc" 2>/dev/null); then
  echo "fetch-plugin: reusing $release_dir/$asset.tar.xz"
  exit 0
fi

url="$release_base_url/v$version/$asset.tar.xz"
mkdir -p "$release_dir"
echo "fetch-plugin: downloading $url"
if curl -fsSL --connect-timeout 10 --max-time 300 -o "$release_dir/$asset.tar.xz.part" "$url" \
  && curl -fsSL --connect-timeout 10 --max-time 60 -o "$release_dir/$asset.tar.xz.sha256.asc" "$url.sha256.asc"; then
  mv "$release_dir/$asset.tar.xz.part" "$release_dir/$asset.tar.xz"
  if (cd "$release_dir" && sha256sum --check --status "$asset.tar.xz.sha256.asc"); then
    echo "fetch-plugin: downloaded and verified $asset.tar.xz"
    exit 0
  fi
  echo "fetch-plugin: $asset.tar.xz does not match its published checksum; removed it." >&2
  rm -f "$release_dir/$asset.tar.xz" "$release_dir/$asset.tar.xz.sha256.asc"
  exit 5
fi
rm -f "$release_dir/$asset.tar.xz.part"
if [ "$source" = download ]; then
  echo "fetch-plugin: the release host cannot be reached; retry with --source build." >&2
  exit 6
fi
echo "fetch-plugin: the release host cannot be reached; building from source with Go instead."
build
