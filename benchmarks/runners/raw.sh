#!/usr/bin/env bash
# Runner "raw": the raw librdkafka consume->produce pipe (benchmarks/e2e/raw_pipe.cc).
# W0 = plain pipe (the limit); W1 = the same pipe doing W1's filter + mapValues (the raw
# baseline for stateless work; W7 is the same at a fixed rate). Other workloads: n/a (the report compares them with W0).
# Interface (shared by every runner; see docs/benchmarks.md, "Plugging in a runner"):
#   raw.sh check WORKLOAD   print ok | not built yet | n/a   (exit 0 | 3 | 4)
#   raw.sh run WORKLOAD     exec the measured process (env BENCH_* set by scripts/bench.sh)
set -euo pipefail
cmd=${1:?usage: raw.sh check|run WORKLOAD}
workload=${2:?usage: raw.sh check|run WORKLOAD}
bin=${BENCH_BUILD_DIR:?}/benchmarks/eddy-bench-raw-pipe

case $workload in
  W0) transform=none ;;
  W1 | W7) transform=w1 ;;  # W7: the W1 pipe, fed at a fixed rate
  *) echo "n/a"; exit 4 ;;
esac
if [[ $cmd == check ]]; then
  if [[ -x $bin ]]; then echo ok; exit 0; else echo "not built yet"; exit 3; fi
fi
exec "$bin" --bootstrap "$BENCH_BOOTSTRAP" --input "$BENCH_INPUT" --output "$BENCH_OUTPUT" \
  --group "$BENCH_APP_ID" --records "$BENCH_RECORDS" --transform "$transform" \
  --workload "$workload" --timeout-s "${BENCH_TIMEOUT_S:-600}"
