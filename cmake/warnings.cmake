# Warning flags and the debug level for irqmatrix's own targets (tests, tool,
# benchmarks, examples, the C shim); never applied to the INTERFACE target.
# C sources get the C++ set less the C++-only flags, plus C's prototype
# checks (the C test and example must declare what they define).
function(irqmatrix_own_target target)
    set(common
        -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wcast-align -Wunused
        -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
    set(cxx_only -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
    set(c_only -Wstrict-prototypes -Wmissing-prototypes)
    set(gnu_cxx "$<COMPILE_LANG_AND_ID:CXX,GNU,Clang,AppleClang>")
    set(gnu_c "$<COMPILE_LANG_AND_ID:C,GNU,Clang,AppleClang>")
    target_compile_options(${target} PRIVATE
        "$<${gnu_cxx}:${common};${cxx_only}>"
        "$<${gnu_c}:${common};${c_only}>"
        "$<$<COMPILE_LANG_AND_ID:CXX,MSVC>:/W4;/permissive->"
        "$<$<COMPILE_LANG_AND_ID:C,MSVC>:/W4>")
    if(IRQMATRIX_WERROR)
        target_compile_options(${target} PRIVATE
            "$<$<OR:${gnu_cxx},${gnu_c}>:-Werror>"
            "$<$<OR:$<COMPILE_LANG_AND_ID:CXX,MSVC>,$<COMPILE_LANG_AND_ID:C,MSVC>>:/WX>")
        # g++ 12's flow-sensitive warnings misfire at -O2 and above inside
        # libstdc++ (std::optional and std::variant members "may be used
        # uninitialized", std::string's memcpy "may overlap": GCC bugs 105562
        # and 105329). They stay warnings there, so an optimised build still
        # shows them; the unoptimised builds (dev, asan) keep them errors.
        target_compile_options(${target} PRIVATE
            "$<$<AND:$<CXX_COMPILER_ID:GNU>,$<COMPILE_LANGUAGE:CXX>,$<NOT:$<CONFIG:Debug>>>:-Wno-error=maybe-uninitialized;-Wno-error=restrict>")
    endif()
    if(NOT IRQMATRIX_DEBUG_LEVEL STREQUAL "")
        target_compile_definitions(${target} PRIVATE IRQMATRIX_DEBUG_LEVEL=${IRQMATRIX_DEBUG_LEVEL})
    endif()
endfunction()
