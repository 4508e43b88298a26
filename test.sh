#!/usr/bin/env bash
# Runs every test of the repository on a machine of this kind: installs the test prerequisites (idempotent), builds
# the solution once (warnings are errors), runs the suite, and ends with the tests that failed and one
# "Tests: N passed, N failed" line (TestRunSummary, a logger `dotnet test` tells each result). Exit code is non-zero
# when anything fails or no test ran. Extra arguments go to `dotnet test`, e.g. --filter Category=Unit (the fast
# in-process tier) or --filter Category=Deployment (the compose deployment on podman).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$repo_root"

if ! command -v dotnet >/dev/null; then
  echo "error: the .NET SDK is missing: install the version global.json names (https://dot.net/v1/dotnet-install.sh --jsonfile global.json)" >&2
  exit 2
fi

bash scripts/prerequisites.sh --tests

echo "==> Building AspirePipeline.sln"
dotnet build AspirePipeline.sln --nologo -v quiet -clp:NoSummary

results_dir="$repo_root/TestResults" # screenshots, reliability observations, blame's record of a hang
rm -rf "$results_dir"
echo "==> Running tests"
# A hung test fails the run after the timeout instead of stalling CI; the suite itself takes a few minutes. A filter
# that selects nothing is an error, not a green run of no tests.
exec dotnet test Tests/Tests.csproj --no-build --nologo \
  --logger "console;verbosity=normal" --logger summary \
  --results-directory "$results_dir" --blame-hang-timeout 10m --blame-hang-dump-type none "$@" \
  -- RunConfiguration.TreatNoTestsAsError=true
