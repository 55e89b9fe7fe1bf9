#!/usr/bin/env bash
# Stops the broker started by start.sh (SIGTERM, then waits up to 30 s).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${KAFKA_DATA_DIR:-$here/data}"
[[ -f "$data/kafka.pid" ]] || { echo "no $data/kafka.pid" >&2; exit 0; }
pid="$(cat "$data/kafka.pid")"
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
fi
rm -f "$data/kafka.pid"
echo "Kafka stopped (pid $pid)"
