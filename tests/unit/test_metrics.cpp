// SPDX-License-Identifier: MIT
// Fragmentation metrics (metrics.hpp) against a bit-by-bit recount written
// here, on hand-computed free runs and on random states of several
// geometries (64- to 2048-bit capacities, windows on and off alignment); and
// the incremental tracker against a full recount after every operation.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <irqmatrix/irqmatrix.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

namespace {

using irqmatrix::cpu_fragmentation;
using irqmatrix::cpu_set;
using irqmatrix::fragmentation_of;
using irqmatrix::fragmentation_tracker;
using irqmatrix::matrix_fragmentation;
using irqmatrix::max_order;

constexpr unsigned orders = max_order + 1;

// ---- the brute-force reference ---------------------------------------------

// Whether vector b is free on CPU c, from the raw maps (not free_map()).
template <class M>
bool bit_free(const M& m, unsigned c, unsigned b) {
    const auto& cm = m.cpu_map(c);
    return b >= m.alloc_start() && b < m.alloc_end() && !cm.alloc_map.test(b) &&
           !cm.managed_map.test(b) && !m.system_map().test(b);
}

template <class M>
cpu_fragmentation brute_cpu(const M& m, unsigned c) {
    cpu_fragmentation f;
    for (unsigned b = 0; b < M::capacity; ++b) f.free_vectors += bit_free(m, c, b) ? 1u : 0u;
    for (unsigned k = 0; k < orders; ++k) {
        const unsigned size = 1u << k;
        for (unsigned base = 0; base + size <= M::capacity; base += size) {
            bool whole = true;
            for (unsigned b = base; b < base + size; ++b) whole = whole && bit_free(m, c, b);
            if (whole) ++f.free_blocks[k];
        }
        if (f.free_blocks[k] > 0) f.largest_free_order = static_cast<int>(k);
    }
    return f;
}

template <class M>
matrix_fragmentation brute_matrix(const M& m, const std::vector<cpu_fragmentation>& per_cpu) {
    matrix_fragmentation t;
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        if (!m.cpu_map(c).online) continue;
        const cpu_fragmentation& f = per_cpu[c];
        ++t.online_cpus;
        t.free_vectors += f.free_vectors;
        for (unsigned k = 0; k < orders; ++k) {
            t.free_blocks[k] += f.free_blocks[k];
            if (f.largest_free_order >= static_cast<int>(k)) ++t.cpus_with_order[k];
        }
        if (f.largest_free_order > t.largest_free_order)
            t.largest_free_order = f.largest_free_order;
    }
    return t;
}

// The index written out from its definition.
double brute_index(unsigned free_vectors, unsigned blocks, unsigned k) {
    if (free_vectors == 0) return 0.0;
    return 1.0 - double(blocks) * double(1u << k) / double(free_vectors);
}

bool near(double a, double b) { return std::abs(a - b) < 1e-12; }

template <class F>
void require_indices(const F& f) {
    for (unsigned k = 0; k < orders; ++k) {
        CAPTURE(k);
        REQUIRE(near(f.fragmentation_index(k), brute_index(f.free_vectors, f.free_blocks[k], k)));
    }
    REQUIRE(f.fragmentation_index(0) == 0.0);
    REQUIRE(f.fragmentation_index(max_order + 1) == (f.free_vectors ? 1.0 : 0.0));
}

// Everything the metrics report for m equals the recount.
template <class M>
void require_matches_brute(const M& m) {
    std::vector<cpu_fragmentation> per_cpu;
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        CAPTURE(c);
        per_cpu.push_back(brute_cpu(m, c));
        REQUIRE(fragmentation_of(m, c) == per_cpu.back());
        REQUIRE(irqmatrix::fragmentation_of_map(m.free_map(c)) == per_cpu.back());
        REQUIRE(fragmentation_of(m, c).largest_free_order == m.largest_free_order(c));
        require_indices(per_cpu.back());
    }
    const matrix_fragmentation t = fragmentation_of(m);
    REQUIRE(t == brute_matrix(m, per_cpu));
    require_indices(t);
}

// ---- random states ---------------------------------------------------------

cpu_set random_mask(std::mt19937_64& rng, unsigned n) {
    switch (rng() % 4) {
    case 0: return cpu_set::all(n);
    case 1: return cpu_set::single(n, static_cast<unsigned>(rng() % n));
    default: {
        cpu_set s(n);
        for (unsigned c = 0; c < n; ++c)
            if (rng() % 2) s.set(c);
        return s;  // may be empty: the operation is refused and changes nothing
    }
    }
}

struct held {
    unsigned cpu, base, order;
    bool managed;
};

// One random operation through the matrix API. Returns the CPUs whose free
// map or online state it may have changed, as the tracker's documentation
// lists them (the test fails if that list is too short).
template <class M>
std::vector<unsigned> random_op(M& m, std::mt19937_64& rng, std::vector<held>& allocs) {
    const unsigned n = m.nr_cpus();
    const unsigned cpu = static_cast<unsigned>(rng() % n);
    const unsigned order = static_cast<unsigned>(rng() % orders);
    const cpu_set mask = random_mask(rng, n);
    std::vector<unsigned> mask_cpus;
    for (unsigned c = 0; c < n; ++c)
        if (mask.test(c)) mask_cpus.push_back(c);
    auto took = [&](const irqmatrix::result<irqmatrix::placement>& r, unsigned k, bool managed) {
        if (!r) return std::vector<unsigned>{};
        allocs.push_back({r->cpu, r->base, k, managed});
        return std::vector<unsigned>{r->cpu};
    };
    switch (rng() % 16) {
    case 0:
    case 1:
    case 2: return took(m.alloc(mask, false), 0, false);
    case 3:
    case 4:
    case 5: return took(m.alloc_block(mask, order, false), order, false);
    case 6: (void)m.reserve_managed(mask); return mask_cpus;  // even refused (Q7)
    case 7: (void)m.reserve_managed_block(mask, order % 3); return mask_cpus;
    case 8: return took(m.alloc_managed(mask), 0, true);
    case 9: return took(m.alloc_managed_block(mask, order % 3), order % 3, true);
    case 10:
    case 11: {  // free something allocated earlier (it may have gone: refused)
        if (allocs.empty()) return {};
        const std::size_t i = rng() % allocs.size();
        const held h = allocs[i];
        allocs[i] = allocs.back();
        allocs.pop_back();
        (void)m.free_block(h.cpu, h.base, h.order, h.managed);
        return {h.cpu};
    }
    case 12: {  // free one allocated vector, as the kernel frees one
        const auto& cm = m.cpu_map(cpu);
        const unsigned bit =
            cm.alloc_map.find_next_set(static_cast<unsigned>(rng() % M::capacity), M::capacity);
        if (bit < M::capacity) (void)m.free(cpu, bit, cm.managed_map.test(bit));
        return {cpu};
    }
    case 13:
        if (rng() % 2)
            (void)m.remove_managed(mask);
        else
            (void)m.remove_managed_block(mask, order % 3);
        return mask_cpus;
    case 14:
        if (m.cpu_map(cpu).online)
            (void)m.offline(cpu);
        else
            (void)m.online(cpu);
        return {cpu};
    default: {  // assign: may land on a managed or system vector (Q8)
        const unsigned bit = m.alloc_start() + static_cast<unsigned>(rng() % m.alloc_size());
        (void)m.assign(cpu, bit);
        return {cpu};
    }
    }
}

struct geometry {
    unsigned bits, start, end, nr_cpus, steps;
};

template <class M>
void run_random(const geometry& g) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        CAPTURE(g.bits, g.start, g.end, g.nr_cpus, seed);
        std::mt19937_64 rng(seed * 104729 + g.bits + g.end);
        M m = test::make<M>(g.bits, g.start, g.end, g.nr_cpus);
        fragmentation_tracker tracker(m);
        REQUIRE(tracker.totals() == matrix_fragmentation{});
        // System vectors, one in the window and one below it, before any CPU
        // is online (the only time the kernel allows them): every CPU changes.
        test::ok(
            m.assign_system(0, g.start + static_cast<unsigned>(rng() % (g.end - g.start)), false));
        if (g.start > 0) test::ok(m.assign_system(0, g.start - 1, false));
        for (unsigned c = 0; c < m.nr_cpus(); ++c) tracker.update(m, c);
        for (unsigned c = 0; c < m.nr_cpus(); ++c)
            if (c % 4 != 3) {  // some start offline
                test::ok(m.online(c));
                tracker.update(m, c);
            }
        require_matches_brute(m);
        REQUIRE(tracker.totals() == fragmentation_of(m));

        std::vector<held> allocs;
        for (unsigned step = 0; step < g.steps; ++step) {
            CAPTURE(step);
            for (const unsigned c : random_op(m, rng, allocs)) tracker.update(m, c);
            REQUIRE(tracker.totals() == fragmentation_of(m));
            const unsigned c = static_cast<unsigned>(rng() % m.nr_cpus());
            REQUIRE(tracker.cpu(c) == fragmentation_of(m, c));
            REQUIRE(tracker.counted(c) == m.cpu_map(c).online);
            if (step % 4 == 0) require_matches_brute(m);
        }
        require_matches_brute(m);
        // refresh_all from a stale tracker gives the same totals.
        fragmentation_tracker stale(m);
        stale.refresh_all(m);
        REQUIRE(stale.totals() == tracker.totals());
        test::require_consistent(m);
    }
}

}  // namespace

TEST_CASE("metrics: every field equals a bit-by-bit recount on random states", "[metrics]") {
    SECTION("64-bit capacity") {
        run_random<irqmatrix::basic_matrix<64>>({64, 3, 61, 5, 400});
        run_random<irqmatrix::basic_matrix<64>>({64, 0, 64, 3, 300});
        run_random<irqmatrix::basic_matrix<64>>({40, 1, 37, 2, 300});
    }
    SECTION("x86 windows [32,236), [32,235) and [33,235)") {
        run_random<irqmatrix::matrix>({256, 32, 236, 9, 500});
        run_random<irqmatrix::matrix>({256, 32, 235, 9, 500});
        run_random<irqmatrix::matrix>({256, 33, 235, 6, 500});
    }
    SECTION("2048-bit capacity") {
        run_random<irqmatrix::basic_matrix<2048>>({2048, 32, 2000, 4, 400});
        run_random<irqmatrix::basic_matrix<2048>>({1500, 65, 1499, 3, 300});
    }
}

TEST_CASE("metrics: the x86 windows, all free, counted by hand", "[metrics]") {
    // [32,236): 204 vectors; order-k blocks start at 32, 32 + 2^k, ... up to
    // the last that ends by 236: 234, 232, 224, 208 and 192.
    auto m = test::make(256, 32, 236, 2);
    test::ok(m.online(0));
    const cpu_fragmentation f = fragmentation_of(m, 0);
    REQUIRE(f.free_vectors == 204);
    REQUIRE(std::vector<unsigned>(f.free_blocks, f.free_blocks + orders) ==
            std::vector<unsigned>{204, 102, 51, 25, 12, 6});
    REQUIRE(f.largest_free_order == 5);
    REQUIRE(near(f.fragmentation_index(5), 12.0 / 204));  // 192 of 204 usable
    REQUIRE(near(f.fragmentation_index(4), 12.0 / 204));
    REQUIRE(near(f.fragmentation_index(2), 0.0));

    // [32,235): the pair 234-235 and the quad 232-235 are gone.
    auto m2 = test::make(256, 32, 235, 1);
    test::ok(m2.online(0));
    const cpu_fragmentation f2 = fragmentation_of(m2, 0);
    REQUIRE(f2.free_vectors == 203);
    REQUIRE(std::vector<unsigned>(f2.free_blocks, f2.free_blocks + orders) ==
            std::vector<unsigned>{203, 101, 50, 25, 12, 6});
    REQUIRE(near(f2.fragmentation_index(1), 1.0 / 203));
    REQUIRE(near(f2.fragmentation_index(2), 3.0 / 203));
    require_matches_brute(m2);
}

TEST_CASE("metrics: known free runs, and the sums over online CPUs", "[metrics]") {
    // CPU 0 keeps exactly the free runs [1,4), [8,16) and [33,64):
    //   [1,4)    3 vectors: one pair (2-3)
    //   [8,16)   8 vectors: 4 pairs, 2 quads, 1 eight
    //   [33,64) 31 vectors: pairs 34..62 (15), quads 36..60 (7), eights 40,
    //           48, 56 (3), one sixteen (48); no 32 (32 is taken)
    using m64 = irqmatrix::basic_matrix<64>;
    auto m = test::make<m64>(64, 0, 64, 3);
    for (unsigned c = 0; c < 3; ++c) test::ok(m.online(c));
    for (unsigned b = 0; b < 64; ++b)
        if (!((b >= 1 && b < 4) || (b >= 8 && b < 16) || b >= 33)) test::ok(m.assign(0, b));
    const cpu_fragmentation f = fragmentation_of(m, 0);
    REQUIRE(f.free_vectors == 42);
    REQUIRE(std::vector<unsigned>(f.free_blocks, f.free_blocks + orders) ==
            std::vector<unsigned>{42, 20, 9, 4, 1, 0});
    REQUIRE(f.largest_free_order == 4);
    REQUIRE(near(f.fragmentation_index(1), 2.0 / 42));   // 1 and 33 lack a free buddy
    REQUIRE(near(f.fragmentation_index(3), 10.0 / 42));  // 32 of 42 in eights
    REQUIRE(near(f.fragmentation_index(4), 26.0 / 42));  // only 48-63
    REQUIRE(f.fragmentation_index(5) == 1.0);            // no 32 anywhere

    // CPU 1 all free (64: two 32s), CPU 2 the same but offline: not counted.
    test::ok(m.offline(2));
    const matrix_fragmentation t = fragmentation_of(m);
    REQUIRE(t.online_cpus == 2);
    REQUIRE(t.free_vectors == 106);
    REQUIRE(std::vector<unsigned>(t.free_blocks, t.free_blocks + orders) ==
            std::vector<unsigned>{106, 52, 25, 12, 5, 2});
    REQUIRE(std::vector<unsigned>(t.cpus_with_order, t.cpus_with_order + orders) ==
            std::vector<unsigned>{2, 2, 2, 2, 2, 1});
    REQUIRE(t.largest_free_order == 5);
    REQUIRE(near(t.fragmentation_index(5), 1.0 - 64.0 / 106));
    require_matches_brute(m);

    // The tracker follows CPU 1 going offline (CPU 0 alone is left) and
    // CPU 2 coming back.
    fragmentation_tracker tr(m);
    REQUIRE(tr.totals() == t);
    test::ok(m.offline(1));
    tr.update(m, 1);
    REQUIRE(tr.totals().largest_free_order == 4);
    REQUIRE(tr.totals().free_vectors == 42);
    REQUIRE(tr.totals().cpus_with_order[5] == 0);
    REQUIRE(!tr.counted(1));
    REQUIRE(tr.cpu(1).free_vectors == 64);  // still recorded, not counted
    test::ok(m.online(2));
    tr.update(m, 2);
    REQUIRE(tr.totals() == fragmentation_of(m));
    REQUIRE(tr.totals().free_vectors == 106);
}

TEST_CASE("metrics: nothing free, an empty window, no CPU online", "[metrics]") {
    SECTION("a full CPU") {
        using m64 = irqmatrix::basic_matrix<64>;
        auto m = test::make<m64>(64, 8, 24, 1);
        test::ok(m.online(0));
        for (unsigned b = 8; b < 24; ++b) test::ok(m.assign(0, b));
        const cpu_fragmentation f = fragmentation_of(m, 0);
        REQUIRE(f == cpu_fragmentation{});
        REQUIRE(f.largest_free_order == -1);
        REQUIRE(f.fragmentation_index(3) == 0.0);  // nothing free, nothing wasted
        const matrix_fragmentation t = fragmentation_of(m);
        REQUIRE(t.online_cpus == 1);
        REQUIRE(t.largest_free_order == -1);
        REQUIRE(t.cpus_with_order[0] == 0);
    }
    SECTION("an empty window") {
        auto m = test::make<irqmatrix::basic_matrix<128>>(100, 10, 10, 2);
        test::ok(m.online(1));
        REQUIRE(fragmentation_of(m, 0) == cpu_fragmentation{});
        REQUIRE(fragmentation_of(m).online_cpus == 1);
        REQUIRE(fragmentation_of(m).free_vectors == 0);
        require_matches_brute(m);
    }
    SECTION("no CPU online") {
        auto m = test::make(256, 32, 236, 4);
        REQUIRE(fragmentation_of(m) == matrix_fragmentation{});
        REQUIRE(fragmentation_of(m, 2).free_vectors == 204);  // computed, just not summed
        fragmentation_tracker tr(m);
        REQUIRE(tr.totals() == matrix_fragmentation{});
        REQUIRE(tr.cpu(2).free_vectors == 204);
    }
}

TEST_CASE("metrics: word-level counting is constexpr and exact at word edges", "[metrics]") {
    // [1,100) in a 128-bit map: 32s at 32 and 64 (96-127 is cut at 100).
    constexpr cpu_fragmentation f =
        irqmatrix::fragmentation_of_map(irqmatrix::bitmap<128>::range(1, 100));
    STATIC_REQUIRE(f.free_vectors == 99);
    STATIC_REQUIRE(f.free_blocks[5] == 2);
    STATIC_REQUIRE(f.free_blocks[4] == 5);  // 16, 32, 48, 64, 80
    STATIC_REQUIRE(f.largest_free_order == 5);
    // Full words: the largest count each order can reach in one word.
    constexpr cpu_fragmentation full =
        irqmatrix::fragmentation_of_map(irqmatrix::bitmap<128>::range(0, 128));
    STATIC_REQUIRE(full.free_vectors == 128);
    STATIC_REQUIRE(full.free_blocks[0] == 128);
    STATIC_REQUIRE(full.free_blocks[1] == 64);
    STATIC_REQUIRE(full.free_blocks[2] == 32);
    STATIC_REQUIRE(full.free_blocks[3] == 16);
    STATIC_REQUIRE(full.free_blocks[5] == 4);
    // One vector in each word: no pair anywhere.
    irqmatrix::bitmap<256> b;
    for (unsigned w = 0; w < 4; ++w) b.set(w * 64 + 63);
    const cpu_fragmentation g = irqmatrix::fragmentation_of_map(b);
    REQUIRE(g.free_vectors == 4);
    REQUIRE(g.free_blocks[1] == 0);
    REQUIRE(g.largest_free_order == 0);
    REQUIRE(g.fragmentation_index(1) == 1.0);
}
