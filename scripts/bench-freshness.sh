#!/usr/bin/env bash
# End-to-end freshness of features pushed to Redis at a steady input rate (issue 7).
#
#   scripts/bench-freshness.sh [--rate 20000] [--seconds 60] [--guarantee at_least_once]
#                              [--partitions 4] [--keys 100000] [--commit-interval-ms 30000]
#                              [--latency-budget-ms 5] [--no-build]
#
# Needs a Kafka broker (scripts/kafka.sh start) and starts redis-server itself when none
# answers (scripts/redis.sh). Feeds `eddy-bench-load live` at --rate events/s (stamped with the
# wall clock) into a fresh topic while `eddy-bench-freshness` counts events per customer and
# pushes each count to Redis; prints the freshness percentiles (event time -> Redis
# acknowledged) and appends the JSON line to build/bench/freshness.jsonl.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rate=20000 seconds=60 guarantee=at_least_once partitions=4 keys=100000 build=1 commit_ms=30000 budget_ms=5
bootstrap=${EDDY_BENCH_BOOTSTRAP:-localhost:9092}
while [[ $# -gt 0 ]]; do
  case $1 in
    --rate) rate=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --guarantee) guarantee=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --commit-interval-ms) commit_ms=$2; shift 2 ;;
    --latency-budget-ms) budget_ms=$2; shift 2 ;;
    --bootstrap) bootstrap=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "bench-freshness.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
say() { echo "bench-freshness: $*" >&2; }
bin=$REPO_ROOT/build/release/benchmarks
out=$REPO_ROOT/build/bench
mkdir -p "$out"

if [[ $build == 1 ]]; then
  say "building eddy-bench-load and eddy-bench-freshness (release, -j2)..."
  (cd "$REPO_ROOT" && cmake --preset release -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_BENCHMARKS=ON >/dev/null &&
    cmake --build --preset release -j2 --target eddy-bench-load eddy-bench-freshness \
      >"$out/freshness-build.log" 2>&1) || { say "build failed: see $out/freshness-build.log"; exit 1; }
fi

started_redis=0
if ! "$REPO_ROOT/scripts/redis.sh" status >/dev/null 2>&1; then
  "$REPO_ROOT/scripts/redis.sh" start >&2
  started_redis=1
fi
app_pid=
cleanup() {
  [[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null || true
  [[ $started_redis == 1 ]] && "$REPO_ROOT/scripts/redis.sh" stop >&2 || true
}
trap cleanup EXIT

run_id=fresh-$(date +%s)
topic=bench.$run_id
records=$((rate * seconds))
"$bin/eddy-bench-load" --bootstrap "$bootstrap" create --topic "$topic" --partitions "$partitions" \
  --log-append-time
say "$records events at $rate/s for ${seconds}s into $topic ($partitions partitions, $keys customers), $guarantee"
"$bin/eddy-bench-freshness" --bootstrap "$bootstrap" --input "$topic" --app-id "$run_id" \
  --state-dir "$out/state/$run_id" --guarantee "$guarantee" --records "$records" \
  --redis-port "${EDDY_REDIS_PORT:-6379}" --timeout-s $((seconds + 120)) --commit-interval-ms "$commit_ms" \
  --latency-budget-ms "$budget_ms" \
  >"$out/$run_id.json" 2>"$out/$run_id.log" &
app_pid=$!
sleep 5  # the app joins its group and is assigned the partitions before the load starts
"$bin/eddy-bench-load" --bootstrap "$bootstrap" live --topic "$topic" --no-create \
  --rate "$rate" --seconds "$seconds" --keys "$keys" >"$out/$run_id.load.json"
status=0
wait "$app_pid" || status=$?
app_pid=
grep -h "eddy-bench-freshness:" "$out/$run_id.log" >&2 || true
[[ $status == 0 ]] || { say "the app failed (exit $status): see $out/$run_id.log"; exit 1; }
tail -n 1 "$out/$run_id.json" >>"$out/freshness.jsonl"
python3 - "$out/$run_id.json" "$out/$run_id.load.json" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
load = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
print(f"input: {load['records']} events, achieved {load['achieved_rate']:.0f}/s "
      f"(target {load['target_rate']}/s); {r['guarantee']}, sink latency budget "
      f"{r['latency_budget_ms']} ms")
print(f"app: {r['records']} records, {r['cpu_s']:.1f} CPU-s "
      f"({r['records'] / max(r['cpu_s'], 1e-9):,.0f} records per CPU-second), "
      f"peak RSS {r['max_rss_kb'] / 1024:.0f} MiB; {r['updates']} Redis updates in "
      f"{r['batches']} batches")
print("freshness, event time -> Redis acknowledged (ms):")
print(f"  p50 {r['event_p50_ms']:.1f}  p95 {r['event_p95_ms']:.1f}  p99 {r['event_p99_ms']:.1f}"
      f"  p99.9 {r['event_p999_ms']:.1f}  max {r['event_max_ms']:.1f}")
src = r.get('source_within_ms_pct')
if src:
    print("records reaching Eddy (timestamp -> processing) within 10/25/50/100/250 ms: " +
          " / ".join(f"{src[k]:.2f}%" for k in ("10", "25", "50", "100", "250")))
if r.get('append_count', 0) > 0:
    print("freshness, Kafka append time -> Redis acknowledged (ms):")
    print(f"  p50 {r['append_p50_ms']:.1f}  p95 {r['append_p95_ms']:.1f}  p99 {r['append_p99_ms']:.1f}")
else:
    print("freshness from Kafka append time: n/a (the topic keeps CreateTime timestamps)")
PY
