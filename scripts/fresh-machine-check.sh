#!/usr/bin/env bash
# The fresh-machine check: does the pipeline run on a Debian machine nobody prepared? In a clean Debian bookworm
# container (debootstrap --variant=minbase, made by scripts/container-engine.sh where it cannot be pulled) holding
# nothing but a copy of this repository and the .NET SDK, it runs scripts/prerequisites.sh as a new user would, then
# runs the system's native parts for real:
#   1. the camera simulator (GStreamer RTSP server) must print "ready", and ffmpeg must read frames from it;
#   2. our broker, the producer reading that camera through ffmpeg (OpenCV encodes JPEG) and a consumer (OpenCV
#      decodes and analyses) must move frames: the producer publishes and the consumer processes them;
#   3. then the tests' Debian packages (scripts/prerequisites.sh --tests --apt-only): every command the tests run must
#      be there, and the network tests' hosts must be possible: a network namespace with a bridge and a veth pair made
#      with `ip`, iptables filter, statistic and DNAT rules in it (the container gets CAP_NET_ADMIN and CAP_SYS_ADMIN
#      for that; all of it is made in the new namespace, none on the host's network).
# A package missing from scripts/prerequisites.sh makes one of these fail, with the message the component prints
# (which names the package). Exit code 0 when everything ran.
#
# Usage: scripts/fresh-machine-check.sh [--from-nothing] [--no-build]
#   --from-nothing  the container's image is made anew for this run (debootstrap into an empty temporary cache,
#                   imported under a temporary name, removed afterwards), so the container engine's first-run path is
#                   exercised whatever this machine has cached; CI runs this (about a minute more)
#   --no-build      use the existing Debug build of Broker, Producer and Consumer (test.sh has just built them)
# Environment: FRESH_CHECK_FRAMES (frames each stage must reach, default 20), FRESH_CHECK_KEEP=1 keeps the staging
# folder. The container uses the host's network (to reach Debian's mirror) and only ports the kernel picks.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
frames="${FRESH_CHECK_FRAMES:-20}"
# Inside the container: the repository copy is mounted here, and this script runs again with --inside.
inside_root="/fresh/repo"

log() { printf '==> %s\n' "$*"; }
fail() { printf 'FRESH-MACHINE CHECK FAILED: %s\n' "$*" >&2; exit 1; }
# The component's own advice (every one names the Debian package to install), for the last line of a failure.
advice() { grep -o -m 1 '[Ii]nstall the Debian package[(s)]* [a-z0-9.+ -]*' "$1" 2>/dev/null | head -n 1 || true; }

# ---------------------------------------------------------------------------------------------------------------------
# Inside the clean container.
# ---------------------------------------------------------------------------------------------------------------------
run_inside() {
  cd "$inside_root"
  export DEBIAN_FRONTEND=noninteractive
  local work=/tmp/fresh; mkdir -p "$work"

  # The .NET SDK is mounted in; what it needs itself (ICU, OpenSSL, zlib, Kerberos) any machine that runs it has.
  # Nothing else is installed here but what scripts/prerequisites.sh installs.
  log "Installing the .NET SDK's own prerequisites (libicu72 libssl3 zlib1g libgssapi-krb5-2)"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libicu72 libssl3 zlib1g libgssapi-krb5-2 >/dev/null

  log "Running scripts/prerequisites.sh as a new user would"
  bash scripts/prerequisites.sh

  log "1/3 Camera simulator (GStreamer RTSP server)"
  /usr/bin/python3 -u CameraSimulator/rtsp_simulator.py --port 0 --width 320 --height 240 --fps 10 >"$work/camera.log" 2>&1 &
  local camera_pid=$! url=""
  url="$(wait_for_line "$work/camera.log" 'rtsp simulator ready (rtsp://[^ ]+)' "$camera_pid" 90 "the camera simulator")"
  log "camera streams at $url"

  local ffmpeg_frames
  if ! timeout 60 ffmpeg -hide_banner -nostats -rtsp_transport tcp -i "$url" -frames:v 10 -f null - >"$work/ffmpeg.log" 2>&1; then
    tail -n 15 "$work/ffmpeg.log" >&2
    fail "ffmpeg could not read frames from the simulator ($url); its output is above"
  fi
  ffmpeg_frames="$(grep -o 'frame= *[0-9]*' "$work/ffmpeg.log" | tail -n 1 | tr -dc '0-9')"
  [[ "${ffmpeg_frames:-0}" -ge 10 ]] || fail "ffmpeg read ${ffmpeg_frames:-0} frames from $url, expected 10"
  log "ffmpeg read $ffmpeg_frames frames"

  log "2/3 Broker, producer (ffmpeg + OpenCV JPEG) and consumer (OpenCV decode + analysis)"
  dotnet Broker/bin/Debug/net10.0/AspirePipeline.Broker.dll --port 0 --in-memory >"$work/broker.log" 2>"$work/broker.err" &
  local broker_pid=$! bootstrap
  # The broker's start-up line, as Contracts/BrokerContract.cs defines it.
  bootstrap="$(wait_for_line "$work/broker.log" 'listening on ([0-9.]+:[0-9]+)' "$broker_pid" 60 "the broker" "$work/broker.err")"

  # Port 0 everywhere: the container shares the host's network (for apt), so nothing may collide with what runs there.
  local common=(
    "ConnectionStrings__kafka=$bootstrap" "DOTNET_ENVIRONMENT=Production" "ASPNETCORE_ENVIRONMENT=Production"
    "ASPNETCORE_URLS=http://127.0.0.1:0" "Logging__LogLevel__Microsoft.Hosting.Lifetime=Information"
    "Logging__Console__FormatterName=simple" "Logging__Console__FormatterOptions__SingleLine=true"
  )
  (cd Producer/bin/Debug/net10.0 && exec env "${common[@]}" \
    Producer__Camera__Id=fresh-camera "Producer__Camera__Url=$url" dotnet AspirePipeline.Producer.dll) >"$work/producer.log" 2>&1 &
  local producer_pid=$! producer_url consumer_url
  (cd Consumer/bin/Debug/net10.0 && exec env "${common[@]}" \
    Aspire__Confluent__Kafka__Consumer__Config__GroupId=fresh-machine-check dotnet AspirePipeline.Consumer.dll) >"$work/consumer.log" 2>&1 &
  local consumer_pid=$!
  producer_url="$(wait_for_line "$work/producer.log" 'Now listening on: (http://[0-9.]+:[0-9]+)' "$producer_pid" 90 "the producer")"
  consumer_url="$(wait_for_line "$work/consumer.log" 'Now listening on: (http://[0-9.]+:[0-9]+)' "$consumer_pid" 90 "the consumer")"

  wait_for_count "$producer_url/stats" published "$producer_pid" "$work/producer.log" "the producer"
  wait_for_count "$consumer_url/stats" framesProcessed "$consumer_pid" "$work/consumer.log" "the consumer"
  kill "$consumer_pid" "$producer_pid" "$broker_pid" "$camera_pid" 2>/dev/null || true

  # Only now, so that nothing the tests need can stand in for a package the runtime list lacks.
  log "3/3 The tests' Debian packages (scripts/prerequisites.sh --tests --apt-only) and the network tests' namespaces"
  local started=$SECONDS
  bash scripts/prerequisites.sh --tests --apt-only
  log "the tests' Debian packages installed in $((SECONDS - started)) s"
  check_test_tools
  check_network_namespace
  log "fresh-machine check passed: the simulator streams, ffmpeg reads it, OpenCV loads in producer and consumer," \
    "$frames frames went camera -> producer -> broker -> consumer; the tests' commands are there, and ip and" \
    "iptables make the network tests' hosts"
}

# What the tests run from prerequisites.sh's --tests list, each with its Debian package: a command, or a Python module
# (py:MODULE:PACKAGE).
test_tools=(
  ip:iproute2 iptables:iptables kcat:kcat docker-compose:docker-compose chromium:chromium node:nodejs npm:npm
  go:golang-go gcc:gcc py:kafka:python3-kafka py:confluent_kafka:python3-confluent-kafka py:numpy:python3-numpy
)

check_test_tools() {
  local entry tool package missing=() found=()
  for entry in "${test_tools[@]}"; do
    tool="${entry%:*}"; package="${entry##*:}"
    if [[ "$tool" == py:* ]]; then
      python3 -c "import ${tool#py:}" 2>/dev/null && { found+=("${tool#py:}"); continue; }
      tool="python3 module ${tool#py:}"
    else
      command -v "$tool" >/dev/null && { found+=("$tool"); continue; }
    fi
    missing+=("'$tool' (Debian package $package)")
  done
  ((${#missing[@]} == 0)) || fail "after scripts/prerequisites.sh --tests, the tests would miss ${missing[*]}:" \
    "add the package to its --tests list (apt-get install --no-install-recommends PACKAGE installs it by hand)"
  log "the tests' commands and Python modules are there: ${found[*]}"
}

# The shape of TestSupport/Network's hosts, inside one new network namespace: loopback up, a bridge and a veth pair on
# it (ip, iproute2), and the rules the tests make (iptables: filter with the statistic match, nat with DNAT).
check_network_namespace() {
  local ns="fresh-check-$$" output
  # One && chain: errexit does not hold inside a command substitution that an `if` tests.
  if ! output="$({ ip netns add "$ns" \
      && ip -n "$ns" link set lo up \
      && ip -n "$ns" link add br0 type bridge \
      && ip -n "$ns" link add v0 type veth peer name v1 \
      && ip -n "$ns" link set v1 master br0 \
      && ip -n "$ns" link set br0 up \
      && ip netns exec "$ns" iptables -w -S \
      && ip netns exec "$ns" iptables -w -A INPUT -i v0 -m statistic --mode random --probability 0.5 -j DROP \
      && ip netns exec "$ns" iptables -w -t nat -A OUTPUT -p tcp -d 198.18.0.2 --dport 9092 \
        -j DNAT --to-destination 198.18.0.1:9093 \
      && ip netns del "$ns"; } 2>&1)"; then
    ip netns del "$ns" 2>/dev/null || true
    printf '%s\n' "$output" | tail -n 10 >&2
    fail "the network tests' hosts cannot be made here: 'ip netns' or 'iptables' in a network namespace failed (output" \
      "above; iproute2 and iptables are in prerequisites.sh's --tests list). They need root with CAP_NET_ADMIN and" \
      "CAP_SYS_ADMIN (this container is given both) and a kernel with network namespaces, bridge, veth and nf_tables" \
      "($(iptables -V 2>&1): Debian selects iptables-nft)"
  fi
  log "ip netns, a bridge, a veth pair and iptables rules work in a network namespace ($(iptables -V))"
}

# wait_for_line FILE REGEX PID SECONDS WHAT [ERRFILE]: prints the regex's first group once FILE has a matching line.
wait_for_line() {
  local file="$1" regex="$2" pid="$3" seconds="$4" what="$5" errors="${6:-$1}" deadline=$((SECONDS + $4)) line
  while ((SECONDS < deadline)); do
    line="$(grep -Eo "$regex" "$file" 2>/dev/null | head -n 1 || true)"
    if [[ -n "$line" ]]; then
      [[ "$line" =~ $regex ]] && printf '%s\n' "${BASH_REMATCH[1]}" && return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$errors" >&2
      fail "$what exited before it was ready. $(advice "$errors")"
    fi
    sleep 0.5
  done
  tail -n 20 "$errors" >&2
  fail "$what was not ready within $seconds s"
}

# wait_for_count URL KEY PID LOG WHAT: waits until the JSON at URL has KEY (anywhere in it) summing to >= $frames.
wait_for_count() {
  local url="$1" key="$2" pid="$3" logfile="$4" what="$5" deadline=$((SECONDS + 120)) count=0
  while ((SECONDS < deadline)); do
    count="$(python3 - "$url" "$key" <<'PY' 2>/dev/null || echo 0
import json, sys, urllib.request
def total(node, key):
    if isinstance(node, dict):
        return sum((v if k == key and isinstance(v, int) else total(v, key)) for k, v in node.items())
    if isinstance(node, list):
        return sum(total(item, key) for item in node)
    return 0
with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
    print(total(json.load(response), sys.argv[2]))
PY
)"
    if ((count >= frames)); then
      log "$what: $key = $count"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 25 "$logfile" >&2
      fail "$what exited. $(advice "$logfile")"
    fi
    sleep 1
  done
  tail -n 25 "$logfile" >&2
  fail "$what reached $key = $count of $frames within 120 s; its log is above"
}

if [[ "${1:-}" == "--inside" ]]; then
  run_inside
  exit 0
fi

from_nothing=false build=true
for argument in "$@"; do
  case "$argument" in
    --from-nothing) from_nothing=true ;;
    --no-build) build=false ;;
    *) fail "unknown argument '$argument' (use --from-nothing, --no-build)" ;;
  esac
done

# ---------------------------------------------------------------------------------------------------------------------
# On the host: the container engine, a build, a copy of the repository, the container.
# ---------------------------------------------------------------------------------------------------------------------
cd "$repo_root"
command -v dotnet >/dev/null || fail "the .NET SDK is missing (see README, Prerequisites)"
bash scripts/container-engine.sh setup
eval "$(bash scripts/container-engine.sh env)"
image=docker.io/library/debian:bookworm-slim
$from_nothing && image="localhost/aspirepipeline-fresh-check:$$"
stage="$(mktemp -d /tmp/aspirepipeline-fresh-XXXXXX)"
container="aspirepipeline-fresh-$$"
cleanup() {
  podman rm -f "$container" >/dev/null 2>&1 || true
  if $from_nothing; then podman rmi -f "$image" >/dev/null 2>&1 || true; fi
  [[ "${FRESH_CHECK_KEEP:-0}" == 1 ]] || rm -rf "$stage"
}
trap cleanup EXIT

if $from_nothing; then
  bash scripts/container-engine.sh from-nothing "$image"
fi

if $build; then
  log "Building Broker, Producer and Consumer"
  for project in Broker Producer Consumer; do
    dotnet build "$project" --nologo -v quiet -clp:NoSummary
  done
fi

# The repository as a clone would have it (tracked files and new ones not ignored, as they are in the working tree, so
# an uncommitted change to the install script is what gets checked), plus the three build outputs.
log "Copying the repository to $stage"
mkdir -p "$stage/repo"
git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$stage/repo"
for project in Broker Producer Consumer; do
  [[ -d "$project/bin/Debug/net10.0" ]] || fail "$project/bin/Debug/net10.0 is missing: build the solution first (or drop --no-build)"
  mkdir -p "$stage/repo/$project/bin/Debug"
  cp -a "$project/bin/Debug/net10.0" "$stage/repo/$project/bin/Debug/"
done

dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
log "Running the check in a clean Debian bookworm container ($image, .NET from $dotnet_root)"
# The host's network: apt inside reaches the mirror however podman's bridge is set up on this machine.
# CAP_NET_ADMIN and CAP_SYS_ADMIN: step 3 makes a network namespace (ip netns add/exec mount) and rules in it.
podman run --rm --name "$container" --network host --cap-add NET_ADMIN,SYS_ADMIN \
  -v "$stage/repo:$inside_root" \
  -v "$dotnet_root:/usr/share/dotnet:ro" \
  -e DOTNET_ROOT=/usr/share/dotnet -e PATH=/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  -e DOTNET_CLI_TELEMETRY_OPTOUT=1 -e DOTNET_NOLOGO=1 -e FRESH_CHECK_FRAMES="$frames" \
  "$image" \
  bash "$inside_root/scripts/fresh-machine-check.sh" --inside
