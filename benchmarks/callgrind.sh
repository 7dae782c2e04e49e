#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Counts instructions (callgrind's Ir) of one fixed workload on the library and
# on the kernel baseline: instruction counts are stable where wall-clock time
# on a shared machine is not. Builds irqmatrix-callgrind in Release in its own
# build directory, runs it once under valgrind, and prints instructions per
# operation and the ratios:
#
#   * 4096 CPUs, about half full (irqmatrix-scale's workload): 10,000 single
#     alloc+free over every CPU, 10,000 order-5 alloc_block+free_block and
#     10,000 alloc_managed+free over every CPU, on the library and on the
#     baseline (each after one untimed round trip);
#   * the aligned block search alone, orders 0..5, 10,000 searches over the
#     4096 CPUs' maps: the library's bitmap::find_aligned_run, the baseline's
#     first-fit area search, and a plain word-parallel 4-word search as the
#     yardstick. Each search is called through a function pointer; the same
#     loop calling an empty function is counted too, and subtracted, so the
#     figures are the searches' own instructions (call and return included).
#
# Usage: benchmarks/callgrind.sh [BUILD_DIR]     (default: build-callgrind)
# Environment: CXX picks the compiler (default g++); CPUS and FILL pick
# another of irqmatrix-scale's workloads (default 4096 and 50); KEEP=1 keeps
# the callgrind output files (their directory is printed).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-callgrind}
reps=10000
args=(--cpus "${CPUS:-4096}" --fill "${FILL:-50}")

command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="${CXX:-g++}" \
      -DIRQMATRIX_BUILD_BENCHMARKS=ON -DIRQMATRIX_BUILD_TESTS=OFF \
      -DIRQMATRIX_BUILD_EXAMPLES=OFF -DIRQMATRIX_BUILD_TOOL=OFF >/dev/null
cmake --build "$build" --target irqmatrix-callgrind -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=$build/benchmarks/irqmatrix-callgrind

out=$(mktemp -d "${TMPDIR:-/tmp}/irqmatrix-callgrind.XXXXXX")
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$out"' EXIT

# Ir of a callgrind output file (the `totals:` line, or `summary:`).
ir_of() { awk '/^(totals|summary):/ { print $2; exit }' "$1"; }

declare -A ir
if grep -q '^IRQMATRIX_HAVE_CALLGRIND_H:INTERNAL=1' "$build/CMakeCache.txt"; then
    # One run; each region dumps its own file, named by its client request.
    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg.%p" "$bin" "${args[@]}" \
        >"$out/run.log" 2>"$out/valgrind.log" || { cat "$out/run.log" "$out/valgrind.log" >&2; exit 1; }
    for f in "$out"/cg.*; do
        name=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
        [[ -n "$name" ]] && ir[$name]=$(ir_of "$f")
    done
else
    # No client requests: setup alone, then setup + each region; subtract.
    echo "(no <valgrind/callgrind.h>: one run per region, setup subtracted)"
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.none" "$bin" "${args[@]}" --region none \
        >"$out/run.log" 2>>"$out/valgrind.log"
    setup=$(ir_of "$out/cg.none")
    for name in $("$bin" --list); do
        f="$out/cg.${name//\//_}"
        valgrind --tool=callgrind --callgrind-out-file="$f" "$bin" "${args[@]}" --region "$name" \
            >>"$out/run.log" 2>>"$out/valgrind.log"
        ir[$name]=$(( $(ir_of "$f") - setup ))
    done
fi
head -n 1 "$out/run.log"

per() { awk -v n="${ir[$1]:-}" -v r="$reps" 'BEGIN { if (n == "") print "-"; else printf "%.1f", n / r }'; }
ratio() { awk -v a="${ir[$1]:-}" -v b="${ir[$2]:-}" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
# The searches less the driver loop (null/search).
for name in "${!ir[@]}"; do
    [[ $name == */search/* && -n "${ir[null/search]:-}" ]] && ir[net/$name]=$(( ${ir[$name]} - ${ir[null/search]} ))
done

echo
echo "instructions per operation (callgrind Ir / $reps; compiler ${CXX:-g++}, Release)"
printf '%-22s %14s %14s %14s\n' "workload" "lib" "baseline" "baseline/lib"
printf '%-22s %14s %14s %14s\n' "alloc+free (single)" "$(per lib/single)" "$(per baseline/single)" \
    "$(ratio baseline/single lib/single)"
printf '%-22s %14s %14s %14s\n' "alloc_block+free (o5)" "$(per lib/block5)" "$(per baseline/block5)" \
    "$(ratio baseline/block5 lib/block5)"
printf '%-22s %14s %14s %14s\n' "alloc_managed+free" "$(per lib/managed)" "$(per baseline/managed)" \
    "$(ratio baseline/managed lib/managed)"
echo
echo "aligned block search alone, instructions per search (call and return included;"
echo "the driver loop, $(per null/search) per iteration, subtracted)"
printf '%-8s %10s %12s %10s %12s %14s\n' "order" "lib" "plain 4-word" "baseline" "lib/plain" "baseline/lib"
for k in 0 1 2 3 4 5; do
    printf '%-8s %10s %12s %10s %12s %14s\n' "$k" "$(per net/lib/search/$k)" "$(per net/plain/search/$k)" \
        "$(per net/baseline/search/$k)" "$(ratio net/lib/search/$k net/plain/search/$k)" \
        "$(ratio net/baseline/search/$k net/lib/search/$k)"
done
[[ "${KEEP:-0}" == 1 ]] && echo "callgrind files: $out"
exit 0
