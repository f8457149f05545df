#!/usr/bin/env bash
# A second engine for the end-to-end tests, beside the main one, with its own data root, socket and
# network namespace (a dockerd deletes any docker0 it does not own, so two must not share one):
#   legacy     Debian bookworm's own Docker 20.10 (BuildKit ~0.8), unpacked from its docker.io
#              package (the main engine's packages stay installed);
#   no-ptrace  the main engine's dockerd with a runc that denies ptrace to every container
#              (scripts/no-ptrace/runc), as Yama ptrace_scope 3 would;
#   containerd the main engine's dockerd with the containerd image store, which builds and keeps
#              several platforms in one image (an index) with the docker driver.
# legacy and no-ptrace run in a network namespace with no way out; containerd has a bridge of its own
# (builds reach the package archive, as on the main engine). The images the tests need are copied
# from the main engine (DOCKER_HOST). Idempotent; prints its DOCKER_HOST.
set -euo pipefail

KIND=${1:?usage: side-engine.sh legacy|no-ptrace|containerd}
DIR=/var/lib/sidebundle-$KIND-engine
SOCKET=unix://$DIR/docker.sock
NETNS=sidebundle-$KIND
BRIDGE=sbcontainerd0
BRIDGE_ADDR=172.29.0.1/24
: "${DOCKER_HOST:?DOCKER_HOST must name the main engine (scripts/engine.sh)}"
log() { echo "side-engine $KIND: $*" >&2; }
side() { DOCKER_HOST=$SOCKET docker "$@"; }

unpack_legacy() {
  [ -x "$DIR/root/usr/sbin/dockerd" ] && return
  log "unpacking Debian bookworm's docker.io"
  local version tmp
  version=$(apt-cache madison docker.io | awk -F'|' '$3 ~ /bookworm\// {gsub(/ /, "", $2); print $2; exit}')
  [ -n "$version" ] || { log "no bookworm docker.io in the apt sources"; exit 1; }
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download "docker.io=$version" >&2 2>/dev/null)
  mkdir -p "$DIR/root"
  dpkg -x "$tmp"/docker.io_*.deb "$DIR/root"
  rm -rf "$tmp"
}

# The directories put first on dockerd's PATH.
binaries() {
  case $KIND in
    legacy) unpack_legacy; echo "$DIR/root/usr/sbin:$DIR/root/usr/bin" ;;
    # A copy: the engine outlives the checkout it was started from.
    no-ptrace) install -D -m 755 "$(dirname "$0")/no-ptrace/runc" "$DIR/bin/runc"; echo "$DIR/bin" ;;
    containerd) echo "$DIR" ;;
    *) log "unknown kind (legacy, no-ptrace or containerd)"; exit 2 ;;
  esac
}

# The dockerd command: on a bridge of its own with the image store option, or in a namespace of its own.
dockerd_command() {
  if [ "$KIND" = containerd ]; then
    ip link show "$BRIDGE" >/dev/null 2>&1 || {
      ip link add "$BRIDGE" type bridge && ip addr add "$BRIDGE_ADDR" dev "$BRIDGE" && ip link set "$BRIDGE" up
    }
    echo '{"features": {"containerd-snapshotter": true}}' >"$DIR/daemon.json"
    DOCKERD=(dockerd --bridge="$BRIDGE" --config-file "$DIR/daemon.json")
  else
    ip netns list | grep -qw "$NETNS" || ip netns add "$NETNS"
    ip netns exec "$NETNS" ip link set lo up
    # nsenter, not `ip netns exec`, which mounts a new /sys and so hides the cgroup hierarchy.
    DOCKERD=(nsenter --net="/run/netns/$NETNS" dockerd --iptables=false)
  fi
}

start() {
  side version >/dev/null 2>&1 && return
  local path
  path=$(binaries):$PATH
  mkdir -p "$DIR"
  dockerd_command
  log "starting dockerd"
  rm -f "$DIR/dockerd.pid"
  PATH=$path nohup setsid env -u TMPDIR "${DOCKERD[@]}" \
    --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$DIR/dockerd.pid" -H "$SOCKET" \
    >"$DIR/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    side version >/dev/null 2>&1 && return
    sleep 0.5
  done
  log "dockerd did not come up:"; tail -n 20 "$DIR/dockerd.log" >&2
  exit 1
}

start
# The frontend image changes with every build of it: always copy the current one. The base image
# only when missing: on the containerd engine it becomes an index (scripts/multiplatform-base.sh).
images=(sidebundle/frontend)
side image inspect debian:bookworm-slim >/dev/null 2>&1 || images+=(debian:bookworm-slim)
docker save "${images[@]}" | side load -q >/dev/null
echo "$SOCKET"
