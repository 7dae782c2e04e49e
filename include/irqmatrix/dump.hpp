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
    const auto put = [&](int n) { out.append(line, static_cast<std::size_t>(n > 0 ? n : 0)); };
    put(std::snprintf(line, sizeof line, "Online bitmaps:   %6u\n", s.online_maps));
    put(std::snprintf(line, sizeof line, "Global available: %6u\n", s.global_available));
    put(std::snprintf(line, sizeof line, "Global reserved:  %6u\n", s.global_reserved));
    put(std::snprintf(line, sizeof line, "Total allocated:  %6u\n", s.total_allocated));
    put(std::snprintf(line, sizeof line, "System: %u: ", m.system_map().count()));
    out += format_range_list(m.system_map(), m.bits());
    out += '\n';
    put(std::snprintf(line, sizeof line, "%*s| CPU | avl | man | mac | act | vectors\n", ind, " "));
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        const auto& cm = m.cpu_map(c);
        if (!cm.online) continue;
        put(std::snprintf(line, sizeof line, "%*s %4d  %4u  %4u  %4u %4u  ", ind, " ",
                          static_cast<int>(c), cm.available, cm.managed, cm.managed_allocated,
                          cm.allocated));
        out += format_range_list(cm.alloc_map, m.bits());
        out += '\n';
    }
    return out;
}

IRQMATRIX_END_NAMESPACE
