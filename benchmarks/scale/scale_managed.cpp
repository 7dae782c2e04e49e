// SPDX-License-Identifier: MIT
// Scenario family: managed vectors.
//   managed_alloc_free/cpus:N/fill:F
//       irq_matrix_alloc_managed() over every online CPU (fewest
//       managed-allocated wins, ties to the highest CPU) and free() of it.
//       Every CPU holds 1 to 3 reservations from the fill, at least one
//       unallocated.
//   managed_cycle/cpus:N/fill:F
//       the life of a managed interrupt on one CPU: reserve_managed({c}),
//       alloc_managed({c}), free(managed), remove_managed({c}); c runs over
//       64 CPUs spread evenly over the matrix (all of them at 4 CPUs). The
//       state is the workload after one warm-up pass of the cycle, from
//       which each cycle is an exact round trip (scale_workload.cpp).
#include "scale_engines.hpp"

namespace irqmatrix_scale {
namespace {

template <class E>
void managed_alloc_free(benchmark::State& st, unsigned nr_cpus, unsigned fill) {
    time_round_trip<E>(
        st, nr_cpus, fill, mask_all, "alloc_managed or free refused in the timed loop", 2,
        [](E& e, const typename E::mask_type& m) {
            const outcome p = e.alloc_managed(m);
            return p.ok() && e.free(p.cpu, p.base, true) ? key(p) : 0;
        },
        [](const workload& w) { return w.expect_managed; });
}

template <class E>
void managed_cycle(benchmark::State& st, unsigned nr_cpus, unsigned fill) {
    const workload& w = workload_for(nr_cpus, fill);
    const auto e = engine_copy<E>(w, st, /*cycle=*/true);
    if (!e) return;
    std::vector<typename E::mask_type> masks;
    for (const auto& s : w.rotation_masks) masks.push_back(E::prepare(s));
    const std::size_t k = masks.size();
    std::size_t i = 0;
    const std::uint64_t sum =
        timed_round_trips(st, "a managed operation was refused in the timed loop", [&] {
            const typename E::mask_type m = masks[i];
            const outcome r = e->reserve_managed(m);
            const outcome p = e->alloc_managed(m);
            if (!r.ok() || !p.ok() || !e->free(p.cpu, p.base, true) || !e->remove_managed(m).ok())
                return std::uint64_t{0};
            if (++i == k) i = 0;
            return key(p);
        });
    if (st.error_occurred()) return;
    finish(st, w, *e, cycle_state<E>(w), sum,
           rotating_sum(st, k, [&](std::size_t at) { return key(w.expect_cycle[at]); }), 4);
}

}  // namespace

void register_managed() {
    for (const unsigned n : cpu_counts)
        for (const unsigned f : fills)
            register_pair(
                "managed_alloc_free/cpus:" + std::to_string(n) + "/fill:" + std::to_string(f),
                n >= 4096, managed_alloc_free<lib_engine>, managed_alloc_free<baseline_engine>, n,
                f);
    for (const unsigned n : cpu_counts)
        for (const unsigned f : fills)
            register_pair("managed_cycle/cpus:" + std::to_string(n) + "/fill:" + std::to_string(f),
                          false, managed_cycle<lib_engine>, managed_cycle<baseline_engine>, n, f);
}

}  // namespace irqmatrix_scale
