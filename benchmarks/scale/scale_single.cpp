// SPDX-License-Identifier: MIT
// Scenario family: single vectors. One timed iteration is irq_matrix_alloc()
// of one vector followed by its free():
//   alloc_free/cpus:N/fill:F            the mask is every online CPU
//   alloc_free_mask/mask:M/cpus:N/fill:F
//       M = half: a seeded random half of the CPUs;
//       M = node: 64 contiguous CPUs (N/2 .. N/2+63), N >= 128 only;
//       M = one:  the single CPU N/2.
// Library and baseline on the same state; the loop's outcomes are
// checksummed against the placement both agreed on beforehand.
#include "scale_engines.hpp"

namespace irqmatrix_scale {
namespace {

template <class E>
void alloc_free(benchmark::State& st, unsigned nr_cpus, unsigned fill, unsigned mask) {
    const bool ok = time_round_trip<E>(
        st, nr_cpus, fill, mask, "alloc or free refused in the timed loop", 2,
        [](E& e, const typename E::mask_type& m) {
            const outcome p = e.alloc(m);
            return p.ok() && e.free(p.cpu, p.base, false) ? key(p) : 0;
        },
        [&](const workload& w) { return w.expect_alloc[mask]; });
    if (ok) st.counters["mask_cpus"] = workload_for(nr_cpus, fill).masks[mask].count();
}

}  // namespace

void register_single() {
    for (const unsigned n : cpu_counts)
        for (const unsigned f : fills)
            register_pair("alloc_free/cpus:" + std::to_string(n) + "/fill:" + std::to_string(f),
                          n >= 4096, alloc_free<lib_engine>, alloc_free<baseline_engine>, n, f,
                          unsigned{mask_all});
    for (const unsigned mask : {unsigned{mask_half}, unsigned{mask_node}, unsigned{mask_one}})
        for (const unsigned n : cpu_counts) {
            if (mask == mask_node && n < 128) continue;
            for (const unsigned f : fills)
                register_pair(std::string("alloc_free_mask/mask:") + mask_names[mask] +
                                  "/cpus:" + std::to_string(n) + "/fill:" + std::to_string(f),
                              n >= 4096 && mask == mask_half, alloc_free<lib_engine>,
                              alloc_free<baseline_engine>, n, f, mask);
        }
}

}  // namespace irqmatrix_scale
