#!/usr/bin/env bash
# The whole test suite, unit and end-to-end, on a fresh Debian bookworm machine (root):
# installs what it needs, brings up the test engine, builds, loads the frontend image, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/machine.sh
DOCKER_HOST=$(bash scripts/engine.sh | tail -n 1)
export DOCKER_HOST
npm run image
# The tests' temporary files (exported images, build contexts, traces) go in one directory that
# the run removes; the engines, started above or by the tests, keep their own.
TMPDIR=$(mktemp -d /tmp/sidebundle-test.XXXXXX)
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line, so that a run that executed no test cannot pass for a green one.
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);' "$report"
exit "$status"
