#!/usr/bin/env bash
# Runs a main class from the Kafka Java client/tools (4.x) or our Scenarios driver:
#   compat/java/run.sh org.apache.kafka.tools.TopicCommand --bootstrap-server H:P --list
#   compat/java/run.sh dev.tributary.compat.Scenarios produce-consume --bootstrap-server H:P --topic t
# Builds target/classes and target/classpath.txt first when missing (mvn package).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <MainClass> [args...]" >&2
  exit 2
fi
# Rebuild when the classpath is missing or names a jar that is gone (a wiped ~/.m2).
classpath_ok() {
  [[ -s "$here/target/classpath.txt" ]] || return 1
  local jar
  IFS=: read -r -a jars < "$here/target/classpath.txt"
  for jar in "${jars[@]}"; do [[ -f "$jar" ]] || return 1; done
}
if ! classpath_ok || [[ ! -d "$here/target/classes" ]]; then
  (cd "$here" && mvn -q -B -Dstyle.color=never package >&2)
fi
main="$1"; shift
# Small heap, fast start: these are short-lived client processes.
exec java -Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -Dlog4j2.level=ERROR \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" "$main" "$@"
