# The inputs of the kernel module's self-test, made as scripts/kernel-module.sh
# makes them: the seeded traces with the library's results must replay with
# no mismatch, and gen_selftest_data.py must turn them and the golden traces
# into C tables, and refuse a bad trace naming its file and line (exit 2).
#
#   cmake -DTOOL=irqmatrix -DPORT_DIFF=irqmatrix-port-diff -DPYTHON=python3
#         -DGEN=gen_selftest_data.py -DGOLDEN_DIR=dir -DWORK=dir -P module_data.cmake
include("${CMAKE_CURRENT_LIST_DIR}/../../tests/cli/replay_check.cmake")
file(MAKE_DIRECTORY "${WORK}")
set(traces "")
foreach(spec "workload;x86-old;0x5eed;2000" "capture;x86;0xb10c;600")
    list(GET spec 0 name)
    list(GET spec 1 geometry)
    list(GET spec 2 seed)
    list(GET spec 3 ops)
    execute_process(COMMAND "${PORT_DIFF}" --emit-trace ${geometry} --seed ${seed} --ops ${ops}
                    OUTPUT_FILE "${WORK}/${name}.trace" RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${name}: --emit-trace failed (${rc}): ${err}")
    endif()
    irqmatrix_replay_check(${name} "${WORK}/${name}.trace" ${ops} operations)
    file(STRINGS "${WORK}/${name}.trace" blocks REGEX "^alloc_(managed_)?block .* => [0-9]+ [0-9]+$")
    list(LENGTH blocks n)
    if(n LESS 40)
        message(FATAL_ERROR "${name}: only ${n} blocks handed out")
    endif()
    message(STATUS "${name}: ${operations} operations replayed, ${n} blocks handed out")
    list(APPEND traces "${name}=${WORK}/${name}.trace")
endforeach()
file(GLOB golden "${GOLDEN_DIR}/*.trace")
foreach(t IN LISTS golden)
    get_filename_component(n "${t}" NAME_WE)
    list(APPEND traces "golden ${n}=${t}")
endforeach()
execute_process(COMMAND "${PYTHON}" "${GEN}" "${WORK}/data.h" ${traces}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gen_selftest_data.py failed (${rc}): ${err}")
endif()
file(STRINGS "${WORK}/data.h" rows REGEX "^\t{ IRQM_T_")
list(LENGTH rows n)
if(n LESS 6000)
    message(FATAL_ERROR "gen_selftest_data.py wrote only ${n} operations")
endif()
file(WRITE "${WORK}/bad.trace" "matrix 256 32 236 2 => 0\nonline 0 => 0\nmove_block 0 32 1 => -22\n")
execute_process(COMMAND "${PYTHON}" "${GEN}" "${WORK}/bad.h" "bad=${WORK}/bad.trace"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "bad.trace:3: operation 'move_block' is not replayed")
    message(FATAL_ERROR "a bad trace: exit ${rc}, ${err}")
endif()
message(STATUS "gen_selftest_data.py: ${n} operations in C tables; a bad trace refused with its line")
