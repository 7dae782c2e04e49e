# The real-kernel fidelity corpus: every capture the kernel lab made
# (tests/kernel-lab/captures/NAME/: the console with the kernel's own
# irq_matrix events, and /proc/irq/*/effective_affinity_list at the end) is
# imported with `irqmatrix import-events` and replayed with --check, so each
# event's counters must agree with the library's; `replay --events` of the
# import must print the kernel's own event lines, in order, plus one line
# per inferred operation; and each IRQ's final CPU in the import must be the
# CPU the kernel reported.
#
#   cmake -DTOOL=irqmatrix -DCAPTURES=dir -DWORK=dir [-DONLY=name] -P kernel_captures.cmake
include("${CMAKE_CURRENT_LIST_DIR}/replay_check.cmake")
if(ONLY)
    set(dirs "${CAPTURES}/${ONLY}")
else()
    file(GLOB dirs LIST_DIRECTORIES true "${CAPTURES}/*")
endif()
set(checked 0)
foreach(dir IN LISTS dirs)
    if(NOT IS_DIRECTORY "${dir}" OR NOT EXISTS "${dir}/console.log")
        continue()
    endif()
    get_filename_component(name "${dir}" NAME)
    # The events up to the snapshot of /proc: the devices' shutdown at power
    # off comes after it.
    execute_process(COMMAND "${TOOL}" import-events --until "irqmatrix-lab: begin interrupts"
                            "${dir}/console.log"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE trace ERROR_VARIABLE summary)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${name}: import-events failed (${rc}):\n${summary}")
    endif()
    message(STATUS "${name}:\n${summary}")
    file(WRITE "${WORK}/${name}.trace" "${trace}")
    irqmatrix_replay_check(${name} "${WORK}/${name}.trace" 50 operations)

    # The library's own events for the replay of the import: the capture's
    # irq_matrix lines (prefix and the console's carriage return removed), in
    # order, with exactly one more line for each inferred operation (the
    # events the kernel could not trace).
    irqmatrix_replay_events(${name} "${WORK}/${name}.trace" replayed_lines)
    file(STRINGS "${dir}/console.log" captured_raw
         REGEX "irq_matrix_[a-z_]+: |irqmatrix-lab: begin interrupts")
    set(captured "")
    foreach(line IN LISTS captured_raw)
        if(line MATCHES "irqmatrix-lab: begin interrupts")
            break()
        endif()
        string(REGEX REPLACE "^.*(irq_matrix_[a-z_]+: )" "\\1" line "${line}")
        string(REPLACE "\r" "" line "${line}")
        list(APPEND captured "${line}")
    endforeach()
    list(LENGTH captured n_captured)
    list(LENGTH replayed_lines n_replayed)
    set(next 0)
    foreach(line IN LISTS replayed_lines)
        if(next LESS n_captured)
            list(GET captured ${next} want)
            if(line STREQUAL want)
                math(EXPR next "${next} + 1")
            endif()
        endif()
    endforeach()
    if(NOT next EQUAL n_captured)
        list(GET captured ${next} missing)
        message(FATAL_ERROR "${name}: the replay's events lack the kernel's event #${next}: ${missing}")
    endif()
    if(NOT summary MATCHES "([0-9]+) operations inferred")
        message(FATAL_ERROR "${name}: no inference count in the summary")
    endif()
    math(EXPR extra "${n_replayed} - ${n_captured}")
    if(NOT extra EQUAL CMAKE_MATCH_1)
        message(FATAL_ERROR "${name}: ${extra} events beyond the kernel's, but ${CMAKE_MATCH_1} operations inferred")
    endif()

    # Final owners, "#   irq N: CPU VECTOR", against "IRQ EFFECTIVE SMP ACTIONS".
    string(REGEX MATCHALL "#   irq [0-9]+: [0-9]+ [0-9]+" owners "${trace}")
    set(owned "")
    foreach(o IN LISTS owners)
        string(REGEX REPLACE "#   irq ([0-9]+): ([0-9]+) .*" "\\1;\\2" pair "${o}")
        list(GET pair 0 irq)
        list(GET pair 1 cpu)
        set(owner_${irq} "${cpu}")
        list(APPEND owned "${irq}")
    endforeach()
    # A managed IRQ whose CPUs all went offline has no vector; the kernel
    # shows it on the first online CPU, where its placeholder points.
    string(REGEX MATCHALL "#   irq [0-9]+: shut down" down "${trace}")
    foreach(o IN LISTS down)
        string(REGEX REPLACE "#   irq ([0-9]+): .*" "\\1" irq "${o}")
        set(owner_${irq} "0")
    endforeach()
    file(STRINGS "${dir}/affinity.txt" rows REGEX "^[0-9]+ ")
    set(compared 0)
    foreach(row IN LISTS rows)
        string(REGEX REPLACE " +" ";" f "${row}")
        list(GET f 0 irq)
        list(GET f 1 effective)
        list(GET f 3 actions)
        if(DEFINED owner_${irq})
            if(NOT effective STREQUAL owner_${irq})
                message(FATAL_ERROR "${name}: irq ${irq} (${actions}) is on CPU ${effective} in the kernel, "
                                    "on CPU ${owner_${irq}} in the import")
            endif()
            math(EXPR compared "${compared} + 1")
        elseif(NOT actions STREQUAL "-" AND effective MATCHES "^[0-9]+$" AND irq GREATER 15)
            # A requested, non-legacy interrupt with a vector must be known.
            message(FATAL_ERROR "${name}: irq ${irq} (${actions}) is on CPU ${effective} in the kernel; "
                                "the import has no vector for it")
        endif()
        unset(owner_${irq})
    endforeach()
    if(compared EQUAL 0)
        message(FATAL_ERROR "${name}: no IRQ compared")
    endif()
    message(STATUS "${name}: ${operations} operations replayed; the ${n_captured} kernel events "
                   "reproduced in order, ${extra} more inferred; ${compared} IRQs on the kernel's CPU")
    math(EXPR checked "${checked} + 1")
endforeach()
if(checked EQUAL 0)
    message(FATAL_ERROR "no captures in ${CAPTURES}")
endif()
message(STATUS "${checked} kernel captures replayed with no mismatch")
