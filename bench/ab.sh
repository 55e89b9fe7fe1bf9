#!/usr/bin/env bash
# Back-to-back A/B of two broker builds with bench/hotpath.ts, alternating A B A B ...
#   bench/ab.sh <treeA> <treeB> [pairs=3] [hotpath args...]
# A tree is a directory with bin/, dist/ and node_modules/ (see bench/snapshot.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
a="$1"; b="$2"; pairs="${3:-3}"; shift 3 || shift $#
for i in $(seq 1 "$pairs"); do
  node --import tsx "$here/hotpath.ts" --tree "$a" --label "A$i" "$@" | sed 's/^/  /'
  node --import tsx "$here/hotpath.ts" --tree "$b" --label "B$i" "$@" | sed 's/^/  /'
done
