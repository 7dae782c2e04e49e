# SPDX-License-Identifier: MIT
# cli-bad-input: `irqmatrix replay` on bad input files: malformed lines,
# truncated files, binary garbage with NUL bytes, and 10 MB lines. Every run
# must end with a documented exit status (0 replayed, 1 a --check mismatch,
# 2 an input error), say what happened, never crash (a status of 128 or more
# is a signal) and never trip a sanitizer, within a time limit. The large and
# binary files are generated here, into WORK, by GEN (bad_input_gen.cpp).
#   cmake -DTOOL=irqmatrix -DGEN=irqmatrix-bad-input-gen -DWORK=dir -P bad_input.cmake
cmake_minimum_required(VERSION 3.20)  # script mode: current policies (IN_LIST)
foreach(var TOOL GEN WORK)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "bad_input.cmake: -D${var}=... is required")
    endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# Seconds per run: a Debug build replays the 30 MB file in about 2 s; the
# limit leaves room for a sanitizer build and a busy machine.
set(limit 60)

# replay(<allowed exit statuses> [INPUT_FILE f] [OUTPUT_FILE f] ARGS args...)
# runs `TOOL replay args...`; sets `out` (unless OUTPUT_FILE) and `err`.
function(replay allowed)
    cmake_parse_arguments(PARSE_ARGV 1 R "" "INPUT_FILE;OUTPUT_FILE" "ARGS")
    set(io "")
    if(R_INPUT_FILE)
        list(APPEND io INPUT_FILE "${R_INPUT_FILE}")
    endif()
    if(R_OUTPUT_FILE)
        list(APPEND io OUTPUT_FILE "${R_OUTPUT_FILE}")
    else()
        list(APPEND io OUTPUT_VARIABLE out)
    endif()
    string(TIMESTAMP t0 "%s")
    execute_process(COMMAND "${TOOL}" replay ${R_ARGS} ${io}
                    RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT ${limit})
    string(TIMESTAMP t1 "%s")
    math(EXPR seconds "${t1} - ${t0}")
    list(JOIN R_ARGS " " shown)
    set(what "irqmatrix replay ${shown}")
    if(NOT rc MATCHES "^[0-9]+$")
        message(FATAL_ERROR "${what}: ${rc} (limit ${limit} s)\n${err}")
    endif()
    if(rc GREATER_EQUAL 128)
        message(FATAL_ERROR "${what}: crashed (exit status ${rc})\n${err}")
    endif()
    if(err MATCHES "Sanitizer|runtime error:")
        message(FATAL_ERROR "${what}: a sanitizer report\n${err}")
    endif()
    if(NOT rc IN_LIST allowed)
        message(FATAL_ERROR "${what}: exit status ${rc}, expected one of ${allowed}\n${out}\n${err}")
    endif()
    message(STATUS "${what}: exit ${rc} in ${seconds} s")
    set(out "${out}" PARENT_SCOPE)
    set(err "${err}" PARENT_SCOPE)
endfunction()

include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")  # expect()

# ---- malformed lines: each gives -22 and the replay goes on ---------------
set(t "${WORK}/malformed.trace")
file(WRITE "${t}" [[
matrix 64 32 40 2 => 0
online 0 => 0
frobnicate 1 => -22
online => -22
online 0 1 => -22
online two => -22
online -1 => -22
online 0x => -22
online 4294967297 => -22
alloc 0 2 => -22
alloc 1-0 0 => -22
alloc 0, 0 => -22
alloc 0-9 0 => -22
matrix 64 32 40 2 => -22
=> -22
alloc 0 0 => 0 32
	  alloc    0	0   =>   0 33   
alloc 0 0 => 0 34 # a comment => with an arrow
stats => 1 5 0 3
]])
replay(0 ARGS --check "${t}")
expect("malformed.trace: 19 operations, 19 results checked, 0 mismatched" out)
replay(0 ARGS "${t}")
expect("frobnicate 1 => -22\n" out)
expect("online 4294967297 => -22\n" out)
expect("\n=> -22\n" out)
expect("\nalloc 0 0 => 0 33\n" out)
expect("stats => 1 5 0 3\n" out)

# A wrong expectation on a malformed line: exit 1, reported with its line.
set(t "${WORK}/bad-expect.trace")
file(WRITE "${t}" "matrix 64 32 40 2 => 0\nonline x => 0\n")
replay(1 ARGS --check "${t}")
expect("bad-expect.trace:2: online x => expected 0, got -22" out)
expect("1 mismatched" out)

# ---- truncated files (no final newline) -----------------------------------
file(WRITE "${WORK}/cut-in-op.trace" "matrix 64 32 40 2 => 0\nonline 0 => 0\nalloc 0")
replay(0 ARGS "${WORK}/cut-in-op.trace")
expect("online 0 => 0\nalloc 0 => -22\n" out)

file(WRITE "${WORK}/cut-in-arrow.trace" "matrix 64 32 40 2 => 0\nonline 0 =")
replay(0 ARGS "${WORK}/cut-in-arrow.trace")
expect("online 0 = => -22\n" out)
replay(0 ARGS --check "${WORK}/cut-in-arrow.trace")
expect("2 operations, 1 results checked, 0 mismatched" out)

file(WRITE "${WORK}/cut-after-arrow.trace" "matrix 64 32 40 2 => 0\nonline 0 =>")
replay(1 ARGS --check "${WORK}/cut-after-arrow.trace")
expect("cut-after-arrow.trace:2: online 0 => expected , got 0" out)

file(WRITE "${WORK}/cut-in-header.trace" "matr")
replay(0 ARGS "${WORK}/cut-in-header.trace")
expect("matr => -22\n" out)

file(WRITE "${WORK}/empty.trace" "")
replay(0 ARGS "${WORK}/empty.trace")
if(NOT out STREQUAL "")
    message(FATAL_ERROR "an empty trace printed:\n${out}")
endif()
replay(0 ARGS --check "${WORK}/empty.trace")
expect("empty.trace: 0 operations, 0 results checked, 0 mismatched" out)

file(WRITE "${WORK}/crlf.trace" "matrix 64 32 40 2 => 0\r\nonline 0 => 0\r\n")
replay(0 ARGS --check "${WORK}/crlf.trace")
expect("2 operations, 2 results checked, 0 mismatched" out)

# ---- binary garbage, NUL bytes included -----------------------------------
set(t "${WORK}/binary.trace")
execute_process(COMMAND "${GEN}" binary "${t}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${GEN} binary failed: ${rc}")
endif()
replay(0 ARGS "${t}" OUTPUT_FILE "${WORK}/binary.out")
file(SIZE "${WORK}/binary.out" size)
if(size LESS 1000)
    message(FATAL_ERROR "binary input: only ${size} bytes of output")
endif()
file(READ "${WORK}/binary.out" head LIMIT 64)
expect("matrix 64 0 64 2 => 0\nonline 0 => 0\n" head)
# Random bytes may hold "=>" and so a random expectation: 0 or 1 is right.
replay("0;1" ARGS --check "${t}")
expect("binary.trace: " out)
expect(" mismatched" out)
# The same bytes on standard input.
replay(0 ARGS - INPUT_FILE "${t}" OUTPUT_FILE "${WORK}/binary-stdin.out")
file(SIZE "${WORK}/binary-stdin.out" size_stdin)
if(NOT size_stdin EQUAL size)
    message(FATAL_ERROR "binary input: ${size} bytes from the file, ${size_stdin} from stdin")
endif()

# ---- huge: three 10 MB lines ------------------------------------------------
set(t "${WORK}/huge.trace")
execute_process(COMMAND "${GEN}" huge "${t}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${GEN} huge failed: ${rc}")
endif()
replay(0 ARGS --check "${t}")
expect("huge.trace: 7 operations, 7 results checked, 0 mismatched" out)
replay(0 ARGS "${t}" OUTPUT_FILE "${WORK}/huge.out")
file(SIZE "${t}" in_size)
file(SIZE "${WORK}/huge.out" out_size)
if(out_size LESS in_size)
    message(FATAL_ERROR "huge input: ${in_size} bytes in, only ${out_size} printed")
endif()
math(EXPR tail_at "${out_size} - 19")
file(READ "${WORK}/huge.out" tail OFFSET ${tail_at})
if(NOT tail STREQUAL "stats => 2 127 0 1\n")
    message(FATAL_ERROR "huge input: the output ends with '${tail}'")
endif()
file(REMOVE "${t}" "${WORK}/huge.out")  # 60 MB the build tree need not keep

# ---- input errors: exit 2, naming the file ----------------------------------
file(MAKE_DIRECTORY "${WORK}/a-directory")
replay(2 ARGS "${WORK}/a-directory")
expect("a-directory: Is a directory" err)
replay(2 ARGS "${WORK}/crlf.trace" "${WORK}/missing.trace")
expect("online 0 => 0\n" out)
expect("missing.trace" err)
