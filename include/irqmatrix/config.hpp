// SPDX-License-Identifier: MIT
// Build-time knobs: the debug level and the assertion hook.
#pragma once

#include <cstdio>
#include <cstdlib>

// IRQMATRIX_DEBUG_LEVEL
//   0  nothing beyond the argument validation every operation always does
//      (benchmarks, production simulators);
//   1  cheap internal assertions (the default);
//   2  more expensive internal assertions;
//   3  verify() after every mutation: the full invariant check, aborting with
//      the first violated rule (the test suite and the debug-full preset).
#ifndef IRQMATRIX_DEBUG_LEVEL
#define IRQMATRIX_DEBUG_LEVEL 1
#endif

// IRQMATRIX_ASSERT(cond, msg) guards internal invariants, never user input
// (user input is refused with an errc). Define it before including any
// irqmatrix header to route failures into your own test framework.
#ifndef IRQMATRIX_ASSERT
namespace irqmatrix::detail {
[[noreturn]] inline void assert_fail(const char* file, int line, const char* cond,
                                     const char* msg) noexcept {
    std::fprintf(stderr,
                 "%s:%d: irqmatrix internal invariant broken: %s (%s)\n"
                 "  This is a library bug; rebuild with IRQMATRIX_DEBUG_LEVEL=3 (the debug-full\n"
                 "  preset) to catch the first bad operation, and report it with the trace.\n",
                 file, line, msg, cond);
    std::abort();
}
}  // namespace irqmatrix::detail
#define IRQMATRIX_ASSERT(cond, msg)                                                   \
    do {                                                                              \
        if (!(cond)) ::irqmatrix::detail::assert_fail(__FILE__, __LINE__, #cond, msg); \
    } while (0)
#endif
