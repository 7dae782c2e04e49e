# SPDX-License-Identifier: MIT
# cli-events: `irqmatrix replay --events` prints the irq_matrix events the
# operations emit, one line each as the kernel's TP_printk prints them
# (docs/kernel-semantics.md 2.2; the block events as include/irqmatrix/
# events.hpp defines them), instead of the ' => RESULT' lines. Every expected
# line below was worked out by hand from the kernel's rules; refused and
# malformed operations and the queries print nothing. Also: standard input,
# several files, --show after the events, and the exit statuses.
#   cmake -DTOOL=irqmatrix -DWORK=dir -P events.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var TOOL WORK)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "events.cmake: -D${var}=... is required")
    endif()
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# Two CPUs, an 8-vector window [32,40) with one system vector (35) in it, so
# each CPU comes online with 7 available vectors.
file(WRITE "${WORK}/ops.trace" [=[
# events.cmake: one operation of each kind, and some refused
matrix 64 32 40 2            => 0
assign_system 0 35 0         => 0
online 0                     => 0
online 1                     => 0
reserve                      => 0
alloc 0-1 1                  => 0 32     # tie: CPU 0; uses the reservation
reserve_managed 0-1          => 0        # an event per CPU, in CPU order
alloc_managed 0-1            => 1 32     # tie: the highest CPU
alloc_block 0-1 1 0          => 1 36     # 34-35 holds the system vector
stats                        => 2 9 0 4
free 0 32 0                  => 0
free 0 32 0                  => -2       # refused: no event
remove_reserved              => -16      # refused: no event
frobnicate 1 2               => -22      # malformed: no event
offline 1                    => 0
free_block 1 36 1 0          => 0        # offline: total_alloc stays (Q2)
assign 1 38                  => 0        # offline: charged all the same
]=])
set(ops_events [=[
irq_matrix_assign_system: bit=35 online_maps=0 global_avl=0, global_rsvd=0, total_alloc=0
irq_matrix_online: online_maps=1 global_avl=7, global_rsvd=0, total_alloc=0
irq_matrix_online: online_maps=2 global_avl=14, global_rsvd=0, total_alloc=0
irq_matrix_reserve: online_maps=2 global_avl=14, global_rsvd=1, total_alloc=0
irq_matrix_alloc: bit=32 cpu=0 online=1 avl=6 alloc=1 managed=0 online_maps=2 global_avl=13, global_rsvd=0, total_alloc=1
irq_matrix_reserve_managed: bit=33 cpu=0 online=1 avl=5 alloc=1 managed=1 online_maps=2 global_avl=12, global_rsvd=0, total_alloc=1
irq_matrix_reserve_managed: bit=32 cpu=1 online=1 avl=6 alloc=0 managed=1 online_maps=2 global_avl=11, global_rsvd=0, total_alloc=1
irq_matrix_alloc_managed: bit=32 cpu=1 online=1 avl=6 alloc=1 managed=1 online_maps=2 global_avl=11, global_rsvd=0, total_alloc=2
irq_matrix_alloc_block: bit=36 cpu=1 online=1 avl=4 alloc=3 managed=1 online_maps=2 global_avl=9, global_rsvd=0, total_alloc=4 order=1
irq_matrix_free: bit=32 cpu=0 online=1 avl=6 alloc=0 managed=1 online_maps=2 global_avl=10, global_rsvd=0, total_alloc=3
irq_matrix_offline: online_maps=1 global_avl=6, global_rsvd=0, total_alloc=3
irq_matrix_free_block: bit=36 cpu=1 online=0 avl=6 alloc=1 managed=1 online_maps=1 global_avl=6, global_rsvd=0, total_alloc=3 order=1
irq_matrix_assign: bit=38 cpu=1 online=0 avl=5 alloc=2 managed=1 online_maps=1 global_avl=5, global_rsvd=0, total_alloc=4
]=])

# A failed reserve_managed: the kernel reserves on CPU 0, finds CPU 1 full,
# and undoes CPU 0 through irq_matrix_remove_managed; both are emitted.
file(WRITE "${WORK}/rollback.trace" [=[
matrix 64 32 34 2            => 0
online 0                     => 0
online 1                     => 0
alloc 1 0                    => 1 32
alloc 1 0                    => 1 33
reserve_managed 0-1          => -28
]=])
set(rollback_events [=[
irq_matrix_online: online_maps=1 global_avl=2, global_rsvd=0, total_alloc=0
irq_matrix_online: online_maps=2 global_avl=4, global_rsvd=0, total_alloc=0
irq_matrix_alloc: bit=32 cpu=1 online=1 avl=1 alloc=1 managed=0 online_maps=2 global_avl=3, global_rsvd=0, total_alloc=1
irq_matrix_alloc: bit=33 cpu=1 online=1 avl=0 alloc=2 managed=0 online_maps=2 global_avl=2, global_rsvd=0, total_alloc=2
irq_matrix_reserve_managed: bit=32 cpu=0 online=1 avl=1 alloc=0 managed=1 online_maps=2 global_avl=1, global_rsvd=0, total_alloc=2
irq_matrix_remove_managed: bit=32 cpu=0 online=1 avl=2 alloc=0 managed=0 online_maps=2 global_avl=2, global_rsvd=0, total_alloc=2
]=])

# The traces' own results hold: the hand-worked states above are the tool's.
run(0 "${TOOL}" replay --check "${WORK}/ops.trace" "${WORK}/rollback.trace")
expect("ops.trace: 17 operations, 17 results checked, 0 mismatched" out)
expect("rollback.trace: 6 operations, 6 results checked, 0 mismatched" out)

run(0 "${TOOL}" replay --help)
expect("--events" out)

# The events, exactly, and nothing else.
run(0 "${TOOL}" replay --events "${WORK}/ops.trace")
expect_equal("${out}" "${ops_events}" "replay --events ops.trace")
expect_not("=>" out)
run(0 "${TOOL}" replay --events "${WORK}/rollback.trace")
expect_equal("${out}" "${rollback_events}" "replay --events rollback.trace")

# Standard input, and several files (each on a fresh matrix), in order.
run(0 "${TOOL}" replay --events - STDIN "${WORK}/ops.trace")
expect_equal("${out}" "${ops_events}" "replay --events -")
run(0 "${TOOL}" replay --events "${WORK}/rollback.trace" "${WORK}/ops.trace")
expect_equal("${out}" "${rollback_events}${ops_events}" "replay --events of two files")

# --show: the debugfs table of the final state after the events.
run(0 "${TOOL}" replay --events --show "${WORK}/rollback.trace")
string(FIND "${out}" "${rollback_events}Online bitmaps:        2\n" at)
if(NOT at EQUAL 0)
    message(FATAL_ERROR "replay --events --show: expected the events, then the table:\n${out}")
endif()

# Exit statuses: --events is a print mode, so --check with it is a usage
# error (2), as is a file that cannot be read.
run(2 "${TOOL}" replay --events --check "${WORK}/ops.trace")
expect("--check excludes --events" err)
run(2 "${TOOL}" replay --events "${WORK}/does-not-exist.trace")
expect("does-not-exist.trace" err)

# import-events on bad input: exit 2, the file and line named, nothing on
# standard output (no half-written trace).
file(WRITE "${WORK}/cut.txt"
     "[ 0.1] irq_matrix_online: online_maps=1 global_avl=204, global_rsvd=0, total_alloc=0\n"
     "[ 0.2] irq_matrix_alloc: bit=33 cpu=0 online=1 avl=202\n")
run(2 "${TOOL}" import-events "${WORK}/cut.txt")
expect("cut.txt:2: irq_matrix_alloc has no field 'alloc'" err)
expect_equal("${out}" "" "import-events stdout on a bad line")
file(WRITE "${WORK}/late.txt"
     "[ 9.0] irq_matrix_alloc: bit=40 cpu=3 online=1 avl=190 alloc=9 managed=0 online_maps=4 "
     "global_avl=780, global_rsvd=0, total_alloc=30\n")
run(2 "${TOOL}" import-events "${WORK}/late.txt")
expect("late.txt:1: the capture starts after boot" err)
run(2 "${TOOL}" import-events "${WORK}/does-not-exist.txt")
expect("does-not-exist.txt" err)
