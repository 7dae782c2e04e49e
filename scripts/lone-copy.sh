#!/usr/bin/env bash
# The repository alone, as a user who clones it gets it: copies the tracked
# files (as they are in the work tree) into an empty temporary directory with
# nothing beside them, and there
#   1. configures as a machine with only a compiler and CMake would (every
#      optional package hidden), checks that each skipped part is named with
#      its Debian package, builds everything and runs the tests that need no
#      test framework (C interface, examples, corpus replays, hygiene,
#      package consumers);
#   2. configures with every package, builds the tool and the corpus runner,
#      and runs the golden tests they drive (replay --check of every golden
#      trace, and the corpus replay that checks each recorded result): the
#      kernel's traces must come from the copy itself.
# A file the tests need but git does not track, or a path that reaches
# outside the repository, fails here. Run by scripts/test.sh; on its own it
# needs what scripts/test.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/irqmatrix-lone.XXXXXX")
trap 'rm -rf "$work"' EXIT
copy=$work/irqmatrix
mkdir "$copy"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$src" ls-files -z | tar -C "$src" --null -T - -cf - | tar -C "$copy" -xf -
else
    tar -C "$src" --exclude=./build -cf - . | tar -C "$copy" -xf -
fi
echo "==== irqmatrix: a lone copy of $(find "$copy" -type f | wc -l) files in $copy"
cd "$copy"

# 1. Bare: only a compiler and CMake. Each optional package is hidden.
hide=()
for pkg in tomlplusplus CLI11 Catch2 benchmark nlohmann_json fmt; do
    hide+=("-DCMAKE_DISABLE_FIND_PACKAGE_${pkg}=ON")
done
hide+=(-DCLANG_FORMAT_EXECUTABLE=)
cmake -S . -B build/bare "${hide[@]}" >"$work/bare-configure.log" 2>&1 ||
    { cat "$work/bare-configure.log"; exit 1; }
for part in 'tomlplusplus 3 not found (Debian: apt-get install libtomlplusplus-dev)' \
            'CLI11 2 not found (Debian: apt-get install libcli11-dev)' \
            'Catch2 2 not found (Debian: apt-get install catch2)' \
            'benchmark  not found (Debian: apt-get install libbenchmark-dev)' \
            'nlohmann_json 3 not found (Debian: apt-get install nlohmann-json3-dev)' \
            'fmt 8 not found (Debian: apt-get install libfmt-dev)' \
            'the format test: clang-format not found (Debian: apt-get install clang-format)'; do
    if ! grep -qF "$part" "$work/bare-configure.log"; then
        cat "$work/bare-configure.log"
        echo "==== irqmatrix: the bare configure did not say: $part" >&2
        exit 1
    fi
done
grep -F 'irqmatrix: skipping' "$work/bare-configure.log"
cmake --build build/bare -j "$(nproc)" >"$work/bare-build.log" 2>&1 ||
    { tail -n 60 "$work/bare-build.log"; exit 1; }
ctest --test-dir build/bare --output-on-failure -j "$(nproc)"

# 2. Everything: the golden tests read the copy's own tests/golden.
cmake -S . -B build/full -DIRQMATRIX_BUILD_BENCHMARKS=OFF >"$work/full-configure.log" 2>&1 ||
    { cat "$work/full-configure.log"; exit 1; }
cmake --build build/full -j "$(nproc)" \
    --target irqmatrix-tool fuzz-trace-corpus >"$work/full-build.log" 2>&1 ||
    { tail -n 60 "$work/full-build.log"; exit 1; }
ctest --test-dir build/full --output-on-failure -j "$(nproc)" \
    -R '^(cli-golden-check|corpus-golden-results|corpus-golden-results-can-fail)$'
echo "==== irqmatrix: the lone copy builds bare and passes its golden tests"
