#!/usr/bin/env bash
# Where the CPU goes: Eddy's runner beside the raw librdkafka pipe on one workload (W0 or W1),
# each under `perf record` (cpu-clock sampling, all threads), on a real broker. Prints the
# samples per thread (stream thread, producer and consumer broker threads) and the top symbols
# of the processing thread, and keeps the perf data for `perf report`.
#
#   scripts/bench-profile.sh [W0|W1] [--records N] [--bootstrap B] [--prop key=value ...]
#
# --prop is passed to eddy-bench-streams (e.g. --prop buffered.records.per.partition=1000000)
# to compare a setting. Needs perf (software cpu-clock events are enough) and the release
# binaries (scripts/bench.sh builds them). Topics are named bench-profile-<time>-* and deleted
# at the end. Output: build/bench/profile/<time>/{eddy,raw}.perf.data.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
BIN=$REPO_ROOT/build/release/benchmarks
WORKLOAD=W1
RECORDS=1000000
BOOTSTRAP=${EDDY_BENCH_BOOTSTRAP:-localhost:9092}
FREQ=2000
PROPS=()

while (($#)); do
  case $1 in
    W0 | W1) WORKLOAD=$1; shift ;;
    --records) RECORDS=${2:?}; shift 2 ;;
    --bootstrap) BOOTSTRAP=${2:?}; shift 2 ;;
    --freq) FREQ=${2:?}; shift 2 ;;
    --prop) PROPS+=(--prop "${2:?}"); shift 2 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-profile.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

for b in eddy-bench-streams eddy-bench-raw-pipe eddy-bench-load; do
  [[ -x $BIN/$b ]] || { echo "bench-profile.sh: $BIN/$b missing (run scripts/bench.sh)" >&2; exit 1; }
done
command -v perf >/dev/null || { echo "bench-profile.sh: perf not found" >&2; exit 1; }

STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=$REPO_ROOT/build/bench/profile/$STAMP
PREFIX=bench-profile-$STAMP
mkdir -p "$OUT"
cleanup() { "$BIN/eddy-bench-load" --bootstrap "$BOOTSTRAP" delete --prefix "$PREFIX" >/dev/null 2>&1 || true; }
trap cleanup EXIT

"$BIN/eddy-bench-load" --bootstrap "$BOOTSTRAP" produce --topic "$PREFIX-in" --records "$RECORDS" \
  >/dev/null 2>"$OUT/load.log"
"$BIN/eddy-bench-load" --bootstrap "$BOOTSTRAP" create --topic "$PREFIX-eddy-out" >/dev/null
"$BIN/eddy-bench-load" --bootstrap "$BOOTSTRAP" create --topic "$PREFIX-raw-out" >/dev/null

transform=none
[[ $WORKLOAD == W1 ]] && transform=w1

echo "== eddy $WORKLOAD ($RECORDS records) ${PROPS[*]}"
perf record -q -e cpu-clock -F "$FREQ" -o "$OUT/eddy.perf.data" -- \
  "$BIN/eddy-bench-streams" --workload "$WORKLOAD" --bootstrap "$BOOTSTRAP" --input "$PREFIX-in" \
  --output "$PREFIX-eddy-out" --records "$RECORDS" --app-id "$PREFIX-eddy" \
  --state-dir "$OUT/state" "${PROPS[@]}" 2>"$OUT/eddy.log" | tail -1
echo "== raw $WORKLOAD"
perf record -q -e cpu-clock -F "$FREQ" -o "$OUT/raw.perf.data" -- \
  "$BIN/eddy-bench-raw-pipe" --workload "$WORKLOAD" --transform "$transform" \
  --bootstrap "$BOOTSTRAP" --input "$PREFIX-in" --output "$PREFIX-raw-out" --group "$PREFIX-raw" \
  --records "$RECORDS" 2>"$OUT/raw.log" | tail -1

for side in eddy raw; do
  data=$OUT/$side.perf.data
  echo
  echo "== $side: samples per thread (${FREQ} samples = 1 CPU-second; librdkafka creates the"
  echo "   producer's threads before the consumer's, so the lower rdk:broker tid is the producer)"
  perf script -i "$data" -F comm,tid 2>/dev/null | sort | uniq -c | sort -rn | head -6
  top_tid=$(perf script -i "$data" -F comm,tid 2>/dev/null | grep -v 'rdk:' | sort | uniq -c |
    sort -rn | awk 'NR==1 {print $3}')
  echo "== $side: top symbols of the processing thread (tid $top_tid)"
  perf report -i "$data" --no-children --tid "$top_tid" --sort dso,sym -n --stdio 2>/dev/null |
    grep -v '^#' | grep -v '^$' |
    sed -E 's/std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >/string/g' |
    cut -c1-160 | head -20
done
echo
echo "perf data: $OUT (perf report -i $OUT/eddy.perf.data --sort comm,dso,sym)"
