# Sourced by the build scripts: compile through ccache when it is installed (setup.sh
# installs it). A second run, another preset's unchanged files, and later CI runs on the same
# machine reuse compiled objects instead of rebuilding everything (a cold CI run spends about
# 20 of its 30 minutes compiling).
#
# The cache is keyed on file contents relative to the checkout (CCACHE_BASEDIR) and ignores
# the working directory (CCACHE_NOHASHDIR), so clones in different folders share it; the only
# cost is that debug info may name the folder of the clone that compiled an object first.
# EDDY_NO_CCACHE=1 turns it off. CMake reads CMAKE_CXX_COMPILER_LAUNCHER from the environment
# only when a build folder is configured the first time.
if [ -z "${EDDY_NO_CCACHE:-}" ] && command -v ccache >/dev/null; then
  # Sourced from a script that set REPO_ROOT, or by hand from an interactive shell.
  REPO_ROOT=${REPO_ROOT:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)}
  export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/eddy/ccache}
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$REPO_ROOT}
  export CCACHE_NOHASHDIR=1
  export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
fi
