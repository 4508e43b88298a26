#!/usr/bin/env bash
# A container engine for this repository's container checks (the fresh-machine check and the deployment test), on a
# Debian host with or without Docker: installs Debian's podman, points it at scripts/containers/containers.conf and
# makes sure `docker.io/library/debian:bookworm-slim` resolves. Where that image cannot be pulled (no registry
# reachable) it is built from Debian's packages with `debootstrap --variant=minbase` and imported under the same
# name, so a Dockerfile's `FROM docker.io/library/debian:bookworm-slim` builds unchanged here and anywhere else.
#
# Usage:
#   scripts/container-engine.sh [setup]   install podman & co, make the base image (idempotent; seconds when done)
#   eval "$(scripts/container-engine.sh env)"   the environment podman needs here (CONTAINERS_CONF)
#   scripts/container-engine.sh rootfs    print the path of the cached minbase root file system (built if missing)
#
# Settings (environment): DEBIAN_MIRROR (default: the first Debian mirror in this machine's apt sources),
# CONTAINER_CACHE_DIR (default /var/cache/aspirepipeline: the cached root file system lives there).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
conf="$repo_root/scripts/containers/containers.conf"
cache_dir="${CONTAINER_CACHE_DIR:-/var/cache/aspirepipeline}"
rootfs_tar="$cache_dir/bookworm-minbase.tar"
base_image="docker.io/library/debian:bookworm-slim"
suite="bookworm"

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  # podman runs the containers (runc as its runtime: crun is not in bookworm's podman defaults everywhere),
  # netavark/aardvark-dns give compose services a network where they resolve each other by name,
  # debootstrap makes the base image, docker-registry serves images to the .NET SDK's container tooling.
  local packages=(podman runc netavark aardvark-dns slirp4netns uidmap fuse-overlayfs debootstrap docker-registry podman-compose)
  local missing=() package
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    log "Installing: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# The Debian mirror this machine already uses (an apt source whose suite is bookworm), unless DEBIAN_MIRROR is set.
debian_mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then printf '%s\n' "$DEBIAN_MIRROR"; return; fi
  local mirror=""
  mirror=$(awk -v suite="$suite" '
    /^URIs:/ { uris = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) { print uris; exit } }
    /^deb / && $3 == suite { print $2; exit }' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1)
  [[ -n "$mirror" ]] || fail "no Debian '$suite' mirror in /etc/apt/sources.list*: set DEBIAN_MIRROR to one (e.g. your organisation's mirror)"
  printf '%s\n' "$mirror"
}

security_mirror() {
  awk -v suite="$suite-security" '
    /^URIs:/ { uris = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) { print uris; exit } }
    /^deb / && $3 == suite { print $2; exit }' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1
}

# A minbase Debian as a tar, built once per machine (about a minute) and reused.
ensure_rootfs() {
  [[ -s "$rootfs_tar" ]] && return
  command -v debootstrap >/dev/null || install_packages
  local mirror security work
  mirror="$(debian_mirror)"; security="$(security_mirror)"
  work="$(mktemp -d)"
  trap 'as_root rm -rf "$work"' RETURN
  log "Building a minimal Debian $suite root file system from $mirror (debootstrap --variant=minbase)"
  as_root debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
  # The same apt sources a debian:bookworm-slim image has: the release with its updates and security fixes.
  as_root rm -f "$work/rootfs/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$mirror" "$suite" "$suite"
    [[ -n "$security" ]] && printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$suite"
  } | as_root tee "$work/rootfs/etc/apt/sources.list.d/debian.sources" >/dev/null
  as_root rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  as_root mkdir -p "$cache_dir"
  as_root tar -C "$work/rootfs" -cf "$rootfs_tar.partial" .
  as_root mv "$rootfs_tar.partial" "$rootfs_tar"
}

ensure_base_image() {
  if podman image exists "$base_image"; then return; fi
  # Pull where a registry answers (a real host); otherwise Debian's own, built here.
  if timeout 60 podman pull -q "$base_image" >/dev/null 2>&1; then return; fi
  ensure_rootfs
  log "Importing the minbase root file system as $base_image"
  podman import -q --change 'CMD ["bash"]' "$rootfs_tar" "$base_image" >/dev/null
}

command="${1:-setup}"
case "$command" in
  env)
    printf 'export CONTAINERS_CONF=%q\n' "$conf"
    ;;
  rootfs)
    ensure_rootfs
    printf '%s\n' "$rootfs_tar"
    ;;
  setup)
    install_packages
    export CONTAINERS_CONF="$conf"
    podman info >/dev/null 2>&1 || fail "podman does not start here: $(podman info 2>&1 | tail -n 1)"
    ensure_base_image
    log "podman ready; $base_image available (CONTAINERS_CONF=$conf)"
    ;;
  *)
    fail "unknown command '$command'; use setup, env or rootfs"
    ;;
esac
