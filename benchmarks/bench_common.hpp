// SPDX-License-Identifier: MIT
// The one framework of the benchmark programs (irqmatrix-bench: the library
// beside the naive model; irqmatrix-scale: the library beside the kernel
// baseline). What both share lives here:
//   * the x86 geometry every workload uses and the seeded generator;
//   * the workload generator: how one CPU's window is filled (a seeded mix of
//     single vectors and aligned blocks past the target, random frees back
//     down to it, single vectors to top it up), and the fragmentation facts
//     read from the filled state;
//   * the self-checks' failure path, and run settings;
//   * what a program tells the one main() (bench_main.cpp): which engine the
//     library is paired with, which time the summary pairs, how to register.
// Each program's engines and workload cache are in its engines header
// (model_engines.hpp, scale/scale_engines.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <irqmatrix/matrix.hpp>

#include "irqmatrix_common/seeded_rng.hpp"

static_assert(IRQMATRIX_DEBUG_LEVEL == 0,
              "irqmatrix benchmarks measure debug level 0 (benchmarks/CMakeLists.txt sets it)");

namespace irqmatrix_benchsupport {

// ---- the x86 geometry every benchmark uses -------------------------------------

inline constexpr unsigned x86_bits = 256;
inline constexpr unsigned x86_alloc_start = 32;
inline constexpr unsigned x86_alloc_end = 236;
inline constexpr unsigned window_size = x86_alloc_end - x86_alloc_start;  // 204 vectors
inline constexpr unsigned max_order = irqmatrix::max_order;               // 5: 32-vector blocks

using rng = irqmatrix_common::seeded_rng;

// ---- the workload generator ---------------------------------------------------------

// Fill shape per CPU: allocate up to `peak` (target plus an overshoot of a
// fifth of the window) with the order mix below, then free randomly chosen
// allocations until at most `target` remain, then top up to `target` with
// single vectors (they land in the lowest holes).
inline constexpr unsigned overshoot = window_size / 5;                           // 40
inline constexpr unsigned order_weight[max_order + 1] = {45, 20, 15, 10, 7, 3};  // percent

inline unsigned pick_order(rng& r) noexcept {
    unsigned x = r.below(100);
    for (unsigned k = 0; k < max_order; ++k) {
        if (x < order_weight[k]) return k;
        x -= order_weight[k];
    }
    return max_order;
}

/// Fills one CPU's window as described above. `alloc(order)` places a block
/// (order 0: a single vector) on the CPU and returns true with its base in
/// `base`; `free(base, order)` gives one back. When `shrink` is set, a
/// refused block is asked again one order smaller (a fragmented CPU at high
/// fill); otherwise a refusal is an error. Returns an error text, or "".
/// The draws depend only on the generator and the placements, so two correct
/// engines fed the same seed make identical fills.
template <class Alloc, class Free>
std::string fill_window(rng& r, unsigned target, unsigned peak, bool shrink,
                        const std::string& where, Alloc&& alloc, Free&& free) {
    struct held_block {
        unsigned base;
        unsigned order;
    };
    std::vector<held_block> held;
    unsigned allocated = 0;
    while (allocated < peak) {
        unsigned order = pick_order(r);
        while ((1u << order) > peak - allocated) --order;
        unsigned base = 0;
        while (!alloc(order, base)) {
            if (order == 0 || !shrink)
                return "fill: alloc of order " + std::to_string(order) + where + " failed";
            --order;
        }
        held.push_back({base, order});
        allocated += 1u << order;
    }
    while (allocated > target) {
        const unsigned i = r.below(static_cast<unsigned>(held.size()));
        const held_block b = held[i];
        held[i] = held.back();
        held.pop_back();
        if (!free(b.base, b.order)) return "fill: free" + where + " failed";
        allocated -= 1u << b.order;
    }
    for (unsigned base = 0; allocated < target; ++allocated)
        if (!alloc(0u, base)) return "fill: top-up" + where + " failed";
    return {};
}

/// Facts about a filled state that every benchmark reports.
struct fill_facts {
    double fill_pct = 0;  ///< occupied / (CPUs x window), percent
    /// External fragmentation as STYLE.md P14 defines it, 1 - largest free
    /// aligned block / free vectors, averaged over CPUs. Blocks stop at order
    /// 5 (32 vectors), so a half-full x86 CPU (about 102 free) cannot go
    /// below 1 - 32/102 = 0.69; higher means its free space is more broken up.
    double ext_frag = 0;
    double room_pct[max_order + 1] = {};  ///< CPUs with a free aligned block of order k, percent
};

inline fill_facts facts_of(const irqmatrix::matrix& m) {
    fill_facts f;
    const unsigned n = m.nr_cpus();
    double frag = 0, free_total = 0;
    unsigned room[max_order + 1] = {};
    for (unsigned c = 0; c < n; ++c) {
        const unsigned nfree = m.free_map(c).count();
        free_total += nfree;
        const int largest = m.largest_free_order(c);
        if (nfree > 0 && largest >= 0)
            frag += 1.0 - double(1u << static_cast<unsigned>(largest)) / double(nfree);
        for (int k = 0; k <= largest; ++k) ++room[k];
    }
    f.fill_pct = 100.0 * (1.0 - free_total / (double{window_size} * n));
    f.ext_frag = frag / n;
    for (unsigned k = 0; k <= max_order; ++k) f.room_pct[k] = 100.0 * room[k] / n;
    return f;
}

/// The counters every benchmark reports.
inline void set_fill_counters(benchmark::State& st, unsigned nr_cpus, const fill_facts& f) {
    st.counters["cpus"] = nr_cpus;
    st.counters["fill_pct"] = f.fill_pct;
    st.counters["ext_frag"] = f.ext_frag;
    st.SetItemsProcessed(st.iterations());
}

// ---- self-checks ----------------------------------------------------------------------

/// How many benchmarks failed a self-check in this process (main exits
/// non-zero if any did).
inline unsigned& error_count() noexcept {
    static unsigned n = 0;
    return n;
}
/// Marks the benchmark failed with a reason (and counts it).
inline void fail(benchmark::State& st, const std::string& why) {
    ++error_count();
    st.SkipWithError(why.c_str());
}
/// Compares a loop checksum with the expectation both engines agreed on.
inline void check_sum(benchmark::State& st, std::uint64_t have, std::uint64_t want) {
    if (have != want) fail(st, "loop checksum mismatch: the engine placed differently");
}

// ---- the timed loop -------------------------------------------------------------------

/// The timed loop of every round-trip benchmark. `round_trip()` does one
/// iteration's operations and returns its outcome's checksum key (keys are
/// never 0), or 0 when an operation was refused: that fails the benchmark
/// with `refused` and ends the loop. Returns the sum of the keys. The round
/// trip is a lambda handed to a template, so it inlines into the loop.
template <class RoundTrip>
std::uint64_t timed_round_trips(benchmark::State& st, const char* refused, RoundTrip&& round_trip) {
    std::uint64_t sum = 0;
    for (auto _ : st) {
        const std::uint64_t k = round_trip();
        if (k == 0) {
            fail(st, refused);
            break;
        }
        sum += k;
    }
    return sum;
}

/// The checksum a timed loop that rotates over `period` positions should
/// reach: the sum over the benchmark's iterations of `key_at(position)`.
template <class KeyAt>
std::uint64_t rotating_sum(const benchmark::State& st, std::size_t period, KeyAt&& key_at) {
    std::uint64_t want = 0;
    std::size_t at = 0;
    for (benchmark::IterationCount n = 0; n < st.iterations(); ++n) {
        want += key_at(at);
        if (++at == period) at = 0;
    }
    return want;
}

/// The checksum of a loop whose every round trip gives the key `k`.
inline std::uint64_t repeated_key(const benchmark::State& st, std::uint64_t k) {
    return k * static_cast<std::uint64_t>(st.iterations());
}

/// The end of a timed loop whose checksum should be `want`: the checksum,
/// then the program's `back_to_start()` (the engine is as it started, true
/// if so) and `counters()`, then the engine's label. False (the benchmark
/// already failed) if the loop or a check failed.
template <class BackToStart, class Counters>
bool finish_loop(benchmark::State& st, const char* label, std::uint64_t sum, std::uint64_t want,
                 BackToStart&& back_to_start, Counters&& counters) {
    if (st.error_occurred()) return false;
    check_sum(st, sum, want);
    if (!back_to_start()) return false;
    counters();
    st.SetLabel(label);
    return true;
}

// ---- the program -----------------------------------------------------------------------

/// Run-time settings: the minimum time per row, shortened for the other
/// engine's slowest rows and by --quick.
struct run_settings {
    double min_time = 0.2;       // seconds per row
    double slow_min_time = 0.1;  // the other engine's slowest rows
    bool quick = false;
};
inline run_settings& settings() noexcept {
    static run_settings s;
    return s;
}

/// What a program tells bench_main.cpp. Each program defines program().
struct program_info {
    const char* other;         ///< the engine the library is paired with: "model", "baseline"
    bool cpu_time;             ///< the summary pairs CPU time (else real time)
    const char* quick_filter;  ///< --quick's --benchmark_filter; null: no --quick
    void (*add_context)();     ///< extra run context (may be null)
    void (*register_all)();    ///< registers the scenario families, in order
};
const program_info& program();

}  // namespace irqmatrix_benchsupport
