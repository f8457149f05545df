#!/usr/bin/env bash
# Builds one example with the frontend from this working tree and runs the result:
#   bash examples/run.sh <example> [arguments for the image]
set -euo pipefail
cd "$(dirname "$0")/.."
example=${1:?usage: examples/run.sh <example> [args...]}
shift
[ -f "examples/$example/Dockerfile" ] || { echo "no example named $example" >&2; exit 2; }
if [ -z "${DOCKER_HOST:-}" ]; then
  DOCKER_HOST=$(bash scripts/engine.sh | tail -n 1)
  export DOCKER_HOST
fi
npm run --silent image >/dev/null
docker buildx build --quiet --tag "sidebundle-example/$example" "examples/$example" >/dev/null
docker run --rm -i --network none "sidebundle-example/$example" "$@"
