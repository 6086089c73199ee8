#!/usr/bin/env bash
# The first step of every Molecule scenario (`dependency`, Molecule's shell driver), so that
# `molecule test [-s <scenario>]` works on its own after `make venv`: it starts what the
# scenario's containers need, the Docker engine (tools/ensure-docker.sh) and the Debian systemd
# test image (tools/build-test-image.sh), both no-ops when already there; the scenario's prepare
# step then builds the plugin releases and the server it installs. When something cannot be
# done here it stops with one sentence naming the command to run first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ ! -e "$root/.local/collections/ansible_collections/webex_vault/oauthapp" ] \
  || [ ! -x "$root/.venv/bin/pytest" ]; then
  echo "molecule: run 'make venv' and '. .venv/bin/activate' in $root first." >&2
  exit 1
fi
case ":$PATH:" in
  *":$root/.venv/bin:"*) ;;
  *) echo "molecule: activate the virtualenv first ('. $root/.venv/bin/activate'): the verifier runs its pytest." >&2
     exit 1 ;;
esac
if ! docker info >/dev/null 2>&1 && [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
  echo "molecule: the Docker engine does not answer; start it first with 'sudo $root/tools/ensure-docker.sh'." >&2
  exit 1
fi
"$root/tools/ensure-docker.sh"
image="${WEBEX_VAULT_TEST_IMAGE:-webex-vault/debian-systemd:bookworm}"
if ! docker image inspect "$image" >/dev/null 2>&1 && [ "$(id -u)" -ne 0 ]; then
  echo "molecule: the test image $image is missing; build it first with 'sudo $root/tools/build-test-image.sh'." >&2
  exit 1
fi
"$root/tools/build-test-image.sh"
