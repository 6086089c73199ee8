#!/usr/bin/env bash
# ansible-test sanity for the collection's plugins, with this machine's Python 3.11, no container.
#
#   tools/ansible-test.sh [more ansible-test sanity arguments]
#
# ansible-test only tests a collection at .../ansible_collections/<namespace>/<name>/, so the
# collection is built (galaxy.yml's build_ignore applies, as for users) and installed in a
# scratch tree, beside a link to the community.hashi_vault the venv's `ansible` package
# bundles (its doc fragments and module_utils are part of ours). The sanity tests' own tools
# (pylint, voluptuous, ...) live in virtualenvs ansible-test makes once under
# ~/.ansible/test/venv from PyPI and reuses; the get-pip.py it fetches for them elsewhere is
# replaced by tools/get_pip_offline.py. Exits non-zero when any test fails.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="$repo/.venv/bin"
python="$bin/python"
[ -x "$bin/ansible-test" ] || { echo "ansible-test: run 'make venv' first." >&2; exit 3; }

# Skipped, each for a reason of this machine (none of them looks at plugins/ here otherwise):
skips=(
  shellcheck  # not installed here, and plugins/ holds no shell script
  pslint      # needs PowerShell; plugins/ holds no PowerShell
)

# ansible-test looks for its pip bootstrap script at ~/.ansible/test/cache/get_pip_<version>.py.
pip_version="$("$python" -c 'import re, ansible_test._internal.python_requirements as r, inspect
print(re.search(r"pip=.([0-9.]+).", inspect.getsource(r)).group(1))')"
get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -f "$get_pip" ]; then
  mkdir -p "$(dirname "$get_pip")"
  cp "$repo/tools/get_pip_offline.py" "$get_pip"
fi

scratch="$(mktemp -d "${TMPDIR:-/tmp}/webex-vault-ansible-test.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
collections="$scratch/collections/ansible_collections"

"$bin/ansible-galaxy" collection build --output-path "$scratch" "$repo" > /dev/null
"$bin/ansible-galaxy" collection install --no-deps --offline -p "$scratch/collections" \
  "$scratch"/webex_vault-oauthapp-*.tar.gz > /dev/null 2>&1
site_packages="$("$python" -c 'import ansible_collections.community.hashi_vault as c, os; print(os.path.dirname(c.__path__[0]))')"
mkdir -p "$collections/community"
ln -s "$site_packages/hashi_vault" "$collections/community/hashi_vault"

cd "$collections/webex_vault/oauthapp"
started=$SECONDS
skip_args=()
for test in "${skips[@]}"; do skip_args+=(--skip-test "$test"); done
"$bin/ansible-test" sanity --local --python 3.11 --color no "${skip_args[@]}" "$@" plugins/
echo "ansible-test: sanity passed for plugins/ ($(( SECONDS - started )) s)"
