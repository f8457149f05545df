#!/usr/bin/env bash
# For the tests of a non-native platform: QEMU user emulation registered with binfmt_misc (with
# the F flag, so it works inside containers) and a local arm64 Debian bookworm image built with
# mmdebstrap, tagged sidebundle-test/debian-arm64:bookworm. Idempotent; needs DOCKER_HOST.
set -euo pipefail
: "${DOCKER_HOST:?DOCKER_HOST must name the engine (scripts/engine.sh)}"
IMAGE=sidebundle-test/debian-arm64:bookworm
log() { echo "arm64-base: $*" >&2; }

[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  update-binfmts --import qemu-aarch64 >/dev/null
  update-binfmts --enable qemu-aarch64 >/dev/null
fi
grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 || { log "qemu-aarch64 is registered without the F flag"; exit 1; }

docker image inspect "$IMAGE" >/dev/null 2>&1 && exit 0
log "building $IMAGE with mmdebstrap (under emulation)"
tar=$(mktemp --suffix=.tar)
mmdebstrap --quiet --variant=minbase --architectures=arm64 bookworm "$tar"
docker import --platform linux/arm64 \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' "$tar" "$IMAGE" >/dev/null
rm -f "$tar"
