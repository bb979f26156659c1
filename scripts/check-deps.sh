#!/usr/bin/env bash
# Fails when a file under src/ includes across a wall: each folder's README.md says, after
# "May include:", which other folders, public headers and foreign libraries its files may
# include (CI runs this). The rules are read from the READMEs, so a README is the one place
# to change a rule. See scripts/lib/check_deps.py.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
exec python3 scripts/lib/check_deps.py "$@"
