#!/usr/bin/env bash
# Runs clang-tidy 14 with the checks of .clang-tidy (every one of which the
# tree passes) over each C and C++ file the dev build compiles, and fails
# naming each finding. Slow (tens of minutes on two cores), so not part of
# scripts/test.sh; run it before sending a change that touches many files.
#
#   ./scripts/tidy.sh               every source file of the dev build
#   ./scripts/tidy.sh REGEX...      only the files whose path matches, e.g.
#                                   ./scripts/tidy.sh src/c_api.cpp tools/
#
# JOBS sets the number of clang-tidy processes (default: the CPU count). The
# compile commands come from build/dev (configured here if missing). Installs
# Debian's clang-tidy when run as root and it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-deps.sh
irqmatrix_need cmake:cmake python3:python3 clang-tidy:clang-tidy run-clang-tidy:clang-tidy
irqmatrix_install_missing

if [ ! -f build/dev/compile_commands.json ]; then
    cmake --preset dev >/dev/null
fi

if [ $# -eq 0 ]; then
    # Our sources only, not the units CMake generates under build/.
    set -- "^$PWD/(include|src|tools|tests|benchmarks|examples)/"
fi
# .clang-tidy makes every warning an error, so run-clang-tidy fails on one.
run-clang-tidy -p build/dev -j "${JOBS:-$(nproc)}" -quiet "$@"
echo "irqmatrix: clang-tidy found nothing"
