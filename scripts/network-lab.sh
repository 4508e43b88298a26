#!/usr/bin/env bash
# Starts the multi-host scenario on this machine (NetworkLab): the broker, the camera simulator, the producer and the
# analysis hosts, each in a network namespace of its own, their logs streaming here under their host names, a summary
# per analysis host every few seconds. Type cut/heal/lose/hosts/quit; Ctrl+C, quit or the end of stdin tear it all down.
# As root (namespaces, links, iptables). Builds NetworkLab and the services it runs, then passes every argument on, e.g.
#   sudo scripts/network-lab.sh
#   sudo scripts/network-lab.sh --script "cut analysis-1 15 at 20" --duration 60 </dev/null
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

if ! command -v dotnet >/dev/null; then
  echo "error: the .NET SDK is missing: install the version global.json names (https://dot.net/v1/dotnet-install.sh --jsonfile global.json)" >&2
  exit 2
fi

echo "==> Building NetworkLab (with the Broker, Producer and Consumer it runs)"
dotnet build NetworkLab/NetworkLab.csproj --nologo -v quiet -clp:NoSummary

# exec: Ctrl+C and SIGTERM reach the lab itself, which then tears the hosts down.
exec dotnet NetworkLab/bin/Debug/net10.0/AspirePipeline.NetworkLab.dll "$@"
