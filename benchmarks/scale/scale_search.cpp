// SPDX-License-Identifier: MIT
// Scenario family: the aligned block search alone, on the same per-CPU maps.
//   search/order:K/fill:F    K = 0..5
// The maps are those of the 4096-CPU workload at fill F, one per CPU, taken
// outside the timed loop: for the library each CPU's free map (window less
// allocated, managed and system vectors) searched with
// bitmap::find_aligned_run(K); for the baseline the kernel's scratch map
// (managed | system | allocated) searched with the first-fit
// bitmap_find_next_zero_area() from alloc_start, alignment mask 2^K - 1. One
// iteration is one search on the next CPU's map (cycling over all 4096,
// 128 KiB per engine). Both must find the same base on every map, which is
// checked before the loop; the loop's results are checksummed.
#include <array>
#include <map>

#include "scale_engines.hpp"

namespace irqmatrix_scale {
namespace {

using lib_map = irqmatrix::matrix::bitmap_type;
using base_map = std::array<irqmatrix_baseline::word, irqmatrix_baseline::map_words>;

struct search_maps {
    std::vector<lib_map> lib;
    std::vector<base_map> base;
    std::vector<std::uint64_t> expect[max_order + 1];  // per map: base found, or 0xffff
    std::string error;
};

constexpr std::uint64_t not_found = 0xffff;

std::uint64_t lib_search(const lib_map& m, unsigned order) noexcept {
    const unsigned b = m.find_aligned_run(order);
    return b < x86_alloc_end ? b : not_found;
}
std::uint64_t base_search(const base_map& m, unsigned order) noexcept {
    const unsigned n = 1u << order;
    const unsigned b = irqmatrix_baseline::bitmap_find_next_zero_area(m.data(), x86_alloc_end,
                                                                      x86_alloc_start, n, n - 1);
    return b < x86_alloc_end ? b : not_found;
}

const search_maps& maps_for(unsigned fill) {
    static std::map<unsigned, search_maps> cache;
    auto [it, fresh] = cache.try_emplace(fill);
    search_maps& s = it->second;
    if (!fresh) return s;
    const workload& w = workload_for(search_cpus, fill);
    if (!w.error.empty()) {
        s.error = w.error;
        return s;
    }
    const irqmatrix_baseline::kernel_matrix& k = w.base->matrix();
    for (unsigned c = 0; c < search_cpus; ++c) {
        s.lib.push_back(w.lib->matrix().free_map(c));
        const irqmatrix_baseline::cpumap& cm = k.map(c);
        base_map b{};
        for (unsigned i = 0; i < b.size(); ++i)
            b[i] = cm.managed_map[i] | k.system_map()[i] | cm.alloc_map[i];
        s.base.push_back(b);
    }
    for (unsigned order = 0; order <= max_order; ++order)
        for (unsigned c = 0; c < search_cpus; ++c) {
            const std::uint64_t a = lib_search(s.lib[c], order);
            if (a != base_search(s.base[c], order) && s.error.empty())
                s.error = "the library's and the baseline's searches disagree on cpu " +
                          std::to_string(c) + " order " + std::to_string(order);
            s.expect[order].push_back(a);
        }
    return s;
}

template <bool Lib>
void search(benchmark::State& st, unsigned fill, unsigned order) {
    const search_maps& s = maps_for(fill);
    if (!s.error.empty()) {
        fail(st, s.error);
        return;
    }
    std::uint64_t sum = 0;
    unsigned i = 0, found = 0;
    for (auto _ : st) {
        if constexpr (Lib)
            sum += lib_search(s.lib[i], order);
        else
            sum += base_search(s.base[i], order);
        if (++i == search_cpus) i = 0;
    }
    std::uint64_t want = 0;
    i = 0;
    for (benchmark::IterationCount n = 0; n < st.iterations(); ++n) {
        want += s.expect[order][i];
        if (++i == search_cpus) i = 0;
    }
    for (const std::uint64_t e : s.expect[order]) found += e != not_found ? 1u : 0u;
    check_sum(st, sum, want);
    const workload& w = workload_for(search_cpus, fill);
    st.counters["order"] = order;
    st.counters["fill_pct"] = w.facts.fill_pct;
    st.counters["found_pct"] = 100.0 * found / search_cpus;  // maps that have such a block
    st.SetItemsProcessed(st.iterations());
    st.SetLabel(Lib ? "lib" : "baseline");
}

}  // namespace

void register_search() {
    for (unsigned k = 0; k <= max_order; ++k)
        for (const unsigned f : fills)
            register_pair("search/order:" + std::to_string(k) + "/fill:" + std::to_string(f), false,
                          search<true>, search<false>, f, k);
}

}  // namespace irqmatrix_scale
