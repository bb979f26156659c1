#!/usr/bin/env bash
# The differential suite: the same cases through Kafka Streams' TopologyTestDriver
# (KafkaStreamsCases.java, Kafka Streams 4.4 from the jars scripts/kafka.sh fetches) and through
# Eddy's (eddy-differential), then compare.py classifies every case as identical, an intended
# difference (listed in docs/time-and-windows.md) or unexplained (the suite fails).
#
#   run.sh EDDY_DIFFERENTIAL                  # CI: the named cases + 300 random ones (seed 20261206)
#   run.sh EDDY_DIFFERENTIAL --seed 7 --count 5000 [--kinds window,table-table]
#   run.sh EDDY_DIFFERENTIAL case.txt...      # just these case files
#   --keep DIR   keeps the cases and both outputs in DIR (to look at a failure)
#
# A random case is named <seed>-<index>-<kind>; `generate.py --seed S --count N` writes it again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
eddy_bin=${1:?usage: run.sh <eddy-differential binary> [--seed S] [--count N] [--kinds K] [case.txt ...]}
shift
seed="" count="" kinds="" keep="" cases=()
while (($#)); do
  case $1 in
    --seed) seed=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --kinds) kinds=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) cases+=("$1"); shift ;;
  esac
done

if [[ -n $keep ]]; then
  work=$keep
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work" "$scratch"' EXIT
fi
mkdir -p "$work/cases" "$work/kstreams" "$work/eddy"
# Both drivers keep their RocksDB stores in a temporary directory, opened and closed once per
# case: in memory (/dev/shm) that costs no disk syncs, which otherwise take most of the time.
scratch=$(mktemp -d -p "$([[ -w /dev/shm ]] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
[[ -n $keep ]] && trap 'rm -rf "$scratch"' EXIT

if ((${#cases[@]} == 0)); then
  if [[ -z $seed && -z $count ]]; then
    seed=20261206 count=300
    cases=("$here"/cases/*.txt)  # hand-written cases of edges found before
  fi
  python3 "$here/generate.py" --seed "${seed:-1}" --count "${count:-300}" --out "$work/cases" \
    ${kinds:+--kinds "$kinds"}
  cases+=("$work"/cases/*.txt)
fi
echo "differential: ${#cases[@]} cases${seed:+ (seed $seed)}"

# Long argument lists go in batches, so neither side hits the command-line limit.
batch() {
  local cmd=("$@") i
  for ((i = 0; i < ${#cases[@]}; i += 500)); do "${cmd[@]}" "${cases[@]:i:500}"; done
}
start=$(date +%s)
EDDY_KAFKA_JAVA_OPTS="-Djava.io.tmpdir=$scratch -XX:+UseSerialGC" \
  batch "$root/scripts/kafka.sh" java "$here/KafkaStreamsCases.java" "$work/kstreams" \
  2>"$work/kstreams.log" || { tail -50 "$work/kstreams.log" >&2; exit 1; }
ks_done=$(date +%s)
TMPDIR=$scratch batch "$eddy_bin" "$work/eddy" 2>"$work/eddy.log" ||
  { tail -50 "$work/eddy.log" >&2; exit 1; }
eddy_done=$(date +%s)
echo "differential: Kafka Streams $((ks_done - start)) s, Eddy $((eddy_done - ks_done)) s"
python3 "$here/compare.py" --quiet --ks "$work/kstreams" --eddy "$work/eddy" "${cases[@]}"
