#!/usr/bin/env bash
# `make requirements`: the hash-pinned requirement files from their .in files (pip-compile).
#   requirements.txt       what users install (requirements/user.in)
#   requirements/dev.txt   what make venv installs: user.in + the test, lint and build tools
#   requirements/pip.txt   pip itself, installed first
# Every package of each file is pinned with the hashes of all its published files, so
# `pip install --require-hashes` refuses anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-$PWD/.venv/bin}"
export CUSTOM_COMPILE_COMMAND="make requirements"
compile() {
  "$BIN/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
    --no-emit-find-links "$@"
}
compile --output-file requirements.txt requirements/user.in
compile --output-file requirements/dev.txt requirements/dev.in
compile --output-file requirements/pip.txt requirements/pip.in
echo "requirements: wrote requirements.txt, requirements/dev.txt, requirements/pip.txt"
