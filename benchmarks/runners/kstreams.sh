#!/usr/bin/env bash
# Runner "kstreams": the Kafka Streams 4.x peer (benchmarks/kstreams/EddyBench.java, compiled
# by scripts/bench.sh into $BENCH_WORK_DIR/kstreams). $BENCH_THREADS stream threads (default 1), String serdes.
# JVM options: $EDDY_BENCH_JAVA_OPTS (default -Xms256m -Xmx1g -XX:+UseG1GC).
#   kstreams.sh check WORKLOAD   print ok | not built yet | n/a   (exit 0 | 3 | 4)
#   kstreams.sh run WORKLOAD     exec the measured JVM (env BENCH_* set by scripts/bench.sh)
set -euo pipefail
cmd=${1:?usage: kstreams.sh check|run WORKLOAD}
workload=${2:?usage: kstreams.sh check|run WORKLOAD}
classes=${BENCH_WORK_DIR:?}/kstreams

case $workload in
  W1 | W2 | W2-nc | W3 | W4 | W6 | W7 | W8 | W9 | W9-nc) ;;
  *) echo "n/a"; exit 4 ;;
esac
if [[ $cmd == check ]]; then
  if [[ -f $classes/EddyBench.class ]]; then echo ok; exit 0; else echo "not built yet"; exit 3; fi
fi
read -r -a java_opts <<<"${EDDY_BENCH_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseG1GC}"
exec java "${java_opts[@]}" \
  -Dlog4j2.configurationFile="file:$BENCH_REPO/scripts/kafka/log4j2-tools.properties" \
  -cp "$classes:${BENCH_KAFKA_CLASSPATH:?}" EddyBench \
  --workload "$workload" --bootstrap "$BENCH_BOOTSTRAP" --input "$BENCH_INPUT" \
  --output "$BENCH_OUTPUT" --records "$BENCH_RECORDS" --app-id "$BENCH_APP_ID" \
  --state-dir "$BENCH_STATE_DIR" --timeout-s "${BENCH_TIMEOUT_S:-600}" \
  --w9-gap-ms "${BENCH_W9_GAP_MS:-30000}" --w9-grace-ms "${BENCH_W9_GRACE_MS:-0}" \
  --prop "num.stream.threads=${BENCH_THREADS:-1}"
