# SPDX-License-Identifier: MIT
# cli-machine: the commands that answer questions about one machine
# (snapshot, leaks, offline, affinity, headroom; docs/real-machines.md) on
# the 3-CPU machine of tests/data/machine-small-*.txt, whose answers
# tests/lab/test_snapshot.cpp works out by hand, and on the real 32-CPU
# captures: tables by default, JSON with --json, exit status 2 and the file
# and line on bad input.
#   cmake -DTOOL=irqmatrix -DDATA=tests/data -DWORK=dir -P machine.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var TOOL DATA WORK)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "machine.cmake: -D${var}=... is required")
    endif()
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(small "${DATA}/machine-small-vector.txt" "${DATA}/machine-small-irqs.txt")
set(real "${DATA}/vector-dump-13.txt" "${DATA}/irq-dump-05.txt")

run(0 "${TOOL}" snapshot ${small})
expect("    1     4     1     1     4      3  20-22\n" out)
expect("assumed (not in the inputs):" out)
run(0 "${TOOL}" snapshot ${small} --json)
expect("\"unowned\": [\n          35\n        ]" out)

run(0 "${TOOL}" leaks ${small})
expect("    1     4      3        1        3  unowned 35\n" out)
expect("1 allocated vector(s) owned by no IRQ; 0 CPU(s) with counter drift" out)
run(0 "${TOOL}" leaks ${real})
expect("0 allocated vector(s) owned by no IRQ; 0 CPU(s) with counter drift" out)

run(0 "${TOOL}" offline ${small} --cpus 2,1)
expect("CPU 2: offline (8 vectors to move, 10 available): 8 moved, 0 shut down, 0 failed, 0 not started\n  planner: can go (8 vectors move)\n" out)
expect("    IRQ 33 (0000:03:00.0): vector 35 -> CPU 1 vector 36\n" out)
expect("CPU 1: refused: CPU 1 has 6 vectors, 1 available. Cannot disable CPU\n" out)
run(0 "${TOOL}" offline ${small} --cpus 1)
expect("    IRQ 20 (0000:01:00.0): vector 33 -> CPU 0 vector 34 (affinity broken)\n" out)
expect("    IRQ 22 (0000:02:00.0): vector 32 freed: managed, no CPU of its mask left, shut down\n" out)
run(0 "${TOOL}" offline ${small} --suspend)
expect("(suspend: Error taking CPU2 down: -28)" out)
expect("1 CPU(s) offline before suspend stopped: 1\n" out)
run(0 "${TOOL}" offline ${small} --max --json)
expect("\"offlined\": [\n    2\n  ]" out)
run(0 "${TOOL}" offline ${small} --cpus 2,1 --count-managed)
expect("CPU 1 has 7 vectors, 1 available. Cannot disable CPU" out)

run(0 "${TOOL}" affinity ${small} --irq 11 --cpus 2)
expect("IRQ 11 (0000:01:00.0): the write fails (-28, no space)" out)
run(0 "${TOOL}" affinity ${small} --irq 10 --cpus 1 --json)
expect("\"cpu\": 1,\n  \"vector\": 36" out)

run(0 "${TOOL}" headroom ${small})
expect("    2          0        0    0          8     0              0\n" out)
run(0 "${TOOL}" headroom ${real} --json)
expect("\"largest_block\": 32" out)

# Bad input: the file and the line, exit 2, nothing on standard output.
file(WRITE "${WORK}/bad-irqs.txt" "9:handler: x\n9:node: many\n")
run(2 "${TOOL}" leaks "${DATA}/machine-small-vector.txt" "${WORK}/bad-irqs.txt")
expect("irqmatrix: ${WORK}/bad-irqs.txt: line 2: IRQ 9: node: expected a number or -1, found 'many'" err)
expect_equal("${out}" "" "standard output on bad input")
run(2 "${TOOL}" snapshot "${DATA}/lspci-14.txt")
expect("lspci-14.txt: line 201: expected a device line" err)
file(WRITE "${WORK}/bad-interrupts.txt" "   CPU0 CPU1\n  3:  1  X-PIC\n")
run(2 "${TOOL}" snapshot "${WORK}/bad-interrupts.txt")
expect("bad-interrupts.txt: line 2: IRQ 3: 1 count columns for the header's 2 CPUs" err)
run(2 "${TOOL}" offline "${DATA}/irq-dump-05.txt" --cpus 1)
expect("no VECTOR table among the inputs" err)
run(2 "${TOOL}" offline ${small} --cpus 2-1)
expect("--cpus: reversed range '2-1'" err)
run(2 "${TOOL}" offline ${small})
run(2 "${TOOL}" affinity ${small} --irq 99 --cpus 0)
expect("IRQ 99 is in none of the inputs" err)
run(2 "${TOOL}" snapshot "${WORK}/missing.txt")

# An event capture of the kernel lab, read up to the step that took CPU 7
# down: the kernel's vector_clear later finds IRQ 33 at CPU 0 vector 35.
set(capture "${DATA}/../kernel-lab/captures/eight-cpu/console.log")
run(0 "${TOOL}" offline "${capture}" --until "step 8: offline cpu 7" --cpus 7)
expect("    IRQ 33: vector 35 -> CPU 0 vector 35\n" out)
run(2 "${TOOL}" snapshot "${capture}" --until "no such marker")
expect("console.log: --until: 'no such marker' is in no line" err)
