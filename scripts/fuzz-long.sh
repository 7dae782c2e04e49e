#!/usr/bin/env bash
# Long fuzzing runs whose findings go back into the committed corpora: each
# target in turn runs for SECONDS (default 3600) on every core (libFuzzer
# -fork=N, N = nproc) in the fast build (scripts/fuzz.sh --fast: the
# fuzz-fast preset, no sanitizers), starting from the committed corpus and
# the working corpus of earlier runs, build/fuzz-fast/corpus/TARGET. Then
# what the run found is merged into the committed corpus, minimised
# (-merge=1: only the inputs that add a feature the committed ones lack; the
# committed ones, named regressions among them, all stay), and the
# coverage reached is reported: the features and edges ("cov") libFuzzer
# counted over the merged corpus, and how many new inputs the last quarter
# of the run still found (a corpus has settled when that is near zero).
#
#   ./scripts/fuzz-long.sh [SECONDS] [TARGET...]    (default: all targets)
#
# A crash stops the target's run; the input is in
# build/fuzz-fast/artifacts/TARGET/. Afterwards replay the new corpus under
# the sanitizers (`./scripts/fuzz.sh 10 TARGET` or ctest -R corpus-) and
# commit tests/corpus/TARGET if it passes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3600}
[ $# -gt 0 ] && shift
fast=(./scripts/fuzz.sh --fast)
"${fast[@]}" 0 "$@"  # builds them (and checks the packages)
read -r -a targets < <("${fast[@]}" --targets "$@")
build=build/fuzz-fast
jobs=$(nproc)
for t in "${targets[@]}"; do
    exe=$build/tests/fuzz/${t//_/-}
    work=$build/corpus/$t
    artifacts=$build/artifacts/$t
    log=$build/$t.long.log
    mkdir -p "$work" "$artifacts"
    cp tests/corpus/"$t"/* "$work"/
    [ "$t" = fuzz_trace ] && cp tests/golden/*.trace "$work"/
    echo "==== irqmatrix: $t for ${seconds}s on $jobs cores (log $log)"
    status=0
    "$exe" -fork="$jobs" -max_total_time="$seconds" -timeout=60 -ignore_crashes=0 \
        -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1 || status=$?
    # -fork prints "#N: cov: C ft: F corp: K ... time: T" lines as it goes.
    last_quarter=$(awk -v s="$seconds" '/^#[0-9]+: cov:/ {
            for (i = 1; i <= NF; i++) { if ($i == "corp:") c = $(i + 1); if ($i == "time:") t = $(i + 1) }
            if (t + 0 <= 0.75 * s) at = c; last = c }
        END { print last - at }' "$log")
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$log"
        echo "==== irqmatrix: $t FAILED (exit $status); inputs in $artifacts" >&2
        exit 1
    fi
    # Into the committed corpus, whose named inputs (regressions, seeds)
    # stay: only inputs that add a feature it lacks are added.
    "$exe" -merge=1 tests/corpus/"$t" "$work" >"$log.merge" 2>&1
    stats=$("$exe" -runs=0 tests/corpus/"$t" 2>&1 | sed -n 's/.*INITED cov: \([0-9]*\) ft: \([0-9]*\).*/edges \1, features \2/p' | tail -n 1)
    echo "==== irqmatrix: $t: $(ls tests/corpus/"$t" | wc -l) inputs in tests/corpus/$t, $stats; ${last_quarter:-?} new inputs in the last quarter of the run"
done
