// SPDX-License-Identifier: MIT
// Placement policies (placement.hpp): every shipped policy keeps the
// protocol's postcondition on random states (drifted counters included); the
// alternative policies choose exactly what brute-force references of their
// written rules choose; the matrix allocates through whichever policy it is
// given; and a user's policy that breaks the protocol gets errc::invalid with
// the matrix unchanged.
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <irqmatrix/irqmatrix.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

namespace {

using irqmatrix::best_fit_placement;
using irqmatrix::cpu_set;
using irqmatrix::cpu_span;
using irqmatrix::freebsd_placement;
using irqmatrix::kernel_placement;
using irqmatrix::kernel_scan_placement;
using irqmatrix::max_order;
using irqmatrix::no_cpu;
using irqmatrix::pack_placement;
using irqmatrix::placement;

constexpr unsigned none = ~0u;

static_assert(irqmatrix::is_verified_placement<kernel_placement>);
static_assert(irqmatrix::is_verified_placement<kernel_scan_placement>);
static_assert(irqmatrix::is_verified_placement<pack_placement>);
static_assert(irqmatrix::is_verified_placement<best_fit_placement>);
static_assert(irqmatrix::is_verified_placement<freebsd_placement>);
static_assert(irqmatrix::placement_halves_on_failure<freebsd_placement>);
static_assert(!irqmatrix::placement_halves_on_failure<kernel_placement>);
static_assert(!irqmatrix::placement_halves_on_failure<kernel_scan_placement>);
static_assert(!irqmatrix::placement_halves_on_failure<pack_placement>);
static_assert(!irqmatrix::placement_halves_on_failure<best_fit_placement>);

// ---- the rules written out bit by bit ---------------------------------------

template <class M>
bool bit_free(const M& m, unsigned c, unsigned b) {
    const auto& cm = m.cpu_map(c);
    return b >= m.alloc_start() && b < m.alloc_end() && !cm.alloc_map.test(b) &&
           !cm.managed_map.test(b) && !m.system_map().test(b);
}

template <class M>
bool bit_managed_free(const M& m, unsigned c, unsigned b) {
    const auto& cm = m.cpu_map(c);
    return cm.managed_map.test(b) && !cm.alloc_map.test(b);
}

// [base, base + 2^order) aligned, inside the window, and every vector free
// (or, managed, every vector reserved and unallocated).
template <class M>
bool block_ok(const M& m, unsigned c, unsigned base, unsigned order, bool managed) {
    const unsigned size = 1u << order;
    if (base % size != 0 || base < m.alloc_start() || base + size > m.alloc_end()) return false;
    for (unsigned b = base; b < base + size; ++b)
        if (!(managed ? bit_managed_free(m, c, b) : bit_free(m, c, b))) return false;
    return true;
}

template <class M>
unsigned lowest_block(const M& m, unsigned c, unsigned order, bool managed = false) {
    for (unsigned base = 0; base < M::capacity; base += 1u << order)
        if (block_ok(m, c, base, order, managed)) return base;
    return none;
}

template <class M>
unsigned free_count(const M& m, unsigned c) {
    unsigned n = 0;
    for (unsigned b = 0; b < M::capacity; ++b) n += bit_free(m, c, b) ? 1u : 0u;
    return n;
}

// Online, and the counter allows 2^order more (the protocol's condition).
template <class M>
bool eligible(const M& m, unsigned c, unsigned order) {
    const auto& cm = m.cpu_map(c);
    return cm.online && cm.available >= (1u << order);
}

template <class M>
bool feasible(const M& m, const cpu_set& mask, unsigned order) {
    for (unsigned c = 0; c < m.nr_cpus(); ++c)
        if (mask.test(c) && eligible(m, c, order) && lowest_block(m, c, order) != none) return true;
    return false;
}

// pack: the lowest eligible CPU with a block, its lowest base.
template <class M>
placement ref_pack(const M& m, const cpu_set& mask, unsigned order) {
    for (unsigned c = 0; c < m.nr_cpus(); ++c)
        if (mask.test(c) && eligible(m, c, order))
            if (const unsigned base = lowest_block(m, c, order); base != none) return {c, base};
    return {};
}

template <class M>
placement ref_pack_managed(const M& m, const cpu_set& mask, unsigned order) {
    for (unsigned c = 0; c < m.nr_cpus(); ++c)
        if (mask.test(c) && m.cpu_map(c).online)
            if (const unsigned base = lowest_block(m, c, order, true); base != none)
                return {c, base};
    return {};
}

// The order of the largest wholly free aligned block containing the free
// block at base, counted up one order at a time, capped at max_order.
template <class M>
unsigned brute_fit(const M& m, unsigned c, unsigned base, unsigned order) {
    unsigned j = order;
    while (j < max_order && block_ok(m, c, base & ~((2u << j) - 1), j + 1, false)) ++j;
    return j;
}

// best fit: the least (fit, free vectors of the CPU, CPU, base) over every
// candidate block.
template <class M>
placement ref_best_fit(const M& m, const cpu_set& mask, unsigned order) {
    placement best;
    std::tuple<unsigned, unsigned, unsigned, unsigned> best_key{none, none, none, none};
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        if (!mask.test(c) || !eligible(m, c, order)) continue;
        const unsigned nfree = free_count(m, c);
        for (unsigned base = 0; base < M::capacity; base += 1u << order) {
            if (!block_ok(m, c, base, order, false)) continue;
            const auto key = std::make_tuple(brute_fit(m, c, base, order), nfree, c, base);
            if (key < best_key) {
                best_key = key;
                best = {c, base};
            }
        }
    }
    return best;
}

// FreeBSD: the first eligible CPU of the mask cyclically from the cursor is
// the only one tried; the cursor moves past it (or past the start).
template <class M>
placement ref_freebsd(const M& m, const cpu_set& mask, unsigned order, unsigned& cursor,
                      unsigned* chosen_out = nullptr) {
    const unsigned n = m.nr_cpus();
    const unsigned start = cursor < n ? cursor : 0;
    unsigned chosen = none;
    for (unsigned i = 0; i < n && chosen == none; ++i) {
        const unsigned c = (start + i) % n;
        if (mask.test(c) && eligible(m, c, order)) chosen = c;
    }
    cursor = ((chosen == none ? start : chosen) + 1) % n;
    if (chosen_out) *chosen_out = chosen;
    if (chosen == none) return {};
    const unsigned base = lowest_block(m, chosen, order);
    if (base == none) return {};
    return {chosen, base};
}

// The kernel's CPU for a single vector: most available (> 0), ties lowest.
template <class M>
unsigned kernel_single_cpu(const M& m, const cpu_set& mask) {
    unsigned best = none;
    std::uint32_t best_available = 0;
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        const auto& cm = m.cpu_map(c);
        if (mask.test(c) && cm.online && cm.available > best_available) {
            best = c;
            best_available = cm.available;
        }
    }
    return best;
}

// The kernel's managed rules: fewest managed-allocated, ties to the highest
// CPU; a single vector takes that CPU or fails, a block only looks at CPUs
// that hold one.
template <class M>
placement ref_kernel_managed(const M& m, const cpu_set& mask, unsigned order, bool single) {
    unsigned best = none;
    std::uint32_t best_count = 0;
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        const auto& cm = m.cpu_map(c);
        if (!mask.test(c) || !cm.online) continue;
        if (!single && lowest_block(m, c, order, true) == none) continue;
        if (best == none || cm.managed_allocated <= best_count) {
            best = c;
            best_count = cm.managed_allocated;
        }
    }
    if (best == none) return {};
    const unsigned base = lowest_block(m, best, order, true);
    if (base == none) return {};
    return {best, base};
}

// A pick as the trace prints an allocation: "CPU BASE", or "-28" for none.
std::string pick_text(placement p) {
    return p ? std::to_string(p.cpu) + " " + std::to_string(p.base) : std::string("-28");
}

// ---- random states -------------------------------------------------------------

cpu_set random_mask(std::mt19937_64& rng, unsigned n) {
    cpu_set s(n);
    switch (rng() % 5) {
    case 0: return cpu_set::all(n);
    case 1: return cpu_set::single(n, static_cast<unsigned>(rng() % n));
    case 2: {
        const unsigned a = static_cast<unsigned>(rng() % n), b = static_cast<unsigned>(rng() % n);
        return cpu_set::range(n, a < b ? a : b, a < b ? b : a);
    }
    default:
        for (unsigned c = 0; c < n; ++c)
            if (rng() % 3 == 0) s.set(c);
        if (s.empty()) s.set(static_cast<unsigned>(rng() % n));  // policies get non-empty masks
        return s;
    }
}

// One random operation, weighted to fill the matrix and to make counters
// drift (managed reservations made or removed while a CPU is offline, Q1;
// assign onto reserved or system vectors, Q8). Results do not matter.
template <class M>
void random_op(M& m, std::mt19937_64& rng) {
    const unsigned n = m.nr_cpus();
    const unsigned cpu = static_cast<unsigned>(rng() % n);
    const unsigned order = static_cast<unsigned>(rng() % (max_order + 1));
    const cpu_set mask = random_mask(rng, n);
    const cpu_set one = cpu_set::single(n, cpu);
    const auto& cm = m.cpu_map(cpu);
    switch (rng() % 16) {
    case 0:
    case 1:
    case 2:
    case 3: (void)m.alloc(mask, false); break;
    case 4:
    case 5:
    case 6: (void)m.alloc_block(mask, order, false); break;
    case 7: (void)m.reserve_managed(one); break;
    case 8: (void)m.reserve_managed_block(one, order % 3); break;
    case 9:
        if (rng() % 2)
            (void)m.alloc_managed(mask);
        else
            (void)m.alloc_managed_block(mask, order % 3);
        break;
    case 10:
    case 11: {  // free the block of a random order around a random allocated vector
        const unsigned bit =
            cm.alloc_map.find_next_set(static_cast<unsigned>(rng() % M::capacity), M::capacity);
        if (bit >= M::capacity) break;
        const unsigned k = static_cast<unsigned>(rng() % 3);
        const bool managed = cm.managed_map.test(bit);
        if (m.free_block(cpu, bit & ~((1u << k) - 1), k, managed).has_value()) break;
        (void)m.free(cpu, bit, managed);
        break;
    }
    case 12:
        if (rng() % 2)
            (void)m.remove_managed(one);
        else
            (void)m.remove_managed_block(one, order % 3);
        break;
    case 13:
    case 14:
        if (cm.online && m.stats().online_maps > 1)
            (void)m.offline(cpu);
        else if (!cm.online)
            (void)m.online(cpu);
        break;
    default:
        (void)m.assign(cpu, m.alloc_start() + static_cast<unsigned>(rng() % m.alloc_size()));
        break;
    }
}

struct geometry {
    unsigned bits, start, end, nr_cpus;
};

// Calls check(m, rng) on random states of M: every `every` steps of a random
// walk from a fresh matrix with a system vector and all CPUs online.
template <class M, class Check>
void for_random_states(const geometry& g, unsigned steps, unsigned every, Check check) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        CAPTURE(g.bits, g.start, g.end, g.nr_cpus, seed);
        std::mt19937_64 rng(seed * 7727 + g.end * 31 + g.nr_cpus);
        M m = test::make<M>(g.bits, g.start, g.end, g.nr_cpus);
        test::ok(
            m.assign_system(0, g.start + static_cast<unsigned>(rng() % (g.end - g.start)), false));
        for (unsigned c = 0; c < g.nr_cpus; ++c) test::ok(m.online(c));
        for (unsigned step = 0; step < steps; ++step) {
            random_op(m, rng);
            if (step % every == 0) {
                CAPTURE(step);
                check(m, rng);
            }
        }
        test::require_consistent(m);
    }
}

// The geometries the tests walk: a small 64-bit matrix that fills up and
// runs out of blocks, the x86 windows (on and off alignment), and 2048 bits.
template <class Each>
void for_each_geometry(Each each) {
    each.template operator()<irqmatrix::basic_matrix<64>>(geometry{64, 0, 64, 6}, 600u, 3u);
    each.template operator()<irqmatrix::basic_matrix<64>>(geometry{64, 5, 59, 4}, 400u, 3u);
    each.template operator()<irqmatrix::matrix>(geometry{256, 32, 236, 7}, 1200u, 6u);
    each.template operator()<irqmatrix::matrix>(geometry{256, 33, 235, 5}, 900u, 6u);
    each.template operator()<irqmatrix::basic_matrix<2048>>(geometry{2048, 32, 2000, 3}, 600u, 25u);
}

// ---- the protocol, for every policy --------------------------------------------

// The protocol's postcondition for a non-empty pick.
template <class M>
void require_keeps_protocol(const M& m, const cpu_set& mask, unsigned order, placement p,
                            bool managed) {
    INFO("pick " << p.cpu << " " << p.base << " order " << order << (managed ? " managed" : ""));
    REQUIRE(p.cpu < m.nr_cpus());
    REQUIRE(mask.test(p.cpu));
    REQUIRE(m.cpu_map(p.cpu).online);
    REQUIRE(block_ok(m, p.cpu, p.base, order, managed));
    if (!managed) REQUIRE(m.cpu_map(p.cpu).available >= (1u << order));
}

template <class P>
inline constexpr bool kernel_rules =
    std::is_same_v<P, kernel_placement> || std::is_same_v<P, kernel_scan_placement>;

// Runs policy P (a fresh object; freebsd with a random cursor) on one state
// for every order and checks the protocol, when it may return empty, and
// for the managed picks the rules they are documented to follow.
template <class P, class M>
void check_policy(const M& m, const cpu_set& mask, std::mt19937_64& rng) {
    INFO("mask " << irqmatrix::format_cpulist(mask));
    const unsigned n = m.nr_cpus();
    for (unsigned order = 0; order <= max_order; ++order) {
        CAPTURE(order);
        P policy{};
        unsigned cursor = 0, chosen = none;
        if constexpr (std::is_same_v<P, freebsd_placement>) {
            cursor = static_cast<unsigned>(rng() % (n + 2));  // past the end restarts at 0
            policy.cursor = cursor;
        }
        const placement p = policy.pick_block(m, mask, order);
        if (p) require_keeps_protocol(m, mask, order, p, false);
        if constexpr (std::is_same_v<P, freebsd_placement>) {
            // Only the one CPU the cursor leads to is considered.
            const placement want = ref_freebsd(m, mask, order, cursor, &chosen);
            REQUIRE(p == want);
            REQUIRE(policy.cursor == cursor);
            if (!p && chosen != none) REQUIRE(lowest_block(m, chosen, order) == none);
        } else {
            REQUIRE(bool(p) == feasible(m, mask, order));  // empty only when nothing fits
        }

        if (order == 0) {
            P single{};
            if constexpr (std::is_same_v<P, freebsd_placement>) single.cursor = policy.cursor;
            const placement s = single.pick_single(m, mask);
            if (s) require_keeps_protocol(m, mask, 0, s, false);
            if constexpr (kernel_rules<P>) {
                // Q3: the CPU is chosen by its counter; a full bitmap there
                // fails the allocation although another CPU may have room.
                const unsigned k = kernel_single_cpu(m, mask);
                if (!s) REQUIRE((k == none || lowest_block(m, k, 0) == none));
                if (s) REQUIRE(s.cpu == k);
            } else if constexpr (std::is_same_v<P, freebsd_placement>) {
                unsigned c = policy.cursor;
                REQUIRE(s == ref_freebsd(m, mask, 0, c));
            } else {
                REQUIRE(bool(s) == feasible(m, mask, 0));
            }
        }

        for (const bool single : {false, true}) {
            if (single && order != 0) continue;
            P mp{};
            const placement q =
                single ? mp.pick_managed_single(m, mask) : mp.pick_managed_block(m, mask, order);
            if (q) require_keeps_protocol(m, mask, order, q, true);
            if constexpr (std::is_same_v<P, pack_placement>)
                REQUIRE(q == ref_pack_managed(m, mask, order));
            else
                REQUIRE(q == ref_kernel_managed(m, mask, order, single));
        }
    }
}

// A retry loop as a simulator writes it for a policy that halves.
template <class M>
irqmatrix::result<placement> alloc_halving(M& m, cpu_span mask, unsigned order,
                                           unsigned* got_order) {
    for (;;) {
        auto r = m.alloc_block(mask, order, false);
        *got_order = order;
        if (r || r.error() != irqmatrix::errc::no_space || order == 0 ||
            !irqmatrix::placement_halves_on_failure<typename M::placement_policy>)
            return r;
        --order;
    }
}

}  // namespace

TEST_CASE("policies: every policy keeps the protocol on random states, every order", "[policies]") {
    for_each_geometry([]<class M>(const geometry& g, unsigned steps, unsigned every) {
        for_random_states<M>(g, steps, every, [](const M& m, std::mt19937_64& rng) {
            const cpu_set mask = random_mask(rng, m.nr_cpus());
            check_policy<kernel_placement>(m, mask, rng);
            check_policy<kernel_scan_placement>(m, mask, rng);
            check_policy<pack_placement>(m, mask, rng);
            check_policy<best_fit_placement>(m, mask, rng);
            check_policy<freebsd_placement>(m, mask, rng);
        });
    });
}

TEST_CASE("policies: pack takes the lowest CPU that fits, and best fit the tightest block",
          "[policies]") {
    for_each_geometry([]<class M>(const geometry& g, unsigned steps, unsigned every) {
        for_random_states<M>(g, steps, every, [](const M& m, std::mt19937_64& rng) {
            const cpu_set mask = random_mask(rng, m.nr_cpus());
            INFO("mask " << irqmatrix::format_cpulist(mask));
            for (unsigned order = 0; order <= max_order; ++order) {
                CAPTURE(order);
                REQUIRE(pack_placement::pick_block(m, mask, order) == ref_pack(m, mask, order));
                REQUIRE(best_fit_placement::pick_block(m, mask, order) ==
                        ref_best_fit(m, mask, order));
            }
            REQUIRE(pack_placement::pick_single(m, mask) == ref_pack(m, mask, 0));
            REQUIRE(best_fit_placement::pick_single(m, mask) == ref_best_fit(m, mask, 0));
        });
    });
}

TEST_CASE("policies: best fit by hand: smallest enclosing free block, then tightest CPU",
          "[policies]") {
    using m64 = irqmatrix::basic_matrix<64, best_fit_placement>;
    auto m = test::make<m64>(64, 0, 64, 5);
    for (unsigned c = 0; c < 5; ++c) test::ok(m.online(c));
    const auto keep_free = [&](unsigned cpu, std::vector<std::pair<unsigned, unsigned>> runs) {
        for (unsigned b = 0; b < 64; ++b) {
            bool is_free = false;
            for (const auto& [lo, hi] : runs) is_free = is_free || (b >= lo && b < hi);
            if (!is_free) test::ok(m.assign(cpu, b));
        }
    };
    keep_free(0, {{5, 6}, {8, 16}, {32, 64}});  // a lone vector, an 8, a 32
    keep_free(1, {{2, 4}, {16, 32}});           // a pair, a 16
    keep_free(2, {{8, 16}, {32, 64}});          // CPU 0 less the lone vector: tighter
    keep_free(3, {});                           // full
    // CPU 4 is all free: a 64, which fits like a 32 (the cap).
    const cpu_set all = cpu_set::all(5);
    const auto pick = [&](unsigned order) {
        return pick_text(best_fit_placement::pick_block(m, all, order));
    };
    REQUIRE(pick(0) == "0 5");  // fit 0: the lone vector
    REQUIRE(pick(1) == "1 2");  // fit 1: the pair
    REQUIRE(pick(2) == "2 8");  // fit 3 on CPUs 0 and 2; CPU 2 has 40 free, CPU 0 41
    REQUIRE(pick(3) == "2 8");
    REQUIRE(pick(4) == "1 16");  // fit 4: CPU 1's 16 before anyone's 32
    REQUIRE(pick(5) == "2 32");  // fit 5 on CPUs 0, 2, 4: CPU 2 is the tightest (40)
    REQUIRE(test::text(m.alloc_block(all, 5, false)) == "2 32");
    REQUIRE(test::text(m.alloc_block(all, 5, false)) == "0 32");  // 41 free, CPU 4 has 64
    REQUIRE(test::text(m.alloc_block(all, 5, false)) == "4 0");
    REQUIRE(test::text(m.alloc_block(all, 5, false)) == "4 32");
    REQUIRE(test::text(m.alloc_block(all, 5, false)) == "-28");
    REQUIRE(test::text(m.alloc(all, false)) == "0 5");
    test::require_consistent(m);
}

TEST_CASE("policies: freebsd cycles through the CPUs across calls and never falls back",
          "[policies]") {
    using fm = irqmatrix::basic_matrix<256, freebsd_placement>;
    auto m = test::make<fm>(256, 32, 236, 4);
    for (unsigned c = 0; c < 4; ++c) test::ok(m.online(c));
    const cpu_set all = cpu_set::all(4);
    SECTION("one CPU after another, whatever their load") {
        std::string got;
        for (int i = 0; i < 9; ++i) got += test::text(m.alloc(all, false)) + ";";
        REQUIRE(got == "0 32;1 32;2 32;3 32;0 33;1 33;2 33;3 33;0 34;");
        REQUIRE(m.policy().cursor == 1);
        // A mask: the next CPU of the mask at or after the cursor, wrapping.
        const cpu_set odd = test::cpus("0,3", 4);
        REQUIRE(test::text(m.alloc_block(odd, 2, false)) == "3 36");
        REQUIRE(test::text(m.alloc_block(odd, 2, false)) == "0 36");
        REQUIRE(m.policy().cursor == 1);
        // Offline CPUs are passed over.
        test::ok(m.offline(1));
        REQUIRE(test::text(m.alloc(all, false)) == "2 34");
    }
    SECTION("the chosen CPU without a block fails; the halved retry moves on") {
        for (unsigned b = 32; b < 236; b += 8) test::ok(m.assign(1, b));  // no 8 on CPU 1
        m.policy().cursor = 1;
        REQUIRE(test::text(m.alloc_block(all, 3, false)) == "-28");  // CPU 1 only
        REQUIRE(m.policy().cursor == 2);
        REQUIRE(test::text(m.alloc_block(all, 3, false)) == "2 32");
        // A simulator's retry loop: CPUs 3 and 0 take the 8 at once; then
        // it is CPU 1's turn, which has no 8, and the retry at 4 goes to the
        // next CPU, 2.
        unsigned got = 0;
        REQUIRE(test::text(alloc_halving(m, all, 3, &got)) == "3 32");
        REQUIRE(got == 3);
        REQUIRE(test::text(alloc_halving(m, all, 3, &got)) == "0 32");
        REQUIRE(test::text(alloc_halving(m, all, 3, &got)) == "2 40");
        REQUIRE(got == 2);
        REQUIRE(m.policy().cursor == 3);
    }
    SECTION("no CPU of the mask qualifies: empty, and the cursor still moves") {
        test::ok(m.offline(2));
        m.policy().cursor = 3;
        REQUIRE(test::text(m.alloc(test::cpus("2", 4), false)) == "-28");
        REQUIRE(m.policy().cursor == 0);  // the CPU after the start, 3
    }
    test::require_consistent(m);
}

TEST_CASE("policies: basic_matrix<256, P> allocates where P's rules say", "[policies]") {
    const auto run = []<class P>() {
        using pm = irqmatrix::basic_matrix<256, P>;
        for (const unsigned n : {3u, 11u}) {
            CAPTURE(n);
            std::mt19937_64 rng(n * 977);
            pm m = test::make<pm>(256, 32, 236, n);
            for (unsigned c = 0; c < n; ++c) test::ok(m.online(c));
            for (unsigned step = 0; step < 1500; ++step) {
                CAPTURE(step);
                const cpu_set mask = random_mask(rng, n);
                const unsigned order = static_cast<unsigned>(rng() % (max_order + 1));
                const pm before = m;
                unsigned cursor = 0;
                if constexpr (std::is_same_v<P, freebsd_placement>) cursor = m.policy().cursor;
                const auto want = [&](unsigned k) {
                    if constexpr (std::is_same_v<P, pack_placement>)
                        return ref_pack(before, mask, k);
                    else if constexpr (std::is_same_v<P, best_fit_placement>)
                        return ref_best_fit(before, mask, k);
                    else
                        return ref_freebsd(before, mask, k, cursor);
                };
                switch (rng() % 4) {
                case 0: REQUIRE(test::text(m.alloc(mask, false)) == pick_text(want(0))); break;
                case 1:
                    REQUIRE(test::text(m.alloc_block(mask, order, false)) ==
                            pick_text(want(order)));
                    break;
                case 2:
                    REQUIRE(test::text(m.alloc_managed_block(mask, order % 2)) ==
                            pick_text(std::is_same_v<P, pack_placement>
                                          ? ref_pack_managed(before, mask, order % 2)
                                          : ref_kernel_managed(before, mask, order % 2, false)));
                    break;
                default:  // frees, reservations, hotplug, ...: no rule to check
                    random_op(m, rng);
                    if constexpr (std::is_same_v<P, freebsd_placement>) cursor = m.policy().cursor;
                    break;
                }
                if constexpr (std::is_same_v<P, freebsd_placement>)
                    REQUIRE(m.policy().cursor == cursor);
            }
            test::require_consistent(m);
        }
    };
    run.template operator()<pack_placement>();
    run.template operator()<best_fit_placement>();
    run.template operator()<freebsd_placement>();
}

namespace {

// CPU 1 of a 64-bit matrix with the window [32,60): its available counter
// says 2 while its bitmap has the free quad 56-59 (a reservation removed
// while it was offline was not credited back, Q1).
template <class M>
M low_counter_state() {
    M m = test::make<M>(64, 32, 60, 3);
    test::ok(m.online(0));
    test::ok(m.online(1));
    const cpu_set one = cpu_set::single(3, 1);
    test::ok(m.reserve_managed_block(one, 2));
    test::ok(m.offline(1));
    test::ok(m.remove_managed_block(one, 2));
    test::ok(m.online(1));
    for (unsigned b = 32; b < 54; ++b) test::ok(m.assign(1, b));
    REQUIRE(test::cpu(m, 1) == "1 2 22 0 0");
    REQUIRE(m.drift(1).available == -4);
    return m;
}

}  // namespace

TEST_CASE("policies: a counter below 2^order keeps a CPU out even with room in its bitmap",
          "[policies]") {
    using m64 = irqmatrix::basic_matrix<64>;
    const m64 m = low_counter_state<m64>();
    const cpu_set one = cpu_set::single(3, 1);
    REQUIRE(lowest_block(m, 1, 2) == 56);
    REQUIRE(!kernel_placement::pick_block(m, one, 2));
    REQUIRE(!kernel_scan_placement::pick_block(m, one, 2));
    REQUIRE(!pack_placement::pick_block(m, one, 2));
    REQUIRE(!best_fit_placement::pick_block(m, one, 2));
    REQUIRE(!freebsd_placement{}.pick_block(m, one, 2));
    // Order 1 is within the counter: the pair 54-55 (best fit: 54, fit 1).
    REQUIRE(pick_text(pack_placement::pick_block(m, one, 1)) == "1 54");
    REQUIRE(pick_text(best_fit_placement::pick_block(m, one, 1)) == "1 54");
    REQUIRE(pick_text(freebsd_placement{}.pick_block(m, one, 1)) == "1 54");
}

TEST_CASE(
    "policies: a small mask's block goes to the best CPU holding one, not the best "
    "by counters alone",
    "[policies]") {
    // kernel_placement searches only the CPU the counters prefer and walks
    // the rest when that one has no block; both paths must give the walk's
    // answer. CPU 1 has the most available vectors but every aligned 4-block
    // is broken (every fourth vector taken); CPUs 0 and 2 are less free and
    // intact, so CPU 0 (lowest of the tie) wins order 2 and CPU 1 order 1.
    irqmatrix::matrix m = test::make(256, 32, 236, 3);
    for (unsigned c = 0; c < 3; ++c) test::ok(m.online(c));
    for (unsigned b = 32; b < 236; b += 4) test::ok(m.assign(1, b));
    for (unsigned c : {0u, 2u})
        for (unsigned b = 32; b < 128; ++b) test::ok(m.assign(c, b));
    REQUIRE(m.cpu_map(1).available > m.cpu_map(0).available);
    REQUIRE(m.cpu_map(0).available == m.cpu_map(2).available);
    const cpu_set all = cpu_set::all(3);
    for (unsigned order = 0; order <= irqmatrix::max_order; ++order) {
        CAPTURE(order);
        REQUIRE(kernel_placement::pick_block(m, all, order) ==
                kernel_scan_placement::pick_block(m, all, order));
    }
    REQUIRE(pick_text(kernel_placement::pick_block(m, all, 1)) == "1 34");
    REQUIRE(pick_text(kernel_placement::pick_block(m, all, 2)) == "0 128");
    REQUIRE(pick_text(kernel_placement::pick_block(m, all, 5)) == "0 128");
    // With CPU 0 out of the mask, its twin CPU 2 takes the block.
    const cpu_set not0 = cpu_set::range(3, 1, 2);
    REQUIRE(pick_text(kernel_placement::pick_block(m, not0, 2)) == "2 128");
    // No CPU holds an order-5 block once CPU 0 and 2 break theirs at 128.
    for (unsigned c : {0u, 2u}) test::ok(m.assign(c, 128 + 16));
    for (unsigned c : {0u, 2u}) test::ok(m.assign(c, 160 + 16));
    for (unsigned c : {0u, 2u}) test::ok(m.assign(c, 192 + 16));
    REQUIRE(!kernel_placement::pick_block(m, all, 5));
    REQUIRE(!kernel_scan_placement::pick_block(m, all, 5));
    test::require_consistent(m);
}

namespace {

// A user's policy with one deliberate protocol violation, unverified, so the
// matrix checks each pick. Every pick returns the same wrong answer.
enum class bug {
    occupied,      // CPU 0's vector 32, which is allocated
    outside_mask,  // CPU 0 for a mask of CPU 1
    offline_cpu,   // CPU 2, offline
    no_such_cpu,   // CPU 3 of a 3-CPU matrix
    misaligned,    // 42 for a 4-block
    below_window,  // 31
    past_window,   // 56 for an 8-block in [32,60)
    low_counter,   // CPU 1's free quad 56 while its counter says 2
    not_reserved,  // a free vector for a managed allocation
};

template <bug B>
struct broken_placement {
    static placement where() noexcept {
        switch (B) {
        case bug::occupied: return {0, 32};
        case bug::outside_mask: return {0, 40};
        case bug::offline_cpu: return {2, 40};
        case bug::no_such_cpu: return {3, 40};
        case bug::misaligned: return {0, 42};
        case bug::below_window: return {0, 31};
        case bug::past_window: return {1, 56};
        case bug::low_counter: return {1, 56};
        case bug::not_reserved: return {0, 40};
        }
        return {};
    }
    template <class M>
    static placement pick_single(const M&, cpu_span) noexcept {
        return where();
    }
    template <class M>
    static placement pick_block(const M&, cpu_span, unsigned) noexcept {
        return where();
    }
    template <class M>
    static placement pick_managed_single(const M&, cpu_span) noexcept {
        return where();
    }
    template <class M>
    static placement pick_managed_block(const M&, cpu_span, unsigned) noexcept {
        return where();
    }
};

// pack's rules, but not declared verified: the matrix checks and accepts.
struct unverified_pack {
    template <class M>
    static placement pick_single(const M& m, cpu_span mask) noexcept {
        return pack_placement::pick_single(m, mask);
    }
    template <class M>
    static placement pick_block(const M& m, cpu_span mask, unsigned order) noexcept {
        return pack_placement::pick_block(m, mask, order);
    }
    template <class M>
    static placement pick_managed_single(const M& m, cpu_span mask) noexcept {
        return pack_placement::pick_managed_single(m, mask);
    }
    template <class M>
    static placement pick_managed_block(const M& m, cpu_span mask, unsigned order) noexcept {
        return pack_placement::pick_managed_block(m, mask, order);
    }
};

template <bug B, class Op>
void require_broken_refused(Op op) {
    using bm = irqmatrix::basic_matrix<64, broken_placement<B>>;
    static_assert(!irqmatrix::is_verified_placement<broken_placement<B>>);
    bm m = B == bug::low_counter ? low_counter_state<bm>() : test::make<bm>(64, 32, 60, 3);
    if (B != bug::low_counter) {
        test::ok(m.online(0));
        test::ok(m.online(1));
        test::ok(m.assign(0, 32));
    }
    test::require_refused(m, op, "-22");
}

}  // namespace

TEST_CASE("policies: a policy that breaks the protocol is refused with -22, nothing changed",
          "[policies]") {
    const cpu_set all = cpu_set::all(3);
    const cpu_set one = cpu_set::single(3, 1);
    require_broken_refused<bug::occupied>([&](auto& m) { return m.alloc(all, false); });
    require_broken_refused<bug::outside_mask>([&](auto& m) { return m.alloc(one, false); });
    require_broken_refused<bug::offline_cpu>([&](auto& m) { return m.alloc(all, false); });
    require_broken_refused<bug::no_such_cpu>([&](auto& m) { return m.alloc(all, false); });
    require_broken_refused<bug::misaligned>([&](auto& m) { return m.alloc_block(all, 2, false); });
    require_broken_refused<bug::below_window>([&](auto& m) { return m.alloc(all, false); });
    require_broken_refused<bug::past_window>([&](auto& m) { return m.alloc_block(all, 3, false); });
    require_broken_refused<bug::low_counter>([&](auto& m) { return m.alloc_block(one, 2, false); });
    require_broken_refused<bug::not_reserved>([&](auto& m) { return m.alloc_managed(all); });
    require_broken_refused<bug::occupied>([&](auto& m) { return m.alloc_managed_block(all, 0); });
    // A policy's success is checked too: the block must be reserved for a managed pick.
    require_broken_refused<bug::outside_mask>([&](auto& m) { return m.alloc_managed(one); });

    // The same rules, unverified, are checked and accepted.
    using um = irqmatrix::basic_matrix<64, unverified_pack>;
    static_assert(!irqmatrix::is_verified_placement<unverified_pack>);
    um u = test::make<um>(64, 32, 60, 3);
    test::ok(u.online(1));
    test::ok(u.online(2));
    REQUIRE(test::text(u.alloc(all, false)) == "1 32");
    REQUIRE(test::text(u.alloc_block(all, 3, false)) == "1 40");
    test::ok(u.reserve_managed(cpu_set::single(3, 2)));
    REQUIRE(test::text(u.alloc_managed(all)) == "2 32");
    test::require_consistent(u);
}
