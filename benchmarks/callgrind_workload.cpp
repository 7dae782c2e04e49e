// SPDX-License-Identifier: MIT
// irqmatrix-callgrind: the fixed workload that benchmarks/callgrind.sh runs
// under `valgrind --tool=callgrind --collect-atstart=no`, to count
// instructions (stable on a noisy machine, unlike time).
//
// Setup (not counted): the 4096-CPU, 50%-full workload of irqmatrix-scale
// (`--cpus N --fill F` picks another of its workloads),
// built by the library and the baseline in lockstep and checked to agree.
// Then one measured region per line below, each bracketed by callgrind client
// requests (collection on, the region, CALLGRIND_DUMP_STATS_AT(name), which
// writes the region's counts to their own file and zeroes them, collection
// off):
//
//   lib/single, baseline/single   10,000 x alloc(all CPUs) + free
//   lib/block5, baseline/block5   10,000 x alloc_block(all CPUs, order 5) + free_block
//   lib/managed, baseline/managed 10,000 x alloc_managed(all CPUs) + free (managed)
//   lib/search/K, baseline/search/K, plain/search/K   (K = 0..5)
//       10,000 aligned block searches of order K over the 4096 CPUs' maps:
//       the library's bitmap::find_aligned_run, the baseline's first-fit
//       area search, and a plain word-parallel search over the 4 words
//       written here as the yardstick. Each search is a call through a
//       volatile function pointer, so nothing is inlined or propagated;
//   null/search                    the same loop calling a function that
//       searches nothing: the driver's own cost, which the script subtracts.
//
// Every region's results are checked against what the other engine does
// (outside the counted part), so a broken engine exits non-zero.
//
// Without <valgrind/callgrind.h> (IRQMATRIX_HAVE_CALLGRIND_H undefined) the
// client requests are no-ops, and `--region NAME` runs only that region
// (`--region none`: setup only), so the script can subtract two runs' totals.
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#ifdef IRQMATRIX_HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#define REGION_BEGIN() CALLGRIND_TOGGLE_COLLECT
#define REGION_END(name)               \
    do {                               \
        CALLGRIND_DUMP_STATS_AT(name); \
        CALLGRIND_TOGGLE_COLLECT;      \
    } while (0)
#else
#define REGION_BEGIN() ((void)0)
#define REGION_END(name) ((void)(name))
#endif

#include "scale/scale_engines.hpp"

namespace {

using namespace irqmatrix_scale;

constexpr unsigned reps = 10000;

using lib_map = irqmatrix::matrix::bitmap_type;
using word = std::uint64_t;
using base_map = std::array<word, 4>;

unsigned lib_search(const lib_map& m, unsigned order) noexcept { return m.find_aligned_run(order); }
unsigned baseline_search(const base_map& occupied, unsigned order) noexcept {
    const unsigned n = 1u << order;
    return irqmatrix_baseline::bitmap_find_next_zero_area(occupied.data(), x86_alloc_end,
                                                          x86_alloc_start, n, n - 1);
}
// The yardstick, written plainly: for each of the 4 words, AND the free word
// with itself shifted 16, 8, 4, 2, 1 places as the order needs (bit i then
// says bits i..i+2^K-1 are free; the steps commute), keep the aligned
// positions, and return the first one.
unsigned plain_search(const base_map& free, unsigned order) noexcept {
    static constexpr word aligned[6] = {~word{0},
                                        0x5555555555555555ull,
                                        0x1111111111111111ull,
                                        0x0101010101010101ull,
                                        0x0001000100010001ull,
                                        0x0000000100000001ull};
    const word mask = aligned[order];
    for (unsigned i = 0; i < 4; ++i) {
        word w = free[i];
        switch (order) {
        case 5: w &= w >> 16; [[fallthrough]];
        case 4: w &= w >> 8; [[fallthrough]];
        case 3: w &= w >> 4; [[fallthrough]];
        case 2: w &= w >> 2; [[fallthrough]];
        case 1: w &= w >> 1; break;
        default: break;
        }
        w &= mask;
        if (w) return i * 64 + static_cast<unsigned>(std::countr_zero(w));
    }
    return 256;
}
// The driver alone: reads one word so that the loop is the same.
unsigned null_search(const base_map& free, unsigned order) noexcept {
    return static_cast<unsigned>(free[0] & 1u) + order;
}

// Called through these, so that no search is inlined into the loop.
using lib_fn = unsigned (*)(const lib_map&, unsigned) noexcept;
using base_fn = unsigned (*)(const base_map&, unsigned) noexcept;
lib_fn volatile lib_search_ptr = &lib_search;
base_fn volatile baseline_search_ptr = &baseline_search;
base_fn volatile plain_search_ptr = &plain_search;
base_fn volatile null_search_ptr = &null_search;

bool selected(const char* region, const char* name) {
    return region == nullptr || std::strcmp(region, name) == 0;
}

// The round trips the regions count. The region's loop calls take<T> and
// give<T> with T a constant, so the compiler inlines them as if written out
// (taking the operation as a lambda object instead cost 60 more instructions
// per round trip, on both engines, in the harness alone).
enum class trip { single, block5, managed };

template <trip T, class E>
IRQMATRIX_SCALE_INLINE outcome take(E& e, const typename E::mask_type& m) noexcept {
    if constexpr (T == trip::single) return e.alloc(m);
    if constexpr (T == trip::block5) return e.alloc_block(m, 5);
    if constexpr (T == trip::managed) return e.alloc_managed(m);
}

// True if the round trip ended where it started. A refused order-5 block is an
// outcome to count, not a failure.
template <trip T, class E>
IRQMATRIX_SCALE_INLINE bool give(E& e, const outcome& p) noexcept {
    if constexpr (T == trip::block5) return !p.ok() || e.free_block(p.cpu, p.base, 5, false);
    return p.ok() && e.free(p.cpu, p.base, T == trip::managed);
}

outcome expected(trip t, const workload& w) noexcept {
    switch (t) {
    case trip::single: return w.expect_alloc[mask_all];
    case trip::block5: return w.expect_block[5];
    case trip::managed: return w.expect_managed;
    }
    return {};
}

// A round-trip region. One untimed round trip first, on both engines alike:
// it settles work the workload's construction left pending (the library's
// deferred index upkeep), so the region counts the steady state.
template <class E, trip T>
bool round_trip_region(const workload& w, const char* region, const char* name) {
    if (!selected(region, name)) return true;
    E e(start_state<E>(w));
    const typename E::mask_type m = E::prepare(w.masks[mask_all]);
    std::uint64_t sum = 0;
    bool ok = give<T>(e, take<T>(e, m));
    REGION_BEGIN();
    for (unsigned i = 0; i < reps; ++i) {
        const outcome p = take<T>(e, m);
        ok = ok && give<T>(e, p);
        sum += key(p);
    }
    REGION_END(name);
    return ok && sum == key(expected(T, w)) * reps && e == start_state<E>(w);
}

template <class Map>
std::uint64_t search_region(const std::vector<Map>& maps, unsigned order,
                            unsigned (*volatile const& search)(const Map&, unsigned) noexcept,
                            const char* region, const std::string& name) {
    if (!selected(region, name.c_str())) return 0;
    std::uint64_t sum = 0;
    unsigned c = 0;
    REGION_BEGIN();
    for (unsigned i = 0; i < reps; ++i) {
        const unsigned b = search(maps[c], order);
        sum += b < x86_alloc_end ? b : 0xffff;
        if (++c == maps.size()) c = 0;
    }
    REGION_END(name.c_str());
    return sum;
}

}  // namespace

int main(int argc, char** argv) {
    const char* region = nullptr;  // all regions
    unsigned workload_cpus = 4096, workload_fill = 50;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--region") == 0 && i + 1 < argc) {
            region = argv[++i];
        } else if (std::strcmp(argv[i], "--cpus") == 0 && i + 1 < argc) {
            workload_cpus = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        } else if (std::strcmp(argv[i], "--fill") == 0 && i + 1 < argc) {
            workload_fill = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        } else if (std::strcmp(argv[i], "--list") == 0) {
            std::puts(
                "lib/single\nbaseline/single\nlib/block5\nbaseline/block5\nlib/managed\nbaseline/managed");
            std::puts("null/search");
            for (unsigned k = 0; k <= max_order; ++k)
                std::printf("lib/search/%u\nbaseline/search/%u\nplain/search/%u\n", k, k, k);
            return 0;
        } else {
            std::fprintf(stderr, "usage: %s [--list] [--region NAME|none] [--cpus N] [--fill F]\n",
                         argv[0]);
            return 2;
        }
    }
    if (workload_cpus < 1 || workload_cpus > 65536 || workload_fill > 90) {
        std::fprintf(stderr, "--cpus must be 1..65536 and --fill 0..90\n");
        return 2;
    }
    const workload& w = workload_for(workload_cpus, workload_fill);
    if (!w.error.empty()) {
        std::fprintf(stderr, "workload: %s\n", w.error.c_str());
        return 1;
    }
    std::printf("workload: %u CPUs, %.1f%% full; order-5 block %s; reps %u\n", w.nr_cpus,
                w.facts.fill_pct, w.expect_block[5].ok() ? "found" : "refused (ENOSPC)", reps);
    bool ok = round_trip_region<lib_engine, trip::single>(w, region, "lib/single") &&
              round_trip_region<baseline_engine, trip::single>(w, region, "baseline/single") &&
              round_trip_region<lib_engine, trip::block5>(w, region, "lib/block5") &&
              round_trip_region<baseline_engine, trip::block5>(w, region, "baseline/block5") &&
              round_trip_region<lib_engine, trip::managed>(w, region, "lib/managed") &&
              round_trip_region<baseline_engine, trip::managed>(w, region, "baseline/managed");

    std::vector<lib_map> lib_maps;
    std::vector<base_map> occupied, free;
    const irqmatrix_baseline::kernel_matrix& k = w.base->matrix();
    for (unsigned c = 0; c < workload_cpus; ++c) {
        lib_maps.push_back(w.lib->matrix().free_map(c));
        base_map occ{}, fr{};
        for (unsigned i = 0; i < 4; ++i) {
            occ[i] = k.map(c).managed_map[i] | k.system_map()[i] | k.map(c).alloc_map[i];
            fr[i] = lib_maps.back().word(i);
        }
        occupied.push_back(occ);
        free.push_back(fr);
    }
    search_region(free, 0, null_search_ptr, region, "null/search");
    for (unsigned order = 0; order <= max_order; ++order) {
        const std::string o = std::to_string(order);
        const std::uint64_t a =
            search_region(lib_maps, order, lib_search_ptr, region, "lib/search/" + o);
        const std::uint64_t b =
            search_region(occupied, order, baseline_search_ptr, region, "baseline/search/" + o);
        const std::uint64_t p =
            search_region(free, order, plain_search_ptr, region, "plain/search/" + o);
        if (region == nullptr && (a != b || a != p)) {
            std::fprintf(stderr, "order %u: the searches disagree\n", order);
            ok = false;
        }
    }
    if (!ok) {
        std::fprintf(stderr, "a region's results did not match the expectation\n");
        return 1;
    }
    return 0;
}
