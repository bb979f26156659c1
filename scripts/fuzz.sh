#!/usr/bin/env bash
# Builds Eddy's libFuzzer targets (tests/fuzz/) with clang and runs each for a while on its
# corpus. Only the sources a target needs are compiled (ccache'd), so a cold build is small.
#
#   scripts/fuzz.sh                   # build all, run each 30 s (what CI does)
#   scripts/fuzz.sh --seconds 600     # 10 minutes each
#   scripts/fuzz.sh --seconds 60 serdes checkpoint   # only these targets
#   scripts/fuzz.sh --build-only
#
# Each run starts from tests/fuzz/corpus/<target>/ (checked in) and writes what it finds to
# build/fuzz/<target>.corpus/ (not the repo). A crash, sanitizer report, leak or abort ends the
# run with the input saved as build/fuzz/<target>-crash-*; rerun it with
#   build/fuzz/fuzz_<target> build/fuzz/<target>-crash-<hash>
# Needs clang and libclang-rt-14-dev (scripts/setup.sh installs them).
set -euo pipefail

REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
SECONDS_EACH=30
BUILD_ONLY=0
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --build-only) BUILD_ONLY=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
ALL=(serdes retail_event checkpoint streams_config window_keys)
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")

# The library sources each target links (headers are found through the include paths).
sources_of() {
  case "$1" in
    serdes|retail_event) ;;
    checkpoint) echo src/state/restore/checkpoint_file.cc src/common/log.cc ;;
    streams_config)
      echo src/runtime/streams_config.cc src/processor/error_handlers.cc src/kafka/client_config.cc \
           src/kafka/embedded_cluster.cc src/kafka/handle.cc src/kafka/error.cc src/common/log.cc ;;
    window_keys)
      echo src/state/memory/in_memory_segmented_store.cc src/state/segmented_window_store.cc \
           src/state/segmented_session_store.cc ;;
    *) echo "fuzz.sh: unknown target $1 (have: ${ALL[*]})" >&2; exit 2 ;;
  esac
}

CXX=${FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}
if [ -z "$CXX" ]; then
  echo "fuzz.sh: clang++ not found; run scripts/setup.sh (clang, libclang-rt-14-dev)" >&2
  exit 1
fi
source scripts/lib/ccache.sh
LAUNCHER=()
[ -n "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ] && LAUNCHER=("$CMAKE_CXX_COMPILER_LAUNCHER")
OUT=build/fuzz
mkdir -p "$OUT/obj"
SAN=(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)
CXXFLAGS=(-std=c++20 -O1 -g -fno-omit-frame-pointer "${SAN[@]}"
          -Iinclude -Isrc -Iexamples -DEDDY_FUZZING=1)
LIBS=$(pkg-config --libs rdkafka)
LIBS+=" -lspdlog -lfmt"

compile() {  # source -> object, only when the source or a header changed (ccache decides)
  local src=$1 obj="$OUT/obj/$(echo "$1" | tr / _).o"
  "${LAUNCHER[@]}" "$CXX" "${CXXFLAGS[@]}" -c "$src" -o "$obj" >&2
  echo "$obj"
}

for target in "${TARGETS[@]}"; do
  srcs=$(sources_of "$target")
  objs=()
  for src in tests/fuzz/fuzz_"$target".cc $srcs; do objs+=("$(compile "$src")"); done
  # shellcheck disable=SC2086
  "$CXX" "${SAN[@]/fuzzer-no-link/fuzzer}" "${objs[@]}" $LIBS -o "$OUT/fuzz_$target"
  echo "fuzz.sh: built $OUT/fuzz_$target"
done
[ "$BUILD_ONLY" = 1 ] && exit 0

failed=()
for target in "${TARGETS[@]}"; do
  corpus="$OUT/$target.corpus"
  mkdir -p "$corpus"
  echo "fuzz.sh: fuzz_$target for ${SECONDS_EACH}s"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  if ! "$OUT/fuzz_$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$OUT/$target-" \
      "$corpus" "tests/fuzz/corpus/$target" 2> "$OUT/$target.log"; then
    failed+=("$target")
    tail -n 60 "$OUT/$target.log" >&2
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$OUT/$target.log" |
    sed "s/^/fuzz_$target: /" || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs saved as $OUT/<target>-crash-*)" >&2
  exit 1
fi
echo "fuzz.sh: every target ran ${SECONDS_EACH}s clean"
