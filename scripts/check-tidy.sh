#!/usr/bin/env bash
# Fails when clang-tidy (the checks in .clang-tidy) finds something in the library's sources
# or the public headers they include (CI runs this after the dev build is configured).
#   scripts/check-tidy.sh                 # every src/**/*.cc (about 4 minutes on 2 cores)
#   scripts/check-tidy.sh FILE.cc ...     # just these
# A finding that is wrong for a line is silenced there with `// NOLINT(check-name): why`.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
build=${EDDY_TIDY_BUILD:-build/dev}
[[ -f $build/compile_commands.json ]] ||
  { echo "check-tidy.sh: no $build/compile_commands.json (configure first: cmake --preset dev)" >&2; exit 2; }
command -v clang-tidy >/dev/null || { echo "check-tidy.sh: clang-tidy missing (scripts/setup.sh installs it)" >&2; exit 2; }
if (($#)); then files=("$@"); else mapfile -t files < <(git ls-files 'src/*.cc'); fi
jobs=$(nproc)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "check-tidy.sh: ${#files[@]} files, $jobs at a time"
# g++-only warning flags in the compile commands are not clang-tidy's business, nor are
# librdkafka's macros (GNU statement expressions).
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} sh -c \
  'log="$3/$(echo "$2" | tr / _).log"
   clang-tidy -p "$1" --quiet --extra-arg=-Wno-unknown-warning-option \
     --extra-arg=-Wno-gnu-statement-expression "$2" >"$log" 2>&1 || echo "$2" >>"$3/exit-nonzero"' \
  _ "$build" {} "$out"
# Findings in our files only (system and third-party headers are filtered by HeaderFilterRegex).
grep -h -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out"/*.log | sort -u >"$out/findings" || true
# A file clang-tidy could not check at all (no compile command, a crash) fails too.
failed=()
if [[ -f $out/exit-nonzero ]]; then
  while read -r f; do
    grep -q -E '^[^ ]+:[0-9]+:[0-9]+: error:' "$out/$(echo "$f" | tr / _).log" || failed+=("$f")
  done <"$out/exit-nonzero"
fi
for f in "${failed[@]}"; do
  echo "check-tidy.sh: clang-tidy could not check $f:" >&2
  head -5 "$out/$(echo "$f" | tr / _).log" >&2
done
if [[ -s $out/findings ]]; then
  cat "$out/findings"
  echo "check-tidy.sh: $(wc -l <"$out/findings") findings (fix them, or NOLINT one with its reason)" >&2
  exit 1
fi
((${#failed[@]} == 0)) || exit 1
echo "check-tidy.sh: ${#files[@]} files clean"
