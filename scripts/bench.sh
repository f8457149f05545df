#!/usr/bin/env bash
# Runs the benchmarks in bench/ (all, or those named: `npm run bench -- frontend`). Each prints
# ratios against a baseline measured in the same run; none asserts an absolute time.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DOCKER_HOST:-}" ]; then
  DOCKER_HOST=$(bash scripts/engine.sh | tail -n 1)
  export DOCKER_HOST
fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(ls bench/*.ts | xargs -n1 basename | sed 's/\.ts$//'))
mkdir -p dist/bench
for name in "${names[@]}"; do
  echo "== bench/$name.ts"
  npx esbuild "bench/$name.ts" --bundle --platform=node --format=esm --packages=external \
    --outfile="dist/bench/$name.mjs" --log-level=warning
  node "dist/bench/$name.mjs"
done
