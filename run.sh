#!/usr/bin/env bash
# Brings the whole pipeline up on a machine of this kind: installs what is missing (idempotent), builds, starts the
# AppHost (Kafka or our broker, camera simulator, producer, consumers, Aspire dashboard) and prints the dashboard URL.
# Ctrl+C stops everything. Extra arguments go to the AppHost, e.g. ./run.sh --Pipeline:Groups:consumer:Replicas=2
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$repo_root"

if ! command -v dotnet >/dev/null; then
  echo "error: the .NET SDK is missing: install the version global.json names (https://dot.net/v1/dotnet-install.sh --jsonfile global.json)" >&2
  exit 2
fi

bash scripts/prerequisites.sh

echo "==> Building AspirePipeline.sln"
dotnet build AspirePipeline.sln --nologo -v quiet -clp:NoSummary

echo "==> Starting the AppHost (Ctrl+C stops everything)"
# The http launch profile serves the dashboard without TLS, behind a browser token as aspire run does (see
# AppHost/Properties/launchSettings.json); the AppHost prints the login link with the token, repeated here.
dotnet run --project AppHost --no-build --launch-profile http -- "$@" 2>&1 | while IFS= read -r line; do
  printf '%s\n' "$line"
  if [[ "$line" == *"Login to the dashboard at "* ]]; then
    printf '\n==> Dashboard (the link logs you in): %s\n\n' "${line##*Login to the dashboard at }"
  fi
done
