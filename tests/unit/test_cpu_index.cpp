// SPDX-License-Identifier: MIT
// The CPU index against brute force and against the kernel's walk over the
// mask, on random states large enough (9-300 CPUs) that the index's bucket
// search, not its small-mask walk, answers; with drifted counters too.
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <irqmatrix/irqmatrix.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

namespace {

using irqmatrix::cpu_set;
using irqmatrix::no_cpu;
using matrix = irqmatrix::matrix;
using scan_matrix = irqmatrix::basic_matrix<256, irqmatrix::kernel_scan_placement>;

// The rules written out plainly over the matrix's own state.
unsigned brute_most_available(const matrix& m, const cpu_set& mask, int order,
                              std::uint32_t min_available) {
    unsigned best = no_cpu;
    std::uint32_t best_available = 0;
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        if (!mask.test(c)) continue;
        const auto& cm = m.cpu_map(c);
        if (!cm.online || cm.available < min_available) continue;
        if (m.free_map(c).largest_aligned_order() < order) continue;
        if (best == no_cpu || cm.available > best_available) {
            best = c;
            best_available = cm.available;
        }
    }
    return best;
}

unsigned brute_fewest_managed(const matrix& m, const cpu_set& mask, int order) {
    unsigned best = no_cpu;
    std::uint32_t best_count = 0;
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        if (!mask.test(c)) continue;
        const auto& cm = m.cpu_map(c);
        if (!cm.online || m.managed_free_map(c).largest_aligned_order() < order) continue;
        if (best == no_cpu || cm.managed_allocated <= best_count) {
            best = c;
            best_count = cm.managed_allocated;
        }
    }
    return best;
}

// Every order's question, both rules, against brute force.
void require_index_agrees(const matrix& m, const cpu_set& mask) {
    for (int order = -1; order <= 5; ++order) {
        const std::uint32_t min = order < 0 ? 1u : 1u << order;
        REQUIRE(m.cpu_index().most_available(mask, order, min) ==
                brute_most_available(m, mask, order, min));
        REQUIRE(m.cpu_index().fewest_managed(mask, order) == brute_fewest_managed(m, mask, order));
    }
}

// Two matrices, the indexed one and the kernel's walk, with every CPU online.
std::pair<matrix, scan_matrix> online_pair(unsigned n) {
    matrix m = test::make(256, 32, 236, n);
    auto twin = test::make<scan_matrix>(256, 32, 236, n);
    for (unsigned c = 0; c < n; ++c) {
        test::ok(m.online(c));
        test::ok(twin.online(c));
    }
    return {std::move(m), std::move(twin)};
}

// A random mask of one of the shapes the index treats differently.
cpu_set random_mask(std::mt19937_64& rng, unsigned n) {
    switch (rng() % 6) {
    case 0: return cpu_set::all(n);
    case 1: return cpu_set::single(n, static_cast<unsigned>(rng() % n));
    case 2: {  // a contiguous range, like a NUMA node
        const unsigned a = static_cast<unsigned>(rng() % n), b = static_cast<unsigned>(rng() % n);
        return cpu_set::range(n, a < b ? a : b, a < b ? b : a);
    }
    case 3: {  // a sparse arbitrary set
        cpu_set s(n);
        for (unsigned c = 0; c < n; ++c)
            if (rng() % 10 == 0) s.set(c);
        return s;
    }
    case 4: {  // a dense arbitrary set (a random half, or more)
        cpu_set s(n);
        for (unsigned c = 0; c < n; ++c)
            if (rng() % 3 != 0) s.set(c);
        return s;
    }
    default: {  // the upper half with holes
        cpu_set s(n);
        for (unsigned c = n / 2; c < n; ++c)
            if (rng() % 4 != 0) s.set(c);
        return s;
    }
    }
}

// One random mutation; results do not matter, only the states they make.
void mutate(matrix& m, scan_matrix& twin, std::mt19937_64& rng) {
    const unsigned n = m.nr_cpus();
    const cpu_set mask = random_mask(rng, n);
    const unsigned cpu = static_cast<unsigned>(rng() % n);
    const unsigned order = static_cast<unsigned>(rng() % 6);
    const auto same = [](const auto& a, const auto& b) { REQUIRE(test::text(a) == test::text(b)); };
    switch (rng() % 12) {
    case 0:
    case 1: same(m.alloc(mask, false), twin.alloc(mask, false)); break;
    case 2:
    case 3: same(m.alloc_block(mask, order, false), twin.alloc_block(mask, order, false)); break;
    case 4:
        same(m.reserve_managed_block(cpu_set::single(n, cpu), order % 3),
             twin.reserve_managed_block(cpu_set::single(n, cpu), order % 3));
        break;
    case 5: same(m.alloc_managed(mask), twin.alloc_managed(mask)); break;
    case 6:
        same(m.alloc_managed_block(mask, order % 3), twin.alloc_managed_block(mask, order % 3));
        break;
    case 7:
    case 8: {  // free something allocated on a random CPU
        const auto& cm = m.cpu_map(cpu);
        const unsigned bit = cm.alloc_map.find_next_set(static_cast<unsigned>(rng() % 236), 236);
        if (bit < 236) {
            const bool managed = cm.managed_map.test(bit);
            same(m.free(cpu, bit, managed), twin.free(cpu, bit, managed));
        }
        break;
    }
    case 9:  // hotplug, which with managed reservations makes counters drift (Q1)
        if (m.cpu_map(cpu).online && m.stats().online_maps > 1)
            same(m.offline(cpu), twin.offline(cpu));
        else if (!m.cpu_map(cpu).online)
            same(m.online(cpu), twin.online(cpu));
        break;
    case 10:
        same(m.reserve_managed(cpu_set::single(n, cpu)),
             twin.reserve_managed(cpu_set::single(n, cpu)));
        break;
    default:
        same(m.remove_managed(cpu_set::single(n, cpu)),
             twin.remove_managed(cpu_set::single(n, cpu)));
        break;
    }
}

}  // namespace

TEST_CASE("cpu index: the indexed choice equals brute force and the kernel's walk", "[cpu_index]") {
    for (const unsigned n : {4u, 9u, 65u, 130u, 300u}) {
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
            CAPTURE(n, seed);
            std::mt19937_64 rng(seed * 7919 + n);
            auto [m, twin] = online_pair(n);
            for (unsigned step = 0; step < 1500; ++step) {
                mutate(m, twin, rng);
                require_index_agrees(m, random_mask(rng, n));
                // The matrix's block search (order 5 by half-word compares)
                // against the bitmap's general one.
                const unsigned c = static_cast<unsigned>(rng() % n);
                for (unsigned k = 0; k <= irqmatrix::max_order; ++k)
                    REQUIRE(m.first_free_block(c, k) == m.free_map(c).find_aligned_run(k));
                REQUIRE(m.cpu_map(0) == twin.cpu_map(0));
                REQUIRE(m.stats() == twin.stats());
            }
            test::require_consistent(m);
        }
    }
}

TEST_CASE("cpu index: a counter drifted above the capacity wins (overflow bucket)", "[cpu_index]") {
    // Two managed reservations released while CPU 7 is offline leave its
    // available at 0 with two free vectors (Q1); an assign then wraps the
    // counter to 2^32 - 1 (Q8), above every bucket. The kernel's rule now
    // prefers CPU 7 to every other CPU, and so must the index.
    const unsigned n = 20;  // above the index's small-mask walk
    auto m = test::make(64, 32, 40, n);
    for (unsigned c = 0; c < n; ++c) test::ok(m.online(c));
    const auto all = cpu_set::all(n);
    const auto c7 = cpu_set::single(n, 7);
    for (int i = 0; i < 8; ++i) REQUIRE(m.alloc(c7, false).has_value());
    test::ok(m.free(7, 34, false));
    test::ok(m.free(7, 35, false));
    test::ok(m.reserve_managed(c7));
    test::ok(m.reserve_managed(c7));
    test::ok(m.offline(7));
    test::ok(m.remove_managed(c7));
    test::ok(m.remove_managed(c7));
    test::ok(m.online(7));
    REQUIRE(test::cpu(m, 7) == "1 0 6 0 0");
    test::ok(m.assign(7, 34));
    REQUIRE(m.cpu(7)->available == 4294967295u);
    REQUIRE(m.cpu_index().most_available(all, -1, 1) == 7);
    REQUIRE(m.cpu_index().most_available(all, -1, 1) == brute_most_available(m, all, -1, 1));
    REQUIRE(test::text(m.alloc(all, false)) == "7 35");
    test::require_consistent(m);
}

TEST_CASE("cpu index: deferred upkeep catches up with many CPUs and words changed between queries",
          "[cpu_index]") {
    // The matrix feeds the index lazily: operations on small masks (walked,
    // never asking the index) only mark what they changed. Thousands of them
    // on random CPUs and words, then one query of each mask shape must see
    // every change; the pending upkeep never shows in equality, and verify()
    // holds throughout (at debug level 3 it also runs after every operation).
    const unsigned n = 200;
    std::mt19937_64 rng(0xDEFE4u);
    auto [m, twin] = online_pair(n);
    for (unsigned round = 0; round < 6; ++round) {
        for (unsigned step = 0; step < 800; ++step) {
            const unsigned cpu = static_cast<unsigned>(rng() % n);
            const cpu_set one = cpu_set::single(n, cpu);
            const unsigned order = static_cast<unsigned>(rng() % 6);
            const auto& cm = m.cpu_map(cpu);
            switch (rng() % 5) {
            case 0:
                REQUIRE(test::text(m.alloc(one, false)) == test::text(twin.alloc(one, false)));
                break;
            case 1:
                REQUIRE(test::text(m.alloc_block(one, order, false)) ==
                        test::text(twin.alloc_block(one, order, false)));
                break;
            case 2:
                REQUIRE(test::text(m.reserve_managed_block(one, order % 3)) ==
                        test::text(twin.reserve_managed_block(one, order % 3)));
                break;
            case 3:
                REQUIRE(test::text(m.alloc_managed(one)) == test::text(twin.alloc_managed(one)));
                break;
            default: {
                const unsigned bit =
                    cm.alloc_map.find_next_set(32 + static_cast<unsigned>(rng() % 204), 236);
                if (bit < 236) {
                    const bool managed = cm.managed_map.test(bit);
                    REQUIRE(test::text(m.free(cpu, bit, managed)) ==
                            test::text(twin.free(cpu, bit, managed)));
                }
                break;
            }
            }
        }
        test::require_consistent(m);
        const matrix before = m;  // upkeep still pending in the copy
        for (unsigned shape = 0; shape < 12; ++shape) require_index_agrees(m, random_mask(rng, n));
        REQUIRE(m == before);  // caught up, and still the same vector state
        REQUIRE(before.verify().empty());
        const cpu_set all = cpu_set::all(n);
        REQUIRE(test::text(m.alloc(all, false)) == test::text(twin.alloc(all, false)));
        test::require_consistent(m);
    }
}

TEST_CASE("cpu index: flips that cancel out need no upkeep, flips in two words always do",
          "[cpu_index]") {
    // Between two queries the feed keeps, per CPU, the XOR of the allocated
    // bits flipped. An alloc and its free in one word cancel out: the word is
    // as it was summarised. The same bit flipped in two different words also
    // XORs to zero, but both words changed: they must be re-derived.
    const unsigned n = 16;
    auto [m, twin] = online_pair(n);
    const cpu_set all = cpu_set::all(n);
    const cpu_set five = cpu_set::single(n, 5);
    require_index_agrees(m, all);

    // One word, cancelled: CPU 5 takes and returns vector 32.
    REQUIRE(test::text(m.alloc(five, false)) == "5 32");
    test::ok(m.free(5, 32, false));
    test::require_consistent(m);
    require_index_agrees(m, all);

    // Two words, the same bit: vector 96 (word 1, bit 32) is allocated and
    // summarised; then vector 32 (word 0, bit 32) is taken and 96 returned.
    // Word 0 loses its order-5 block at 32 and word 1 regains one at 64.
    test::ok(m.assign(5, 96));
    require_index_agrees(m, all);
    REQUIRE(test::text(m.alloc(five, false)) == "5 32");
    test::ok(m.free(5, 96, false));
    test::require_consistent(m);
    require_index_agrees(m, all);
    for (unsigned c = 0; c < n; ++c)
        REQUIRE(m.largest_free_order(c) == m.free_map(c).largest_aligned_order());

    // Make word 0 the only place an order-5 block could be, then cancel
    // flips elsewhere: the CPU's largest order must follow word 0 alone.
    for (unsigned v = 64; v < 236; v += 2) test::ok(m.assign(5, v));
    test::ok(m.free(5, 32, false));
    require_index_agrees(m, all);
    REQUIRE(m.largest_free_order(5) == 5);
    REQUIRE(test::text(m.alloc_block(five, 5, false)) == "5 32");
    test::ok(m.free_block(5, 32, 5, false));
    REQUIRE(m.largest_free_order(5) == 5);
    require_index_agrees(m, all);
    REQUIRE(test::text(m.alloc(five, false)) == "5 32");
    require_index_agrees(m, all);
    REQUIRE(m.largest_free_order(5) == 4);
    test::require_consistent(m);
    (void)twin;
}

namespace {

// A feed of our own beside the matrix's answers every question as the
// matrix's own index does (which the tests above hold to brute force).
void require_feed_agrees(const irqmatrix::index_feed<256>& feed, const matrix& m) {
    const unsigned n = m.nr_cpus();
    cpu_set odd(n);
    for (unsigned c = 1; c < n; c += 2) odd.set(c);
    for (const cpu_set& mask : {cpu_set::all(n), odd, cpu_set::range(n, 2, n - 3)})
        for (int order = -1; order <= 5; ++order) {
            const std::uint32_t min = order < 0 ? 1u : 1u << order;
            REQUIRE(feed.index(m).most_available(mask, order, min) ==
                    m.cpu_index().most_available(mask, order, min));
            REQUIRE(feed.index(m).fewest_managed(mask, order) ==
                    m.cpu_index().fewest_managed(mask, order));
        }
    REQUIRE(feed.self_check(m).empty());
}

}  // namespace

TEST_CASE("index feed: notify and sync, as the matrix uses them", "[cpu_index]") {
    // The contract of index_feed on its own: notify() after each change of a
    // CPU, with a cpu_change that covers it, and index(m) is current with m;
    // self_check(m) finds a change that was not notified, or notified too
    // narrowly; a copy is cold but answers the same; a cache compares equal.
    using irqmatrix::cpu_change;
    const unsigned n = 20;  // above the walk limit: the feed is indexed
    auto [m, twin] = online_pair(n);
    (void)twin;
    irqmatrix::index_feed<256> feed(n);
    REQUIRE(feed.self_check(m).empty());  // every CPU dirty: nothing claimed yet
    for (unsigned c = 0; c < n; ++c) REQUIRE(!feed.is_current(c));
    require_feed_agrees(feed, m);
    for (unsigned c = 0; c < n; ++c) REQUIRE(feed.is_current(c));

    // A change not notified is caught: CPU 0's counters and word 0 moved.
    const auto p = m.alloc(cpu_set::single(n, 0), false);
    REQUIRE(test::text(p) == "0 32");
    REQUIRE(!feed.self_check(m).empty());
    feed.notify(0, cpu_change::alloc_bits(0, std::uint64_t{1} << 32));
    REQUIRE(!feed.is_current(0));
    require_feed_agrees(feed, m);

    // An alloc and its free in one word cancel out: the word need not be
    // re-derived, and the answers still follow.
    REQUIRE(test::text(m.alloc(cpu_set::single(n, 3), false)) == "3 32");
    feed.notify(3, cpu_change::alloc_bits(0, std::uint64_t{1} << 32));
    test::ok(m.free(3, 32, false));
    feed.notify(3, cpu_change::alloc_bits(0, std::uint64_t{1} << 32));
    REQUIRE(feed.self_check(m).empty());
    require_feed_agrees(feed, m);

    // Notified too narrowly: a block taken, reported as a counter change
    // only, leaves word 0's order summary stale.
    REQUIRE(test::text(m.alloc_block(cpu_set::single(n, 5), 5, false)) == "5 32");
    feed.notify(5, cpu_change::counters());
    REQUIRE(!feed.self_check(m).empty());
    feed.notify(5, cpu_change::alloc_bits(0, irqmatrix::run_mask(32, 32)));
    require_feed_agrees(feed, m);

    // Reservations change managed bits: any_bits of the word, or whole_cpu.
    test::ok(m.reserve_managed_block(cpu_set::single(n, 7), 2));
    feed.notify(7, cpu_change::any_bits(0));
    test::ok(m.offline(9));
    feed.notify(9, cpu_change::counters());
    test::ok(m.reserve_managed(cpu_set::single(n, 11)));
    feed.notify(11, cpu_change::whole_cpu());
    require_feed_agrees(feed, m);

    // A copy is cold and equal: it claims nothing, so what happens before
    // it is first asked needs no notifying to it.
    const irqmatrix::index_feed<256> copy = feed;
    REQUIRE(copy == feed);
    for (unsigned c = 0; c < n; ++c) REQUIRE(!copy.is_current(c));
    REQUIRE(copy.self_check(m).empty());
    const auto q = m.alloc(cpu_set::all(n), false);
    REQUIRE(q.has_value());
    feed.notify(q->cpu, cpu_change::alloc_bits(q->base / 64, std::uint64_t{1} << (q->base % 64)));
    require_feed_agrees(feed, m);
    require_feed_agrees(copy, m);
}

TEST_CASE("index feed: a matrix copy compares equal and answers the same without copying the index",
          "[cpu_index]") {
    const unsigned n = 40;
    auto [m, twin] = online_pair(n);
    (void)twin;
    std::mt19937_64 rng(0xC0FFEEu);
    for (unsigned i = 0; i < 200; ++i) (void)m.alloc_block(random_mask(rng, n), i % 6, false);
    const cpu_set all = cpu_set::all(n);
    (void)m.cpu_index();  // m's cache is current, the copy's is cold
    matrix copy = m;
    REQUIRE(copy == m);
    test::require_consistent(copy);
    for (unsigned i = 0; i < 50; ++i) {
        const cpu_set mask = random_mask(rng, n);
        REQUIRE(test::text(copy.alloc_block(mask, i % 6, false)) ==
                test::text(m.alloc_block(mask, i % 6, false)));
        REQUIRE(test::text(copy.alloc(all, false)) == test::text(m.alloc(all, false)));
    }
    REQUIRE(copy == m);
    test::require_consistent(copy);
    test::require_consistent(m);
}
