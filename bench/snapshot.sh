#!/usr/bin/env bash
# Copies the current build (bin/, dist/, package.json; node_modules linked) to DIR,
# so that an A/B comparison is not disturbed by later rebuilds of the shared tree.
#   bench/snapshot.sh DIR
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$1"
rm -rf "$dir"
mkdir -p "$dir"
cp -r "$repo/bin" "$repo/dist" "$repo/package.json" "$dir/"
ln -s "$repo/node_modules" "$dir/node_modules"
echo "$dir"
