#!/usr/bin/env bash
# The long standby proof (not in CI: ~10 minutes on 2 cores): a task holding 1 M state entries
# (a count over 1 M distinct values), its owner SIGKILLed, the survivor taking over, once
# without a standby and once with num.standby.replicas=1, under at-least-once and
# exactly-once. Prints, per run, the records the survivor restored and the time from the
# SIGKILL until the task's partitions process again (the survivor counts re-sent values).
# Uses the broker at EDDY_TEST_BOOTSTRAP (default localhost:${EDDY_KAFKA_PORT:-9092}; start
# one with scripts/kafka.sh start) and the dev build.
#
#   scripts/standby-failover.sh                    # both guarantees
#   scripts/standby-failover.sh at_least_once      # one
set -euo pipefail
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
source scripts/lib/ccache.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target eddy-test-pipe-app eddy_integration_tests
export EDDY_TEST_BOOTSTRAP=${EDDY_TEST_BOOTSTRAP:-localhost:${EDDY_KAFKA_PORT:-9092}}
FILTER='Guarantees/StandbyFailoverLong.*'
[ $# -gt 0 ] && FILTER="Guarantees/StandbyFailoverLong.MillionEntriesWithAndWithoutStandby/$([ "$1" = exactly_once_v2 ] && echo 1 || echo 0)"
EDDY_STANDBY_LONG=1 build/dev/tests/eddy_integration_tests --gtest_filter="$FILTER" |
  tee /dev/stderr | grep '^STANDBY-FAILOVER' || true
