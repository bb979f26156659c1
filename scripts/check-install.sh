#!/usr/bin/env bash
# Installs Eddy twice into scratch prefixes — as a static library and as a shared one
# (BUILD_SHARED_LIBS=ON) — and builds and runs tests/install against each with
# find_package(eddy); checks eddy.pc with pkg-config; and checks that the shared library
# exports the public API only (cmake/eddy.map): no internal layer, no dependency's symbols,
# and every public symbol of the static library.
#
# Both builds compile with the dev preset's flags (RelWithDebInfo, warnings as errors), so
# after scripts/test.sh they take every object from ccache and cost a link each.
set -euo pipefail
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
source scripts/lib/ccache.sh

install_and_consume() {  # kind: static|shared
  local kind=$1 shared=OFF
  [ "$kind" = shared ] && shared=ON
  local prefix=$REPO_ROOT/build/install-prefix-$kind
  # Two levels below the checkout, like build/dev: ccache sees the same relative paths.
  local lib_build=build/install-$kind consumer_build=build/install-consumer-$kind
  rm -rf "$prefix" "$consumer_build"
  cmake -S . -B "$lib_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DEDDY_WARNINGS_AS_ERRORS=ON -DBUILD_SHARED_LIBS=$shared -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_EXAMPLES=OFF -DEDDY_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$lib_build" -j2
  cmake --install "$lib_build" >/dev/null
  cmake -S tests/install -B "$consumer_build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$consumer_build" -j2
  "$consumer_build/consumer"
  PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --modversion eddy >/dev/null
  echo "check-install.sh: $kind install: find_package(eddy) consumer built and ran; eddy.pc found"
}

install_and_consume static
install_and_consume shared

# The shared library's exports: demangled names of its dynamic symbol table.
so=$(ls "$REPO_ROOT"/build/install-prefix-shared/lib/libeddy.so.*.*.* | head -1)
# ldd's output is captured first: `ldd | grep -q` under pipefail fails at random when grep
# exits on its first match and ldd, still writing, dies of SIGPIPE (CI of stop 26).
consumer_libs=$(ldd "$REPO_ROOT/build/install-consumer-shared/consumer")
grep -q "libeddy.so" <<<"$consumer_libs" ||
  { echo "check-install.sh: the shared consumer does not link libeddy.so" >&2; exit 1; }
exports=$(nm -D --defined-only "$so" | awk '{ $1 = ""; $2 = ""; print substr($0, 3) }' | c++filt)
leaks=$(grep -E '(^|[ :])(eddy::(kafka|runtime|state|metrics|processor|topology|dsl|sink|common)::|rocksdb::|spdlog::|fmt::|prometheus::|civetweb|mg_|rd_kafka|redis)' <<<"$exports" |
  grep -vE '^eddy::(KafkaStreams::KafkaStreams|[A-Z])' | head -20 || true)
if [ -n "$leaks" ]; then
  echo "check-install.sh: libeddy.so exports internal or dependency symbols, e.g.:" >&2
  echo "$leaks" >&2
  exit 1
fi
# Every public symbol the static library defines (namespace eddy, outside the internal
# layers) must be exported, or a consumer of the shared library cannot link it.
static_public=$(nm -C --defined-only "$REPO_ROOT"/build/install-prefix-static/lib/libeddy.a 2>/dev/null |
  awk '$2 ~ /^[TDBR]$/ { $1 = ""; $2 = ""; print substr($0, 3) }' |
  grep -E '^eddy::' | grep -vE '^eddy::(kafka|runtime|state|metrics|processor|topology|dsl|sink|common|testing_support)::' | sort -u)
missing=$(comm -23 <(echo "$static_public") <(echo "$exports" | sort -u) | head -20)
if [ -n "$missing" ]; then
  echo "check-install.sh: public symbols missing from libeddy.so (add them to cmake/eddy.map):" >&2
  echo "$missing" >&2
  exit 1
fi
echo "check-install.sh: libeddy.so exports $(wc -l <<<"$exports") symbols, the public API only"
