// SPDX-License-Identifier: MIT
// Moves under the MSI two-step rule (planner.hpp, move_rule::two_step): a
// target block must also be free on the group's old CPU.
//
// Worked by hand: cases where the plain rule's pick is a block whose vectors
// are busy on the old CPU, so the two-step rule goes elsewhere or refuses;
// the rule combined with the hiding that keeps guaranteed reservations
// placeable; evacuate under the rule, including a refusal half way that is
// undone. Then properties on seeded random states: move_block against a
// brute-force search written here, the two rules' picks agreeing whenever
// the plain pick qualifies, and every evacuate move checked against the old
// CPU's free vectors at the moment it was made.
//
// The hand cases use a 64-vector matrix with the window [8,64): order-3
// blocks at 8, 16, ..., 56, order 4 at 16, 32, 48, order 5 only at 32.
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <irqmatrix/planner.hpp>
#include <irqmatrix/trace.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

using irqmatrix::move_rule;
using test::ok;
using test::require_refused;
using test::text;

namespace {

using small = irqmatrix::basic_planner<64>;
constexpr auto two_step = move_rule::two_step;

small make_small(unsigned nr_cpus) {
    auto p = test::make<small>(64, 8, 64, nr_cpus);
    for (unsigned c = 0; c < nr_cpus; ++c) ok(p.online(c));
    return p;
}

irqmatrix::cpu_set cpus(const std::string& list, unsigned nr_cpus = 2) {
    return test::cpus(list, nr_cpus);
}

std::string allocated(const small& p, unsigned cpu) {
    return test::ranges(p.matrix().cpu_map(cpu).alloc_map, p.bits());
}

}  // namespace

TEST_CASE("two-step: the plain pick's vectors are busy on the old CPU", "[planner][two_step]") {
    auto p = make_small(2);
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 8");
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 16");
    SECTION("another CPU: the lowest block free on both") {
        // Plain: CPU 1's lowest block, 8-15, which on CPU 0 is the group
        // itself; 16-23 is the other group there; 24-31 is free on both.
        auto plain = p;
        REQUIRE(text(plain.move_block(0, 8, cpus("1"))) == "1 8");
        REQUIRE(text(p.move_block(0, 8, cpus("1"), two_step)) == "1 24");
        REQUIRE(allocated(p, 0) == "16-23");
        REQUIRE(allocated(p, 1) == "24-31");
        test::require_consistent(p);
    }
    SECTION("the same CPU: the target is free there by definition") {
        auto plain = p;
        REQUIRE(text(plain.move_block(0, 8, cpus("0"))) == "0 24");
        REQUIRE(text(p.move_block(0, 8, cpus("0"), two_step)) == "0 24");
        REQUIRE(p == plain);
    }
    SECTION("no block free on both: refused, nothing changes") {
        for (unsigned base = 24; base < 64; base += 8)
            REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 " + std::to_string(base));
        auto plain = p;
        REQUIRE(text(plain.move_block(0, 8, cpus("1"))) == "1 8");
        require_refused(
            p, [](small& q) { return q.move_block(0, 8, cpus("1"), two_step); }, "-28");
    }
    SECTION("a hole in the group: the block is judged whole") {
        // Members 8 and 10-15 move; the rule still wants all of the target
        // block free on the old CPU, so 8-15 (9 free there) does not
        // qualify even where the members alone would land on free vectors
        // in another CPU's numbering.
        ok(p.free(0, 9, false));
        REQUIRE(text(p.move_block(0, 8, cpus("1"), two_step)) == "1 24");
        REQUIRE(allocated(p, 1) == "24,26-31");
    }
}

TEST_CASE("two-step: a managed reservation on the old CPU is not free there",
          "[planner][two_step]") {
    auto p = make_small(2);
    ok(p.reserve_managed_block(cpus("0"), 3));  // 8-15 on CPU 0
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 16");
    auto plain = p;
    REQUIRE(text(plain.move_block(0, 16, cpus("1"))) == "1 8");
    REQUIRE(text(p.move_block(0, 16, cpus("1"), two_step)) == "1 24");
}

TEST_CASE("two-step: the rule on top of the hiding that keeps reservations placeable",
          "[planner][two_step]") {
    auto p = make_small(2);
    // CPU 0: groups at 8/3, 16/4, 32/3 and 48/4; free only 40-47. CPU 1
    // empty: its order-5 block at 32 is the only one, and it is promised.
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 8");
    REQUIRE(text(p.alloc_block(cpus("0"), 4, false)) == "0 16");
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 32");
    REQUIRE(text(p.alloc_block(cpus("0"), 4, false)) == "0 48");
    SECTION("without the reservation the rule finds 40-47") {
        REQUIRE(text(p.move_block(0, 8, cpus("1"), two_step)) == "1 40");
    }
    SECTION("with it, 40-47 on CPU 1 is hidden: the filter comes after the hiding") {
        ok(p.reserve_block(5));
        auto plain = p;
        REQUIRE(text(plain.move_block(0, 8, cpus("1"))) == "1 8");
        // Filtering first would leave CPU 1 only 40-47, inside no wholly
        // free order-5 block of the filtered map, and take it.
        require_refused(
            p, [](small& q) { return q.move_block(0, 8, cpus("1"), two_step); }, "-28");
        // On CPU 0 itself 40-47 is neither hidden nor busy.
        REQUIRE(text(p.move_block(0, 8, cpus("0-1"), two_step)) == "0 40");
        test::require_consistent(p);
    }
}

TEST_CASE("two-step: evacuate", "[planner][two_step]") {
    auto p = make_small(2);
    // CPU 0: a managed block at 8-15 (stays), a group 16/3, a vector 24.
    ok(p.reserve_managed_block(cpus("0"), 3));
    REQUIRE(text(p.alloc_managed_block(cpus("0"), 3)) == "0 8");
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 16");
    REQUIRE(text(p.alloc(cpus("0"), false)) == "0 24");
    SECTION("each group to a block free on both CPUs at its turn") {
        auto plain = p;
        REQUIRE(text(plain.evacuate(0)) == "9");
        REQUIRE(allocated(plain, 1) == "8-16");
        std::vector<irqmatrix::group_move> moves;
        REQUIRE(text(p.evacuate(0, &moves, two_step)) == "9");
        // 16/3 cannot go to 8-15 (managed on CPU 0) nor 16-23 (itself) nor
        // 24-31 (the vector 24): 32. Then 24 goes to CPU 1's lowest vector
        // free on CPU 0, 16, which the group just left.
        REQUIRE(allocated(p, 1) == "16,32-39");
        REQUIRE(moves.size() == 2);
        REQUIRE(moves[0].second.cpu == 1);
        REQUIRE(moves[0].second.base == 32);
        REQUIRE(moves[1].second.base == 16);
        test::require_consistent(p);
    }
    SECTION("a refusal half way is undone") {
        // CPU 1 keeps 8-15 and 32-39 free. The group 16/3 goes to 32-39;
        // then the vector 24 finds only 8-15, managed on CPU 0.
        for (unsigned base = 8; base < 48; base += 8)
            REQUIRE(text(p.alloc_block(cpus("1"), 3, false)) == "1 " + std::to_string(base));
        REQUIRE(text(p.alloc_block(cpus("1"), 4, false)) == "1 48");
        ok(p.free_block(1, 8, 3, false));
        ok(p.free_block(1, 32, 3, false));
        auto plain = p;
        REQUIRE(text(plain.evacuate(0)) == "9");
        REQUIRE(text(p.can_offline(0)) == "9");
        require_refused(
            p, [](small& q) { return q.evacuate(0, nullptr, two_step); }, "-28");
    }
}

TEST_CASE("two-step: the trace operations", "[planner][two_step][trace]") {
    // The hand cases above as a trace (docs/trace-format.md), replayed with
    // its results checked.
    std::istringstream in(R"(matrix 64 8 64 2 => 0
online 0 => 0
online 1 => 0
alloc_block 0 3 0 => 0 8
alloc_block 0 3 0 => 0 16
move_block_two_step 0 8 1 => 1 24
move_block_two_step 1 24 0 => 0 8
move_block_two_step 0 8 0 => 0 24
evacuate_two_step 0 => 16
move_block_two_step 0 8 1 => -2
move_block_two_step 1 40 0 => -2
move_block_two_step 1 8 0 => 0 24
move_block_two_step 1 16 2 => -22
evacuate_two_step 2 => -22
)");
    std::ostringstream out;
    irqmatrix::trace::replay_options opt;
    opt.check = true;
    opt.name = "two-step.trace";
    const auto sum = irqmatrix::trace::replay(in, out, opt);
    INFO(out.str());
    REQUIRE(sum.operations == 14);
    REQUIRE(sum.checked == 14);
    REQUIRE(sum.mismatches == 0);
}

namespace {

// ---- properties on random states ------------------------------------------

constexpr unsigned nr_cpus = 3;

// Vector v is free on CPU c: in the window, not allocated, not managed, not
// a system vector (written from the bitmaps, not from the matrix's free map).
bool free_at(const small& p, unsigned c, unsigned v) {
    const auto& cm = p.matrix().cpu_map(c);
    return v >= p.alloc_start() && v < p.alloc_end() && !cm.alloc_map.test(v) &&
           !cm.managed_map.test(v) && !p.matrix().system_map().test(v);
}

bool block_free(const small& p, unsigned c, unsigned base, unsigned order) {
    for (unsigned v = base; v < base + (1u << order); ++v)
        if (!free_at(p, c, v)) return false;
    return true;
}

// The brute-force two-step pick of the kernel's block rule with no
// reservation outstanding: among the online CPUs of the mask with at least
// 2^order available and a block free there and on `old`, the most available
// (ties: the lowest CPU); on it the lowest such base. "-28" if none.
std::string model_two_step(const small& p, unsigned old, unsigned order,
                           const irqmatrix::cpu_set& mask) {
    unsigned best = irqmatrix::no_cpu, best_avail = 0, best_base = 0;
    for (unsigned c = 0; c < nr_cpus; ++c) {
        const auto& cm = p.matrix().cpu_map(c);
        if (!mask.test(c) || !cm.online || cm.available < (1u << order)) continue;
        for (unsigned b = 0; b < p.bits(); b += 1u << order)
            if (block_free(p, c, b, order) && block_free(p, old, b, order)) {
                if (cm.available > best_avail) {
                    best = c;
                    best_avail = cm.available;
                    best_base = b;
                }
                break;
            }
    }
    if (best == irqmatrix::no_cpu) return "-28";
    return std::to_string(best) + " " + std::to_string(best_base);
}

// A random state: blocks and vectors on random CPUs, some freed again, a
// managed reservation now and then, sometimes guaranteed reservations.
small random_state(std::mt19937_64& rng, bool reservations) {
    auto p = make_small(nr_cpus);
    const auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
    const unsigned steps = 16 + pick(48);
    for (unsigned i = 0; i < steps; ++i) {
        irqmatrix::cpu_set one(nr_cpus);
        one.set(pick(nr_cpus));
        switch (pick(6)) {
        case 0: (void)p.reserve_managed(one.view()); break;
        case 1: (void)p.alloc(one.view(), false); break;
        default: (void)p.alloc_block(one.view(), pick(4), false); break;
        }
    }
    for (unsigned c = 0; c < nr_cpus; ++c)
        for (const auto& g : p.groups_on(c))
            if (pick(4) == 0 && !p.is_managed(g)) ok(p.free_block(c, g.base, g.order, false));
    if (reservations)
        for (unsigned i = pick(3); i-- > 0;) (void)p.reserve_block(pick(4));
    return p;
}

irqmatrix::cpu_set random_mask(std::mt19937_64& rng) {
    irqmatrix::cpu_set m(nr_cpus);
    while (m.empty())
        for (unsigned c = 0; c < nr_cpus; ++c)
            if (rng() % 2) m.set(c);
    return m;
}

}  // namespace

TEST_CASE("two-step: move_block against a brute-force search", "[planner][two_step]") {
    std::mt19937_64 rng(18);
    unsigned moved = 0, refused = 0, differs = 0;
    for (unsigned round = 0; round < 3000; ++round) {
        const bool reservations = round % 2 == 1;
        const small p = random_state(rng, reservations);
        for (unsigned c = 0; c < nr_cpus; ++c)
            for (const auto& g : p.groups_on(c)) {
                if (p.is_managed(g)) continue;
                const auto mask = random_mask(rng);
                small two = p, plain = p;
                const auto got = two.move_block(c, g.base, mask.view(), two_step);
                const auto plain_got = plain.move_block(c, g.base, mask.view());
                INFO("round " << round << ": move " << c << " " << g.base << "/" << g.order);
                if (!reservations) REQUIRE(text(got) == model_two_step(p, c, g.order, mask));
                if (got) {
                    ++moved;
                    // The target was free on the old CPU (and, being taken, on its own).
                    REQUIRE(block_free(p, c, got->base, g.order));
                    REQUIRE(block_free(p, got->cpu, got->base, g.order));
                    test::require_consistent(two);
                } else {
                    ++refused;
                    REQUIRE(two == p);
                }
                // The two-step candidates are a subset of the plain ones,
                // ranked alike: where the plain pick qualifies, it is the pick.
                if (plain_got && block_free(p, c, plain_got->base, g.order))
                    REQUIRE(text(got) == text(plain_got));
                else if (got)
                    ++differs;
                if (!plain_got) REQUIRE(!got);
            }
    }
    // The walk covered both outcomes and picks that differ from the plain rule.
    REQUIRE(moved > 10000);
    REQUIRE(refused > 1000);
    REQUIRE(differs > 5000);
}

TEST_CASE("two-step: every evacuate move lands on vectors then free on the old CPU",
          "[planner][two_step]") {
    std::mt19937_64 rng(1802);
    unsigned kept = 0, refused = 0;
    for (unsigned round = 0; round < 3000; ++round) {
        const small p = random_state(rng, round % 2 == 1);
        const unsigned cpu = static_cast<unsigned>(rng() % nr_cpus);
        small two = p, plain = p;
        std::vector<irqmatrix::group_move> moves;
        const auto got = two.evacuate(cpu, &moves, two_step);
        const auto plain_got = plain.evacuate(cpu);
        INFO("round " << round << ": evacuate " << cpu);
        if (!got) {
            ++refused;
            REQUIRE(two == p);
            continue;
        }
        ++kept;
        // Plain succeeds whenever can_offline does, and two-step needs it.
        REQUIRE(text(plain_got) == text(got));
        // The old CPU's free vectors at each move: the free ones at the start
        // plus the members of the groups moved before it.
        auto free_then = p.matrix().free_map(cpu);
        for (const auto& [g, to] : moves) {
            REQUIRE(to.cpu != cpu);
            for (unsigned v = to.base; v < to.base + (1u << g.order); ++v)
                REQUIRE(free_then.test(v));
            free_then |= p.members(g);
        }
        test::require_consistent(two);
    }
    REQUIRE(kept > 1000);
    REQUIRE(refused > 300);
}
