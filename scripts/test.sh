#!/usr/bin/env bash
# Runs every test (unit, golden, privileged kernel tests and integration tests
# against a real dockerd) with the race detector, keeps the verbose log in
# .test.log, prints the per-package results, the failures and skips, and a
# closing count. Under CI=true a skipped test is a failure: the integration
# tests must have run.
set -uo pipefail
cd "$(dirname "$0")/.."
log=.test.log
go test -race -count=1 -timeout 45m -v ./... >"$log" 2>&1
rc=$?
grep -E '^(ok|FAIL|---|\?)\s' "$log" | grep -vE '^--- PASS' || true
grep -E '^\s*--- FAIL' -A 20 "$log" | grep -vE '^\s*--- PASS' | head -200 || true
passed=$(grep -cE '^\s*--- PASS' "$log")
failed=$(grep -cE '^\s*--- FAIL' "$log")
skipped=$(grep -cE '^\s*--- SKIP' "$log")
if [ "$skipped" -gt 0 ]; then
	echo "skipped tests:"
	grep -E '^\s*--- SKIP' -A 2 "$log" | head -60
fi
if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
	echo "CI=true: $skipped test(s) skipped; under CI every test must run"
	rc=1
fi
if grep -qE '^(panic:|fatal error:)' "$log"; then
	grep -E '^(panic:|fatal error:)' -A 30 "$log" | head -60
	rc=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
