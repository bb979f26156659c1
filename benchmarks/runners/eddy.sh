#!/usr/bin/env bash
# Runner "eddy": Eddy's own runtime (KafkaStreams running a DSL topology).
#
# Runs one workload binary, $BENCH_BUILD_DIR/benchmarks/eddy-bench-streams
# (benchmarks/e2e/eddy_streams.cc), taking the same arguments as the Kafka Streams peer and
# printing the same JSON line last (see benchmarks/e2e/README.md, "Plugging in a runner").
# When it is not built every workload reports "not built yet".
#   eddy.sh check WORKLOAD   print ok | not built yet | n/a   (exit 0 | 3 | 4)
#   eddy.sh run WORKLOAD     exec the measured process (env BENCH_* set by scripts/bench.sh)
set -euo pipefail
cmd=${1:?usage: eddy.sh check|run WORKLOAD}
workload=${2:?usage: eddy.sh check|run WORKLOAD}
bin=${EDDY_BENCH_STREAMS_BIN:-${BENCH_BUILD_DIR:?}/benchmarks/eddy-bench-streams}

case $workload in
  W0 | W1 | W2 | W2-nc | W3 | W4 | W6 | W7 | W8 | W9 | W9-nc) ;;
  *) echo "n/a"; exit 4 ;;
esac
if [[ $cmd == check ]]; then
  if [[ -x $bin ]]; then echo ok; exit 0; else echo "not built yet"; exit 3; fi
fi
# One command line per workload; they differ only in --workload today, but each may grow its
# own flags (e.g. a different cache size) without touching the harness.
common=(--bootstrap "$BENCH_BOOTSTRAP" --input "$BENCH_INPUT" --output "$BENCH_OUTPUT"
  --records "$BENCH_RECORDS" --app-id "$BENCH_APP_ID" --state-dir "$BENCH_STATE_DIR"
  --timeout-s "${BENCH_TIMEOUT_S:-600}" --prop "num.stream.threads=${BENCH_THREADS:-1}")
case $workload in
  W0) exec "$bin" --workload W0 "${common[@]}" ;;        # pass-through: stream(in).to(out)
  W1) exec "$bin" --workload W1 "${common[@]}" ;;        # filter + mapValues + to
  W2) exec "$bin" --workload W2 "${common[@]}" ;;        # tumbling 1 s count, cache on, ALOS
  W2-nc) exec "$bin" --workload W2-nc "${common[@]}" ;;  # cache off, commit.interval.ms=100
  W3) exec "$bin" --workload W3 "${common[@]}" ;;        # hopping 1 s / 500 ms count
  W4) exec "$bin" --workload W4 "${common[@]}" ;;        # tumbling 60 s count, 256 MiB budget
  W6) exec "$bin" --workload W6 "${common[@]}" ;;        # count store restored, then processes
  W7) exec "$bin" --workload W7 "${common[@]}" ;;        # the W1 topology, input fed live
  W8) exec "$bin" --workload W8 "${common[@]}" ;;        # W2 under exactly_once_v2
  W9 | W9-nc) exec "$bin" --workload "$workload" "${common[@]}" \
    --w9-gap-ms "${BENCH_W9_GAP_MS:-30000}" --w9-grace-ms "${BENCH_W9_GRACE_MS:-0}" ;;  # session scoring, cache on | off
esac
