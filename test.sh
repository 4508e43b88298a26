#!/usr/bin/env bash
# Runs every test of the repository on a machine of this kind: installs the test prerequisites (idempotent), builds
# the solution once (warnings are errors), runs the suite and ends with a plain "Tests: N passed, N failed" line.
# Exit code is non-zero when anything fails. Extra arguments go to `dotnet test` (e.g. --filter Category=Unit for the fast in-process tier).
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

results_dir="$repo_root/TestResults"
rm -rf "$results_dir"
echo "==> Running tests"
set +e
# A hung test fails the run after the timeout instead of stalling CI; the suite itself takes a few minutes.
dotnet test Tests/Tests.csproj --no-build --nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results_dir" --blame-hang-timeout 10m --blame-hang-dump-type none "$@"
test_exit=$?
set -e

trx="$(find "$results_dir" -name results.trx -print -quit 2>/dev/null || true)"
passed=0 failed=0 total=0
if [[ -n "$trx" ]]; then
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  attribute() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<< "$counters"; }
  total="$(attribute total)"; passed="$(attribute passed)"; failed="$(attribute failed)"
  # Tests that did not finish (aborted, timed out) count as failed, not as silently missing.
  not_run=$(( total - passed - failed ))
  (( not_run > 0 )) && failed=$(( failed + not_run ))
fi

# Name what failed last, beside the count, so the end of a long CI log says which tests to look at.
if [[ -n "$trx" ]]; then
  grep -o '<UnitTestResult [^>]*outcome="\(Failed\|Timeout\|Aborted\|NotExecuted\)"[^>]*>' "$trx" \
    | sed -n 's/.* testName="\([^"]*\)".*outcome="\([^"]*\)".*/  \2: \1/p' || true
fi
echo "Tests: ${passed:-0} passed, ${failed:-0} failed"
if (( test_exit != 0 || ${failed:-0} > 0 || ${total:-0} == 0 )); then
  exit 1
fi
