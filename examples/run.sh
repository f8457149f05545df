#!/usr/bin/env bash
# Builds one example with the frontend from this working tree and runs the result:
#   bash examples/run.sh <example>
set -euo pipefail
cd "$(dirname "$0")/.."
example=${1:?usage: examples/run.sh <example>}
[ -f "examples/$example/Dockerfile" ] || { echo "no example named $example" >&2; exit 2; }
if [ -z "${DOCKER_HOST:-}" ]; then
  DOCKER_HOST=$(bash scripts/engine.sh | tail -n 1)
  export DOCKER_HOST
fi
npm run --silent image
docker buildx build --quiet --tag "sidebundle-example/$example" "examples/$example" >/dev/null
docker run --rm "sidebundle-example/$example"
