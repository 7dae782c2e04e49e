// SPDX-License-Identifier: MIT
// A planner of a capacity chosen at run time: the one capacity dispatch of
// the replay tool (trace::session) and the C interface (src/c_api.cpp).
//
// Capacities are template arguments, so code that learns the width from its
// input (a trace header, irqm_create()) holds one of two instantiations:
// 256 bits (x86, and every matrix of at most 256 vectors) or 2048 (above).
// Two keep the code size and the build time of every user small; a wider
// instantiation for small widths would cost speed for nothing.
#pragma once

#include <utility>
#include <variant>

#include "planner.hpp"
#include "result.hpp"

IRQMATRIX_BEGIN_NAMESPACE

using small_planner = basic_planner<256>;
using large_planner = basic_planner<2048>;

/// Either planner; std::visit reaches the one it holds.
using any_planner = std::variant<small_planner, large_planner>;

/// The widest matrix an any_planner holds.
inline constexpr unsigned any_planner_max_bits = large_planner::capacity;

/// Creates the planner of the smallest capacity that holds `bits` vectors,
/// or fails as basic_planner::create() fails.
inline result<any_planner> create_any_planner(unsigned bits, unsigned alloc_start,
                                              unsigned alloc_end, unsigned nr_cpus) {
    if (bits <= small_planner::capacity) {
        auto m = small_planner::create(bits, alloc_start, alloc_end, nr_cpus);
        if (!m) return fail(m.error());
        return any_planner(std::in_place_type<small_planner>, std::move(*m));
    }
    auto m = large_planner::create(bits, alloc_start, alloc_end, nr_cpus);
    if (!m) return fail(m.error());
    return any_planner(std::in_place_type<large_planner>, std::move(*m));
}

IRQMATRIX_END_NAMESPACE
