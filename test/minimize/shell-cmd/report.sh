#!/bin/sh
# Counts the words it is given, most frequent first, stamped with the epoch in the local zone.
set -eu
echo "report at $(date -d @0 '+%Y-%m-%d %H:%M %Z')"
echo "$1" | tr ' ' '\n' | sort | uniq -c | sort -rn | sed 's/^ *//'
