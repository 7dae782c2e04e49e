// SPDX-License-Identifier: MIT
// Glue between the library and the kernel baseline, shared by the scale
// benchmarks and tests/unit/test_baseline_agrees.cpp: the baseline's results
// in the library's shape, and a field-by-field comparison of the two states.
#pragma once

#include <string>

#include <irqmatrix/matrix.hpp>

#include "kernel_matrix.hpp"

namespace irqmatrix_baseline {

/// Where an allocation went, or err (a positive errno) if it was refused:
/// one shape for both engines, so that results compare with ==.
struct outcome {
    int err = 0;
    unsigned cpu = 0;
    unsigned base = 0;
    bool ok() const noexcept { return err == 0; }
    friend bool operator==(const outcome&, const outcome&) = default;
};

inline outcome from_kernel(int r, unsigned cpu) noexcept {
    if (r < 0) return {-r, 0, 0};
    return {0, cpu, static_cast<unsigned>(r)};
}
inline outcome from_kernel_status(int r) noexcept { return {r < 0 ? -r : 0, 0, 0}; }

inline outcome from_library(const irqmatrix::result<irqmatrix::placement>& r) noexcept {
    if (!r) return {static_cast<int>(r.error()), 0, 0};
    return {0, r->cpu, r->base};
}
inline outcome from_library_status(const irqmatrix::status& r) noexcept {
    return {r ? 0 : static_cast<int>(r.error()), 0, 0};
}

/// The baseline's view of a library CPU set (same words).
inline cpumask mask_of(const irqmatrix::cpu_set& s) noexcept { return {s.words().data()}; }

/// Where the two states differ, in words, or "" if they are the same: every
/// global counter, the system map, and every CPU's counters and bitmaps.
template <unsigned Capacity, class Placement>
std::string state_difference(const kernel_matrix& k,
                             const irqmatrix::basic_matrix<Capacity, Placement>& lib) {
    static_assert(Capacity == matrix_size, "the baseline models the x86 256-bit matrix");
    const irqmatrix::matrix_stats g = lib.stats();
    if (k.nr_cpus() != lib.nr_cpus()) return "nr_cpus";
    if (k.online_maps() != g.online_maps) return "online_maps";
    if (k.global_available() != g.global_available) return "global_available";
    if (k.global_reserved() != g.global_reserved) return "global_reserved";
    if (k.total_allocated() != g.total_allocated) return "total_allocated";
    if (k.systembits_inalloc() != g.systembits_inalloc) return "systembits_inalloc";
    for (unsigned i = 0; i < map_words; ++i)
        if (k.system_map()[i] != lib.system_map().word(i)) return "system_map";
    for (unsigned c = 0; c < k.nr_cpus(); ++c) {
        const cpumap& a = k.map(c);
        const auto& b = lib.cpu_map(c);
        const std::string cpu = "cpu " + std::to_string(c) + ": ";
        if (a.online != b.online) return cpu + "online";
        if (a.initialized != b.initialized) return cpu + "initialized";
        if (a.available != b.available) return cpu + "available";
        if (a.allocated != b.allocated) return cpu + "allocated";
        if (a.managed != b.managed) return cpu + "managed";
        if (a.managed_allocated != b.managed_allocated) return cpu + "managed_allocated";
        for (unsigned i = 0; i < map_words; ++i) {
            if (a.alloc_map[i] != b.alloc_map.word(i)) return cpu + "alloc_map";
            if (a.managed_map[i] != b.managed_map.word(i)) return cpu + "managed_map";
        }
    }
    return {};
}

}  // namespace irqmatrix_baseline
