#!/usr/bin/env bash
# The test command: set-up, configure, build, start Kafka and Redis, run the unit and
# integration tests, stop what it started. Works on a fresh machine (installs packages and
# fetches the Kafka jars) and on a developer's (reuses a broker or Redis already running,
# and leaves them running).
#
#   scripts/test.sh                 # dev preset (warnings as errors), all tests
#   scripts/test.sh --preset asan   # another preset; integration tests too
#   scripts/test.sh --unit-only     # no broker, no Redis
#   scripts/test.sh --filter REGEX  # only tests whose name matches (ctest -R)
set -euo pipefail

REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
PRESET=dev
UNIT_ONLY=0
FILTER=()
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) PRESET=$2; shift 2 ;;
    --unit-only) UNIT_ONLY=1; shift ;;
    --filter) FILTER=(-R "$2"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

step "set-up (Debian packages)"
scripts/setup.sh

step "configure + build (preset $PRESET)"
source scripts/lib/ccache.sh
[ -n "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ] && ccache --zero-stats >/dev/null
cmake --preset "$PRESET" >/dev/null
if [ "$UNIT_ONLY" = 1 ]; then
  cmake --build --preset "$PRESET" --target eddy_unit_tests  # nothing else is run
else
  cmake --build --preset "$PRESET"
fi

if [ -n "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]; then
  ccache --show-stats | grep -E '^ *(Hits|Misses):' | head -2 | sed 's/^ */test.sh: ccache /'
fi

STARTED_KAFKA=0
STARTED_REDIS=0
cleanup() {
  [ "$STARTED_REDIS" = 1 ] && scripts/redis.sh stop || true
  [ "$STARTED_KAFKA" = 1 ] && scripts/kafka.sh stop || true
}
trap cleanup EXIT

LABELS="unit"
if [ "$UNIT_ONLY" = 0 ]; then
  LABELS="unit|integration"
  step "Kafka (real broker from Maven Central jars)"
  if [ -n "${EDDY_TEST_BOOTSTRAP:-}" ]; then
    echo "test.sh: using the Kafka at EDDY_TEST_BOOTSTRAP=$EDDY_TEST_BOOTSTRAP"
  elif scripts/kafka.sh status >/dev/null 2>&1; then
    echo "test.sh: using the Kafka already running at $(scripts/kafka.sh bootstrap)"
  else
    scripts/kafka.sh fetch
    # --secure: TLS and SASL_SSL listeners beside the plaintext one, for the SecureKafka tests.
    scripts/kafka.sh start --secure
    STARTED_KAFKA=1
  fi
  # The tests find the broker here (tests/support/real_kafka.h); EDDY_KAFKA_PORT moves it.
  export EDDY_TEST_BOOTSTRAP=${EDDY_TEST_BOOTSTRAP:-$(scripts/kafka.sh bootstrap)}
  # ... and its secure listeners' client properties here (tests/support/secure_kafka.h).
  if [ -z "${EDDY_TEST_SECURE_DIR:-}" ]; then
    if secure_config=$(scripts/kafka.sh client-config ssl 2>/dev/null); then
      export EDDY_TEST_SECURE_DIR=$(dirname "$secure_config")
    else
      echo "test.sh: the broker has no --secure listeners: the SecureKafka tests are skipped" \
        "(outside CI; restart it with scripts/kafka.sh start --secure to run them)"
    fi
  fi
  step "Redis"
  if redis-cli -p "${EDDY_REDIS_PORT:-6379}" ping 2>/dev/null | grep -q PONG; then
    echo "test.sh: using the redis-server already answering on port ${EDDY_REDIS_PORT:-6379}"
  else
    scripts/redis.sh start
    STARTED_REDIS=1
  fi
fi

step "tests (labels: $LABELS)"
# Unit tests run two at a time; integration tests are RUN_SERIAL (they share the broker).
ctest --test-dir "build/$PRESET" -L "$LABELS" "${FILTER[@]}" -j2 --output-on-failure --timeout 900
