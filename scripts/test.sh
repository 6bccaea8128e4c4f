#!/usr/bin/env bash
# Runs every test (unit, golden, privileged kernel tests and integration tests
# against a real dockerd) with the race detector. The verbose log goes to
# .test.log; the terminal gets each package's result, the whole output of
# every failing test (its own lines, not its neighbours'), the skipped tests
# with their reasons, and a closing count. Under CI=true a skipped test is a
# failure: the integration tests must have run.
set -uo pipefail
cd "$(dirname "$0")/.."
go build -o .testreport ./scripts/testreport || exit 1
ci=()
[ "${CI:-}" = true ] && ci=(-ci)
go test -race -count=1 -timeout 45m -json ./... 2>&1 | ./.testreport -log .test.log "${ci[@]}"
rc=$?
rm -f .testreport
exit $rc
