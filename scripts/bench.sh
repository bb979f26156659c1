#!/usr/bin/env bash
# End-to-end benchmarks: Eddy beside Kafka Streams and the raw librdkafka pipe, on a real
# broker, reported as records per CPU-second of the measured process. See `--help`.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
ALL_WORKLOADS=(W0 W1 W2 W2-nc W3 W4 W6 W7 W8 W9 W9-nc)
ALL_RUNNERS=(eddy kstreams raw)

usage() {
  cat <<EOF
Usage: scripts/bench.sh [WORKLOAD...] [options]

Runs the end-to-end workloads against a running Kafka broker and writes the report
(docs/benchmarks.md and docs/benchmarks/*.png). Workloads (default: all):
  W0     pass-through pipe (raw librdkafka pipe = the limit)
  W1     stateless filter + mapValues + to
  W2     tumbling 1 s count per key, record cache on, at-least-once
  W2-nc  W2 with caching off and commit.interval.ms=100
  W3     hopping 1 s / 500 ms count per key
  W4     tumbling 60 s count per key, record cache on, under a 256 MiB memory budget
         (Eddy: eddy.memory.budget.bytes); its own input: --w4-records events on --w4-keys
         keys at --w4-rate events per event-time second; the RSS is sampled every second
  W6     restore: a count store's changelog is pre-loaded with --w6-records records (on
         --w6-keys keys, in the runner's changelog format) by eddy-bench-load; the runner restores it from the
         broker into its RocksDB store, then processes --w6-process input records and closes
         cleanly (a checkpoint). Then the same runner starts again on the same state dir
         ("W6-restart"): the time from process start to the first record processed, with a
         valid checkpoint. Reported: restore records/s (first task's restore start -> last
         task's finish), restore CPU, first_record_s
  W7     latency (provisional definition): the W1 topology fed live at a fixed rate
         (--w7-rate for --w7-seconds, stamped with the wall clock); a latency consumer reads
         the output and reports p50/p90/p99/p99.9 of (now - record timestamp), skipping the
         first --w7-warmup seconds
  W8     W2 under exactly_once_v2
  W9     session scoring: the topology of examples/session_scoring (session windows per
         customer, gap --w9-gap-ms of event time, aggregate SessionFeatures, suppress until
         the session closes, closed sessions to the output topic; no Redis sinks), beside the
         same topology in Kafka Streams. Its own input: --records events shaped like the
         example apps' (eddy-bench-load produce --shape retail: shopping sessions of
         --keys customers, --rate events per event-time second); each runner processes all of
         it. The record cache is on in both (Kafka Streams' default). With --w9-check, each
         run compares the two runners' closed sessions (scripts/bench/compare_sessions.py:
         same sessions per customer, same features)
  W9-nc  W9 with the record cache off in both (the example's default; statestore.cache.max.bytes=0)
Runners: raw (W0, W1, W7), kstreams (W1, W2, W2-nc, W3, W4, W6, W7, W8, W9, W9-nc), eddy (all; "not built
yet" until build/release/benchmarks/eddy-bench-streams exists). Each is benchmarks/runners/<name>.sh.

For every run: a fresh input topic is pre-loaded by eddy-bench-load (before any measured
process starts), then each workload x runner consumes it with its own group/application id
and a fresh output topic. CPU (user+sys) and peak RSS are the OS's figures for the measured
process (os.wait4 rusage, see scripts/bench/measure.py); wall time is spawn to exit, so JVM
start-up and the group join are included. The process's own "processing window" figures
(first record -> flushed and committed) are kept too.

Options:
  --records N        input records per run (default $RECORDS)
  --runs R           runs per workload x runner (default $RUNS); medians and min-max
  --partitions P     input/output partitions (default $PARTITIONS)
  --keys K           distinct customer keys (default $KEYS)
  --threads N        stream threads of each runner (num.stream.threads; default $THREADS)
  --rate R           events per event-time second in the input (default $RATE)
  --seed S           loader seed (default $SEED)
  --runners LIST     comma-separated subset of: ${ALL_RUNNERS[*]} (default all)
  --bootstrap B      broker (default \$EDDY_BENCH_BOOTSTRAP or localhost:9092)
  --timeout S        kill a measured process after S seconds (default $TIMEOUT)
  --w7-rate R        W7 input records per second (default $W7_RATE)
  --w7-seconds S     W7 duration (default $W7_SECONDS)
  --w7-warmup S      W7 seconds not counted in the latency (default $W7_WARMUP)
  --w4-records N     W4 input records (default $W4_RECORDS)
  --w4-keys K        W4 distinct keys (default $W4_KEYS)
  --w4-rate R        W4 events per event-time second (default $W4_RATE)
  --w6-records N     W6 changelog records to restore (default $W6_RECORDS)
  --w6-keys K        W6 distinct keys in the changelog (default $W6_KEYS)
  --w6-process N     W6 input records processed after the restore (default $W6_PROCESS)
  --w9-gap-ms MS     W9 session inactivity gap, ms of event time (default $W9_GAP_MS)
  --w9-check         W9, W9-nc: compare Eddy's and Kafka Streams' closed sessions after each run
                     (fails the session when they differ)
  --no-build         do not (re)build the binaries and the Java app
  --no-report        do not regenerate docs/benchmarks.md (the summary is still printed)
  --keep-topics      keep this session's topics (default: deleted after each run)
  -h, --help         this help

Files: results as JSON lines in build/bench/results.jsonl (one "session" line, then one line
per measured process), process logs in build/bench/logs/<session>/.
Environment: EDDY_BENCH_JAVA_OPTS (Kafka Streams JVM flags), EDDY_BENCH_STREAMS_BIN (Eddy's
workload binary, default build/release/benchmarks/eddy-bench-streams).
EOF
}

log() { printf 'bench.sh: %s\n' "$*" >&2; }
die() { printf 'bench.sh: error: %s\n' "$*" >&2; exit 1; }

RECORDS=1000000
RUNS=3
PARTITIONS=4
KEYS=10000
THREADS=1
RATE=1000
SEED=42
TIMEOUT=600
W7_RATE=5000
W7_SECONDS=40
W7_WARMUP=10
W6_RECORDS=10000000
W4_RECORDS=10000000
W4_KEYS=10000000
W4_RATE=50000
W6_KEYS=10000000
W6_PROCESS=10000
W9_GAP_MS=30000
W9_CHECK=0
BOOTSTRAP=${EDDY_BENCH_BOOTSTRAP:-localhost:9092}
RUNNERS=("${ALL_RUNNERS[@]}")
BUILD=1
REPORT=1
KEEP_TOPICS=0
WORKLOADS=()

while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --records) RECORDS=${2:?--records needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --partitions) PARTITIONS=${2:?--partitions needs a value}; shift 2 ;;
    --keys) KEYS=${2:?--keys needs a value}; shift 2 ;;
    --rate) RATE=${2:?--rate needs a value}; shift 2 ;;
    --seed) SEED=${2:?--seed needs a value}; shift 2 ;;
    --runners) IFS=, read -r -a RUNNERS <<<"${2:?--runners needs a value}"; shift 2 ;;
    --bootstrap) BOOTSTRAP=${2:?--bootstrap needs a value}; shift 2 ;;
    --timeout) TIMEOUT=${2:?--timeout needs a value}; shift 2 ;;
    --w7-rate) W7_RATE=${2:?--w7-rate needs a value}; shift 2 ;;
    --w7-seconds) W7_SECONDS=${2:?--w7-seconds needs a value}; shift 2 ;;
    --w7-warmup) W7_WARMUP=${2:?--w7-warmup needs a value}; shift 2 ;;
    --threads) THREADS=${2:?--threads needs a value}; shift 2 ;;
    --w4-records) W4_RECORDS=${2:?--w4-records needs a value}; shift 2 ;;
    --w4-keys) W4_KEYS=${2:?--w4-keys needs a value}; shift 2 ;;
    --w4-rate) W4_RATE=${2:?--w4-rate needs a value}; shift 2 ;;
    --w6-records) W6_RECORDS=${2:?--w6-records needs a value}; shift 2 ;;
    --w6-keys) W6_KEYS=${2:?--w6-keys needs a value}; shift 2 ;;
    --w6-process) W6_PROCESS=${2:?--w6-process needs a value}; shift 2 ;;
    --w9-gap-ms) W9_GAP_MS=${2:?--w9-gap-ms needs a value}; shift 2 ;;
    --w9-check) W9_CHECK=1; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-report) REPORT=0; shift ;;
    --keep-topics) KEEP_TOPICS=1; shift ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) WORKLOADS+=("$1"); shift ;;
  esac
done
((${#WORKLOADS[@]})) || WORKLOADS=("${ALL_WORKLOADS[@]}")
for w in "${WORKLOADS[@]}"; do
  [[ " ${ALL_WORKLOADS[*]} " == *" $w "* ]] || die "unknown workload '$w' (known: ${ALL_WORKLOADS[*]})"
done
for r in "${RUNNERS[@]}"; do
  [[ -f $REPO_ROOT/benchmarks/runners/$r.sh ]] || die "unknown runner '$r' (no benchmarks/runners/$r.sh)"
done
for n in RECORDS RUNS PARTITIONS KEYS THREADS RATE TIMEOUT W7_RATE W7_SECONDS W7_WARMUP W6_RECORDS W6_KEYS \
  W6_PROCESS W4_RECORDS W4_KEYS W4_RATE W9_GAP_MS; do
  opt=${n,,}
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "--${opt//_/-} must be a positive integer, got '${!n}'"
done

# Python with matplotlib for the report (the Debian one has python3-matplotlib).
PYTHON=python3
if ! python3 -c 'import matplotlib' 2>/dev/null && [[ -x /usr/bin/python3 ]]; then
  PYTHON=/usr/bin/python3
fi

BUILD_DIR=$REPO_ROOT/build/release
WORK_DIR=$REPO_ROOT/build/bench
RESULTS=$WORK_DIR/results.jsonl
mkdir -p "$WORK_DIR"

# ---- build ---------------------------------------------------------------------------------
if ((BUILD)); then
  # Always configure: another script (the demo) may have configured build/release without
  # the benchmark targets.
  log "configuring the release build (build/release)..."
  # W9 links the session-scoring example's topology: examples on.
  (cd "$REPO_ROOT" && cmake --preset release -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_EXAMPLES=ON \
    -DEDDY_BUILD_BENCHMARKS=ON >/dev/null)
  targets=(eddy-bench-raw-pipe eddy-bench-load eddy-bench-latency)
  grep -q '^build benchmarks/eddy-bench-streams:' "$BUILD_DIR/build.ninja" && targets+=(eddy-bench-streams)
  log "building ${targets[*]} (Release, -j2)..."
  (cd "$REPO_ROOT" && cmake --build --preset release -j2 --target "${targets[@]}" >"$WORK_DIR/build.log" 2>&1) ||
    { tail -30 "$WORK_DIR/build.log" >&2; die "build failed (full log: $WORK_DIR/build.log)"; }
  java_src=$REPO_ROOT/benchmarks/kstreams/EddyBench.java
  if [[ ! -f $WORK_DIR/kstreams/EddyBench.class || $java_src -nt $WORK_DIR/kstreams/EddyBench.class ]]; then
    log "compiling the Kafka Streams app (javac)..."
    mkdir -p "$WORK_DIR/kstreams"
    javac -cp "$("$REPO_ROOT/scripts/kafka.sh" classpath)" -d "$WORK_DIR/kstreams" "$java_src" ||
      die "javac failed"
  fi
fi
LOADER=$BUILD_DIR/benchmarks/eddy-bench-load
[[ -x $LOADER ]] || die "$LOADER is missing (run without --no-build)"

# ---- broker --------------------------------------------------------------------------------
first=${BOOTSTRAP%%,*}
if ! (exec 3<>"/dev/tcp/${first%:*}/${first##*:}") 2>/dev/null; then
  die "no Kafka broker answers at $first; start one with scripts/kafka.sh start (benchmarks need a real broker)"
fi

export BENCH_REPO=$REPO_ROOT BENCH_BUILD_DIR=$BUILD_DIR BENCH_WORK_DIR=$WORK_DIR
export BENCH_BOOTSTRAP=$BOOTSTRAP BENCH_RECORDS=$RECORDS BENCH_PARTITIONS=$PARTITIONS
export BENCH_TIMEOUT_S=$TIMEOUT BENCH_W9_GAP_MS=$W9_GAP_MS BENCH_THREADS=$THREADS
BENCH_KAFKA_CLASSPATH=$("$REPO_ROOT/scripts/kafka.sh" classpath)
export BENCH_KAFKA_CLASSPATH

SESSION=$(date -u +%Y%m%d-%H%M%S)
PREFIX=eddybench-$SESSION
LOG_DIR=$WORK_DIR/logs/$SESSION
STATE_ROOT=$WORK_DIR/state/$SESSION
mkdir -p "$LOG_DIR" "$STATE_ROOT"

MPID= LPID=
cleanup() {
  # Only processes this script started, by pid.
  for pid in $MPID $LPID; do kill -TERM "$pid" 2>/dev/null || true; done
  if ((!KEEP_TOPICS)); then
    "$LOADER" --bootstrap "$BOOTSTRAP" delete --prefix "$PREFIX-" >/dev/null 2>&1 || true
  fi
  rm -rf "$STATE_ROOT"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

source "$REPO_ROOT/scripts/kafka/versions.env"
"$PYTHON" "$SCRIPT_DIR/bench/session_info.py" --session "$SESSION" \
  --param "workloads=${WORKLOADS[*]}" --param "runners=${RUNNERS[*]}" \
  --param "records=$RECORDS" --param "runs=$RUNS" --param "partitions=$PARTITIONS" \
  --param "keys=$KEYS" --param "threads=$THREADS" --param "rate=$RATE" --param "seed=$SEED" \
  --param "w7_rate=$W7_RATE" --param "w7_seconds=$W7_SECONDS" --param "w7_warmup=$W7_WARMUP" \
  --param "w4_records=$W4_RECORDS" --param "w4_keys=$W4_KEYS" --param "w4_rate=$W4_RATE" \
  --param "w6_records=$W6_RECORDS" --param "w6_keys=$W6_KEYS" --param "w6_process=$W6_PROCESS" \
  --param "w9_gap_ms=$W9_GAP_MS" \
  --param "kafka=$KAFKA_VERSION" --param "bootstrap=$BOOTSTRAP" \
  --param "java_opts=${EDDY_BENCH_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseG1GC}" >>"$RESULTS"

log "session $SESSION: workloads ${WORKLOADS[*]}; runners ${RUNNERS[*]}; $RUNS run(s) of $RECORDS records, $PARTITIONS partitions, $KEYS keys, $THREADS stream thread(s)"
log "results: $RESULTS; logs: $LOG_DIR"
t_session=$SECONDS

# What each runner says about each workload (ok / not built yet / n/a), once per session.
declare -A STATUS
for w in "${WORKLOADS[@]}"; do
  for r in "${RUNNERS[@]}"; do
    set +e
    status=$("$REPO_ROOT/benchmarks/runners/$r.sh" check "$w" 2>/dev/null)
    set -e
    STATUS[$w/$r]=${status:-failed check}
    if [[ ${STATUS[$w/$r]} == "not built yet" ]]; then
      printf '{"type":"result","session":"%s","workload":"%s","runner":"%s","status":"not built yet"}\n' \
        "$SESSION" "$w" "$r" >>"$RESULTS"
    fi
  done
done

# Appends the last line of $LOG_DIR/partial.jsonl to $RESULTS with the output topic's record
# count and, when given, the fields of a latency JSON file merged in.
finish_result() {
  local out_count=$1 latency_file=${2:-}
  "$PYTHON" - "$LOG_DIR/partial.jsonl" "$RESULTS" "$out_count" "$latency_file" <<'PY'
import json, sys
partial, results, count, latency_file = sys.argv[1:5]
last = json.loads(open(partial).read().splitlines()[-1])
last["output_records"] = None if count == "null" else int(count)
if latency_file:
    try:
        lat = json.loads(open(latency_file).read().strip().splitlines()[-1])
        last.update(lat)
    except (OSError, ValueError, IndexError):
        last["latency_error"] = "no latency result"
open(results, "a").write(json.dumps(last, sort_keys=True) + "\n")
PY
  rm -f "$LOG_DIR/partial.jsonl"
}

# measure_one WORKLOAD RUNNER RUN INPUT: one measured process of one runner on one workload.
# W7 (fixed rate, latency): its own input topic, fed live by the loader while the process runs,
# and a latency consumer on the output topic.
measure_one() {
  local w=$1 r=$2 run=$3 input=$4 wl=${1,,} rc
  local run_prefix=$PREFIX-r$run
  export BENCH_WORKLOAD=$w
  export BENCH_INPUT=$input
  export BENCH_OUTPUT=$run_prefix-$wl-$r-out
  export BENCH_APP_ID=$run_prefix-$wl-$r
  export BENCH_STATE_DIR=$STATE_ROOT/$BENCH_APP_ID
  export BENCH_RECORDS=$RECORDS
  "$LOADER" --bootstrap "$BOOTSTRAP" create --topic "$BENCH_OUTPUT" --partitions "$PARTITIONS" \
    2>>"$LOG_DIR/admin.log" || die "cannot create $BENCH_OUTPUT"
  local measure=("$PYTHON" "$SCRIPT_DIR/bench/measure.py" --results "$LOG_DIR/partial.jsonl"
    --log "$LOG_DIR/$w-$r-r$run.log" --timeout "$TIMEOUT"
    --meta "session=$SESSION" --meta "run=$run" --meta "workload=$w" --meta "runner=$r"
    --meta "output=$BENCH_OUTPUT" --meta "partitions=$PARTITIONS")
  if [[ $w == W4 ]]; then
    # Its own input, loaded once per run for every runner.
    input=$run_prefix-w4-in
    if [[ ! -f $LOG_DIR/load-w4-r$run.json ]]; then
      log "run $run: loading $W4_RECORDS records on $W4_KEYS keys into $input..."
      "$LOADER" --bootstrap "$BOOTSTRAP" produce --topic "$input" --partitions "$PARTITIONS" \
        --records "$W4_RECORDS" --keys "$W4_KEYS" --rate "$W4_RATE" --seed "$SEED" \
        >"$LOG_DIR/load-w4-r$run.json" 2>"$LOG_DIR/load-w4-r$run.log" ||
        { cat "$LOG_DIR/load-w4-r$run.log" >&2; die "loading $input failed"; }
    fi
    export BENCH_INPUT=$input BENCH_RECORDS=$W4_RECORDS
    set +e
    "${measure[@]}" --meta "input=$input" --meta "keys=$W4_KEYS" \
      -- "$REPO_ROOT/benchmarks/runners/$r.sh" run "$w"
    rc=$?
    set -e
    ((rc == 0)) || failures=$((failures + 1))
    finish_result "$("$LOADER" --bootstrap "$BOOTSTRAP" count --topic "$BENCH_OUTPUT" 2>/dev/null || echo null)"
  elif [[ $w == W9 || $w == W9-nc ]]; then
    # Its own input, session-shaped retail events, loaded once per run for every runner; each
    # runner processes all of it, so their closed sessions can be compared (--w9-check).
    input=$run_prefix-w9-in
    if [[ ! -f $LOG_DIR/load-w9-r$run.json ]]; then
      log "run $run: loading $RECORDS retail events ($KEYS customers) into $input..."
      "$LOADER" --bootstrap "$BOOTSTRAP" produce --shape retail --topic "$input" \
        --partitions "$PARTITIONS" --records "$RECORDS" --keys "$KEYS" --rate "$RATE" \
        --seed "$SEED" >"$LOG_DIR/load-w9-r$run.json" 2>"$LOG_DIR/load-w9-r$run.log" ||
        { cat "$LOG_DIR/load-w9-r$run.log" >&2; die "loading $input failed"; }
    fi
    export BENCH_INPUT=$input
    set +e
    "${measure[@]}" --meta "input=$input" --meta "keys=$KEYS" --meta "w9_gap_ms=$W9_GAP_MS" \
      -- "$REPO_ROOT/benchmarks/runners/$r.sh" run "$w"
    rc=$?
    set -e
    ((rc == 0)) || failures=$((failures + 1))
    finish_result "$("$LOADER" --bootstrap "$BOOTSTRAP" count --topic "$BENCH_OUTPUT" 2>/dev/null || echo null)"
  elif [[ $w == W6 ]]; then
    # The store's changelog (<application.id>-eddybench-w6-changelog, both runners' name for
    # it), pre-loaded before the measured process starts.
    # The store's changelog, <application.id>-eddybench-w6-changelog, in the runner's format:
    # Kafka Streams logs a count as its 8 bytes, Eddy with the record's timestamp before it.
    local changelog=$BENCH_APP_ID-eddybench-w6-changelog format=plain
    [[ $r == eddy ]] && format=stamped
    log "W6 $r run $run: loading $W6_RECORDS changelog records into $changelog..."
    "$LOADER" --bootstrap "$BOOTSTRAP" produce --changelog "$format" --topic "$changelog" \
      --partitions "$PARTITIONS" --records "$W6_RECORDS" --keys "$W6_KEYS" --rate 1000000 \
      --seed "$SEED" >"$LOG_DIR/W6-$r-r$run.load.json" 2>"$LOG_DIR/W6-$r-r$run.load.log" ||
      { cat "$LOG_DIR/W6-$r-r$run.load.log" >&2; die "loading $changelog failed"; }
    export BENCH_RECORDS=$W6_PROCESS
    local phase
    for phase in W6 W6-restart; do
      # The restart reads on from the committed offsets: it processes the next W6_PROCESS.
      set +e
      "$PYTHON" "$SCRIPT_DIR/bench/measure.py" --results "$LOG_DIR/partial.jsonl" \
        --log "$LOG_DIR/$phase-$r-r$run.log" --timeout "$TIMEOUT" \
        --meta "session=$SESSION" --meta "run=$run" --meta "workload=$phase" --meta "runner=$r" \
        --meta "output=$BENCH_OUTPUT" --meta "partitions=$PARTITIONS" --meta "input=$input" \
        --meta "changelog_records=$W6_RECORDS" --meta "changelog_keys=$W6_KEYS" \
        -- "$REPO_ROOT/benchmarks/runners/$r.sh" run W6
      rc=$?
      set -e
      ((rc == 0)) || failures=$((failures + 1))
      finish_result null
    done
  elif [[ $w != W7 ]]; then
    set +e
    "${measure[@]}" --meta "input=$input" -- "$REPO_ROOT/benchmarks/runners/$r.sh" run "$w"
    rc=$?
    set -e
    ((rc == 0)) || failures=$((failures + 1))
    finish_result "$("$LOADER" --bootstrap "$BOOTSTRAP" count --topic "$BENCH_OUTPUT" 2>/dev/null || echo null)"
  else
    export BENCH_INPUT=$run_prefix-$wl-$r-in
    export BENCH_RECORDS=$((W7_RATE * W7_SECONDS))
    "$LOADER" --bootstrap "$BOOTSTRAP" create --topic "$BENCH_INPUT" --partitions "$PARTITIONS" \
      2>>"$LOG_DIR/admin.log" || die "cannot create $BENCH_INPUT"
    local start_ms latency_file=$LOG_DIR/$w-$r-r$run.latency.json mpid lpid
    start_ms=$(date +%s%3N)
    "${measure[@]}" --meta "input=$BENCH_INPUT" --meta "rate=$W7_RATE" \
      -- "$REPO_ROOT/benchmarks/runners/$r.sh" run "$w" &
    mpid=$!
    MPID=$mpid
    "$BUILD_DIR/benchmarks/eddy-bench-latency" --bootstrap "$BOOTSTRAP" --topic "$BENCH_OUTPUT" \
      --start-ms "$start_ms" --warmup-s "$W7_WARMUP" --max-s "$((TIMEOUT + 60))" \
      >"$latency_file" 2>>"$LOG_DIR/$w-$r-r$run.latency.log" &
    lpid=$!
    LPID=$lpid
    "$LOADER" --bootstrap "$BOOTSTRAP" live --no-create --topic "$BENCH_INPUT" \
      --partitions "$PARTITIONS" --rate "$W7_RATE" --seconds "$W7_SECONDS" --keys "$KEYS" \
      --seed "$SEED" >"$LOG_DIR/$w-$r-r$run.live.json" 2>>"$LOG_DIR/$w-$r-r$run.latency.log" ||
      log "warning: the live load of $BENCH_INPUT failed (see $LOG_DIR/$w-$r-r$run.latency.log)"
    set +e
    wait "$mpid"
    rc=$?
    set -e
    ((rc == 0)) || failures=$((failures + 1))
    sleep 2 # let the last outputs reach the latency consumer
    kill -TERM "$lpid" 2>/dev/null || true
    wait "$lpid" || true
    MPID= LPID=
    finish_result "$("$LOADER" --bootstrap "$BOOTSTRAP" count --topic "$BENCH_OUTPUT" 2>/dev/null || echo null)" \
      "$latency_file"
  fi
  rm -rf "$BENCH_STATE_DIR"
}

# check_w9 WORKLOAD RUN: Eddy's and Kafka Streams' closed sessions of this run's W9 (or W9-nc)
# must agree (same sessions per customer, same features within rounding); the result goes to
# the results file.
check_w9() {
  local w=$1 run=$2 run_prefix=$PREFIX-r$2 r out
  for r in eddy kstreams; do
    [[ ${STATUS[$w/$r]} == ok ]] || { log "$w check: runner $r did not run, skipped"; return 0; }
    out=$run_prefix-${w,,}-$r-out
    "$LOADER" --bootstrap "$BOOTSTRAP" dump --topic "$out" \
      >"$LOG_DIR/$w-$r-r$run.out.tsv" 2>>"$LOG_DIR/admin.log" ||
      { log "$w check: cannot read $out"; failures=$((failures + 1)); return 0; }
  done
  local check=$LOG_DIR/$w-check-r$run.txt rc
  set +e
  "$PYTHON" "$SCRIPT_DIR/bench/compare_sessions.py" --names eddy,kstreams \
    "$LOG_DIR/$w-eddy-r$run.out.tsv" "$LOG_DIR/$w-kstreams-r$run.out.tsv" >"$check"
  rc=$?
  set -e
  head -n -1 "$check" | sed "s/^/bench.sh: $w check: /" >&2
  tail -1 "$check" | "$PYTHON" -c 'import json, sys; d = json.loads(sys.stdin.read()); d.update(type="check", session=sys.argv[1], run=int(sys.argv[2]), workload=sys.argv[3]); print(json.dumps(d, sort_keys=True))' \
    "$SESSION" "$run" "$w" >>"$RESULTS"
  if ((rc == 0)); then
    log "$w check run $run: Eddy and Kafka Streams agree"
  else
    log "$w check run $run: Eddy and Kafka Streams DIFFER (see $check)"
    failures=$((failures + 1))
  fi
}

needs_preload=0
for w in "${WORKLOADS[@]}"; do [[ $w == W7 || $w == W4 || $w == W9* ]] || needs_preload=1; done

failures=0
for ((run = 1; run <= RUNS; run++)); do
  run_prefix=$PREFIX-r$run
  input=$run_prefix-in
  if ((needs_preload)); then
    log "run $run/$RUNS: loading $RECORDS records into $input..."
    "$LOADER" --bootstrap "$BOOTSTRAP" produce --topic "$input" --partitions "$PARTITIONS" \
      --records "$RECORDS" --keys "$KEYS" --rate "$RATE" --seed "$SEED" \
      >"$LOG_DIR/load-r$run.json" 2>"$LOG_DIR/load-r$run.log" ||
      { cat "$LOG_DIR/load-r$run.log" >&2; die "loading $input failed"; }
    tail -1 "$LOG_DIR/load-r$run.log" >&2
  else
    log "run $run/$RUNS"
  fi
  # Rotate the runner order each run so no runner always goes first (page cache, JIT noise).
  order=()
  for ((i = 0; i < ${#RUNNERS[@]}; i++)); do
    order+=("${RUNNERS[$(((i + run - 1) % ${#RUNNERS[@]}))]}")
  done
  for w in "${WORKLOADS[@]}"; do
    for r in "${order[@]}"; do
      [[ ${STATUS[$w/$r]} == ok ]] || continue
      measure_one "$w" "$r" "$run" "$input"
    done
    if [[ $w == W9* ]] && ((W9_CHECK)); then check_w9 "$w" "$run"; fi
  done
  if ((!KEEP_TOPICS)); then
    "$LOADER" --bootstrap "$BOOTSTRAP" delete --prefix "$run_prefix-" 2>>"$LOG_DIR/admin.log" ||
      log "warning: could not delete the topics of run $run"
  fi
done
log "session $SESSION done in $((SECONDS - t_session)) s ($failures failed measurement(s))"

report_args=(--results "$RESULTS" --session "$SESSION")
((REPORT)) && report_args+=(--write "$REPO_ROOT/docs/benchmarks.md")
"$PYTHON" "$SCRIPT_DIR/bench/report.py" "${report_args[@]}"
((failures == 0)) || die "$failures measurement(s) failed; see $LOG_DIR"
