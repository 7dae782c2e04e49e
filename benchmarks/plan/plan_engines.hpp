// SPDX-License-Identifier: MIT
// irqmatrix-plan's engines and starting states: the library's planner (lib)
// beside the planner's previous algorithms (before,
// baseline/planner_before.hpp), one interface, outcomes in one shape.
//
// A starting state, per CPU count and fill: an x86 matrix (window [32, 236),
// 0x80 a system vector), every CPU online, and each CPU filled with the
// shared generator (bench_common.hpp: single vectors and aligned blocks,
// overshoot, random frees, top-up) to fill% of its window through one-CPU
// masks. Both engines are driven in lockstep and must agree on every
// placement; a benchmark also checks, on scratch copies, that the two give
// the same answer to the operation it times before timing it.
#pragma once

#include <memory>
#include <string>

#include "../baseline/agree.hpp"
#include "../baseline/planner_before.hpp"
#include "../bench_common.hpp"
#include "irqmatrix/planner.hpp"

namespace irqmatrix_plan {

using namespace irqmatrix_benchsupport;
using irqmatrix_baseline::outcome;

inline constexpr unsigned cpu_counts[] = {4, 64, 512, 4096, 8192};
inline constexpr unsigned fills[] = {10, 50, 90};

/// What an outcome contributes to a loop checksum (never 0).
constexpr std::uint64_t key(const outcome& o) noexcept {
    return (std::uint64_t{o.cpu} << 20) + (std::uint64_t{o.base} << 8) +
           static_cast<std::uint64_t>(o.err) + 1;
}

inline outcome from_count(const irqmatrix::result<unsigned>& r) noexcept {
    if (!r) return {static_cast<int>(r.error()), 0, 0};
    return {0, 0, *r};
}

/// The planner's operations the benchmarks time, on planner P (the library's
/// or the baseline's; both spell them alike apart from the flags).
template <class P>
class engine {
public:
    explicit engine(P p) : p_(std::move(p)) {}

    outcome alloc_block(irqmatrix::cpu_span m, unsigned order) {
        if constexpr (std::is_same_v<P, irqmatrix::planner>)
            return irqmatrix_baseline::from_library(order == 0 ? p_.alloc(m, false)
                                                               : p_.alloc_block(m, order, false));
        else
            return irqmatrix_baseline::from_library(p_.alloc_block(m, order));
    }
    bool free_block(unsigned cpu, unsigned base, unsigned order) {
        if constexpr (std::is_same_v<P, irqmatrix::planner>)
            return static_cast<bool>(order == 0 ? p_.free(cpu, base, false)
                                                : p_.free_block(cpu, base, order, false));
        else
            return static_cast<bool>(p_.free_block(cpu, base, order));
    }
    outcome reserve_block(unsigned order) {
        return irqmatrix_baseline::from_library_status(p_.reserve_block(order));
    }
    bool remove_reserved_block(unsigned order) {
        return static_cast<bool>(p_.remove_reserved_block(order));
    }
    outcome largest_order(irqmatrix::cpu_span m) { return from_count(p_.largest_order(m)); }
    outcome can_offline(unsigned cpu) { return from_count(p_.can_offline(cpu)); }
    outcome evacuate(unsigned cpu) { return from_count(p_.evacuate(cpu)); }
    outcome move_block(unsigned cpu, unsigned base, irqmatrix::cpu_span m) {
        return irqmatrix_baseline::from_library(p_.move_block(cpu, base, m));
    }

    const irqmatrix::matrix& matrix() const noexcept { return p_.matrix(); }

    /// Brings the library's CPU index up to date: a copy of a matrix starts
    /// without one and builds it on first use, which a restored copy must not
    /// charge to the operation timed next.
    void warm() const noexcept { (void)p_.matrix().cpu_index(); }

private:
    P p_;
};

struct lib_engine : engine<irqmatrix::planner> {
    static constexpr const char* name = "lib";
    using engine::engine;
};
struct before_engine : engine<irqmatrix_baseline::planner_before> {
    static constexpr const char* name = "before";
    using engine::engine;
};

/// One starting state, both engines, and what the benchmarks ask of it.
struct workload {
    unsigned nr_cpus = 0;
    unsigned fill = 0;
    std::unique_ptr<lib_engine> lib;
    std::unique_ptr<before_engine> before;
    irqmatrix::cpu_set all;
    unsigned subject = 0;  ///< the CPU can_offline/evacuate/move_block ask about
    /// The largest order a guaranteed reservation is admitted for (the
    /// reserve_block rows and the one outstanding reservation use it): 5
    /// unless the fill leaves no free 32-vector block.
    unsigned reservable = 0;
    std::string error;  ///< non-empty: unusable (both rows are skipped with it)
};

/// The starting state for the CPU count and fill (built once, then cached).
const workload& workload_for(unsigned nr_cpus, unsigned fill);

template <class E>
const E& state_of(const workload& w) noexcept {
    if constexpr (std::is_same_v<E, lib_engine>)
        return *w.lib;
    else
        return *w.before;
}

}  // namespace irqmatrix_plan
