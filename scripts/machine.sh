#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/apt-packages.txt that are not installed yet:
#   bash scripts/machine.sh [build]   (build: only what building needs; default: everything)
set -euo pipefail
list=$(dirname "$0")/apt-packages.txt
want=${1:-}
missing=()
while read -r pkg use; do
  case $pkg in '#'* | '') continue ;; esac
  [ -n "$want" ] && [ "$use" != "$want" ] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done <"$list"
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "machine: missing Debian packages: ${missing[*]} (install them, or run bash scripts/machine.sh as root)" >&2
  exit 1
fi
echo "machine: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
