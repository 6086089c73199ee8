#!/usr/bin/env bash
# `make venv`: .venv from the hash-pinned requirement files, offline when it can be.
#   1. pip itself (requirements/pip.txt), then every package of requirements/dev.txt, each file
#      with `pip install --require-hashes`: a file whose hash is not pinned is refused;
#   2. this checkout's two distributions in editable mode: webex-vault (pyproject.toml) and
#      webex-vault-dev (dev/pyproject.toml: the emulator and the test harness), built with the
#      pinned setuptools (no build isolation, which would fetch an unpinned one).
# Packages come from a wheelhouse (WHEELHOUSE, default ~/.cache/webex-vault/wheelhouse) shared
# by every clone on the machine: a fresh clone installs offline from it, and only what it lacks
# is downloaded (pip download, the same hashes).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
WHEELHOUSE="${WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/webex-vault/wheelhouse}"
mkdir -p "$WHEELHOUSE"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip --disable-pip-version-check)

install() {
  local offline=("${pip[@]}" install --quiet --require-hashes --no-index --find-links "$WHEELHOUSE" -r "$1")
  if ! "${offline[@]}" 2>/dev/null; then
    echo "venv: downloading what $WHEELHOUSE lacks of $1"
    "${pip[@]}" download --quiet --require-hashes --no-deps --dest "$WHEELHOUSE" -r "$1"
    "${offline[@]}"
  fi
}

install requirements/pip.txt
install requirements/dev.txt
"${pip[@]}" install --quiet --no-deps --no-build-isolation --no-index --editable . --editable dev
echo "venv: $VENV ready ($("$VENV/bin/python" -m pip --version | cut -d' ' -f1-2), $(wc -l < <("${pip[@]}" list --format=freeze)) packages)"
