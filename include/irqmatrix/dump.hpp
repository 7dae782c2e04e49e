// SPDX-License-Identifier: MIT
// The kernel's debugfs table (irq_matrix_debug_show), byte for byte.
//
// What /sys/kernel/debug/irq/domains/VECTOR shows: four global counters, the
// system vectors, then one row per online CPU with its available, managed,
// managed-allocated and allocated counts and its allocated vectors as a
// range list. `ind` is the kernel's indent argument: 1 when VECTOR is read
// directly, 5 when it is shown as the parent of an MSI domain; the first five
// lines ignore it and the rest are prefixed by max(ind, 1) spaces.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>

#include "cpuset.hpp"
#include "version.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// The kernel's "%*pbl" text of the set bits of a bitmap below `bits`.
template <class Bitmap>
std::string format_range_list(const Bitmap& map, unsigned bits) {
    std::string out;
    append_range_list(out, bits, [&](unsigned from) { return map.find_next_set(from, bits); });
    return out;
}

/// irq_matrix_debug_show() of any matrix type (see matrix.hpp).
template <class Matrix>
std::string debug_show(const Matrix& m, int ind = 1) {
    std::string out;
    char line[128];
    const auto s = m.stats();
    // snprintf returns the length it wanted; never append more than it wrote.
    const auto put = [&](int n) {
        out.append(line, n <= 0 ? 0u : std::min(static_cast<std::size_t>(n), sizeof line - 1));
    };
    // The kernel's "%*s" of " " at width ind: max(ind, 1) spaces, built here
    // rather than by snprintf so that any indent fits.
    const std::string indent(ind > 1 ? static_cast<std::size_t>(ind) : 1u, ' ');
    put(std::snprintf(line, sizeof line, "Online bitmaps:   %6u\n", s.online_maps));
    put(std::snprintf(line, sizeof line, "Global available: %6u\n", s.global_available));
    put(std::snprintf(line, sizeof line, "Global reserved:  %6u\n", s.global_reserved));
    put(std::snprintf(line, sizeof line, "Total allocated:  %6u\n", s.total_allocated));
    put(std::snprintf(line, sizeof line, "System: %u: ", m.system_map().count()));
    out += format_range_list(m.system_map(), m.bits());
    out += '\n';
    out += indent;
    out += "| CPU | avl | man | mac | act | vectors\n";
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        const auto& cm = m.cpu_map(c);
        if (!cm.online) continue;
        out += indent;
        put(std::snprintf(line, sizeof line, " %4d  %4u  %4u  %4u %4u  ", static_cast<int>(c),
                          cm.available, cm.managed, cm.managed_allocated, cm.allocated));
        out += format_range_list(cm.alloc_map, m.bits());
        out += '\n';
    }
    return out;
}

IRQMATRIX_END_NAMESPACE
