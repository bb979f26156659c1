#!/usr/bin/env bash
# The cost curve (issue 21): what a record costs, and how much memory a process holds, as the
# key space and the stream threads grow, Eddy beside Kafka Streams. The workload is W4's
# topology (tumbling 60 s count per key, record cache on; Eddy under its 256 MiB memory
# budget, Kafka Streams with its defaults and -Xmx1g), over --records events drawn from
# 10 k, 1 M and 10 M keys with one stream thread, then at 1 M keys with 1 and 2 stream
# threads. One scripts/bench.sh session per point (results in build/bench/results.jsonl);
# then scripts/bench/cost_curve.py draws docs/benchmarks/cost-curve.png and rewrites the
# "Cost curve" section of docs/benchmarks.md.
#
#   scripts/kafka.sh start
#   scripts/bench-cost-curve.sh --bootstrap localhost:9092                 # ~15 min on 2 cores
#   scripts/bench-cost-curve.sh --records 500000 --keys "10000 1000000"   # a short try
#   scripts/bench-cost-curve.sh --sessions "<id> <id> ..."               # redraw from results
set -euo pipefail

REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
RECORDS=2000000
RUNS=1
KEY_POINTS="10000 1000000 10000000"
THREAD_KEYS=1000000
THREAD_POINTS="1 2"
BOOTSTRAP=${EDDY_BENCH_BOOTSTRAP:-localhost:9092}
BUILD=1
SESSIONS=""
PLOT=docs/benchmarks/cost-curve.png
DOC=docs/benchmarks.md
while [ $# -gt 0 ]; do
  case "$1" in
    --records) RECORDS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --keys) KEY_POINTS=$2; shift 2 ;;
    --thread-keys) THREAD_KEYS=$2; shift 2 ;;
    --threads) THREAD_POINTS=$2; shift 2 ;;
    --bootstrap) BOOTSTRAP=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --sessions) SESSIONS=$2; shift 2 ;;
    --plot) PLOT=$2; shift 2 ;;
    --doc) DOC=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench-cost-curve.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { printf '%s bench-cost-curve.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# One bench.sh session: W4 at $1 keys with $2 stream threads; prints the session id (bench.sh's
# own output goes to stderr). The first session builds; the others reuse its binaries.
point() {
  local keys=$1 threads=$2 build_flag=() out
  ((BUILD)) || build_flag=(--no-build)
  out=$(mktemp)
  log "W4, $RECORDS records on $keys keys, $threads stream thread(s), $RUNS run(s)"
  if ! scripts/bench.sh W4 --runners eddy,kstreams --runs "$RUNS" --bootstrap "$BOOTSTRAP" \
    --w4-records "$RECORDS" --w4-keys "$keys" --threads "$threads" --no-report \
    "${build_flag[@]}" > >(tee -a "$out" >&2) 2>&1; then
    log "bench.sh failed (the points measured so far are kept)"
  fi
  sleep 1  # the tee behind the process substitution finishes writing
  sed -n 's/^bench\.sh: session \([0-9-]*\): .*/\1/p' "$out" | head -1
  rm -f "$out"
}

if [ -z "$SESSIONS" ]; then
  for keys in $KEY_POINTS; do
    SESSIONS+=" $(point "$keys" 1)"
    BUILD=0
  done
  for threads in $THREAD_POINTS; do
    # One thread at THREAD_KEYS is already a point of the key curve.
    if [ "$threads" = 1 ] && [[ " $KEY_POINTS " == *" $THREAD_KEYS "* ]]; then continue; fi
    SESSIONS+=" $(point "$THREAD_KEYS" "$threads")"
    BUILD=0
  done
fi
log "sessions:$SESSIONS"

PY=python3
if ! python3 -c 'import matplotlib' 2>/dev/null && /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  PY=/usr/bin/python3  # Debian's python3-matplotlib
fi
# shellcheck disable=SC2086  # the session ids are words
"$PY" scripts/bench/cost_curve.py --results build/bench/results.jsonl --sessions $SESSIONS \
  --thread-keys "$THREAD_KEYS" --plot "$PLOT" --doc "$DOC"
