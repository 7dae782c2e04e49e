#!/usr/bin/env bash
# Builds irqmatrix and runs the whole test suite three ways: g++ and clang++
# with -Werror at debug level 3 (verify() after every mutation), then g++ with
# AddressSanitizer and UndefinedBehaviorSanitizer; then the ThreadSanitizer
# stress test of locked_matrix, and each libFuzzer target for 19 seconds; last
# a copy of the tracked files alone, built bare and with its golden tests
# (scripts/lone-copy.sh), a boot of Debian's kernel in QEMU whose own
# irq_matrix events are imported and replayed (scripts/kernel-lab.sh), and
# the kernel port loaded into that kernel as a module (scripts/kernel-module.sh).
# Installs missing Debian packages when run as root; otherwise prints the
# command to install them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-deps.sh
irqmatrix_need cmake:cmake make:make g++:g++ gcc:gcc clang++:clang pkg-config:pkg-config \
               python3:python3 git:git clang-format:clang-format
irqmatrix_need_catch2
irqmatrix_need_tool_libs
irqmatrix_need_test_libs
irqmatrix_install_missing

for workflow in ci-gcc ci-clang ci-asan ci-tsan; do
    echo "==== irqmatrix: cmake --workflow --preset $workflow"
    cmake --workflow --preset "$workflow"
done
# Each libFuzzer target for 19 s (clang++): eight targets, about the 150 s
# six took at 25 s each; longer runs: scripts/fuzz-long.sh.
./scripts/fuzz.sh 19
# The tracked files alone, in an empty directory: no file outside the clone.
./scripts/lone-copy.sh
# A real kernel in the loop: boot Debian's kernel in QEMU on the smoke
# scenario, capture its own irq_matrix events, import them and replay them
# against the library (the committed captures are replayed by ctest).
rm -rf build/kernel-lab/ci
./scripts/kernel-lab.sh tests/kernel-lab/scenarios/smoke.toml build/kernel-lab/ci/smoke
cmake -DTOOL=build/dev/tools/irqmatrix/irqmatrix -DCAPTURES=build/kernel-lab/ci \
      -DWORK=build/kernel-lab/ci -DONLY=smoke -P tests/cli/kernel_captures.cmake
# The kernel port as a module of that kernel: built against its headers,
# loaded, its KTAP self-test all ok with a clean kernel log, and its block
# workload's tracepoints imported and replayed (scripts/kernel-module.sh).
./scripts/kernel-module.sh build/kernel-module/ci
echo "==== irqmatrix: all tests passed (g++, clang++, ASan+UBSan, TSan, 19 s of each fuzzer, a lone copy, a real kernel, the port as a module)"
