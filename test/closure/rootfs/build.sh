#!/usr/bin/env bash
# Builds, once, the Debian bookworm rootfs that the closure tests compare against the real
# loader, and prints its path. The cache key is the hash of this script and its C sources, so
# editing the package list rebuilds it; the rootfs lives outside the repository. Packages come
# from the machine's own apt sources (mmdebstrap's default without a mirror argument).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
key=$(cat "$here/build.sh" "$here/greet.c" "$here/libgreet.c" | sha256sum | cut -c1-16)
root=${SIDEBUNDLE_ROOTFS_CACHE:-/var/cache/sidebundle-test}/rootfs-$key
if [ -x "$root/usr/bin/python3" ]; then echo "$root"; exit 0; fi
# Test files start in parallel: one builds, the others wait for it.
mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9
if [ -x "$root/usr/bin/python3" ]; then echo "$root"; exit 0; fi
packages=(
  python3 perl git curl openssl imagemagick nodejs openjdk-17-jre-headless sqlite3 busybox
  hello:i386 musl locales ca-certificates libnss-mdns mesa-utils
  ffmpeg tzdata nmap graphicsmagick libsasl2-modules glib-networking
)
# The archive URI comes from the machine's own apt sources, never from this repository.
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
musl-gcc -shared -fPIC -o "$build/libgreet.so.1" -Wl,-soname,libgreet.so.1 "$here/libgreet.c"
musl-gcc -o "$build/greet-musl" "$here/greet.c" "$build/libgreet.so.1"
rm -rf "$root.tmp"
mmdebstrap --variant=apt --architectures=amd64,i386 --include="$(IFS=,; echo "${packages[*]}")" \
  --customize-hook='echo "en_US.UTF-8 UTF-8" > "$1/etc/locale.gen"; echo "de_DE.UTF-8 UTF-8" >> "$1/etc/locale.gen"; chroot "$1" locale-gen' \
  --customize-hook="mkdir -p \"\$1/usr/local/lib/greet\" && cp $build/libgreet.so.1 \"\$1/usr/local/lib/greet/\" && cp $build/greet-musl \"\$1/usr/bin/\"" \
  --customize-hook='echo /usr/local/lib/greet >> "$1/etc/ld-musl-x86_64.path"' \
  bookworm "$root.tmp" "deb $mirror bookworm main" >&2
mv "$root.tmp" "$root"
echo "$root"
