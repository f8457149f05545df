#!/usr/bin/env bash
# For multi-platform builds on an engine with the containerd image store: debian:bookworm-slim as one
# image index for linux/amd64, linux/arm64 and linux/386 (a Debian bookworm minbase rootfs per
# architecture, made with mmdebstrap; arm64's under QEMU user emulation, registered as in
# scripts/arm64-base.sh), replacing a single-platform debian:bookworm-slim. Idempotent; needs
# DOCKER_HOST naming a containerd-store engine.
set -euo pipefail
: "${DOCKER_HOST:?DOCKER_HOST must name a containerd-store engine}"
IMAGE=debian:bookworm-slim
PLATFORMS=(linux/amd64 linux/arm64 linux/386)
log() { echo "multiplatform-base: $*" >&2; }

docker info --format '{{json .DriverStatus}}' | grep -q io.containerd.snapshotter \
  || { log "the engine has the classic image store, which cannot keep an image index"; exit 1; }

has_platform() {
  local id
  id=$(docker create --pull never --platform "$1" "$IMAGE" true 2>/dev/null) || return 1
  docker rm "$id" >/dev/null
}
complete=1
for p in "${PLATFORMS[@]}"; do has_platform "$p" || { complete=0; break; }; done
[ "$complete" = 1 ] && exit 0

# arm64's maintainer scripts run under emulation (flag F: also inside containers).
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  update-binfmts --import qemu-aarch64 >/dev/null
  update-binfmts --enable qemu-aarch64 >/dev/null
fi
command -v mmdebstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
log "building the rootfs of ${PLATFORMS[*]} with mmdebstrap"
pids=()
for arch in amd64 arm64 i386; do
  # TARGETARCH names i386 "386". Device nodes are left out: the runtime provides /dev.
  out=$ctx/rootfs-${arch/i386/386}.tar
  mmdebstrap --quiet --variant=minbase --architectures="$arch" --skip=output/dev bookworm "$out" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
ARG TARGETARCH
ADD rootfs-$TARGETARCH.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["bash"]
DOCKERFILE
log "building $IMAGE for ${PLATFORMS[*]}"
joined=$(IFS=,; echo "${PLATFORMS[*]}")
docker buildx build --quiet --builder default --platform "$joined" \
  --provenance=false -t "$IMAGE" "$ctx" >/dev/null
for p in "${PLATFORMS[@]}"; do has_platform "$p" || { log "$IMAGE has no $p after the build"; exit 1; }; done
