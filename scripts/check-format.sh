#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format (CI runs this).
#   scripts/check-format.sh          # check
#   scripts/check-format.sh --fix    # rewrite in place
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc' '*.hpp' '*.cpp')
if [ "${1:-}" = "--fix" ]; then clang-format -i "${files[@]}"; exit 0; fi
bad=()
for f in "${files[@]}"; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f"); done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'check-format.sh: not clang-formatted (run scripts/check-format.sh --fix):\n'; printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "check-format.sh: ${#files[@]} files formatted"
