// SPDX-License-Identifier: MIT
// irqmatrix-scale's engines and workloads: the library and the kernel baseline
// (benchmarks/baseline/kernel_matrix.hpp) behind one small interface, the
// seeded workloads both are filled with (4 to 8192 CPUs, 10%, 50% and 90%
// full), the masks the benchmarks use, and the self-checks.
//
// Every benchmark is registered twice under the same name with a last
// component `lib` or `baseline` (also the label), so the two rows sit side by
// side and the summary at the end of a console run pairs them and prints
// baseline / lib.
//
// Exactness is checked outside the timed loops, twice: the library and the
// baseline are filled in lockstep, every operation's outcome (errno, CPU,
// base) compared and the two states compared field by field afterwards, and
// then a seeded agreement run of mixed operations over every mask of the
// benchmarks is played on copies of both, again outcome by outcome. Every
// timed loop checksums its outcomes against the expectation both engines
// agreed on, and must end in its starting state (library: operator== and an
// empty verify(); baseline: operator==).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <benchmark/benchmark.h>

#include <irqmatrix/matrix.hpp>

#include "../baseline/agree.hpp"
#include "../bench_common.hpp"

namespace irqmatrix_scale {

using namespace irqmatrix_benchsupport;  // the one framework (bench_common.hpp)

using irqmatrix_baseline::outcome;

// ---- geometry and parameters -------------------------------------------------

inline constexpr unsigned syscall_vector =
    0x80;  // IA32_SYSCALL_VECTOR, a system vector in the window
inline constexpr unsigned cpu_counts[] = {4, 64, 512, 4096, 8192};
inline constexpr unsigned fills[] = {10, 50, 90};  // percent of the window occupied
inline constexpr unsigned search_cpus = 4096;      // whose free maps the search benchmark uses
inline constexpr unsigned rotation = 64;           // single-CPU masks the managed cycle visits
inline constexpr std::uint64_t workload_seed = 0x5ca1'e0f1'2b3c'4d5eull;

/// What an outcome contributes to a loop checksum (never 0).
constexpr std::uint64_t key(const outcome& o) noexcept {
    return (std::uint64_t{o.cpu} << 20) + (std::uint64_t{o.base} << 8) +
           static_cast<std::uint64_t>(o.err) + 1;
}

// ---- the engines ------------------------------------------------------------------
// Each takes its masks in its native form (mask_type), prepared once outside
// the timed loops from an irqmatrix::cpu_set (the baseline reads the same
// words). Results are outcomes, errors as positive errno values.

// The operations the timed loops call are inlined into them, the library's
// and the baseline's alike. Called out of line, g++ 12 returned the 12-byte
// outcome by storing its two low fields separately and reloading them as
// one word: a failed store-to-load forward, several ns per call, charged to
// whichever engine's conversion the compiler happened to lower that way (it
// was the library's alloc_managed: 162 instructions against the baseline's
// 260, yet slower).
#if defined(__GNUC__)
#define IRQMATRIX_SCALE_INLINE [[gnu::always_inline]] inline
#else
#define IRQMATRIX_SCALE_INLINE inline
#endif

class lib_engine {
public:
    static constexpr const char* name = "lib";
    using mask_type = irqmatrix::cpu_span;
    static mask_type prepare(const irqmatrix::cpu_set& s) noexcept { return s.view(); }

    explicit lib_engine(unsigned nr_cpus)
        : m_(irqmatrix::matrix::create(x86_bits, x86_alloc_start, x86_alloc_end, nr_cpus).value()) {
    }

    outcome online(unsigned c) noexcept { return st(m_.online(c)); }
    outcome assign_system(unsigned c, unsigned bit) noexcept {
        return st(m_.assign_system(c, bit, false));
    }
    IRQMATRIX_SCALE_INLINE outcome alloc(mask_type m) noexcept {
        return irqmatrix_baseline::from_library(m_.alloc(m, false));
    }
    IRQMATRIX_SCALE_INLINE outcome alloc_block(mask_type m, unsigned order) noexcept {
        return irqmatrix_baseline::from_library(m_.alloc_block(m, order, false));
    }
    IRQMATRIX_SCALE_INLINE outcome alloc_managed(mask_type m) noexcept {
        return irqmatrix_baseline::from_library(m_.alloc_managed(m));
    }
    IRQMATRIX_SCALE_INLINE outcome reserve_managed(mask_type m) noexcept {
        return st(m_.reserve_managed(m));
    }
    IRQMATRIX_SCALE_INLINE outcome remove_managed(mask_type m) noexcept {
        return st(m_.remove_managed(m));
    }
    IRQMATRIX_SCALE_INLINE bool free(unsigned cpu, unsigned base, bool managed) noexcept {
        return m_.free(cpu, base, managed).has_value();
    }
    IRQMATRIX_SCALE_INLINE bool free_block(unsigned cpu, unsigned base, unsigned order,
                                           bool managed) noexcept {
        return m_.free_block(cpu, base, order, managed).has_value();
    }

    const irqmatrix::matrix& matrix() const noexcept { return m_; }
    friend bool operator==(const lib_engine& a, const lib_engine& b) noexcept {
        return a.m_ == b.m_;
    }

private:
    static outcome st(const irqmatrix::status& s) noexcept {
        return irqmatrix_baseline::from_library_status(s);
    }
    irqmatrix::matrix m_;
};

class baseline_engine {
public:
    static constexpr const char* name = "baseline";
    using mask_type = irqmatrix_baseline::cpumask;
    static mask_type prepare(const irqmatrix::cpu_set& s) noexcept {
        return irqmatrix_baseline::mask_of(s);
    }

    explicit baseline_engine(unsigned nr_cpus)
        : k_(x86_bits, x86_alloc_start, x86_alloc_end, nr_cpus) {}

    outcome online(unsigned c) noexcept { return st(k_.online(c)); }
    outcome assign_system(unsigned c, unsigned bit) noexcept {
        return st(k_.assign_system(c, bit, false));
    }
    IRQMATRIX_SCALE_INLINE outcome alloc(mask_type m) noexcept {
        unsigned cpu = 0;
        const int r = k_.alloc(m, false, &cpu);
        return irqmatrix_baseline::from_kernel(r, cpu);
    }
    IRQMATRIX_SCALE_INLINE outcome alloc_block(mask_type m, unsigned order) noexcept {
        unsigned cpu = 0;
        const int r = k_.alloc_block(m, order, false, &cpu);
        return irqmatrix_baseline::from_kernel(r, cpu);
    }
    IRQMATRIX_SCALE_INLINE outcome alloc_managed(mask_type m) noexcept {
        unsigned cpu = 0;
        const int r = k_.alloc_managed(m, &cpu);
        return irqmatrix_baseline::from_kernel(r, cpu);
    }
    IRQMATRIX_SCALE_INLINE outcome reserve_managed(mask_type m) noexcept {
        return st(k_.reserve_managed(m));
    }
    IRQMATRIX_SCALE_INLINE outcome remove_managed(mask_type m) noexcept {
        return st(k_.remove_managed(m));
    }
    IRQMATRIX_SCALE_INLINE bool free(unsigned cpu, unsigned base, bool managed) noexcept {
        return k_.free(cpu, base, managed) == 0;
    }
    IRQMATRIX_SCALE_INLINE bool free_block(unsigned cpu, unsigned base, unsigned order,
                                           bool managed) noexcept {
        return k_.free_block(cpu, base, order, managed) == 0;
    }

    const irqmatrix_baseline::kernel_matrix& matrix() const noexcept { return k_; }
    friend bool operator==(const baseline_engine& a, const baseline_engine& b) noexcept {
        return a.k_ == b.k_;
    }

private:
    static outcome st(int r) noexcept { return irqmatrix_baseline::from_kernel_status(r); }
    irqmatrix_baseline::kernel_matrix k_;
};

// ---- the workload -------------------------------------------------------------------

/// The masks of the benchmarks, by index.
enum mask_id : unsigned { mask_all, mask_half, mask_node, mask_one, mask_count };
inline constexpr const char* mask_names[mask_count] = {"all", "half", "node", "one"};

/// One (CPU count, fill) state, built once per process by both engines in
/// lockstep. Benchmarks copy the engine they time.
struct workload {
    unsigned nr_cpus = 0;
    unsigned fill = 0;  // the target, percent
    std::unique_ptr<lib_engine> lib;
    std::unique_ptr<baseline_engine> base;
    // The managed cycle's states: `lib`/`base` after one warm-up pass over the
    // rotation (see scale_managed.cpp).
    std::unique_ptr<lib_engine> cycle_lib;
    std::unique_ptr<baseline_engine> cycle_base;
    std::string error;  // non-empty: unusable (both rows are skipped with it)

    // Masks: every CPU; a seeded random half; a contiguous 64-CPU node in the
    // middle (only when nr_cpus >= 128); one CPU (nr_cpus / 2).
    irqmatrix::cpu_set masks[mask_count];
    bool has_mask[mask_count] = {};
    std::vector<irqmatrix::cpu_set> rotation_masks;  // single CPUs spread evenly

    fill_facts facts;  // from the library's state; the baseline's is identical

    // Expected outcomes, on which the library and the baseline agreed.
    outcome expect_alloc[mask_count];
    outcome expect_block[max_order + 1];  // all-CPU mask
    outcome expect_managed;               // alloc_managed, all-CPU mask
    std::vector<outcome> expect_cycle;    // alloc_managed in the cycle, per rotation mask
};

/// The cached workload (built on first use).
workload& workload_for(unsigned nr_cpus, unsigned fill);

/// Counters every benchmark reports.
void set_common_counters(benchmark::State& st, const workload& w, double ops_per_iteration);

// ---- per-engine access to the workload ---------------------------------------------

/// Engine E's filled state, or (cycle) its managed cycle's warmed-up state.
template <class E>
const E& state_of(const workload& w, bool cycle) noexcept {
    if constexpr (std::is_same_v<E, lib_engine>)
        return cycle ? *w.cycle_lib : *w.lib;
    else
        return cycle ? *w.cycle_base : *w.base;
}
template <class E>
const E& start_state(const workload& w) noexcept {
    return state_of<E>(w, false);
}
template <class E>
const E& cycle_state(const workload& w) noexcept {
    return state_of<E>(w, true);
}

/// A copy of the engine to time, or null (st skipped) if the workload is unusable.
template <class E>
std::unique_ptr<E> engine_copy(const workload& w, benchmark::State& st, bool cycle = false) {
    if (!w.error.empty()) {
        fail(st, w.error);
        return nullptr;
    }
    return std::make_unique<E>(state_of<E>(w, cycle));
}

/// After a timed loop: the engine must be back in its starting state, and
/// the library's verify() must find nothing.
template <class E>
bool back_to_start(benchmark::State& st, const E& e, const E& start) {
    if (!(e == start)) {
        fail(st, "the timed loop did not return the engine to its starting state");
        return false;
    }
    if constexpr (std::is_same_v<E, lib_engine>) {
        if (const std::string v = e.matrix().verify(); !v.empty()) {
            fail(st, "verify() after the timed loop: " + v);
            return false;
        }
    }
    return true;
}

/// After a timed loop whose checksum should be `want`: the checksum, the
/// return to `start`, the common counters and the engine's label. False (the
/// benchmark already failed) if the loop or a check failed.
template <class E>
bool finish(benchmark::State& st, const workload& w, const E& e, const E& start, std::uint64_t sum,
            std::uint64_t want, double ops_per_iteration) {
    return finish_loop(
        st, E::name, sum, want, [&] { return back_to_start(st, e, start); },
        [&] { set_common_counters(st, w, ops_per_iteration); });
}

/// The loop's expected checksum when every round trip gives `expected`.
inline std::uint64_t repeated(const benchmark::State& st, const outcome& expected) {
    return repeated_key(st, key(expected));
}

/// The common body of a family whose timed iteration is one round trip from
/// the workload's start state over the mask `mask`: trip(engine, mask) gives
/// the round trip's key (0: refused, reported as `refused`) and every key
/// should be want(workload)'s. False if the benchmark failed.
template <class E, class Trip, class Want>
bool time_round_trip(benchmark::State& st, unsigned nr_cpus, unsigned fill, unsigned mask,
                     const char* refused, double ops_per_iteration, Trip&& trip, Want&& want) {
    const workload& w = workload_for(nr_cpus, fill);
    const auto e = engine_copy<E>(w, st);
    if (!e) return false;
    const typename E::mask_type m = E::prepare(w.masks[mask]);
    const std::uint64_t sum = timed_round_trips(st, refused, [&] { return trip(*e, m); });
    return finish(st, w, *e, start_state<E>(w), sum, repeated(st, want(w)), ops_per_iteration);
}

// ---- registration ----------------------------------------------------------------------

/// Registers name + "/lib" and name + "/baseline" with the same function.
template <class F, class... Args>
void register_pair(const std::string& stem, bool baseline_slow, F lib_fn, F base_fn, Args... args) {
    const irqmatrix_benchsupport::run_settings& s = settings();
    benchmark::RegisterBenchmark((stem + "/lib").c_str(), lib_fn, args...)
        ->Unit(benchmark::kNanosecond)
        ->MinTime(s.min_time);
    benchmark::RegisterBenchmark((stem + "/baseline").c_str(), base_fn, args...)
        ->Unit(benchmark::kNanosecond)
        ->MinTime(baseline_slow ? s.slow_min_time : s.min_time);
}

void register_single();
void register_block();
void register_managed();
void register_search();

}  // namespace irqmatrix_scale
