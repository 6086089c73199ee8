#!/usr/bin/env bash
# CHANGELOG.md from changelogs/ with antsibull-changelog. The version galaxy.yml names is
# rendered from the fragments even before it is released: `antsibull-changelog release` runs on
# a scratch copy of the collection, so changelogs/changelog.yaml and the fragments stay as they
# are (a real release runs `antsibull-changelog release` in the checkout itself).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-$PWD/.venv/bin}"
version=$("$BIN/python" -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# antsibull-changelog finds the collection's plugins through ansible-doc, which needs the
# ansible_collections/<namespace>/<name> layout.
copy="$scratch/ansible_collections/webex_vault/oauthapp"
mkdir -p "$copy"
cp -r galaxy.yml changelogs plugins roles playbooks meta "$copy/"
cd "$copy"
if "$BIN/python" - "$version" <<'PY'
import sys, yaml
releases = (yaml.safe_load(open("changelogs/changelog.yaml")) or {}).get("releases") or {}
sys.exit(0 if sys.argv[1] in releases else 1)
PY
then
  PATH="$BIN:$PATH" "$BIN/antsibull-changelog" generate
else
  PATH="$BIN:$PATH" "$BIN/antsibull-changelog" release --version "$version" --date "$(date -u +%F)" 2>/dev/null
fi
cp CHANGELOG.md "$OLDPWD/CHANGELOG.md"
echo "changelog: wrote CHANGELOG.md ($version)"
