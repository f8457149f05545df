#!/usr/bin/env bash
# The whole test suite, unit and end-to-end, on a fresh Debian bookworm machine (root):
# installs what it needs, brings up the test engine, builds, loads the frontend image, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/machine.sh
DOCKER_HOST=$(bash scripts/engine.sh | tail -n 1)
export DOCKER_HOST
npm run image
npx vitest run "$@"
