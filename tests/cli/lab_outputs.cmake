# SPDX-License-Identifier: MIT
# cli-lab-outputs: what `irqmatrix demo` and `irqmatrix sim` write with -o is
# what they print. Each run's stdout is saved and CHECK (check_lab_outputs.cpp)
# compares it with result.json, summary.csv and timeseries.csv number by
# number, and checks the SVG files. Runs the tool rather than the lab library
# so that the command line's own part (options reaching the workload, the
# output directory) is covered too.
#   cmake -DTOOL=irqmatrix -DCHECK=check_lab_outputs -DDATA=tests/cli -DWORK=dir
#         -P lab_outputs.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var TOOL CHECK DATA WORK)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "lab_outputs.cmake: -D${var}=... is required")
    endif()
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# lab_run(<name> <checker options> -- <tool arguments>): runs the tool into
# WORK/<name>, then the checker on its stdout and that directory.
function(lab_run name)
    list(FIND ARGN "--" sep)
    list(SUBLIST ARGN 0 ${sep} expectations)
    math(EXPR sep "${sep} + 1")
    list(SUBLIST ARGN ${sep} -1 args)
    run(0 "${TOOL}" ${args} -q -o "${WORK}/${name}")
    file(WRITE "${WORK}/${name}.stdout" "${out}")
    run(0 "${CHECK}" "${WORK}/${name}.stdout" "${WORK}/${name}" ${expectations})
    message(STATUS "${name}: ${out}")
endfunction()

# The built-in demo, shortened; every policy, the built-in seed.
lab_run(demo --seed 2026 --duration 300 --samples 100
        --policies kernel,pack,best_fit,freebsd -- demo --duration 300)
# A workload file with the seed and policies overridden: two policies, in the
# order given, and no heatmap for the others.
lab_run(sim --seed 5 --duration 200 --samples 10 --policies best_fit,kernel
        -- sim "${DATA}/churn.toml" --seed 5 --policies best_fit,kernel)
