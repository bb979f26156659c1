#!/usr/bin/env bash
# The fault tests that need a three-node cluster (ctest label `cluster`, tests/cluster/):
# builds them, starts `scripts/kafka.sh start --nodes 3` (RF 3, min.insync.replicas 2) unless
# a three-node cluster of this checkout already runs, runs them, stops what it started.
# They kill and restart brokers, so they never run against a cluster someone else uses;
# scripts/test.sh (and CI) leave them out: they take minutes.
#
#   scripts/test-cluster.sh                 # dev preset
#   scripts/test-cluster.sh --preset asan
#   EDDY_KAFKA_PORT=39092 scripts/test-cluster.sh   # the cluster on ports 39092..39097
set -euo pipefail

REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
PRESET=dev
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) PRESET=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "test-cluster.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

source scripts/lib/ccache.sh
cmake --preset "$PRESET" >/dev/null
cmake --build --preset "$PRESET" --target eddy_cluster_tests

STARTED_KAFKA=0
cleanup() { [ "$STARTED_KAFKA" = 1 ] && scripts/kafka.sh stop || true; }
trap cleanup EXIT
status=$(scripts/kafka.sh status 2>/dev/null || true)  # captured first: grep -q + pipefail
if grep -q '^node 3: running' <<<"$status"; then
  echo "test-cluster.sh: using the three-node cluster already running at $(scripts/kafka.sh bootstrap)"
else
  if grep -q '^node 1: running' <<<"$status"; then
    echo "test-cluster.sh: a single-node cluster of this checkout runs; stop it first" >&2
    exit 1
  fi
  scripts/kafka.sh fetch
  scripts/kafka.sh start --nodes 3
  STARTED_KAFKA=1
fi
export EDDY_TEST_BOOTSTRAP=$(scripts/kafka.sh bootstrap)
ctest --test-dir "build/$PRESET" -L cluster --output-on-failure --timeout 900
