#!/usr/bin/env bash
# Differential test of windowed aggregations: every case in tests/differential/cases runs
# through Kafka Streams' TopologyTestDriver (WindowDifferential.java, needs Java 17+ and the
# Kafka jars that scripts/kafka.sh fetches) and through Eddy's (eddy-differential); the
# outputs (every record: key, window, value, timestamp; and the late-drop count) must match.
#
#   tests/differential/run.sh build/dev/tests/eddy-differential [case.txt ...]
#
# A case may come with <case>.divergence: the exact diff lines (-Kafka Streams / +Eddy) that
# are expected, each explained in docs/time-and-windows.md (e.g. Kafka Streams repeating a
# "final" sliding-window result that Eddy emits once). Any other difference fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
eddy_bin=${1:?usage: run.sh <eddy-differential binary> [case.txt ...]}
shift
cases=("$@")
((${#cases[@]})) || cases=("$here"/cases/*.txt)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/kstreams" "$work/eddy"
"$root/scripts/kafka.sh" java "$here/WindowDifferential.java" "$work/kstreams" "${cases[@]}" \
  2>"$work/java.log" || { cat "$work/java.log" >&2; exit 1; }
"$eddy_bin" "$work/eddy" "${cases[@]}" 2>"$work/eddy.log" || { cat "$work/eddy.log" >&2; exit 1; }

pass=0 fail=0
for c in "${cases[@]}"; do
  name=$(basename "$c" .txt)
  expected="${c%.txt}.divergence"
  if diff -u "$work/kstreams/$name.out" "$work/eddy/$name.out" >"$work/$name.diff"; then
    pass=$((pass + 1))
  elif [[ -f $expected ]] &&
    diff <(grep -E '^[-+]([^-+]|$)' "$work/$name.diff") <(grep -v '^#' "$expected") >/dev/null; then
    pass=$((pass + 1))
    echo "ok $name (expected divergence: $(basename "$expected"))"
  else
    fail=$((fail + 1))
    echo "FAIL $name (--- Kafka Streams, +++ Eddy):"
    cat "$work/$name.diff"
  fi
done
echo "window differential: $pass passed, $fail failed (of ${#cases[@]})"
((fail == 0))
