#!/usr/bin/env bash
# The main job: builds what it needs and runs Eddy end to end. With no Kafka it uses the
# embedded broker (librdkafka's in-process mock cluster).
#   scripts/demo.sh [--bootstrap-servers host:port]
set -euo pipefail
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
ARGS=("$@")

echo "==> set-up"
scripts/setup.sh
echo "==> build (release preset)"
cmake --preset release -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build --preset release --target eddy-smoke
echo "==> run"
build/release/examples/smoke/eddy-smoke "${ARGS[@]}"
