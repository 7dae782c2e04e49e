# Warning flags and the debug level for irqmatrix's own targets (tests, tool,
# benchmarks, examples); never applied to the INTERFACE target.
function(irqmatrix_own_target target)
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE
            -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
            -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
            -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
        if(IRQMATRIX_WERROR)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
    elseif(MSVC)
        target_compile_options(${target} PRIVATE /W4 /permissive-)
        if(IRQMATRIX_WERROR)
            target_compile_options(${target} PRIVATE /WX)
        endif()
    endif()
    if(NOT IRQMATRIX_DEBUG_LEVEL STREQUAL "")
        target_compile_definitions(${target} PRIVATE IRQMATRIX_DEBUG_LEVEL=${IRQMATRIX_DEBUG_LEVEL})
    endif()
endfunction()
