#!/usr/bin/env bash
# Brings up the Docker engine the tests and examples use, on a Debian bookworm machine (root):
# Docker Engine 26.1 + buildx from Debian's trixie suite, a dockerd with its own data root and
# socket, and a local debian:bookworm-slim built with mmdebstrap (no registry is reachable).
# Idempotent: reuses a running engine and existing images; honours an existing DOCKER_HOST.
# Prints the DOCKER_HOST to use on its last line.
set -euo pipefail

ENGINE_DIR=${SIDEBUNDLE_ENGINE_DIR:-/var/lib/sidebundle-engine}
SOCKET=$ENGINE_DIR/docker.sock
log() { echo "engine: $*" >&2; }

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

install_engine() {
  if command -v dockerd >/dev/null && dockerd --version | grep -q ' 26\.' \
     && [ -x /usr/libexec/docker/cli-plugins/docker-buildx ]; then return; fi
  log "installing Docker Engine 26.1 and buildx from Debian trixie"
  # The archive URI comes from the machine's own sources, never from this repository.
  local uri list tmp
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  tmp=$(mktemp -d)
  list=$tmp/trixie.sources
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" >"$list"
  apt-get update -qq
  # docker.io's dependencies come from bookworm; only the three Docker packages from trixie.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tini iptables containerd runc adduser >/dev/null
  local opts=(-o "Dir::Etc::SourceList=$list" -o Dir::Etc::SourceParts=- -o "Dir::State::Lists=$tmp/lists")
  mkdir -p "$tmp/lists/partial"
  apt-get "${opts[@]}" update -qq
  (cd "$tmp" && apt-get "${opts[@]}" download docker.io docker-cli docker-buildx 2>/dev/null)
  DEBIAN_FRONTEND=noninteractive dpkg -i "$tmp"/*.deb >/dev/null
  rm -rf "$tmp"
}

start_engine() {
  mkdir -p "$ENGINE_DIR"
  export DOCKER_HOST=unix://$SOCKET
  if engine_up; then return; fi
  log "starting dockerd (data root $ENGINE_DIR/data)"
  rm -f "$SOCKET" "$ENGINE_DIR/dockerd.pid"
  # The classic image store makes `# syntax=<local image>` use the local image.
  # It outlives the test run, so it must not use the run's temporary directory.
  nohup setsid env -u TMPDIR dockerd --data-root "$ENGINE_DIR/data" --exec-root "$ENGINE_DIR/exec" \
    --pidfile "$ENGINE_DIR/dockerd.pid" -H "$DOCKER_HOST" \
    >"$ENGINE_DIR/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    engine_up && return
    sleep 0.5
  done
  log "dockerd did not come up; last lines of $ENGINE_DIR/dockerd.log:"
  tail -n 20 "$ENGINE_DIR/dockerd.log" >&2
  exit 1
}

ensure_base_image() {
  if docker image inspect debian:bookworm-slim >/dev/null 2>&1; then return; fi
  command -v mmdebstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
  log "building debian:bookworm-slim with mmdebstrap"
  local tar
  tar=$(mktemp --suffix=.tar)
  mmdebstrap --quiet --variant=minbase bookworm "$tar"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$tar" debian:bookworm-slim >/dev/null
  rm -f "$tar"
}

if [ -n "${DOCKER_HOST:-}" ] && engine_up; then
  log "using the running engine at $DOCKER_HOST"
else
  install_engine
  start_engine
fi
docker buildx version >/dev/null 2>&1 || { log "docker buildx is missing"; exit 1; }
ensure_base_image
echo "$DOCKER_HOST"
