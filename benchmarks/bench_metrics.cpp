// SPDX-License-Identifier: MIT
// Scenario family: fragmentation metrics (metrics.hpp) on the half-full x86
// workload at 8, 64 and 512 CPUs. Not an allocator comparison, so the
// `.../model` row here is not the naive model of tests/model but the naive
// way to get the same numbers: one pass over every vector of every online
// CPU, testing bits one at a time. Named `model`, it is paired with the
// library row in the closing ratio table like every other family.
//
//   fragmentation/cpus:N/lib       fragmentation_of(m): word-parallel, O(CPUs x words)
//   fragmentation/cpus:N/model     the per-bit recount, O(CPUs x vectors x orders)
//   tracker_update/cpus:N/lib      fragmentation_tracker::update(m, one CPU) + totals()
//
// The family registers itself when the program starts (main() lists the
// other families and this file may not change it), so its rows come first.
#include <irqmatrix/metrics.hpp>

#include "model_engines.hpp"

namespace irqmatrix_bench {
namespace {

using irqmatrix::cpu_fragmentation;
using irqmatrix::matrix_fragmentation;

constexpr unsigned metric_cpu_counts[] = {8, 64, 512};

// The obvious implementation: walk each online CPU's window vector by vector,
// tracking the current run of free vectors; a run of at least 2^k ending at
// an aligned boundary (b + 1 a multiple of 2^k) completes one free aligned
// block of order k. It reads the same free map as the library, so the two
// differ only in how they count.
matrix_fragmentation naive_recount(const irqmatrix::matrix& m) {
    matrix_fragmentation t;
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        if (!m.cpu_map(c).online) continue;
        const auto free = m.free_map(c);
        cpu_fragmentation f;
        unsigned run = 0;
        for (unsigned b = m.alloc_start(); b < m.alloc_end(); ++b) {
            if (!free.test(b)) {
                run = 0;
                continue;
            }
            ++run;
            ++f.free_vectors;
            for (unsigned k = 0; k <= max_order; ++k) {
                const unsigned size = 1u << k;
                if ((b + 1) % size == 0 && run >= size) {
                    ++f.free_blocks[k];
                    if (static_cast<int>(k) > f.largest_free_order)
                        f.largest_free_order = static_cast<int>(k);
                }
            }
        }
        t.add(f);
    }
    return t;
}

// The workload's matrix, after checking that the library, the naive recount
// and a fresh tracker agree on it (else st is marked skipped).
const irqmatrix::matrix* checked_matrix(benchmark::State& st, unsigned nr_cpus) {
    workload& w = workload_for(nr_cpus);
    if (!w.error.empty()) {
        fail(st, w.error);
        return nullptr;
    }
    const irqmatrix::matrix& m = w.lib->matrix();
    const matrix_fragmentation lib = irqmatrix::fragmentation_of(m);
    if (!(lib == naive_recount(m))) {
        fail(st, "fragmentation_of() and the per-bit recount disagree");
        return nullptr;
    }
    if (!(irqmatrix::fragmentation_tracker(m).totals() == lib)) {
        fail(st, "the tracker's totals and fragmentation_of() disagree");
        return nullptr;
    }
    return &m;
}

// What the state looks like, the same on every row of one CPU count.
void set_metric_counters(benchmark::State& st, const irqmatrix::matrix& m) {
    const matrix_fragmentation t = irqmatrix::fragmentation_of(m);
    st.counters["cpus"] = m.nr_cpus();
    st.counters["free_vectors"] = t.free_vectors;
    st.counters["frag_idx_o3"] = t.fragmentation_index(3);
    st.counters["frag_idx_o5"] = t.fragmentation_index(5);
    st.counters["cpus_o5_pct"] = 100.0 * t.cpus_with_order[5] / t.online_cpus;
}

template <bool Naive>
void whole_matrix(benchmark::State& st, unsigned nr_cpus) {
    const irqmatrix::matrix* m = checked_matrix(st, nr_cpus);
    if (!m) return;
    const unsigned want = irqmatrix::fragmentation_of(*m).free_vectors;
    std::uint64_t sum = 0;
    for (auto _ : st) {
        matrix_fragmentation t = Naive ? naive_recount(*m) : irqmatrix::fragmentation_of(*m);
        benchmark::DoNotOptimize(t);
        sum += t.free_vectors;
    }
    check_sum(st, sum, std::uint64_t{want} * static_cast<std::uint64_t>(st.iterations()));
    set_metric_counters(st, *m);
    // CPUs recounted per second, so the three sizes compare per CPU.
    st.counters["cpu_rate"] = benchmark::Counter(static_cast<double>(nr_cpus),
                                                 benchmark::Counter::kIsIterationInvariantRate);
    st.SetLabel(Naive ? "naive per-bit recount" : "lib");
}

void tracker_update(benchmark::State& st, unsigned nr_cpus) {
    const irqmatrix::matrix* m = checked_matrix(st, nr_cpus);
    if (!m) return;
    irqmatrix::fragmentation_tracker tracker(*m);  // allocates: outside the loop
    const unsigned want = tracker.totals().free_vectors;
    std::uint64_t sum = 0;
    unsigned cpu = 0;
    for (auto _ : st) {
        // As after one operation: re-read the CPU it touched, sample.
        tracker.update(*m, cpu);
        const matrix_fragmentation* t = &tracker.totals();
        benchmark::DoNotOptimize(t);
        sum += t->free_vectors;
        cpu = cpu + 1 < nr_cpus ? cpu + 1 : 0;  // a different CPU each time, as events are
    }
    check_sum(st, sum, std::uint64_t{want} * static_cast<std::uint64_t>(st.iterations()));
    if (!(tracker.totals() == irqmatrix::fragmentation_of(*m)))
        fail(st, "the tracker drifted from fragmentation_of() in the timed loop");
    set_metric_counters(st, *m);
    st.SetLabel("lib");
}

bool register_metrics() {
    for (const unsigned n : metric_cpu_counts) {
        const std::string cpus = "/cpus:" + std::to_string(n);
        tune(benchmark::RegisterBenchmark(("fragmentation" + cpus + "/lib").c_str(),
                                          whole_matrix<false>, n),
             false, n);
        tune(benchmark::RegisterBenchmark(("fragmentation" + cpus + "/model").c_str(),
                                          whole_matrix<true>, n),
             true, n);
        tune(benchmark::RegisterBenchmark(("tracker_update" + cpus + "/lib").c_str(),
                                          tracker_update, n),
             false, n);
    }
    return true;
}

[[maybe_unused]] const bool registered = register_metrics();

}  // namespace
}  // namespace irqmatrix_bench
