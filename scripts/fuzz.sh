#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang++, AddressSanitizer and
# UBSan in build/fuzz, and runs each for SECONDS (default 60) on a copy of its
# committed corpus, so that a run never grows tests/corpus by accident. Fails,
# naming the input, if a fuzzer finds a crash, a sanitizer report, a leak or a
# hang.
#
#   ./scripts/fuzz.sh [--fast] [SECONDS] [TARGET...]    TARGET: fuzz_trace, fuzz_ops,
#       fuzz_events, fuzz_irq_debugfs, fuzz_procfs, fuzz_lspci, fuzz_dump,
#       fuzz_workload (default: all)
#   SECONDS 0 builds the targets without running them; --targets lists them.
#
# --fast: the fuzz-fast preset (build/fuzz-fast), libFuzzer alone in an
# optimised build, without the sanitizers: several times the inputs per
# second (docs/testing.md has the figures), for long runs. What it finds is
# replayed under ASan and UBSan by the corpus tests and the default build.
#
# Long runs: `./scripts/fuzz.sh 3600` gives each target an hour, one after the
# other; `./scripts/fuzz.sh 3600 fuzz_ops` runs one. The working corpus
# build/fuzz/corpus/TARGET is kept, so the next run goes on from there.
#
# A failing input is saved as build/fuzz/artifacts/TARGET/crash-<sha1> (or
# leak-, timeout-, oom-). To reproduce it without libFuzzer, in any build
# (g++, a debugger): `build/dev/tests/fuzz/fuzz-ops-corpus FILE`; fuzz_ops
# prints the input as a trace. Once the bug is fixed, keep the input as a
# regression test, which ctest corpus-TARGET then replays in every
# configuration:
#   cp FILE tests/corpus/TARGET/<what-it-found>
# To fold a long run's new coverage into the committed corpus, minimised:
#   build/fuzz/tests/fuzz/fuzz-ops -merge=1 -use_counters=0 tests/corpus/fuzz_ops build/fuzz/corpus/fuzz_ops
set -euo pipefail
cd "$(dirname "$0")/.."
preset=fuzz
if [ "${1:-}" = --fast ]; then
    preset=fuzz-fast
    shift
fi
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_trace fuzz_ops fuzz_events fuzz_irq_debugfs fuzz_procfs fuzz_lspci fuzz_dump fuzz_workload)
if [ "$seconds" = --targets ]; then  # for scripts/fuzz-long.sh
    echo "${targets[*]}"
    exit 0
fi

. scripts/setup-deps.sh
irqmatrix_need cmake:cmake make:make clang++:clang
irqmatrix_need_file \
    '/usr/lib/llvm-14/lib/clang/14*/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev'
irqmatrix_need_catch2  # the fuzz targets live in the test tree, which needs Catch2
irqmatrix_install_missing

build=build/$preset
echo "==== irqmatrix: building ${targets[*]} in $build"
cmake --preset "$preset" --log-level=WARNING
executables=()
for t in "${targets[@]}"; do executables+=("${t//_/-}"); done
cmake --build "$build" --target "${executables[@]}" -j "$(nproc)"
[ "$seconds" = 0 ] && exit 0  # built, not run (scripts/fuzz-long.sh)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=()
for t in "${targets[@]}"; do
    work=$build/corpus/$t
    artifacts=$build/artifacts/$t
    log=$build/$t.log
    mkdir -p "$work" "$artifacts"
    cp tests/corpus/"$t"/* "$work"/  # libFuzzer adds what it finds to $work
    # The kernel's golden traces seed fuzz_trace too (one copy, tests/golden).
    [ "$t" = fuzz_trace ] && cp tests/golden/*.trace "$work"/
    echo "==== irqmatrix: $t for ${seconds}s (corpus $work, log $log)"
    # -timeout: no input may take a minute (the slowest take well under a second).
    if "$build/tests/fuzz/${t//_/-}" -max_total_time="$seconds" -timeout=60 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1; then
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" || true
    else
        tail -n 60 "$log"
        input=$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$log")
        echo "==== irqmatrix: $t FAILED; the input: ${input:-see $log}" >&2
        failed+=("$t")
    fi
done
if [ ${#failed[@]} -ne 0 ]; then
    echo "==== irqmatrix: fuzzing found failures in: ${failed[*]}" >&2
    exit 1
fi
echo "==== irqmatrix: ${seconds}s of fuzzing each found nothing (${targets[*]})"
