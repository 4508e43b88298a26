#!/usr/bin/env bash
# A container engine for this repository's container checks (the fresh-machine check and the deployment test), on a
# Debian host with or without Docker: installs Debian's podman, points it at scripts/containers/containers.conf and
# makes sure `docker.io/library/debian:bookworm-slim` resolves. Where that image cannot be pulled (no registry
# reachable) it is built from Debian's packages with `debootstrap --variant=minbase` and imported under the same
# name, so a Dockerfile's `FROM docker.io/library/debian:bookworm-slim` builds unchanged here and anywhere else.
#
# Usage:
#   scripts/container-engine.sh [setup]   install podman & co, make the base image, check the engine (idempotent;
#                                         seconds when done)
#   scripts/container-engine.sh check [IMAGE]   the engine is complete: two containers of IMAGE on a compose network,
#                                         one resolving the other by name; names the missing package if not
#   scripts/container-engine.sh doctor    lists the commands podman runs that are missing, with their Debian packages
#   scripts/container-engine.sh from-nothing IMAGE   the first-run path again, whatever is cached: a new root file
#                                         system in a temporary cache directory, imported as IMAGE, then `check IMAGE`
#   eval "$(scripts/container-engine.sh env)"   the environment podman needs here (CONTAINERS_CONF)
#   scripts/container-engine.sh rootfs    print the path of the cached minbase root file system (built if missing)
#
# Settings (environment): DEBIAN_MIRROR (default: the first Debian mirror in this machine's apt sources),
# CONTAINER_CACHE_DIR (default /var/cache/aspirepipeline: the cached root file system lives there).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
conf="$repo_root/scripts/containers/containers.conf"
cache_dir="${CONTAINER_CACHE_DIR:-/var/cache/aspirepipeline}"
base_image="docker.io/library/debian:bookworm-slim"
suite="bookworm"

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
rootfs_tar() { printf '%s/bookworm-minbase.tar\n' "$cache_dir"; }

# What podman and its tools execute at run time on this repository's paths, each with its Debian package. Found with
# `strace -f -e trace=execve` around `podman-compose up` of two services on one network and a `podman build`. Most are
# not dependencies of the podman package: netavark runs `iptables`/`ip6tables` for every container on a network
# (`netavark: No such file or directory (os error 2)` without them), and names resolve only through aardvark-dns.
runtime_commands=(
  podman:podman /usr/bin/conmon:conmon runc:runc
  /usr/lib/podman/netavark:netavark /usr/lib/podman/aardvark-dns:aardvark-dns iptables:iptables ip6tables:iptables
  podman-compose:podman-compose
  # debootstrap makes the base image; it verifies the mirror's Release file with gpgv against Debian's keyring.
  debootstrap:debootstrap gpgv:gpgv /usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring
)
# Rootless podman (a user who is not root) also needs these; as root they are never run.
rootless_packages=(slirp4netns uidmap fuse-overlayfs)

# The Debian packages of runtime_commands plus the rootless ones, each once.
packages() {
  local entry
  { for entry in "${runtime_commands[@]}"; do printf '%s\n' "${entry##*:}"; done
    printf '%s\n' "${rootless_packages[@]}"; } | awk '!seen[$0]++'
}

install_packages() {
  local missing=() package
  for package in $(packages); do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    log "Installing: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Prints one line per missing runtime command, naming its package; exit 1 when any is missing.
doctor() {
  local entry command package missing=0
  for entry in "${runtime_commands[@]}"; do
    command="${entry%%:*}"; package="${entry##*:}"
    if [[ "$command" == /* ]]; then [[ -e "$command" ]] && continue
    else command -v "$command" >/dev/null 2>&1 && continue
    fi
    printf "'%s' is missing: install the Debian package %s (apt-get install --no-install-recommends %s)\n" \
      "$command" "$package" "$package"
    missing=1
  done
  return "$missing"
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

# A minbase Debian as a tar in the cache directory, built once per machine (about a minute) and reused.
ensure_rootfs() {
  local tar mirror security
  tar="$(rootfs_tar)"
  [[ -s "$tar" ]] && return 0
  command -v debootstrap >/dev/null || install_packages
  mirror="$(debian_mirror)"; security="$(security_mirror)"
  # In a subshell, so the scratch folder's clean-up is an EXIT trap that ends with it (a trap on the function's return
  # would outlive this function and fire again in every function that returns after it).
  (
    work="$(mktemp -d)"
    trap 'as_root rm -rf "$work"' EXIT
    log "Building a minimal Debian $suite root file system from $mirror (debootstrap --variant=minbase) into $cache_dir"
    as_root debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
      || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
    # The same apt sources a debian:bookworm-slim image has: the release with its updates and security fixes.
    as_root rm -f "$work/rootfs/etc/apt/sources.list"
    {
      printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$mirror" "$suite" "$suite"
      [[ -z "$security" ]] || printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$suite"
    } | as_root tee "$work/rootfs/etc/apt/sources.list.d/debian.sources" >/dev/null
    as_root rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
    as_root mkdir -p "$cache_dir"
    as_root tar -C "$work/rootfs" -cf "$tar.partial" .
    as_root mv "$tar.partial" "$tar"
  )
}

import_rootfs() { # image name
  ensure_rootfs
  log "Importing the minbase root file system as $1"
  podman import -q --change 'CMD ["bash"]' "$(rootfs_tar)" "$1" >/dev/null
}

ensure_base_image() {
  if podman image exists "$base_image"; then return 0; fi
  # Pull where a registry answers (a real host); otherwise Debian's own, built here.
  if timeout 60 podman pull -q "$base_image" >/dev/null 2>&1; then return 0; fi
  import_rootfs "$base_image"
}

# The engine is complete when a compose network works as the deployment needs it: a container starts on it (netavark
# and its iptables) and resolves another by its service name (aardvark-dns). On failure: podman's own message and the
# missing packages.
check_engine() { # image
  local image="$1" project="aspirepipeline-enginecheck-$$" status=0 output
  (
    dir="$(mktemp -d)"
    trap 'podman-compose -p "$project" -f "$dir/compose.yaml" down -t 0 >/dev/null 2>&1 || true
      podman network rm -f "${project}_default" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
    cat >"$dir/compose.yaml" <<EOF
services:
  server:
    image: $image
    command: ["sleep", "60"]
  client:
    image: $image
    depends_on: [server]
    command: ["getent", "hosts", "server"]
EOF
    podman-compose -p "$project" -f "$dir/compose.yaml" up -d >"$dir/up.log" 2>&1 || true
    # podman-compose 1.0.3 exits 0 even when a container could not start, and `podman wait` answers 0 for a container
    # that never started: the client's state tells. It has started once `up` returns, or it never will.
    client="${project}_client_1"
    state="$(podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$client" 2>&1)" || state="missing: $state"
    if [[ "$state" == running* ]]; then
      timeout 60 podman wait "$client" >/dev/null 2>&1 || true
      state="$(podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$client" 2>&1)" || state="missing: $state"
    fi
    if [[ "$state" != "exited 0" ]]; then
      output="$(grep -E '^Error' "$dir/up.log" | sort -u | head -n 5)"
      [[ -n "$output" ]] || output="$(podman logs "$client" 2>&1 | tail -n 5)"
      printf 'error: the container engine is incomplete: two containers on a compose network could not start ' >&2
      printf 'and resolve each other by name (%s: %s). podman said:\n%s\n' "$client" "$state" "${output:-nothing}" >&2
      doctor >&2 || true
      exit 1
    fi
  )
  log "container engine checked: a compose network starts and resolves service names"
}

setup() {
  install_packages
  export CONTAINERS_CONF="$conf"
  podman info >/dev/null 2>&1 || fail "podman does not start here: $(podman info 2>&1 | tail -n 1)"
  ensure_base_image
  check_engine "$base_image"
  log "podman ready; $base_image available (CONTAINERS_CONF=$conf)"
}

command="${1:-setup}"
case "$command" in
  env)
    printf 'export CONTAINERS_CONF=%q\n' "$conf"
    ;;
  rootfs)
    ensure_rootfs
    rootfs_tar
    ;;
  setup)
    setup
    ;;
  check)
    export CONTAINERS_CONF="$conf"
    check_engine "${2:-$base_image}"
    ;;
  doctor)
    doctor
    ;;
  from-nothing)
    image="${2:?usage: scripts/container-engine.sh from-nothing IMAGE}"
    export CONTAINERS_CONF="$conf"
    # A cache directory of its own that starts empty: debootstrap, tar and import run as on a machine that never
    # ran this, while the cached base image (what the image builds start from) is left as it is.
    cache_dir="$(mktemp -d "${TMPDIR:-/tmp}/aspirepipeline-from-nothing.XXXXXX")"
    trap 'as_root rm -rf "$cache_dir"' EXIT
    started=$SECONDS
    import_rootfs "$image"
    check_engine "$image"
    log "from nothing: root file system built, imported as $image and checked in $((SECONDS - started)) s"
    ;;
  *)
    fail "unknown command '$command'; use setup, check, doctor, from-nothing, env or rootfs"
    ;;
esac
