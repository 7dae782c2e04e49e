#!/usr/bin/env bash
# Measures how much of the code the whole test suite runs: builds the
# `coverage` preset (clang++ with source-based coverage), runs every ctest
# test, merges the profiles of every process (the tests, the tool they
# start, the corpus replays) with llvm-profdata, and writes
#   build/coverage/report/index.html   llvm-cov's HTML report, line by line
#   build/coverage/summary.md          lines, functions and branches per file
#                                      of include/, src/, common/ and tools/
# and puts the summary table into docs/testing.md, between its
# "coverage-table" markers. Not part of CI (scripts/test.sh): an instrumented
# build and run of the whole suite takes a quarter of an hour on 2 cores.
#
#   ./scripts/coverage.sh            build, run, report
#   ./scripts/coverage.sh --report   report from the profiles of the last run
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-deps.sh
irqmatrix_need cmake:cmake make:make clang++:clang python3:python3 \
               llvm-profdata-14:llvm-14 llvm-cov-14:llvm-14
irqmatrix_need_catch2
irqmatrix_need_tool_libs
irqmatrix_need_test_libs
irqmatrix_install_missing

build=build/coverage
profiles=$build/profiles  # the coverage test preset's LLVM_PROFILE_FILE
if [ "${1:-}" != --report ]; then
    echo "==== irqmatrix: building the coverage preset in $build"
    cmake --preset coverage --log-level=WARNING
    cmake --build --preset coverage
    rm -rf "$profiles"
    mkdir -p "$profiles"
    echo "==== irqmatrix: running the whole suite instrumented"
    # A failing test is reported but does not stop the report: coverage of
    # a red suite is still worth seeing (the exit status says it failed).
    suite=0
    ctest --preset coverage || suite=$?
fi

echo "==== irqmatrix: merging $(find "$profiles" -name '*.profraw' | wc -l) profiles"
llvm-profdata-14 merge -sparse -o "$build/merged.profdata" "$profiles"/*.profraw
# Every instrumented program and library of the build: llvm-cov maps each
# one's counters back to the sources.
objects=()
while IFS= read -r f; do
    head -c 4 "$f" | grep -q ELF && objects+=(-object "$f")
done < <(find "$build" -type f \( -perm -u+x -o -name '*.so*' \) ! -path '*/CMakeFiles/*' | sort)
# The project's own code: not the tests, the benchmarks, the examples or
# the system's headers.
ignore='(^/usr/|/build/|/tests/|/benchmarks/|/examples/)'
llvm-cov-14 show -instr-profile="$build/merged.profdata" "${objects[@]}" \
    -ignore-filename-regex="$ignore" -format=html -output-dir="$build/report" \
    -show-line-counts-or-regions -show-branches=count >/dev/null
llvm-cov-14 export -instr-profile="$build/merged.profdata" "${objects[@]}" \
    -ignore-filename-regex="$ignore" -summary-only -format=text >"$build/summary.json"
python3 - "$build/summary.json" "$PWD" "$build/summary.md" docs/testing.md <<'EOF'
import json, sys
summary, root, out, doc = sys.argv[1:]
data = json.load(open(summary))["data"][0]

def cell(s):
    return f"{s['covered']}/{s['count']} ({s['percent']:.1f}%)" if s["count"] else "-"

rows = ["| File | Lines | Functions | Branches |", "|---|---|---|---|"]
for f in sorted(data["files"], key=lambda f: f["filename"]):
    name = f["filename"].removeprefix(root + "/")
    s = f["summary"]
    rows.append(f"| `{name}` | {cell(s['lines'])} | {cell(s['functions'])} | {cell(s['branches'])} |")
t = data["totals"]
rows.append(f"| **total** | {cell(t['lines'])} | {cell(t['functions'])} | {cell(t['branches'])} |")
table = "\n".join(rows) + "\n"
open(out, "w").write(table)
text = open(doc).read()
begin, end = "<!-- coverage-table begin -->\n", "<!-- coverage-table end -->"
a, b = text.index(begin) + len(begin), text.index(end)
open(doc, "w").write(text[:a] + table + text[b:])
print(table)
EOF
echo "==== irqmatrix: HTML report $build/report/index.html; table in docs/testing.md"
exit "${suite:-0}"
