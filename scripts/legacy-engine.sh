#!/usr/bin/env bash
# A second engine for the end-to-end tests: Debian bookworm's own Docker 20.10 (BuildKit ~0.8),
# beside the main one, with its own data root and socket, in a network namespace of its own
# (a dockerd deletes any docker0 it does not own, so the two must not share one). Its dockerd comes from the
# bookworm docker.io package, unpacked (the main engine's packages stay installed). The images the
# tests need are copied from the main engine (DOCKER_HOST). Idempotent; prints its DOCKER_HOST.
set -euo pipefail

DIR=${SIDEBUNDLE_LEGACY_DIR:-/var/lib/sidebundle-legacy-engine}
SOCKET=unix://$DIR/docker.sock
NETNS=sidebundle-legacy
: "${DOCKER_HOST:?DOCKER_HOST must name the main engine (scripts/engine.sh)}"
log() { echo "legacy-engine: $*" >&2; }
legacy() { DOCKER_HOST=$SOCKET docker "$@"; }

unpack() {
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

start() {
  legacy version >/dev/null 2>&1 && return
  ip netns list | grep -qw "$NETNS" || ip netns add "$NETNS"
  ip netns exec "$NETNS" ip link set lo up
  log "starting dockerd 20.10"
  rm -f "$DIR/dockerd.pid"
  # nsenter, not `ip netns exec`, which mounts a new /sys and so hides the cgroup hierarchy.
  PATH=$DIR/root/usr/sbin:$DIR/root/usr/bin:$PATH nohup setsid env -u TMPDIR nsenter --net="/run/netns/$NETNS" dockerd \
    --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$DIR/dockerd.pid" -H "$SOCKET" \
    --iptables=false >"$DIR/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    legacy version >/dev/null 2>&1 && return
    sleep 0.5
  done
  log "dockerd 20.10 did not come up:"; tail -n 20 "$DIR/dockerd.log" >&2
  exit 1
}

unpack
start
# The frontend image changes with every build of it: always copy the current one.
docker save sidebundle/frontend debian:bookworm-slim | legacy load -q >/dev/null
echo "$SOCKET"
