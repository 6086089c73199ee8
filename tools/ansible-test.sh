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

# Sanity tests skipped, each for its reason. None of ansible-test 2.19's sanity tests needs a
# container or the network when run --local (beyond PyPI, once, for their virtualenvs).
skips=(
  shellcheck  # the shellcheck binary is not installed here (and plugins/ holds no shell script)
  pslint      # needs PowerShell, not installed here (and plugins/ holds no PowerShell)
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
# --no-deps: community.hashi_vault is linked from the venv below, not fetched from Galaxy.
# --force: the checkout is already "installed" through the link ansible.cfg points at.
"$bin/ansible-galaxy" collection install --force --no-deps --offline -p "$scratch/collections" \
  "$scratch"/webex_vault-oauthapp-*.tar.gz > "$scratch/install.log" 2>&1 \
  || { cat "$scratch/install.log" >&2; exit 1; }
hashi_vault="$("$python" -c 'import ansible_collections.community.hashi_vault as c; print(c.__path__[0])')"
mkdir -p "$collections/community"
ln -s "$hashi_vault" "$collections/community/hashi_vault"
# The artifact leaves tests/ out (build_ignore); ansible-test reads the sanity ignore file from
# the collection's own tests/sanity/, so that folder joins the scratch copy.
mkdir -p "$collections/webex_vault/oauthapp/tests"
cp -r "$repo/tests/sanity" "$collections/webex_vault/oauthapp/tests/"

# What users see with the collection installed: each module's documentation.
for path in "$repo"/plugins/modules/*.py; do
  module="$(basename "$path" .py)"
  ANSIBLE_COLLECTIONS_PATH="$scratch/collections" "$bin/ansible-doc" "webex_vault.oauthapp.$module" > /dev/null
done

cd "$collections/webex_vault/oauthapp"
started=$SECONDS
skip_args=()
for test in "${skips[@]}"; do skip_args+=(--skip-test "$test"); done
"$bin/ansible-test" sanity --local --python 3.11 --color no "${skip_args[@]}" "$@" plugins/
echo "ansible-test: sanity passed for plugins/ ($(( SECONDS - started )) s)"
