#!/usr/bin/env bash
# Starts a real Apache Kafka (KRaft, combined broker+controller, one node) on 127.0.0.1,
# to validate compat scenarios, capture golden bytes, and benchmark side by side.
#
#   compat/kafka-server/start.sh            # background; waits until the port accepts; prints the pid
#   compat/kafka-server/start.sh -f         # foreground (Ctrl-C stops it)
#   compat/kafka-server/stop.sh             # SIGTERM the background broker, wait for it
#
# Environment:
#   KAFKA_PORT (19092)        PLAINTEXT listener
#   CONTROLLER_PORT (19093)   KRaft controller listener
#   ADVERTISED_PORT (=KAFKA_PORT)  advertised PLAINTEXT port (point at a capture proxy)
#   KAFKA_DATA_DIR (compat/kafka-server/data)  formatted afresh on every start
#   KAFKA_HEAP (-Xmx1g)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
foreground=0
[[ "${1:-}" == "-f" ]] && foreground=1

port="${KAFKA_PORT:-19092}"
cport="${CONTROLLER_PORT:-19093}"
aport="${ADVERTISED_PORT:-$port}"
data="${KAFKA_DATA_DIR:-$here/data}"
heap="${KAFKA_HEAP:--Xmx1g}"

# Rebuild when the classpath is missing or names a jar that is gone (a wiped ~/.m2).
classpath_ok() {
  [[ -s "$here/target/classpath.txt" ]] || return 1
  local jar
  IFS=: read -r -a jars < "$here/target/classpath.txt"
  for jar in "${jars[@]}"; do [[ -f "$jar" ]] || return 1; done
}
if ! classpath_ok; then
  (cd "$here" && mvn -q -B -Dstyle.color=never package >&2)
fi
cp="$(cat "$here/target/classpath.txt")"
java_opts=(-Xms256m $heap -XX:+UseG1GC -Djava.awt.headless=true -Dlog4j2.level=WARN)

if [[ -f "$data/kafka.pid" ]] && kill -0 "$(cat "$data/kafka.pid")" 2>/dev/null; then
  echo "Kafka already running (pid $(cat "$data/kafka.pid")); run stop.sh first" >&2
  exit 1
fi
rm -rf "$data"
mkdir -p "$data/logs"
cat > "$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$aport,CONTROLLER://127.0.0.1:$cport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data/logs
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS

cluster_id="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format --standalone \
  -t "$cluster_id" -c "$data/server.properties" > "$data/format.log" 2>&1 \
  || { cat "$data/format.log" >&2; exit 1; }

if [[ $foreground -eq 1 ]]; then
  exec java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$data/server.properties"
fi

nohup java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$data/server.properties" \
  > "$data/kafka.out" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$data/kafka.pid"
for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "Kafka exited during startup; last output:" >&2
    tail -40 "$data/kafka.out" >&2
    exit 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Kafka ready: 127.0.0.1:$port (advertised 127.0.0.1:$aport), cluster $cluster_id, pid $pid, data in $data"
    exit 0
  fi
  sleep 0.5
done
echo "Kafka did not open 127.0.0.1:$port within 60 s; see $data/kafka.out" >&2
exit 1
