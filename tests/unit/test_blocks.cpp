// SPDX-License-Identifier: MIT
// Aligned power-of-two blocks: alignment, placement, accounting, all-or-nothing refusals.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <irqmatrix/matrix.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

using irqmatrix::drift_report;
using irqmatrix::matrix;

using test::allocated_bits;
using test::cpu;
using test::managed_bits;
using test::ok;
using test::require_refused;
using test::stats;
using test::text;

namespace {

irqmatrix::cpu_set cpus(const std::string& list, unsigned nr_cpus = 3) {
    return test::cpus(list, nr_cpus);
}

// The expected aligned bases of one order in a window, worked out by hand:
// first, last and how many.
struct window_case {
    unsigned start, end;
    unsigned first[6], last[6], count[6];
};

const window_case windows[] = {
    {33, 235, {33, 34, 36, 40, 48, 64}, {234, 232, 228, 224, 208, 192}, {202, 100, 49, 24, 11, 5}},
    {32, 236, {32, 32, 32, 32, 32, 32}, {235, 234, 232, 224, 208, 192}, {204, 102, 51, 25, 12, 6}},
};

}  // namespace

TEST_CASE("blocks: alloc_block of every order on windows that start and end off alignment",
          "[blocks]") {
    for (const auto& w : windows) {
        for (unsigned order = 0; order <= irqmatrix::max_order; ++order) {
            INFO("window [" << w.start << "," << w.end << ") order " << order);
            const unsigned n = 1u << order;
            auto m = test::make(256, w.start, w.end, 1);
            ok(m.online(0));
            const unsigned size = w.end - w.start;
            REQUIRE(m.largest_free_order(0) == 5);
            std::vector<unsigned> bases;
            for (;;) {
                const auto r = m.alloc_block(cpus("0", 1), order, false);
                if (!r) {
                    REQUIRE(r.error() == irqmatrix::errc::no_space);
                    break;
                }
                REQUIRE(r->cpu == 0);
                bases.push_back(r->base);
            }
            REQUIRE(bases.size() == w.count[order]);
            REQUIRE(bases.front() == w.first[order]);
            REQUIRE(bases.back() == w.last[order]);
            for (std::size_t i = 0; i < bases.size(); ++i)
                REQUIRE(bases[i] == w.first[order] + static_cast<unsigned>(i) * n);
            const unsigned used = w.count[order] * n;
            REQUIRE(cpu(m, 0) ==
                    "1 " + std::to_string(size - used) + " " + std::to_string(used) + " 0 0");
            REQUIRE(stats(m) == "1 " + std::to_string(size - used) + " 0 " + std::to_string(used));
            require_refused(
                m, [order](matrix& x) { return x.alloc_block(cpus("0", 1), order, false); }, "-28");
            test::require_consistent(m);
        }
    }
}

TEST_CASE("blocks: reserve_managed_block takes the lowest aligned block on every window",
          "[blocks]") {
    for (const auto& w : windows) {
        for (unsigned order = 0; order <= irqmatrix::max_order; ++order) {
            INFO("window [" << w.start << "," << w.end << ") order " << order);
            const unsigned n = 1u << order;
            auto m = test::make(256, w.start, w.end, 2);
            // CPU 1 never comes online: reservations are made all the same.
            unsigned made = 0;
            while (m.reserve_managed_block(cpus("1", 2), order)) {
                ++made;
                REQUIRE(m.cpu_map(1).managed_map.all_set(w.first[order] + (made - 1) * n, n));
            }
            REQUIRE(made == w.count[order]);
            REQUIRE(cpu(m, 1) == "0 0 0 " + std::to_string(made * n) + " 0");
            require_refused(
                m, [order](matrix& x) { return x.reserve_managed_block(cpus("1", 2), order); },
                "-28");
        }
    }
}

TEST_CASE("blocks: alloc_block placement", "[blocks]") {
    auto m = test::make(64, 32, 64, 3);
    for (unsigned c = 0; c < 3; ++c) ok(m.online(c));
    SECTION("most available; ties go to the lowest CPU") {
        REQUIRE(text(m.alloc_block(cpus("0-2"), 3, false)) == "0 32");
        REQUIRE(text(m.alloc_block(cpus("0-2"), 3, false)) == "1 32");
        REQUIRE(text(m.alloc_block(cpus("0-2"), 3, false)) == "2 32");
        REQUIRE(text(m.alloc_block(cpus("0-2"), 3, false)) == "0 40");
        REQUIRE(text(m.alloc_block(cpus("1-2"), 2, false)) == "1 40");
        REQUIRE(text(m.alloc_block(cpus("0-2"), 0, false)) == "2 40");
        REQUIRE(stats(m) == "3 59 0 37");
        test::require_consistent(m);
    }
    SECTION("a CPU with more available but no free aligned block is skipped") {
        for (unsigned b = 32; b < 64; b += 4) ok(m.assign(0, b));  // every 4-block broken
        for (unsigned b = 32; b < 42; ++b) ok(m.assign(1, b));
        for (unsigned b = 32; b < 44; ++b) ok(m.assign(2, b));
        REQUIRE(cpu(m, 0) == "1 24 8 0 0");
        REQUIRE(cpu(m, 1) == "1 22 10 0 0");
        REQUIRE(cpu(m, 2) == "1 20 12 0 0");
        REQUIRE(m.largest_free_order(0) == 1);
        // Order 2: CPU 0 has none; CPU 1 has 44-47.
        REQUIRE(text(m.alloc_block(cpus("0-2"), 2, false)) == "1 44");
        REQUIRE(cpu(m, 1) == "1 18 14 0 0");
        REQUIRE(stats(m) == "3 62 0 34");
        // Order 3: CPU 1 (18) has 48-55, CPU 2 (20) has 48-55 too: CPU 2.
        REQUIRE(text(m.alloc_block(cpus("0-2"), 3, false)) == "2 48");
        // Order 1: CPU 0 (24) qualifies again, at 34.
        REQUIRE(text(m.alloc_block(cpus("0-2"), 1, false)) == "0 34");
        REQUIRE(cpu(m, 0) == "1 22 10 0 0");
        // Order 5: nobody.
        require_refused(
            m, [](matrix& x) { return x.alloc_block(cpus("0-2"), 5, false); }, "-28");
        test::require_consistent(m);
    }
    SECTION("offline CPUs are skipped") {
        ok(m.offline(1));
        REQUIRE(text(m.alloc_block(cpus("1-2"), 4, false)) == "2 32");
        require_refused(
            m, [](matrix& x) { return x.alloc_block(cpus("1"), 0, false); }, "-28");
    }
    SECTION("argument errors: -22") {
        require_refused(
            m, [](matrix& x) { return x.alloc_block(cpus("0"), 6, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.alloc_block(cpus("none"), 0, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.alloc_block(cpus("0,3", 4), 0, false); }, "-22");
    }
}

TEST_CASE("blocks: alloc_block accounting and RESERVED consuming 2^K reservations", "[blocks]") {
    auto m = test::make(64, 32, 64, 2);
    ok(m.online(0));
    ok(m.online(1));
    REQUIRE(text(m.alloc_block(cpus("0", 2), 2, false)) == "0 32");
    REQUIRE(cpu(m, 0) == "1 28 4 0 0");
    REQUIRE(stats(m) == "2 60 0 4");
    REQUIRE(allocated_bits(m, 0) == "32-35");
    for (int i = 0; i < 3; ++i) m.reserve();
    require_refused(
        m, [](matrix& x) { return x.alloc_block(cpus("0-1", 2), 2, true); }, "-16");
    m.reserve();
    REQUIRE(text(m.alloc_block(cpus("0-1", 2), 2, true)) == "1 32");
    REQUIRE(stats(m) == "2 56 0 8");
    REQUIRE(m.reserved() == 0);
    m.reserve();
    REQUIRE(text(m.alloc_block(cpus("0-1", 2), 0, true)) == "0 36");
    REQUIRE(stats(m) == "2 55 0 9");
    test::require_consistent(m);
}

TEST_CASE("blocks: free_block", "[blocks]") {
    auto m = test::make(64, 32, 64, 2);
    ok(m.online(0));
    ok(m.online(1));
    REQUIRE(text(m.alloc_block(cpus("0", 2), 3, false)) == "0 32");
    REQUIRE(cpu(m, 0) == "1 24 8 0 0");
    SECTION("frees every vector as free does") {
        ok(m.free_block(0, 32, 3, false));
        REQUIRE(cpu(m, 0) == "1 32 0 0 0");
        REQUIRE(stats(m) == "2 64 0 0");
        test::require_consistent(m);
    }
    SECTION("refusals") {
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 32, 3, true); }, "-2");
        require_refused(
            m, [](matrix& x) { return x.free_block(1, 32, 3, false); }, "-2");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 32, 4, false); }, "-2");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 40, 3, false); }, "-2");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 36, 3, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 33, 1, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 32, 6, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free_block(2, 32, 3, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 0, 5, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 64, 0, false); }, "-22");
    }
    SECTION("an unallocated member refuses the whole block; smaller pieces may go") {
        ok(m.free(0, 35, false));
        REQUIRE(cpu(m, 0) == "1 25 7 0 0");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 32, 3, false); }, "-2");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 32, 2, false); }, "-2");
        ok(m.free_block(0, 32, 1, false));
        ok(m.free_block(0, 36, 2, false));
        ok(m.free(0, 34, false));
        REQUIRE(cpu(m, 0) == "1 32 0 0 0");
        REQUIRE(allocated_bits(m, 0).empty());
        test::require_consistent(m);
    }
    SECTION("managed: the flag must match every member; the reservation stays") {
        ok(m.reserve_managed_block(cpus("0", 2), 1));
        REQUIRE(managed_bits(m, 0) == "40-41");
        REQUIRE(text(m.alloc_managed_block(cpus("0", 2), 1)) == "0 40");
        REQUIRE(text(m.alloc(cpus("0", 2), false)) == "0 42");
        REQUIRE(text(m.alloc(cpus("0", 2), false)) == "0 43");
        REQUIRE(cpu(m, 0) == "1 20 12 2 2");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 40, 2, false); }, "-2");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 40, 2, true); }, "-2");
        require_refused(
            m, [](matrix& x) { return x.free_block(0, 40, 1, false); }, "-2");
        ok(m.free_block(0, 40, 1, true));
        REQUIRE(cpu(m, 0) == "1 20 10 2 0");
        REQUIRE(managed_bits(m, 0) == "40-41");
        REQUIRE(stats(m) == "2 52 0 10");
        test::require_consistent(m);
    }
    SECTION("Q2: freed while offline, total_allocated keeps 2^K") {
        ok(m.offline(0));
        REQUIRE(stats(m) == "1 32 0 8");
        ok(m.free_block(0, 32, 3, false));
        REQUIRE(cpu(m, 0) == "0 32 0 0 0");
        REQUIRE(stats(m) == "1 32 0 8");
        REQUIRE(m.global_drift() == irqmatrix::global_drift_report{0, 8});
        test::require_consistent(m);
    }
}

TEST_CASE("blocks: reserve_managed_block", "[blocks]") {
    auto m = test::make(64, 32, 64, 3);
    SECTION("every CPU of the list, online or not; accounting") {
        ok(m.online(0));
        ok(m.reserve_managed_block(cpus("0-1"), 2));
        REQUIRE(managed_bits(m, 0) == "32-35");
        REQUIRE(managed_bits(m, 1) == "32-35");
        REQUIRE(cpu(m, 0) == "1 28 0 4 0");
        REQUIRE(cpu(m, 1) == "0 0 0 4 0");
        REQUIRE(stats(m) == "1 28 0 0");
        ok(m.reserve_managed_block(cpus("0"), 0));
        REQUIRE(managed_bits(m, 0) == "32-36");
        ok(m.reserve_managed_block(cpus("0"), 1));
        REQUIRE(managed_bits(m, 0) == "32-36,38-39");
        ok(m.online(1));
        REQUIRE(cpu(m, 1) == "1 28 0 4 0");
        REQUIRE(stats(m) == "2 53 0 0");
        test::require_consistent(m);
    }
    SECTION("the lowest free aligned block, around system and allocated vectors") {
        ok(m.assign_system(0, 33, false));
        ok(m.online(0));
        ok(m.assign(0, 44));
        ok(m.reserve_managed_block(cpus("0"), 1));
        ok(m.reserve_managed_block(cpus("0"), 2));
        ok(m.reserve_managed_block(cpus("0"), 3));
        REQUIRE(managed_bits(m, 0) == "34-39,48-55");
        REQUIRE(cpu(m, 0) == "1 16 1 14 0");
        test::require_consistent(m);
    }
    SECTION("all or nothing: one CPU without a block refuses the whole list") {
        ok(m.online(0));
        ok(m.online(2));
        REQUIRE(text(m.alloc_block(cpus("2"), 4, false)) == "2 32");
        REQUIRE(text(m.alloc_block(cpus("2"), 3, false)) == "2 48");
        ok(m.reserve_managed_block(cpus("0"), 0));
        require_refused(
            m, [](matrix& x) { return x.reserve_managed_block(cpus("0-2"), 4); }, "-28");
        ok(m.reserve_managed_block(cpus("0-2"), 2));
        REQUIRE(managed_bits(m, 0) == "32,36-39");
        REQUIRE(managed_bits(m, 1) == "32-35");
        REQUIRE(managed_bits(m, 2) == "56-59");
        // CPU 2 has 60-63 left: no order-3 block.
        require_refused(
            m, [](matrix& x) { return x.reserve_managed_block(cpus("0-2"), 3); }, "-28");
    }
    SECTION("Q1: reserved while offline after the first online is not charged") {
        ok(m.online(0));
        ok(m.offline(0));
        ok(m.reserve_managed_block(cpus("0"), 2));
        REQUIRE(cpu(m, 0) == "0 32 0 4 0");
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 32 0 4 0");
        REQUIRE(m.drift(0).available == 4);
        test::require_consistent(m);
    }
    SECTION("argument errors: -22") {
        require_refused(
            m, [](matrix& x) { return x.reserve_managed_block(cpus("none"), 0); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.reserve_managed_block(cpus("0"), 6); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.reserve_managed_block(cpus("3", 4), 0); }, "-22");
    }
}

TEST_CASE("blocks: remove_managed_block", "[blocks]") {
    auto m = test::make(64, 32, 64, 3);
    ok(m.online(0));
    ok(m.online(1));
    ok(m.reserve_managed_block(cpus("0"), 2));
    ok(m.reserve_managed_block(cpus("0"), 0));
    REQUIRE(managed_bits(m, 0) == "32-36");
    REQUIRE(cpu(m, 0) == "1 27 0 5 0");
    SECTION("the lowest all-reserved, unallocated aligned block goes") {
        ok(m.remove_managed_block(cpus("0"), 1));
        REQUIRE(managed_bits(m, 0) == "34-36");
        REQUIRE(cpu(m, 0) == "1 29 0 3 0");
        REQUIRE(stats(m) == "2 61 0 0");
        REQUIRE(text(m.alloc_managed_block(cpus("0"), 1)) == "0 34");
        // 34-35 allocated, 36 alone: no order-1 block is removable.
        require_refused(
            m, [](matrix& x) { return x.remove_managed_block(cpus("0"), 1); }, "-16");
        ok(m.remove_managed_block(cpus("0"), 0));
        REQUIRE(managed_bits(m, 0) == "34-35");
        REQUIRE(cpu(m, 0) == "1 30 2 2 2");
        test::require_consistent(m);
    }
    SECTION("all or nothing across the list") {
        require_refused(
            m, [](matrix& x) { return x.remove_managed_block(cpus("0-1"), 0); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.remove_managed_block(cpus("0"), 3); }, "-16");
    }
    SECTION("an offline CPU: managed falls, available stays") {
        ok(m.reserve_managed_block(cpus("2"), 3));
        REQUIRE(cpu(m, 2) == "0 0 0 8 0");
        ok(m.remove_managed_block(cpus("2"), 2));
        REQUIRE(cpu(m, 2) == "0 0 0 4 0");
        REQUIRE(managed_bits(m, 2) == "36-39");
    }
    SECTION("argument errors: -22") {
        require_refused(
            m, [](matrix& x) { return x.remove_managed_block(cpus("none"), 0); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.remove_managed_block(cpus("0"), 6); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.remove_managed_block(cpus("0,3", 4), 0); }, "-22");
    }
}

TEST_CASE("blocks: alloc_managed_block", "[blocks]") {
    auto m = test::make(64, 32, 64, 3);
    for (unsigned c = 0; c < 3; ++c) ok(m.online(c));
    SECTION("fewest managed-allocated; ties go to the highest CPU; accounting") {
        ok(m.reserve_managed_block(cpus("0-2"), 2));
        REQUIRE(stats(m) == "3 84 0 0");
        REQUIRE(text(m.alloc_managed_block(cpus("0-2"), 2)) == "2 32");
        REQUIRE(cpu(m, 2) == "1 28 4 4 4");
        REQUIRE(stats(m) == "3 84 0 4");
        REQUIRE(text(m.alloc_managed_block(cpus("0-2"), 2)) == "1 32");
        REQUIRE(text(m.alloc_managed_block(cpus("0-2"), 2)) == "0 32");
        require_refused(
            m, [](matrix& x) { return x.alloc_managed_block(cpus("0-2"), 2); }, "-28");
        test::require_consistent(m);
    }
    SECTION("a CPU without a reserved block is skipped, unlike the single-vector rule") {
        ok(m.reserve_managed_block(cpus("0-1"), 1));
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("0-2")); }, "-28");
        REQUIRE(text(m.alloc_managed_block(cpus("0-2"), 1)) == "1 32");
        REQUIRE(text(m.alloc_managed_block(cpus("0-2"), 1)) == "0 32");
        require_refused(
            m, [](matrix& x) { return x.alloc_managed_block(cpus("0-2"), 1); }, "-28");
    }
    SECTION("a lower managed-allocated count beats a higher CPU; lowest base") {
        ok(m.reserve_managed_block(cpus("0-1"), 1));
        ok(m.reserve_managed_block(cpus("0-1"), 1));
        REQUIRE(text(m.alloc_managed_block(cpus("1"), 1)) == "1 32");
        REQUIRE(text(m.alloc_managed_block(cpus("0-1"), 1)) == "0 32");
        REQUIRE(text(m.alloc_managed_block(cpus("0-1"), 1)) == "1 34");
    }
    SECTION("the reserved vectors must form an aligned block of the order") {
        for (int i = 0; i < 3; ++i) ok(m.reserve_managed(cpus("0")));  // 32, 33, 34
        require_refused(
            m, [](matrix& x) { return x.alloc_managed_block(cpus("0"), 2); }, "-28");
        REQUIRE(text(m.alloc_managed_block(cpus("0"), 1)) == "0 32");
        require_refused(
            m, [](matrix& x) { return x.alloc_managed_block(cpus("0"), 1); }, "-28");
        REQUIRE(text(m.alloc_managed_block(cpus("0"), 0)) == "0 34");
    }
    SECTION("offline CPUs are skipped") {
        ok(m.reserve_managed_block(cpus("0-2"), 0));
        ok(m.offline(2));
        REQUIRE(text(m.alloc_managed_block(cpus("1-2"), 0)) == "1 32");
        require_refused(
            m, [](matrix& x) { return x.alloc_managed_block(cpus("2"), 0); }, "-28");
    }
    SECTION("argument errors: -22") {
        require_refused(
            m, [](matrix& x) { return x.alloc_managed_block(cpus("none"), 0); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.alloc_managed_block(cpus("0"), 6); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.alloc_managed_block(cpus("0,3", 4), 0); }, "-22");
    }
}

TEST_CASE("blocks: largest_free_order", "[blocks]") {
    auto m = test::make(64, 32, 64, 2);
    REQUIRE(m.largest_free_order(1) == 5);  // a never-online CPU: its whole window is free
    ok(m.online(0));
    REQUIRE(m.largest_free_order(0) == 5);
    ok(m.assign(0, 33));
    REQUIRE(m.largest_free_order(0) == 4);  // 48-63
    REQUIRE(text(m.alloc_block(cpus("0", 2), 4, false)) == "0 48");
    REQUIRE(m.largest_free_order(0) == 3);  // 40-47
    ok(m.reserve_managed_block(cpus("0", 2), 3));
    REQUIRE(m.largest_free_order(0) == 2);  // 36-39
    for (unsigned b : {32u, 34u, 35u, 36u, 37u, 38u}) ok(m.assign(0, b));
    REQUIRE(m.largest_free_order(0) == 0);  // 39
    ok(m.assign(0, 39));
    REQUIRE(m.largest_free_order(0) == -1);

    REQUIRE(test::make(256, 33, 235, 1).largest_free_order(0) == 5);
    REQUIRE(test::make(64, 32, 34, 1).largest_free_order(0) == 1);
    REQUIRE(test::make(64, 33, 34, 1).largest_free_order(0) == 0);
    REQUIRE(test::make(64, 33, 63, 1).largest_free_order(0) == 3);  // 40-47; 32-47, 48-63 stick out
    REQUIRE(test::make(64, 32, 32, 1).largest_free_order(0) == -1);
}

// trace-format.md, "Block operations": at order 0 the block operations differ
// from the single-vector ones *only* where the kernel's rule picks a CPU that
// cannot serve, and in the reserve_managed rollback. Here the kernel's rule
// picks no CPU at all (available 0 is invisible, Q5), so alloc_block must
// refuse too; taking the CPU would also wrap its available counter.
TEST_CASE("blocks: alloc_block order 0 does not take a CPU whose available is 0 (Q5)", "[blocks]") {
    auto m = test::make(64, 32, 40, 1);
    ok(m.online(0));
    ok(m.reserve_managed(cpus("0", 1)));
    ok(m.offline(0));
    ok(m.remove_managed(cpus("0", 1)));  // Q1: available stays one too low
    ok(m.online(0));
    for (unsigned i = 0; i < 7; ++i)
        REQUIRE(text(m.alloc(cpus("0", 1), false)) == "0 " + std::to_string(32 + i));
    REQUIRE(cpu(m, 0) == "1 0 7 0 0");
    REQUIRE(test::ranges(m.free_map(0), m.bits()) == "39");
    require_refused(
        m, [](matrix& x) { return x.alloc(cpus("0", 1), false); }, "-28");
    require_refused(
        m, [](matrix& x) { return x.alloc_block(cpus("0", 1), 0, false); }, "-28");
}

TEST_CASE("blocks: order-0 block operations agree with the single-vector ones where those succeed",
          "[blocks]") {
    constexpr unsigned nr = 4;
    auto a = test::make(64, 32, 48, nr);  // single-vector operations
    auto b = a;                           // order-0 block operations
    std::mt19937_64 rng(0x0B10Cu);
    unsigned compared = 0;
    for (unsigned step = 0; step < 4000; ++step) {
        irqmatrix::cpu_set mask(nr);
        for (unsigned c = 0; c < nr; ++c)
            if (rng() % 2) mask.set(c);
        if (mask.empty()) mask.set(static_cast<unsigned>(rng() % nr));
        const unsigned c = static_cast<unsigned>(rng() % nr);
        const auto kind = rng() % 16;
        INFO("step " << step << " kind " << kind << " mask " << irqmatrix::format_cpulist(mask));
        if (kind == 0) {
            REQUIRE(text(a.online(c)) == text(b.online(c)));
        } else if (kind == 1) {
            REQUIRE(text(a.offline(c)) == text(b.offline(c)));
        } else if (kind <= 5) {
            const bool reserved = rng() % 4 == 0;
            if (reserved) {
                a.reserve();
                b.reserve();
            }
            const auto r = a.alloc(mask, reserved);
            if (r) {
                REQUIRE(text(b.alloc_block(mask, 0, reserved)) == text(r));
                ++compared;
            } else if (reserved) {
                ok(a.remove_reserved());
                ok(b.remove_reserved());
            }
        } else if (kind <= 7) {
            const auto r = a.alloc_managed(mask);
            if (r) {
                REQUIRE(text(b.alloc_managed_block(mask, 0)) == text(r));
                ++compared;
            }
        } else if (kind <= 9) {
            const auto r = a.reserve_managed(mask);
            if (r) {
                REQUIRE(text(b.reserve_managed_block(mask, 0)) == "0");
                ++compared;
            } else {
                // Both refuse; the kernel's rollback may have moved a
                // reservation on `a` (Q7), the block operation changes nothing.
                const matrix before = b;
                REQUIRE(text(b.reserve_managed_block(mask, 0)) == text(r));
                REQUIRE(b == before);
                b = a;  // the one allowed divergence: resynchronise
            }
        } else if (kind <= 11) {
            const auto r = a.remove_managed(mask);
            if (r) {
                REQUIRE(text(b.remove_managed_block(mask, 0)) == "0");
                ++compared;
            }
        } else {
            std::vector<unsigned> allocated;
            a.cpu_map(c).alloc_map.for_each_set([&](unsigned bit) { allocated.push_back(bit); });
            if (allocated.empty()) continue;
            const unsigned bit = allocated[rng() % allocated.size()];
            const bool managed = a.cpu_map(c).managed_map.test(bit);
            ok(a.free(c, bit, managed));
            ok(b.free_block(c, bit, 0, managed));
            ++compared;
        }
        REQUIRE(a == b);
    }
    REQUIRE(compared > 1000);
    test::require_consistent(a);
}
