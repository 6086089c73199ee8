#!/usr/bin/env bash
# Build the local Debian bookworm + systemd image that the Molecule scenarios run in.
#
#   tools/build-test-image.sh [--force] [--tag TAG]
#
# No container registry is reachable, so the root filesystem is made with
# `debootstrap --variant=minbase` from the Debian mirror this machine's apt already uses
# (found at run time with `apt-get indextargets`; WEBEX_VAULT_DEBIAN_MIRROR overrides it),
# trimmed, and imported with `docker import`. The image boots systemd as PID 1 when run with
#   --network host --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock
# (no --privileged); tools/smoke-test-image.sh checks exactly that.
#
# Tag: $WEBEX_VAULT_TEST_IMAGE, default webex-vault/debian-systemd:bookworm. An image already
# present under the tag is reused when it was built from this recipe (its label
# io.webex-vault.recipe: a hash of the suite, the packages, the masked units and
# recipe_version), rebuilt otherwise or with --force. Needs root (debootstrap, chroot).
set -euo pipefail

start_time=$(date +%s)
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tag="${WEBEX_VAULT_TEST_IMAGE:-webex-vault/debian-systemd:bookworm}"
suite=bookworm
force=false

while [ "$#" -gt 0 ]; do
  case "$1" in
    --force) force=true; shift ;;
    --tag) tag="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "build-test-image: unknown argument '$1' (see --help)." >&2; exit 2 ;;
  esac
done

# What Ansible (python3, python3-apt, sudo), systemd as PID 1 (systemd, systemd-sysv, dbus),
# the roles (curl, ca-certificates, xz-utils + unzip for `unarchive`, logrotate for the audit
# logs) and the tests (procps, iproute2 for `ss`) need in the target.
packages=(systemd systemd-sysv dbus python3 python3-apt sudo ca-certificates curl
          procps iproute2 xz-utils unzip logrotate)

# Units that cannot work in an unprivileged container (no devices to manage, read-only or
# host-owned kernel filesystems, no consoles) and would leave the system "degraded".
masked_units=(
  getty@.service serial-getty@.service console-getty.service getty.target
  systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket
  systemd-udev-trigger.service systemd-udev-settle.service
  systemd-remount-fs.service systemd-modules-load.service kmod-static-nodes.service
  systemd-firstboot.service systemd-hwdb-update.service systemd-machine-id-commit.service
  systemd-sysctl.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount
  sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount
  sys-fs-fuse-connections.mount dev-hugepages.mount dev-mqueue.mount
  systemd-ask-password-wall.path systemd-ask-password-console.path
  apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer
)

# Bump when the root filesystem's configuration below changes in a way the lists above do
# not show: machines that hold an image of an older recipe then rebuild it.
recipe_version=2
recipe="$(printf '%s\n' "$suite" "${packages[*]}" "${masked_units[*]}" "$recipe_version" | sha256sum | cut -c1-16)"

log() { echo "build-test-image: $*"; }
elapsed() { echo $(( $(date +%s) - start_time )); }

if [ "$(id -u)" -ne 0 ]; then
  echo "build-test-image: must run as root (debootstrap needs chroot and mounts)." >&2; exit 1
fi

"${repo_root}/tools/ensure-docker.sh"

present_recipe="$(docker image inspect --format '{{ index .Config.Labels "io.webex-vault.recipe" }}' "$tag" 2>/dev/null || true)"
if ! $force && [ "$present_recipe" = "$recipe" ]; then
  log "image ${tag} of this recipe (${recipe}) already present; reusing it (use --force to rebuild). Took $(elapsed)s."
  exit 0
fi
if ! $force && docker image inspect "$tag" >/dev/null 2>&1; then
  log "image ${tag} was built from another recipe (${present_recipe:-none}, now ${recipe}); rebuilding it."
fi

old_image_id="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"

if ! command -v debootstrap >/dev/null 2>&1 && [ ! -x /usr/sbin/debootstrap ]; then
  log "installing debootstrap with apt-get ..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
PATH="${PATH}:/usr/sbin:/sbin"

# --- The mirror, from this machine's apt configuration ----------------------------------
# One line per configured Packages index: "<repo uri> <suite> <component>".
apt_repos() {
  apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
    'Created-By: Packages' 2>/dev/null | awk '$3 == "main"' | sort -u
}
repo_for_suite() { apt_repos | awk -v s="$1" '$2 == s { print $1; exit }'; }

mirror="${WEBEX_VAULT_DEBIAN_MIRROR:-$(repo_for_suite "$suite")}"
if [ -z "$mirror" ]; then
  # Fall back to any plain Debian suite entry (not -updates, -security, -backports).
  mirror="$(apt_repos | awk '$2 !~ /-/ && $1 !~ /security/ { print $1; exit }')"
fi
if [ -z "$mirror" ]; then
  echo "build-test-image: found no Debian 'main' repository in this machine's apt sources;" \
       "set WEBEX_VAULT_DEBIAN_MIRROR to a Debian mirror URL." >&2
  exit 1
fi
mirror="${mirror%/}"
security_mirror="$(repo_for_suite "${suite}-security")"; security_mirror="${security_mirror%/}"
updates_mirror="$(repo_for_suite "${suite}-updates")"; updates_mirror="${updates_mirror%/}"
log "mirror from apt sources: ${mirror}"

# Honour an apt proxy, if the machine has one, for debootstrap's own downloads.
proxy_line="$(apt-config shell http_proxy Acquire::http::Proxy 2>/dev/null || true)"
if [ -n "$proxy_line" ]; then eval "$proxy_line"; export http_proxy; fi

# --- Build ---------------------------------------------------------------------------------
mkdir -p "${repo_root}/.local/image-build"
work_dir="$(mktemp -d "${repo_root}/.local/image-build/rootfs.XXXXXX")"
rootfs="${work_dir}/rootfs"

cleanup() {
  local rc=$?
  # debootstrap mounts proc/sys inside the target; unmount anything left before deleting.
  if [ -d "$work_dir" ]; then
    awk -v p="$work_dir" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r | \
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$work_dir"
  fi
  if [ "$rc" -ne 0 ]; then echo "build-test-image: failed after $(elapsed)s." >&2; fi
  return "$rc"
}
trap cleanup EXIT

log "debootstrap ${suite} (minbase + ${#packages[@]} packages) into ${work_dir#"$repo_root"/} ..."
include="$(IFS=,; echo "${packages[*]}")"
if ! debootstrap --variant=minbase --components=main --include="$include" \
      "$suite" "$rootfs" "$mirror" >"${work_dir}/debootstrap.log" 2>&1; then
  echo "build-test-image: debootstrap failed; last lines of its log:" >&2
  tail -n 30 "${work_dir}/debootstrap.log" >&2
  [ -f "${rootfs}/debootstrap/debootstrap.log" ] && tail -n 30 "${rootfs}/debootstrap/debootstrap.log" >&2
  exit 1
fi

log "configuring the root filesystem ..."
# apt sources inside the image: the same mirrors, so roles can install packages.
{
  printf 'Types: deb\nURIs: %s\nSuites: %s%s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$suite" "${updates_mirror:+ ${suite}-updates}"
  if [ -n "$security_mirror" ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$security_mirror" "$suite"
  fi
} >"${rootfs}/etc/apt/sources.list.d/debian.sources"
rm -f "${rootfs}/etc/apt/sources.list"

# Keep apt lean in the container: no recommends, no caches, no docs/manuals/translations.
cat >"${rootfs}/etc/apt/apt.conf.d/90webex-vault-test" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
EOF
# A mirror pinned to a snapshot has an expired Release file; follow the host's apt on that.
for opt in Acquire::Check-Valid-Until Acquire::Check-Date; do
  if [ "$(apt-config dump "$opt" 2>/dev/null | awk -v o="$opt" '$1 == o { gsub(/[";]/, "", $2); print $2 }')" = "false" ]; then
    echo "${opt} \"false\";" >>"${rootfs}/etc/apt/apt.conf.d/90webex-vault-test"
  fi
done
cat >"${rootfs}/etc/dpkg/dpkg.cfg.d/90webex-vault-test" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF

for unit in "${masked_units[@]}"; do
  ln -sf /dev/null "${rootfs}/etc/systemd/system/${unit}"
done
# Boot to multi-user, not graphical; no generated machine id baked into the image
# (systemd makes a transient one per container), no leftover host names or resolvers.
ln -sf /lib/systemd/system/multi-user.target "${rootfs}/etc/systemd/system/default.target"
: >"${rootfs}/etc/machine-id"
rm -f "${rootfs}/var/lib/dbus/machine-id"
: >"${rootfs}/etc/resolv.conf"
echo localhost >"${rootfs}/etc/hostname"
# journald: keep logs in memory only, small.
mkdir -p "${rootfs}/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' >"${rootfs}/etc/systemd/journald.conf.d/90-container.conf"

chroot "$rootfs" apt-get clean
rm -rf "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/var/cache/apt/*.bin \
       "${rootfs}"/var/cache/debconf/*-old "${rootfs}"/var/log/*.log "${rootfs}"/var/log/apt/* \
       "${rootfs}"/tmp/* "${rootfs}"/var/tmp/* "${rootfs}"/debootstrap
find "${rootfs}/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "${rootfs}/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "${rootfs}"/usr/share/man/* "${rootfs}"/usr/share/info/*
find "${rootfs}/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true

log "importing as ${tag} ($(du -sm "$rootfs" | cut -f1) MB) ..."
# The rootfs goes in as one layer under a temporary tag. `docker import --change` cannot set
# STOPSIGNAL on the Debian engine (20.10), so the metadata that makes `docker run <tag>` boot
# systemd, and stop it cleanly, is added by a context-less build on top (no pull: FROM is local).
base_tag="webex-vault/tmp-rootfs:$(basename "$work_dir" | tr -c 'A-Za-z0-9\n' '-' | tr 'A-Z' 'a-z')"
tar --numeric-owner --xattrs -C "$rootfs" -c . | docker import \
  --message "webex-vault test image: debootstrap ${suite} minbase + systemd" \
  - "$base_tag" >/dev/null
rm -rf --one-file-system "$rootfs"
if ! printf '%s\n' \
      "FROM ${base_tag}" \
      'ENV container=docker' \
      'STOPSIGNAL SIGRTMIN+3' \
      'CMD ["/sbin/init"]' \
      "LABEL org.opencontainers.image.title=\"webex-vault test image (${suite} + systemd)\"" \
      "LABEL io.webex-vault.recipe=${recipe}" \
    | DOCKER_BUILDKIT=0 docker build --pull=false --quiet --tag "$tag" - >"${work_dir}/build.log" 2>&1; then
  cat "${work_dir}/build.log" >&2
  docker rmi "$base_tag" >/dev/null 2>&1 || true
  exit 1
fi
docker rmi "$base_tag" >/dev/null
# A --force rebuild leaves the previous image untagged; drop it unless a container uses it.
if [ -n "$old_image_id" ] && [ "$old_image_id" != "$(docker image inspect --format '{{.Id}}' "$tag")" ]; then
  docker rmi "$old_image_id" >/dev/null 2>&1 || true
fi

log "built ${tag} in $(elapsed)s."
