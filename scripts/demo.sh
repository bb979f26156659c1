#!/usr/bin/env bash
# The main job: builds what it needs, then runs the load generator and the four retail apps
# (session scoring, checkout alerts, trending SKUs, offer attribution; eddy-demo runs them
# side by side) for about a minute, with one progress line a second and a summary per app at
# the end. See docs/examples.md.
#
#   scripts/demo.sh [--duration 60s] [--rate 500] [--bootstrap-servers host:port]
#                   [--redis host:port] [--embedded] [--no-build]
#
# Broker: --bootstrap-servers if given; else a Kafka on localhost:${EDDY_KAFKA_PORT:-9092} if
# one answers; else the embedded broker (librdkafka's mock cluster), hosted by eddy-demo,
# whose loopback address the load generator is pointed at. --embedded forces it. Redis:
# --redis if given; else 127.0.0.1:${EDDY_REDIS_PORT:-6379} if it answers (not with
# --embedded); else features are served from the apps' memory.
set -euo pipefail
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"

DURATION=60s
RATE=500
BOOTSTRAP=""
REDIS=""
EMBEDDED=0
BUILD=1
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --bootstrap-servers) BOOTSTRAP=$2; shift 2 ;;
    --redis) REDIS=$2; shift 2 ;;
    --embedded) EMBEDDED=1; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

answers() {  # host port: true when something accepts TCP connections there
  timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

BIN=${EDDY_DEMO_BIN_DIR:-build/release/examples}  # another build's examples/, with --no-build
if [ "$BUILD" -eq 1 ]; then
  echo "==> set-up"
  scripts/setup.sh
  echo "==> build (release preset: the library, eddy-demo, eddy-loadgen)"
  source scripts/lib/ccache.sh
  cmake --preset release -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build --preset release --target eddy-demo eddy-loadgen
fi

RUN_ID=$(date +%Y%m%d-%H%M%S)-$$
RUN_DIR=.local/demo/$RUN_ID
mkdir -p "$RUN_DIR"
# Sessions close after 5 s without events (and after 2 s of wall-clock idleness once the load
# stops); failures alert at 3 in 10 s; trending windows are 30 s long, one every 10 s; a
# purchase is attributed to an exposure of the same SKU up to 30 min before it. Late events
# (--late-fraction) are dropped by the windowed apps and counted in the progress line.
APP_ARGS=(--application-id "eddy-demo-$RUN_ID" --state-dir "$RUN_DIR/state"
          --gap 5s --idle-close 2s --alert-window 10s --threshold 3
          --trending-window 30s --trending-advance 10s --attribution-window 30m
          --commit-interval 1s --progress --log-level error)
LOADGEN_ARGS=(--rate "$RATE" --duration "$DURATION" --customers 2000 --seed 7
              --max-disorder 500ms --late-fraction 0.002 --quiet)

KAFKA_PORT=${EDDY_KAFKA_PORT:-9092}
if [ -z "$BOOTSTRAP" ] && [ "$EMBEDDED" -eq 0 ] && answers localhost "$KAFKA_PORT"; then
  BOOTSTRAP=localhost:$KAFKA_PORT
fi
if [ -n "$BOOTSTRAP" ]; then
  # A real broker keeps topics between runs: give this run its own, so its numbers are its own.
  PREFIX="eddy-demo-$RUN_ID."
  APP_ARGS+=(--bootstrap-servers "$BOOTSTRAP" --topic-prefix "$PREFIX")
  LOADGEN_ARGS+=(--topic "${PREFIX}retail.events" --inventory-topic "${PREFIX}retail.inventory")
  echo "==> broker: $BOOTSTRAP (topics ${PREFIX}*)"
else
  echo "==> broker: embedded (in eddy-demo's process)"
fi
REDIS_PORT=${EDDY_REDIS_PORT:-6379}
if [ -z "$REDIS" ] && [ "$EMBEDDED" -eq 0 ] && answers 127.0.0.1 "$REDIS_PORT"; then
  REDIS=127.0.0.1:$REDIS_PORT
fi
if [ -n "$REDIS" ]; then
  APP_ARGS+=(--redis "$REDIS")
  echo "==> redis: $REDIS (session:<customer>, session-live:<customer>, trending," \
       "attribution:<offer>)"
else
  echo "==> redis: none (features served from the apps' memory)"
fi

APP_PID=""
LOADGEN_PID=""
cleanup() {
  [ -n "$LOADGEN_PID" ] && kill "$LOADGEN_PID" 2>/dev/null || true
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> eddy-demo ${APP_ARGS[*]}"
"$BIN/demo/eddy-demo" "${APP_ARGS[@]}" >"$RUN_DIR/app.out" \
  2> >(tee "$RUN_DIR/app.err" >&2) &
APP_PID=$!

wait_for_line() {  # pattern seconds: waits for the app to print it on stdout
  for _ in $(seq $(( $2 * 10 ))); do
    grep -q "$1" "$RUN_DIR/app.out" 2>/dev/null && return 0
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      echo "demo.sh: eddy-demo exited early; see $RUN_DIR/app.err" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "demo.sh: eddy-demo did not print '$1' within $2 s; see $RUN_DIR/app.err" >&2
  exit 1
}
wait_for_line '^bootstrap.servers=' 60
APP_BOOTSTRAP=$(sed -n 's/^bootstrap.servers=\([^ ]*\).*/\1/p' "$RUN_DIR/app.out")
wait_for_line '^state=RUNNING' 90
if [ -z "$BOOTSTRAP" ]; then
  # The app created the topics in its embedded broker, which has no Admin API for others.
  LOADGEN_ARGS+=(--no-create-topics)
fi

echo "==> eddy-loadgen --bootstrap-servers $APP_BOOTSTRAP ${LOADGEN_ARGS[*]}"
echo "    (progress below: one line a second from eddy-demo)"
"$BIN/loadgen/eddy-loadgen" --bootstrap-servers "$APP_BOOTSTRAP" "${LOADGEN_ARGS[@]}" \
  >"$RUN_DIR/loadgen.log" 2>&1 &
LOADGEN_PID=$!
if ! wait "$LOADGEN_PID"; then
  LOADGEN_PID=""
  echo "demo.sh: eddy-loadgen failed:" >&2
  cat "$RUN_DIR/loadgen.log" >&2
  exit 1
fi
LOADGEN_PID=""
sed -n '/eddy-loadgen summary/,$p' "$RUN_DIR/loadgen.log"

# Open sessions close 5 s (the gap) after their last event; idle close (2 s) keeps the stream
# time moving once no more events come.
echo "==> load done; letting the last sessions close"
sleep 9
kill -INT "$APP_PID"
APP_STATUS=0
wait "$APP_PID" || APP_STATUS=$?
APP_PID=""
sleep 0.2  # let tee finish writing the summary
count() { sed -n "s/$1/\\1/p" "$RUN_DIR/app.err" | tail -1; }
SESSIONS=$(count '^== eddy-session-scoring: .* \([0-9]*\) sessions closed.*')
WINDOWS=$(count '^  windows closed \([0-9]*\) .*')
ATTRIBUTED=$(count '^== eddy-offer-attribution: \([0-9]*\) purchases attributed')
ALERTS=$(count '^  alerts raised \([0-9]*\).*')
if [ "$APP_STATUS" -ne 0 ] || [ "${SESSIONS:-0}" -eq 0 ] || [ "${WINDOWS:-0}" -eq 0 ] ||
   [ "${ATTRIBUTED:-0}" -eq 0 ]; then
  echo "demo.sh: FAILED (exit status $APP_STATUS, sessions closed ${SESSIONS:-0}, trending" \
       "windows ${WINDOWS:-0}, purchases attributed ${ATTRIBUTED:-0}); logs in $RUN_DIR" >&2
  exit 1
fi
echo "demo.sh: OK ($SESSIONS sessions scored, ${ALERTS:-0} alerts, $WINDOWS trending windows," \
     "$ATTRIBUTED purchases attributed; logs in $RUN_DIR)"
