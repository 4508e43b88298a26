#!/usr/bin/env bash
# Installs what the pipeline and its tests need on a fresh Debian machine, idempotently: it only asks apt/npm for
# what is missing, so a second run takes a second. Usage: scripts/prerequisites.sh [--tests] [--apt-only]
#   --tests     also what the tests need: Debian packages, npm packages (Tests/node) and a container engine
#   --apt-only  only the Debian packages, neither npm's nor the container engine (scripts/fresh-machine-check.sh
#               installs the --tests list in its container this way)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
with_tests=false apt_only=false
for argument in "$@"; do
  case "$argument" in
    --tests) with_tests=true ;;
    --apt-only) apt_only=true ;;
    *) echo "error: unknown argument '$argument' (use --tests, --apt-only)" >&2; exit 2 ;;
  esac
done

# Runtime. Installed with --no-install-recommends, so every package used is named here, none arrives by luck.
packages=(
  # OpenCvSharp's native library (libOpenCvSharpExtern.so): what `readelf -d` lists as NEEDED. libatomic1 comes with
  # a compiler on most developer machines, not on a fresh one.
  libgtk-3-0 libatomic1 libfreetype6 libharfbuzz0b libdrm2
  # Reading RTSP cameras (OpenCvSharp's bundled FFmpeg has no network protocols).
  ffmpeg
  # The camera simulator: GStreamer's RTSP server from Python; its test pattern, text and clock overlays
  # (gstreamer1.0-x has textoverlay/timeoverlay/clockoverlay), H.264 encoder (ugly) and RTP payloader (good).
  python3 python3-gi python3-gst-1.0 gir1.2-gst-rtsp-server-1.0
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-x gstreamer1.0-tools
  # The simulator's --video mode (a recorded file looped as a live camera): decoders (libav) and the inter elements (bad);
  # its --clip mode's parsers (h264parse, jpegparse: bad). --codec mjpeg's jpegenc and rtpjpegpay are in good.
  gstreamer1.0-libav gstreamer1.0-plugins-bad
  # The default topology's recorded-footage camera (Cameras:footage): opencv-doc's vtest.avi, pedestrians, which the
  # people group analyses.
  opencv-doc
)
# Tests: real Kafka clients, an offline compose validator, a browser, and the original design's own clients (its Go
# producer built offline with Debian's Go and sarama, whose zstd dependency needs cgo; its kafka-python consumer with numpy).
if $with_tests; then
  packages+=(kcat python3-kafka python3-confluent-kafka docker-compose chromium nodejs npm
    golang-go golang-github-shopify-sarama-dev gcc libc6-dev python3-numpy
    # The network tests' hosts: namespaces, veth links and a bridge (ip), partitions and loss (iptables).
    iproute2 iptables)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# npm may come with a Node.js that is not Debian's; only ask apt for them when the commands are absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
read -r -a missing <<< "${missing[*]}"

if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if $with_tests && ! $apt_only; then
  node_dir="$repo_root/Tests/node"
  if [[ ! -d "$node_dir/node_modules/kafkajs" || ! -d "$node_dir/node_modules/playwright-core" ]]; then
    echo "Installing npm packages for the tests (kafkajs, playwright-core)"
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # The fresh-machine check and the deployment test run real containers: podman and a Debian base image.
  bash "$repo_root/scripts/container-engine.sh" setup
fi
