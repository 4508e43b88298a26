#!/usr/bin/env bash
# Builds the deployment's container images for linux-x64 (see docs/deploy.md, "Build the images").
#
#   containers/build-images.sh [--engine docker|podman] [--tag TAG] [IMAGE...]
#
# IMAGE: producer consumer consumer2 clips camera-simulator (the default set: what the published compose file runs from
# this repository), and broker, dashboard (stand-ins for apache/kafka and the Aspire dashboard image where those
# cannot be pulled, used by the deployment test). Each .NET image is `dotnet publish -r linux-x64 --self-contained`
# into artifacts/containers/<image>/, then a stage of containers/Dockerfile built on debian:bookworm-slim.
# Images are named aspirepipeline/<image>:TAG (TAG defaults to latest), the names the compose file uses.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

engine="${CONTAINER_ENGINE:-}"
tag=latest
images=()
while (( $# > 0 )); do
  case "$1" in
    --engine) engine="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) images+=("$1"); shift ;;
  esac
done
(( ${#images[@]} > 0 )) || images=(producer consumer consumer2 clips camera-simulator)

if [[ -z "$engine" ]]; then
  if command -v docker >/dev/null; then engine=docker
  elif command -v podman >/dev/null; then engine=podman
  else echo "error: neither docker nor podman is installed (or pass --engine)" >&2; exit 2
  fi
fi

context="$repo_root/artifacts/containers"
mkdir -p "$context"

publish() { # project directory, image name
  echo "==> dotnet publish $1 (linux-x64, self-contained) -> artifacts/containers/$2"
  rm -rf "${context:?}/$2"
  # --artifacts-path: intermediate files under artifacts/containers/.build, so the projects' own obj/ (and a running
  # dev build or test) are not touched by the linux-x64 restore.
  dotnet publish "$1/$1.csproj" -c Release -r linux-x64 --self-contained --nologo -v quiet -clp:NoSummary \
    -p:DebugType=none --artifacts-path "$context/.build" -o "$context/$2"
}

dashboard_package() { # the Aspire.Dashboard.Sdk.linux-x64 package of the AppHost's Aspire version, from NuGet
  local version packages
  version="$(sed -n 's:.*<AspireVersion>\(.*\)</AspireVersion>.*:\1:p' Directory.Packages.props)"
  packages="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //; s:/*$::')"
  local tools="$packages/aspire.dashboard.sdk.linux-x64/$version/tools"
  # The AppHost's restore brings it on a linux-x64 machine (the Aspire AppHost SDK references the package of the host).
  [[ -x "$tools/Aspire.Dashboard" ]] || {
    echo "error: no $tools/Aspire.Dashboard: run 'dotnet restore AppHost' on a linux-x64 machine first" >&2; exit 1; }
  echo "==> Aspire dashboard $version from $tools -> artifacts/containers/dashboard"
  rm -rf "${context:?}/dashboard"
  cp -r "$tools" "$context/dashboard"
}

for image in "${images[@]}"; do
  case "$image" in
    producer) publish Producer producer ;;
    consumer) publish Consumer consumer ;;
    consumer2) publish Consumer2 consumer2 ;;
    clips) publish Clips clips ;;
    broker) publish Broker broker ;;
    dashboard) dashboard_package ;;
    camera-simulator)
      rm -rf "${context:?}/camera-simulator" && mkdir -p "$context/camera-simulator"
      cp CameraSimulator/rtsp_simulator.py "$context/camera-simulator/" ;;
    *) echo "error: unknown image '$image': use producer, consumer, consumer2, clips, camera-simulator, broker or dashboard" >&2; exit 2 ;;
  esac
  echo "==> $engine build --target $image -> aspirepipeline/$image:$tag"
  # --network host: the RUN steps (apt-get) use the host's network and resolver, not the engine's default bridge.
  "$engine" build --network host --platform linux/amd64 --target "$image" -t "aspirepipeline/$image:$tag" \
    -f containers/Dockerfile "$context/$image"
done
