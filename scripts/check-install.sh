#!/usr/bin/env bash
# Installs Eddy into a scratch prefix and builds tests/install against it with
# find_package(eddy), then runs the consumer. Also checks eddy.pc with pkg-config.
set -euo pipefail
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
source scripts/lib/ccache.sh
PREFIX=$REPO_ROOT/build/install-prefix
rm -rf "$PREFIX" build/install-consumer
cmake -S . -B build/install-lib -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_EXAMPLES=OFF -DEDDY_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/install-lib -j2
cmake --install build/install-lib >/dev/null
cmake -S tests/install -B build/install-consumer -G Ninja -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build build/install-consumer -j2
build/install-consumer/consumer
PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --modversion eddy
echo "check-install.sh: find_package(eddy) consumer built and ran; eddy.pc found"
