// SPDX-License-Identifier: MIT
// Scenario family: the event observer's cost (events.hpp). The library's
// round trips on the half-full workload, each in three variants run back to
// back:
//   none   no observer attached: what every user who does not ask for events
//          runs, and what must cost the same as before the hook existed;
//   noop   an observer that does nothing: the price of the call itself;
//   count  an observer that counts the events, checked against the count the
//          kernel's rules give (two per round trip).
// The round trips: alloc+free of one vector over every CPU, alloc_managed+
// free over every CPU (each CPU holding one managed reservation, made before
// the timed loop), and alloc_block+free_block of order 3 over every CPU; at
// 4, 64 and 4096 CPUs. The rows are named observer/TRIP/cpus:N/VARIANT/lib,
// so each appears with its own time in the lib column of the summary.
//
// The file also builds against a library without the observer (only the
// `none` rows are then registered), which is how the hook's cost was
// compared with the library before it: the same rows built from both trees.
#include <cstdint>
#include <string>
#include <utility>

#include "model_engines.hpp"

#if __has_include(<irqmatrix/events.hpp>)
#include <irqmatrix/events.hpp>
#define IRQMATRIX_BENCH_HAVE_EVENTS 1
#else
#define IRQMATRIX_BENCH_HAVE_EVENTS 0
#endif

namespace irqmatrix_bench {
namespace {

enum class watch { none, noop, count };

constexpr const char* watch_name(watch w) noexcept {
    return w == watch::none ? "none" : w == watch::noop ? "noop" : "count";
}

#if IRQMATRIX_BENCH_HAVE_EVENTS
void ignore_event(void*, const irqmatrix::matrix_event&) noexcept {}
void count_event(void* counter, const irqmatrix::matrix_event&) noexcept {
    ++*static_cast<std::uint64_t*>(counter);
}
#endif

// Attaches the variant's observer; `events` counts for watch::count.
void attach(irqmatrix::matrix& m, watch w, std::uint64_t& events) {
#if IRQMATRIX_BENCH_HAVE_EVENTS
    if (w == watch::noop) m.set_observer({&ignore_event, nullptr});
    if (w == watch::count) m.set_observer({&count_event, &events});
#else
    (void)m;
    (void)w;
    (void)events;
#endif
}

// Detaches it again before the untimed checks.
void detach(irqmatrix::matrix& m) {
#if IRQMATRIX_BENCH_HAVE_EVENTS
    m.set_observer({});
#else
    (void)m;
#endif
}

// Whether the workload is usable. Each benchmark times a copy of its matrix,
// which starts with no observer.
bool start(benchmark::State& st, const workload& w) {
    if (!w.error.empty()) {
        fail(st, w.error);
        return false;
    }
    return true;
}

// After the loop: the state is the workload's again, and a counting
// observer heard the kernel's two events per round trip.
void finish(benchmark::State& st, const irqmatrix::matrix& m, const workload& w, watch v,
            std::uint64_t events) {
    if (!(m == w.lib->matrix())) {
        fail(st, "the timed loop did not return the matrix to its starting state");
        return;
    }
    if (v == watch::count && events != 2 * static_cast<std::uint64_t>(st.iterations()))
        fail(st, "the observer did not hear two events per round trip");
    set_common_counters(st, w);
    st.SetLabel(watch_name(v));
}

// One observer row: a copy of the workload's matrix (for the managed trip,
// every CPU holding one managed reservation, taken before the observer is
// attached and given back after it is detached), the variant's observer
// attached, `round_trip(m, all)` timed (the checksum key of its placement, 0
// if refused), then the checks; every round trip must place at
// `expected(w)`.
template <class Expected, class RoundTrip>
void observed_round_trips(benchmark::State& st, unsigned nr_cpus, watch v, bool reserve,
                          const char* refused, Expected&& expected, RoundTrip&& round_trip) {
    workload& w = workload_for(nr_cpus);
    if (!start(st, w)) return;
    irqmatrix::matrix m = w.lib->matrix();
    const irqmatrix::cpu_set all = irqmatrix::cpu_set::all(nr_cpus);
    if (reserve && !m.reserve_managed(all)) {
        fail(st, "reserve_managed of every CPU refused");
        return;
    }
    std::uint64_t events = 0;
    attach(m, v, events);
    const std::uint64_t sum = timed_round_trips(st, refused, [&] { return round_trip(m, all); });
    if (st.error_occurred()) return;
    check_sum(st, sum, repeated(st, expected(w)));
    detach(m);
    if (reserve && !m.remove_managed(all)) {
        fail(st, "remove_managed of every CPU refused");
        return;
    }
    finish(st, m, w, v, events);
}

void alloc_free(benchmark::State& st, unsigned nr_cpus, watch v) {
    observed_round_trips(
        st, nr_cpus, v, false, "alloc or free refused in the timed loop",
        [](const workload& w) { return w.expect_all; },
        [](irqmatrix::matrix& m, const irqmatrix::cpu_set& all) {
            const auto p = m.alloc(all, false);
            return p && m.free(p->cpu, p->base, false) ? key({true, p->cpu, p->base}) : 0;
        });
}

void managed_alloc_free(benchmark::State& st, unsigned nr_cpus, watch v) {
    // Every CPU has one reservation and none allocated: the tie goes to the
    // highest CPU, at the vector reserve_managed took there.
    observed_round_trips(
        st, nr_cpus, v, true, "alloc_managed or free refused in the timed loop",
        [nr_cpus](const workload& w) {
            return got{true, nr_cpus - 1, w.lowest_free[nr_cpus - 1]};
        },
        [](irqmatrix::matrix& m, const irqmatrix::cpu_set& all) {
            const auto p = m.alloc_managed(all);
            return p && m.free(p->cpu, p->base, true) ? key({true, p->cpu, p->base}) : 0;
        });
}

void block3_alloc_free(benchmark::State& st, unsigned nr_cpus, watch v) {
    constexpr unsigned order = 3;
    observed_round_trips(
        st, nr_cpus, v, false, "alloc_block or free_block refused in the timed loop",
        [](const workload& w) { return w.expect_block[order]; },
        [](irqmatrix::matrix& m, const irqmatrix::cpu_set& all) {
            const auto p = m.alloc_block(all, order, false);
            return p && m.free_block(p->cpu, p->base, order, false) ? key({true, p->cpu, p->base})
                                                                    : 0;
        });
}

bool register_observer() {
    constexpr unsigned sizes[] = {4, 64, 4096};
    constexpr watch variants[] = {
        watch::none,
#if IRQMATRIX_BENCH_HAVE_EVENTS
        watch::noop,
        watch::count
#endif
    };
    using trip = void (*)(benchmark::State&, unsigned, watch);
    const std::pair<const char*, trip> trips[] = {{"alloc_free", alloc_free},
                                                  {"managed_alloc_free", managed_alloc_free},
                                                  {"block3_alloc_free", block3_alloc_free}};
    for (const auto& [name, fn] : trips)
        for (const unsigned n : sizes)
            for (const watch v : variants) {
                const std::string row = std::string("observer/") + name +
                                        "/cpus:" + std::to_string(n) + "/" + watch_name(v) + "/lib";
                tune(benchmark::RegisterBenchmark(row.c_str(), fn, n, v), false, n);
            }
    return true;
}

[[maybe_unused]] const bool registered = register_observer();

}  // namespace
}  // namespace irqmatrix_bench
