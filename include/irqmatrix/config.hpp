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

// IRQMATRIX_ASSERT(cond, msg) guards internal invariants and documented
// preconditions of the query accessors, never user input (user input is
// refused with an errc). Active from level 1; IRQMATRIX_ASSERT_EXPENSIVE from
// level 2. Define IRQMATRIX_ASSERT before including any irqmatrix header to
// route failures into your own test framework.
namespace irqmatrix::detail {
[[noreturn]] inline void assert_fail(const char* file, int line, const char* cond,
                                     const char* msg) noexcept {
    std::fprintf(stderr,
                 "%s:%d: irqmatrix internal invariant broken: %s (%s)\n"
                 "  This is a library bug or a broken precondition; rebuild with\n"
                 "  IRQMATRIX_DEBUG_LEVEL=3 (the dev preset's tests) to catch the first bad\n"
                 "  operation, and report it with the trace that leads there.\n",
                 file, line, msg, cond);
    std::abort();
}
}  // namespace irqmatrix::detail

#ifndef IRQMATRIX_ASSERT
#if IRQMATRIX_DEBUG_LEVEL >= 1
#define IRQMATRIX_ASSERT(cond, msg)                                                    \
    do {                                                                               \
        if (!(cond)) ::irqmatrix::detail::assert_fail(__FILE__, __LINE__, #cond, msg); \
    } while (0)
#else
#define IRQMATRIX_ASSERT(cond, msg) ((void)0)
#endif
#endif

// A small helper of an allocation path that must be inlined because g++
// 12's heuristics leave it out of line, where its call costs more than its
// body: first_managed_free_block, first_free_block and the index catch-up's
// fast path (index_feed's index() and sync_cpu), whose slow branches are
// IRQMATRIX_NOINLINE so that what is inlined stays small. Not a blanket
// rule: forced on the other small helpers it gained nothing and cost these
// their inlining (figures in docs/performance.md).
#if defined(__GNUC__)
#define IRQMATRIX_HOT_INLINE [[gnu::always_inline]] inline
#else
#define IRQMATRIX_HOT_INLINE inline
#endif

// The slow branch of a hot function, kept out of line so that the fast path
// stays small enough to inline into its callers.
#if defined(__GNUC__)
#define IRQMATRIX_NOINLINE [[gnu::noinline]]
#else
#define IRQMATRIX_NOINLINE
#endif

#if IRQMATRIX_DEBUG_LEVEL >= 2
#define IRQMATRIX_ASSERT_EXPENSIVE(cond, msg) IRQMATRIX_ASSERT(cond, msg)
#else
#define IRQMATRIX_ASSERT_EXPENSIVE(cond, msg) ((void)0)
#endif
