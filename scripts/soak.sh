#!/usr/bin/env bash
# The soak (issue 23): three instances of eddy-session-scoring (exactly_once_v2, Redis sinks)
# on the three-node cluster, fed by eddy-loadgen at a fixed rate; every --kill-every one
# instance picked at random is SIGKILLed and started again on its state directory. Every
# --sample seconds each instance's RSS and the group's lag go to samples.csv. At the end every
# partition gets one event an hour ahead (so every session closes), the group drains, and
#   - scripts/soak/check_sessions.py compares every closed session (topic and Redis) with an
#     independent computation from the input: exact or not;
#   - scripts/soak/report.py gives the RSS growth after warm-up, the max lag and a PNG plot.
#
#   scripts/soak.sh --minutes 4                     # a short try
#   scripts/soak.sh                                 # 30 minutes, 200 events/s, a kill every 2 min
#   scripts/soak.sh --minutes 30 --rate 200 --kill-every 120 --sample 5 --plot docs/benchmarks/soak.png
#   scripts/soak.sh --memory-budget-mib 32          # eddy.memory.budget.bytes (default 256 MiB)
#   scripts/soak.sh --config eddy.malloc.return.freed.memory=true   # any StreamsConfig key
#
# Uses (and starts when missing, stops at the end) this checkout's three-node cluster
# (scripts/kafka.sh start --nodes 3; EDDY_KAFKA_PORT moves it) and Redis (scripts/redis.sh,
# EDDY_REDIS_PORT; the soak writes database --redis-db, 9 by default, which it flushes first).
# Each instance serves Prometheus metrics on 127.0.0.1:<EDDY_KAFKA_PORT + 100 + i> (i = 0..2;
# --metrics-port-base moves them): the samples take the memory budget's use from there.
# Output: build/soak/<run>/ (samples.csv, kills.log, instance logs, dumps, summary.txt).
# Exit status 0 when every closed session is exact and the RSS and lag limits hold.
set -euo pipefail

REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
MINUTES=30
RATE=200
KILL_EVERY=120
SAMPLE=5
GAP=10s
GAP_MS=10000
WARMUP=120
PRESET=dev
REDIS_DB=9
PARTITIONS=8
SEED=23
PLOT=""
METRICS_BASE=$((${EDDY_KAFKA_PORT:-9092} + 100))
MEMORY_BUDGET=""
EXTRA_CONFIG=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --kill-every) KILL_EVERY=$2; shift 2 ;;
    --sample) SAMPLE=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --preset) PRESET=$2; shift 2 ;;
    --redis-db) REDIS_DB=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --plot) PLOT=$2; shift 2 ;;
    --metrics-port-base) METRICS_BASE=$2; shift 2 ;;
    --memory-budget-mib) MEMORY_BUDGET=$2; shift 2 ;;
    --config) EXTRA_CONFIG+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

log() { printf '%s soak.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "${RUN_DIR:-/dev/null}/soak.log" >&2; }

source scripts/lib/ccache.sh
cmake --preset "$PRESET" >/dev/null
cmake --build --preset "$PRESET" --target eddy-session-scoring eddy-loadgen >/dev/null
BIN=build/$PRESET/examples
APP_BIN=$BIN/session_scoring/eddy-session-scoring
LOADGEN_BIN=$BIN/loadgen/eddy-loadgen

RUN=soak-$(date -u +%Y%m%d-%H%M%S)
RUN_DIR=$REPO_ROOT/build/soak/$RUN
mkdir -p "$RUN_DIR"
TOPIC=$RUN.events
OUTPUT=$RUN.sessions
APP_ID=$RUN
REDIS_PORT=${EDDY_REDIS_PORT:-6379}

STARTED_KAFKA=0
STARTED_REDIS=0
PIDS=(0 0 0)
LOADGEN_PID=0
LAG_PID=0
cleanup() {
  set +e
  for pid in "${PIDS[@]}" "$LOADGEN_PID"; do
    [ "$pid" != 0 ] && kill -TERM "$pid" 2>/dev/null
  done
  [ "$LAG_PID" != 0 ] && kill -TERM -- "-$LAG_PID" 2>/dev/null
  wait 2>/dev/null
  [ "$STARTED_REDIS" = 1 ] && scripts/redis.sh stop
  [ "$STARTED_KAFKA" = 1 ] && scripts/kafka.sh stop
}
trap cleanup EXIT

status=$(scripts/kafka.sh status 2>/dev/null || true)
if ! grep -q '^node 3: running' <<<"$status"; then
  if grep -q '^node 1: running' <<<"$status"; then
    echo "soak.sh: a single-node cluster of this checkout runs; stop it first" >&2
    exit 1
  fi
  scripts/kafka.sh start --nodes 3
  STARTED_KAFKA=1
fi
BOOTSTRAP=$(scripts/kafka.sh bootstrap)
if ! redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  scripts/redis.sh start
  STARTED_REDIS=1
fi
redis-cli -p "$REDIS_PORT" -n "$REDIS_DB" flushdb >/dev/null

soak_tool() { scripts/kafka.sh java scripts/soak/SoakTool.java "$@"; }

log "run $RUN: $MINUTES min at $RATE events/s, a SIGKILL every ${KILL_EVERY}s, memory budget ${MEMORY_BUDGET:-256} MiB${EXTRA_CONFIG[*]:+, ${EXTRA_CONFIG[*]}}, cluster $BOOTSTRAP, redis 127.0.0.1:$REDIS_PORT db $REDIS_DB"
log "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"

# Settings beyond the example's flags, as a StreamsConfig properties file (--kafka-config).
: >"$RUN_DIR/streams.properties"
if [ -n "$MEMORY_BUDGET" ]; then
  echo "eddy.memory.budget.bytes=$((MEMORY_BUDGET * 1048576))" >>"$RUN_DIR/streams.properties"
fi
for setting in "${EXTRA_CONFIG[@]}"; do echo "$setting" >>"$RUN_DIR/streams.properties"; done

start_instance() {  # $1: 0..2
  local i=$1
  "$APP_BIN" --bootstrap-servers "$BOOTSTRAP" --application-id "$APP_ID" \
    --kafka-config "$RUN_DIR/streams.properties" \
    --state-dir "$RUN_DIR/state-$i" --guarantee exactly_once_v2 --instance-id "instance-$i" \
    --client-id "$RUN-$i" --redis "127.0.0.1:$REDIS_PORT" --redis-db "$REDIS_DB" \
    --gap "$GAP" --events-topic "$TOPIC" --output-topic "$OUTPUT" --partitions "$PARTITIONS" \
    --metrics-port "$((METRICS_BASE + i))" --log-level info >>"$RUN_DIR/instance-$i.log" 2>&1 &
  PIDS[i]=$!
}
for i in 0 1 2; do start_instance "$i"; done
log "instances: pids ${PIDS[*]}"

# The group's lag, refreshed every sample period by one JVM (Kafka's Admin client).
# Its own process group (setsid), so stopping it stops the JVM under kafka.sh too.
setsid scripts/kafka.sh java scripts/soak/SoakTool.java lag "$BOOTSTRAP" "$APP_ID" "$TOPIC" \
  "$RUN_DIR/lag.now" "$((SAMPLE * 1000))" 2>"$RUN_DIR/lag.log" &
LAG_PID=$!

# Samples: seconds since start, RSS (MiB) of each instance (empty while it is down), lag.
T0=$(date +%s)
echo "t_s,rss0_mib,rss1_mib,rss2_mib,lag,input_end,pid0,pid1,pid2,budget0_mib,budget1_mib,budget2_mib" \
  >"$RUN_DIR/samples.csv"
echo "t_s,instance,pid" >"$RUN_DIR/kills.csv"
rss_mib() {
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || true
}
# What the instance's memory budget holds (eddy_memory_used_bytes: RocksDB block cache with its
# memtables, record caches, suppress buffers), from its metrics endpoint; empty when it is down.
budget_mib() {
  curl -s --max-time 2 "http://127.0.0.1:$((METRICS_BASE + $1))/metrics" 2>/dev/null |
    awk '/^eddy_memory_used_bytes[{ ]/ { sum += $NF; n++ } END { if (n) printf "%.1f", sum / 1048576 }' ||
    true
}
sample_once() {
  local t lag="" end="" row
  t=$(($(date +%s) - T0))
  if [ -f "$RUN_DIR/lag.now" ]; then IFS=, read -r _ lag end <"$RUN_DIR/lag.now" || true; fi
  row="$t"
  for i in 0 1 2; do row+=",$(rss_mib "${PIDS[i]}")"; done
  row+=",$lag,$end,${PIDS[0]},${PIDS[1]},${PIDS[2]}"
  for i in 0 1 2; do row+=",$(budget_mib "$i")"; done
  echo "$row" >>"$RUN_DIR/samples.csv"
}

sleep 5  # the instances join the group before the load starts
"$LOADGEN_BIN" --bootstrap-servers "$BOOTSTRAP" --topic "$TOPIC" --inventory-topic "$RUN.inventory" \
  --partitions "$PARTITIONS" --rate "$RATE" --duration "${MINUTES}m" --seed "$SEED" \
  --customers 1000 --max-disorder 2s --late-fraction 0.002 --quiet \
  >"$RUN_DIR/loadgen.log" 2>&1 &
LOADGEN_PID=$!
log "loadgen: pid $LOADGEN_PID, topic $TOPIC"

# The main loop: sample, and kill + restart one random instance every KILL_EVERY seconds.
next_kill=$(($(date +%s) + KILL_EVERY))
while kill -0 "$LOADGEN_PID" 2>/dev/null; do
  sample_once
  for i in 0 1 2; do
    if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
      wait "${PIDS[i]}" && rc=0 || rc=$?
      log "instance $i (pid ${PIDS[i]}) exited by itself (status $rc): FAILURE; restarting it"
      echo "$(($(date +%s) - T0)),$i,${PIDS[i]},exited" >>"$RUN_DIR/kills.csv"
      start_instance "$i"
    fi
  done
  if [ "$(date +%s)" -ge "$next_kill" ]; then
    victim=$((RANDOM % 3))
    pid=${PIDS[victim]}
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$(($(date +%s) - T0)),$victim,$pid" >>"$RUN_DIR/kills.csv"
    echo "---- $(date -u +%H:%M:%S) SIGKILLed by soak.sh ----" >>"$RUN_DIR/instance-$victim.log"
    sleep 2
    start_instance "$victim"
    log "SIGKILLed instance $victim (pid $pid), restarted as pid ${PIDS[victim]}"
    next_kill=$((next_kill + KILL_EVERY))
  fi
  sleep "$SAMPLE"
done
wait "$LOADGEN_PID" || { log "loadgen failed: $(tail -3 "$RUN_DIR/loadgen.log")"; exit 1; }
LOADGEN_PID=0
log "loadgen done: $(grep -E '^ +events' "$RUN_DIR/loadgen.log" | tr -s ' ')"

# Every partition one event an hour ahead of the last (64 keys cover 8 partitions): its stream
# time passes every real session's end + gap, so they all close.
last_ts=$(($(date +%s) * 1000 + 60000))
for k in $(seq 0 63); do
  printf 'soak-flush-%d\t{"event_id":"flush-%d","type":"page_view","customer_id":"soak-flush-%d","ts":%d,"sku":"sku-0","category":"shoes","price":5.99,"quantity":1}\n' \
    "$k" "$k" "$k" "$((last_ts + 3600000))"
done | soak_tool produce "$BOOTSTRAP" "$TOPIC" 2>>"$RUN_DIR/soak.log"
log "flush events sent; waiting for the group to drain"

# Drained: lag 0 in three samples in a row (under exactly-once the output of every input record
# is committed with its offset), at most 5 minutes.
deadline=$(($(date +%s) + 300))
zero_lag=0
while [ "$(date +%s)" -lt "$deadline" ] && [ "$zero_lag" -lt 3 ]; do
  sleep "$SAMPLE"
  sample_once
  IFS=, read -r _ lag _ <"$RUN_DIR/lag.now" || true
  if [ "${lag:-1}" = 0 ]; then zero_lag=$((zero_lag + 1)); else zero_lag=0; fi
done
log "drained (lag ${lag:-?}); stopping the instances"
for i in 0 1 2; do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
for i in 0 1 2; do
  wait "${PIDS[i]}" && rc=0 || rc=$?
  log "instance $i (pid ${PIDS[i]}) stopped with status $rc"
  PIDS[i]=0
done
kill -TERM -- "-$LAG_PID" 2>/dev/null || true
wait "$LAG_PID" 2>/dev/null || true
LAG_PID=0

soak_tool dump "$BOOTSTRAP" "$TOPIC" read_uncommitted >"$RUN_DIR/events.tsv" 2>>"$RUN_DIR/soak.log"
soak_tool dump "$BOOTSTRAP" "$OUTPUT" read_committed >"$RUN_DIR/sessions.tsv" 2>>"$RUN_DIR/soak.log"
log "input $(wc -l <"$RUN_DIR/events.tsv") records, output $(wc -l <"$RUN_DIR/sessions.tsv") closed sessions"

check_status=0
python3 scripts/soak/check_sessions.py --events "$RUN_DIR/events.tsv" \
  --sessions "$RUN_DIR/sessions.tsv" --gap-ms "$GAP_MS" --redis-port "$REDIS_PORT" \
  --redis-db "$REDIS_DB" --json "$RUN_DIR/check.json" | tee -a "$RUN_DIR/soak.log" ||
  check_status=1
report_status=0
# The plot needs matplotlib (Debian's python3-matplotlib is /usr/bin/python3's).
PLOT_PY=python3
if ! python3 -c 'import matplotlib' 2>/dev/null && /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  PLOT_PY=/usr/bin/python3
fi
"$PLOT_PY" scripts/soak/report.py --run "$RUN_DIR" --warmup "$WARMUP" ${PLOT:+--plot "$PLOT"} \
  --load "$(uptime | sed 's/.*load average: //')" | tee "$RUN_DIR/summary.txt" || report_status=1
log "results in $RUN_DIR"
[ "$check_status" = 0 ] && [ "$report_status" = 0 ]
