// SPDX-License-Identifier: MIT
// The planner (planner.hpp), worked by hand: groups and their names, each
// planning operation and each of its errors, the guaranteed reservations'
// effect on the operations that take free vectors, and a state where the
// kernel's count-based hotplug check says yes and can_offline rightly says
// no. Every refusal is checked to leave the planner exactly as it was.
//
// Most cases use a 64-vector matrix with the window [8,64), so the aligned
// blocks are few enough to list: order 5 only at 32, order 4 at 16, 32 and
// 48, order 3 at 8, 16, ..., 56.
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include <irqmatrix/planner.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

using test::ok;
using test::require_refused;
using test::text;

namespace {

using small = irqmatrix::basic_planner<64>;

small make_small(unsigned nr_cpus) { return test::make<small>(64, 8, 64, nr_cpus); }

irqmatrix::cpu_set cpus(const std::string& list, unsigned nr_cpus = 2) {
    return test::cpus(list, nr_cpus);
}

// A CPU's groups as "BASE/ORDER=MEMBERS", by base then order; a pinned
// group is marked '*', a managed one 'm'.
template <class P>
std::string groups(const P& p, unsigned cpu) {
    auto gs = p.groups_on(cpu);
    std::sort(gs.begin(), gs.end(), [](const auto& a, const auto& b) {
        return std::tie(a.base, a.order) < std::tie(b.base, b.order);
    });
    std::string out;
    for (const auto& g : gs) {
        out += (out.empty() ? "" : " ") + std::to_string(g.base) + "/" + std::to_string(g.order) +
               "=" + test::ranges(p.members(g), p.bits());
        if (p.is_pinned(g)) out += "*";
        if (p.is_managed(g)) out += "m";
    }
    return out;
}

template <class P>
std::string allocated(const P& p, unsigned cpu) {
    return test::ranges(p.matrix().cpu_map(cpu).alloc_map, p.bits());
}

template <class P>
std::string managed(const P& p, unsigned cpu) {
    return test::ranges(p.matrix().cpu_map(cpu).managed_map, p.bits());
}

template <class P>
std::string reservations(const P& p) {
    std::string out;
    for (auto n : p.reserved_blocks()) out += (out.empty() ? "" : " ") + std::to_string(n);
    return out;
}

}  // namespace

TEST_CASE("planner: with no reservation outstanding the kernel operations are the matrix's",
          "[planner]") {
    // The same sequence, quirks included (alloc fails on a full best CPU,
    // Q3; reserve_managed's rollback, Q7), on a planner and a bare matrix.
    auto p = make_small(2);
    auto m = test::make<irqmatrix::basic_matrix<64>>(64, 8, 64, 2);
    auto both = [&](auto op) {
        const std::string want = text(op(m));
        REQUIRE(text(op(p)) == want);
        REQUIRE(p.matrix() == m);
    };
    both([](auto& x) { return x.online(0); });
    both([](auto& x) { return x.online(1); });
    both([](auto& x) { return x.alloc_block(cpus("0-1"), 5, false); });
    both([](auto& x) { return x.alloc(cpus("0-1"), false); });
    both([](auto& x) { return x.assign(1, 40); });
    both([](auto& x) { return x.reserve_managed(cpus("0-1")); });
    both([](auto& x) { return x.alloc_managed(cpus("0-1")); });
    both([](auto& x) { return x.reserve_managed_block(cpus("1"), 3); });
    both([](auto& x) { return x.alloc_managed_block(cpus("1"), 2); });
    both([](auto& x) { return x.free(1, 40, false); });
    both([](auto& x) { return x.free_block(0, 32, 4, false); });
    both([](auto& x) { return x.offline(1); });
    both([](auto& x) { return x.remove_managed(cpus("1")); });
    both([](auto& x) { return x.available(0, true); });
    test::require_consistent(p);
}

TEST_CASE("planner: groups are named by CPU and base, the lowest order first", "[planner]") {
    auto p = make_small(1);
    ok(p.online(0));
    REQUIRE(text(p.alloc_block(cpus("0", 1), 2, false)) == "0 8");
    ok(p.free(0, 8, false));
    // The freed vector is allocated again, alone: two groups now share base 8.
    REQUIRE(text(p.alloc(cpus("0", 1), false)) == "0 8");
    REQUIRE(groups(p, 0) == "8/0=8 8/2=9-11");
    const auto named = p.find_group(0, 8);
    REQUIRE(named.has_value());
    REQUIRE(named->order == 0);

    // pin and move_block act on the group the name picks: the vector.
    ok(p.pin(0, 8));
    REQUIRE(groups(p, 0) == "8/0=8* 8/2=9-11");
    require_refused(
        p, [](small& q) { return q.move_block(0, 8, cpus("0", 1)); }, "-16");
    ok(p.unpin(0, 8));
    REQUIRE(text(p.move_block(0, 8, cpus("0", 1))) == "0 12");
    REQUIRE(groups(p, 0) == "8/2=9-11 12/0=12");
    // With the vector gone, base 8 names the block.
    REQUIRE(p.find_group(0, 8)->order == 2);
    REQUIRE_FALSE(p.find_group(0, 9).has_value());  // a member, not a base
    test::require_consistent(p);
}

TEST_CASE("planner: a group keeps its order after members are freed", "[planner]") {
    auto p = make_small(1);
    ok(p.online(0));
    REQUIRE(text(p.alloc_block(cpus("0", 1), 2, false)) == "0 8");
    ok(p.free(0, 8, false));
    ok(p.free(0, 9, false));
    REQUIRE(groups(p, 0) == "8/2=10-11");
    // Every other aligned 4-block taken: 8-9 is free room for two vectors,
    // but the device still decodes the block's low bits, so a move needs a
    // whole free block of order 2.
    for (unsigned base = 12; base < 64; base += 4)
        REQUIRE(text(p.alloc_block(cpus("0", 1), 2, false)) == "0 " + std::to_string(base));
    REQUIRE(text(p.alloc_block(cpus("0", 1), 2, false)) == "-28");
    require_refused(
        p, [](small& q) { return q.move_block(0, 8, cpus("0", 1)); }, "-28");
    ok(p.free_block(0, 60, 2, false));
    // The members land at the same offsets in the new block.
    REQUIRE(text(p.move_block(0, 8, cpus("0", 1))) == "0 60");
    REQUIRE(allocated(p, 0) == "12-59,62-63");
    REQUIRE(p.find_group(0, 60)->order == 2);
    REQUIRE(test::ranges(p.members(*p.find_group(0, 60)), 64) == "62-63");
    // A group with no member left is gone.
    ok(p.free(0, 62, false));
    ok(p.free(0, 63, false));
    REQUIRE_FALSE(p.find_group(0, 60).has_value());
    test::require_consistent(p);
}

TEST_CASE("planner: a pin lives as long as its group", "[planner]") {
    auto p = make_small(1);
    ok(p.online(0));
    REQUIRE(text(p.alloc_block(cpus("0", 1), 1, false)) == "0 8");
    ok(p.pin(0, 8));
    ok(p.free(0, 8, false));
    REQUIRE(groups(p, 0) == "8/1=9*");  // still pinned by its other member
    ok(p.free(0, 9, false));
    REQUIRE(text(p.alloc_block(cpus("0", 1), 1, false)) == "0 8");
    REQUIRE(groups(p, 0) == "8/1=8-9");  // a new group, not pinned
    ok(p.unpin(0, 8));                   // unpinning an unpinned group is no error
}

TEST_CASE("planner: pin and unpin errors", "[planner]") {
    auto p = make_small(2);
    ok(p.online(0));
    require_refused(
        p, [](small& q) { return q.pin(2, 8); }, "-22");
    require_refused(
        p, [](small& q) { return q.pin(0, 64); }, "-22");
    require_refused(
        p, [](small& q) { return q.unpin(0, 64); }, "-22");
    require_refused(
        p, [](small& q) { return q.pin(0, 8); }, "-2");
    require_refused(
        p, [](small& q) { return q.unpin(0, 8); }, "-2");
    REQUIRE(text(p.alloc_block(cpus("0"), 2, false)) == "0 8");
    require_refused(
        p, [](small& q) { return q.pin(0, 9); }, "-2");  // a member, not a name
    require_refused(
        p, [](small& q) { return q.pin(1, 8); }, "-2");  // another CPU
    ok(p.pin(0, 8));
    ok(p.unpin(0, 8));
}

TEST_CASE("planner: largest_order", "[planner]") {
    auto p = make_small(2);
    ok(p.online(0));
    REQUIRE(text(p.largest_order(cpus("0"))) == "5");
    REQUIRE(text(p.largest_order(cpus("1"))) == "-28");  // offline
    require_refused(
        p, [](small& q) { return q.largest_order(cpus("none")); }, "-22");
    require_refused(
        p, [](small& q) { return q.largest_order(cpus("2", 3)); }, "-22");
    ok(p.assign(0, 40));  // no free aligned block of 32 is left
    REQUIRE(text(p.largest_order(cpus("0-1"))) == "4");
    // It answers for alloc_block with the reservations in force: with one
    // order-4 reservation another order-4 block still fits (16 and 48 are
    // free), with two it does not.
    ok(p.reserve_block(4));
    REQUIRE(text(p.largest_order(cpus("0-1"))) == "4");
    ok(p.reserve_block(4));
    REQUIRE(text(p.largest_order(cpus("0-1"))) == "3");
}

TEST_CASE("planner: reserve_block admits exactly what can be placed at once", "[planner]") {
    auto p = make_small(1);
    ok(p.online(0));
    const auto before = p.matrix();
    // 56 free vectors: blocks of 32, 16 and 8 fill them exactly.
    ok(p.reserve_block(5));
    ok(p.reserve_block(4));
    require_refused(
        p, [](small& q) { return q.reserve_block(4); }, "-28");
    ok(p.reserve_block(3));
    require_refused(
        p, [](small& q) { return q.reserve_block(0); }, "-28");
    REQUIRE(reservations(p) == "0 0 0 1 1 1");
    // Bookkeeping in the planner only: the kernel's matrix, global_reserved
    // included, is untouched.
    REQUIRE(p.matrix() == before);
    REQUIRE(p.reserved() == 0);

    ok(p.remove_reserved_block(3));
    require_refused(
        p, [](small& q) { return q.remove_reserved_block(3); }, "-16");
    ok(p.reserve_block(2));  // 8-15 takes two blocks of 4 ...
    ok(p.reserve_block(2));
    require_refused(
        p, [](small& q) { return q.reserve_block(2); }, "-28");  // ... not three
    require_refused(
        p, [](small& q) { return q.reserve_block(6); }, "-22");
    require_refused(
        p, [](small& q) { return q.remove_reserved_block(6); }, "-22");
    test::require_consistent(p);
}

TEST_CASE("planner: reserve_block counts aligned room, not free vectors", "[planner]") {
    auto p = make_small(1);
    ok(p.online(0));
    ok(p.assign(0, 40));
    // 55 vectors are free, but no aligned block of 32.
    require_refused(
        p, [](small& q) { return q.reserve_block(5); }, "-28");
    ok(p.reserve_block(4));
    ok(p.reserve_block(4));  // 16-31 and 48-63
    require_refused(
        p, [](small& q) { return q.reserve_block(4); }, "-28");
}

TEST_CASE("planner: operations that take free vectors keep the reservations placeable",
          "[planner]") {
    auto p = make_small(1);
    ok(p.online(0));
    REQUIRE(text(p.alloc_block(cpus("0", 1), 5, false)) == "0 32");
    REQUIRE(text(p.alloc_block(cpus("0", 1), 3, false)) == "0 8");
    ok(p.free_block(0, 32, 3, false));  // part of the big group: 32-39 are free again
    // Free: 16-39. The only block of 16 is 16-31.
    ok(p.reserve_block(4));
    small unreserved = p;
    ok(unreserved.remove_reserved_block(4));

    // Without the reservation the lowest vector or block is taken; with it,
    // the first candidate that leaves 16-31 whole.
    REQUIRE(text(unreserved.alloc(cpus("0", 1), false)) == "0 16");
    REQUIRE(text(p.alloc(cpus("0", 1), false)) == "0 32");
    REQUIRE(text(unreserved.alloc_block(cpus("0", 1), 2, false)) == "0 20");
    REQUIRE(text(p.alloc_block(cpus("0", 1), 2, false)) == "0 36");
    require_refused(
        p, [](small& q) { return q.assign(0, 20); }, "-28");
    ok(p.assign(0, 33));
    REQUIRE(allocated(p, 0) == "8-15,32-33,36-63");
    // Free now: 16-31 and 34-35.
    ok(p.reserve_managed(cpus("0", 1)));
    ok(p.reserve_managed_block(cpus("0", 1), 0));
    REQUIRE(managed(p, 0) == "34-35");
    // Only the reserved block is left: everything else that takes a vector
    // is refused, whole and without the kernel's rollback.
    require_refused(
        p, [](small& q) { return q.reserve_managed(cpus("0", 1)); }, "-28");
    require_refused(
        p, [](small& q) { return q.reserve_managed_block(cpus("0", 1), 0); }, "-28");
    require_refused(
        p, [](small& q) { return q.alloc(cpus("0", 1), false); }, "-28");
    require_refused(
        p, [](small& q) { return q.alloc_block(cpus("0", 1), 3, false); }, "-28");
    require_refused(
        p, [](small& q) { return q.largest_order(cpus("0", 1)); }, "-28");
    require_refused(
        p, [](small& q) { return q.offline(0); }, "-28");
    // The argument checks and state conflicts still come first.
    require_refused(
        p, [](small& q) { return q.alloc(cpus("0", 1), true); }, "-16");
    require_refused(
        p, [](small& q) { return q.assign(0, 33); }, "-16");
    require_refused(
        p, [](small& q) { return q.assign(0, 7); }, "-22");
    require_refused(
        p, [](small& q) { return q.offline(1); }, "-22");
    require_refused(
        p, [](small& q) { return q.reserve_managed_block(cpus("none", 1), 0); }, "-22");
    ok(p.reserve_managed(cpus("none", 1)));  // as the kernel's: nothing to do
    // The reservation itself is honoured, and then the CPU may go.
    REQUIRE(text(p.alloc_reserved_block(cpus("0", 1), 4)) == "0 16");
    REQUIRE(reservations(p) == "0 0 0 0 0 0");
    ok(p.offline(0));
    test::require_consistent(p);
}

TEST_CASE("planner: assign_system may not take a vector the reservations need", "[planner]") {
    auto p = make_small(2);
    ok(p.online(1));
    REQUIRE(text(p.alloc_block(cpus("1"), 3, false)) == "1 8");
    ok(p.offline(1));
    ok(p.online(0));
    // CPU 0's whole window is promised: 32-63, 16-31 and 8-15.
    ok(p.reserve_block(5));
    ok(p.reserve_block(4));
    ok(p.reserve_block(3));
    // Replacing vector 8 of CPU 1 makes 8 a system vector on every CPU,
    // CPU 0 included.
    require_refused(
        p, [](small& q) { return q.assign_system(1, 8, true); }, "-28");
    require_refused(
        p, [](small& q) { return q.assign_system(1, 9, false); },
        "-16");  // the kernel's rule first
    ok(p.remove_reserved_block(3));
    ok(p.assign_system(1, 8, true));
    REQUIRE(groups(p, 1) == "8/3=9-15");
    test::require_consistent(p);
}

TEST_CASE("planner: alloc_reserved_block", "[planner]") {
    auto p = make_small(2);
    ok(p.online(0));
    ok(p.reserve_block(5));
    require_refused(
        p, [](small& q) { return q.alloc_reserved_block(cpus("none"), 5); }, "-22");
    require_refused(
        p, [](small& q) { return q.alloc_reserved_block(cpus("2", 3), 5); }, "-22");
    require_refused(
        p, [](small& q) { return q.alloc_reserved_block(cpus("0"), 6); }, "-22");
    require_refused(
        p, [](small& q) { return q.alloc_reserved_block(cpus("0"), 4); }, "-16");
    // CPU 1 is offline: no room there, and the reservation stays.
    require_refused(
        p, [](small& q) { return q.alloc_reserved_block(cpus("1"), 5); }, "-28");
    REQUIRE(reservations(p) == "0 0 0 0 0 1");
    REQUIRE(text(p.alloc_reserved_block(cpus("0-1"), 5)) == "0 32");
    REQUIRE(reservations(p) == "0 0 0 0 0 0");
    REQUIRE(groups(p, 0) == "32/5=32-63");
    // It neither needs nor takes the kernel's global reservations.
    REQUIRE(p.reserved() == 0);
}

TEST_CASE("planner: alloc_reserved_block keeps the other reservations placeable", "[planner]") {
    SECTION("the next base") {
        auto p = make_small(1);
        ok(p.online(0));
        REQUIRE(text(p.alloc_block(cpus("0", 1), 5, false)) == "0 32");
        REQUIRE(text(p.alloc_block(cpus("0", 1), 3, false)) == "0 8");
        ok(p.free_block(0, 40, 3, false));
        // Free: 16-31 and 40-47. The block of 16 can only be 16-31, so the
        // block of 8 skips 16 and 24.
        ok(p.reserve_block(4));
        ok(p.reserve_block(3));
        REQUIRE(text(p.alloc_reserved_block(cpus("0", 1), 3)) == "0 40");
        REQUIRE(text(p.alloc_reserved_block(cpus("0", 1), 4)) == "0 16");
        test::require_consistent(p);
    }
    SECTION("the next CPU") {
        auto p = make_small(2);
        ok(p.online(0));
        ok(p.online(1));
        REQUIRE(text(p.alloc_block(cpus("0"), 5, false)) == "0 32");
        REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 8");
        REQUIRE(text(p.alloc_block(cpus("1"), 5, false)) == "1 32");
        REQUIRE(text(p.alloc_block(cpus("1"), 4, false)) == "1 16");
        // CPU 0 has 16-31 free (16 available), CPU 1 has 8-15 (8 available).
        // The block of 16 needs CPU 0, so the block of 8 goes to CPU 1
        // although the alloc_block rule prefers CPU 0.
        ok(p.reserve_block(4));
        ok(p.reserve_block(3));
        REQUIRE(text(p.alloc_reserved_block(cpus("0-1"), 3)) == "1 8");
        REQUIRE(text(p.alloc_reserved_block(cpus("0-1"), 4)) == "0 16");
        test::require_consistent(p);
    }
}

TEST_CASE("planner: move_block", "[planner]") {
    auto p = make_small(2);
    ok(p.online(0));
    ok(p.online(1));
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 8");
    ok(p.free(0, 9, false));

    SECTION("errors") {
        require_refused(
            p, [](small& q) { return q.move_block(2, 8, cpus("1")); }, "-22");
        require_refused(
            p, [](small& q) { return q.move_block(0, 64, cpus("1")); }, "-22");
        require_refused(
            p, [](small& q) { return q.move_block(0, 8, cpus("none")); }, "-22");
        require_refused(
            p, [](small& q) { return q.move_block(0, 8, cpus("1-2", 3)); }, "-22");
        require_refused(
            p, [](small& q) { return q.move_block(0, 12, cpus("1")); }, "-2");  // a member
        require_refused(
            p, [](small& q) { return q.move_block(0, 16, cpus("1")); }, "-2");  // free
        require_refused(
            p, [](small& q) { return q.move_block(1, 8, cpus("1")); }, "-2");  // other CPU
        ok(p.pin(0, 8));
        require_refused(
            p, [](small& q) { return q.move_block(0, 8, cpus("1")); }, "-16");
        ok(p.unpin(0, 8));
        ok(p.offline(1));
        require_refused(
            p, [](small& q) { return q.move_block(0, 8, cpus("1")); }, "-28");
    }
    SECTION("members keep their offsets; make before break") {
        REQUIRE(text(p.move_block(0, 8, cpus("1"))) == "1 8");
        REQUIRE(allocated(p, 0).empty());
        REQUIRE(allocated(p, 1) == "8,10-15");
        REQUIRE(groups(p, 1) == "8/3=8,10-15");
        // Never its current place: on the same CPU it goes to the next block.
        REQUIRE(text(p.move_block(1, 8, cpus("0-1"))) == "0 8");
        REQUIRE(text(p.move_block(0, 8, cpus("0"))) == "0 16");
        REQUIRE(groups(p, 0) == "16/3=16,18-23");
        const auto s = p.cpu(0);
        REQUIRE(s->allocated == 7);
        REQUIRE(s->available == 49);
        test::require_consistent(p);
    }
    SECTION("managed groups never move") {
        ok(p.reserve_managed_block(cpus("1"), 2));
        REQUIRE(text(p.alloc_managed_block(cpus("1"), 2)) == "1 8");
        REQUIRE(groups(p, 1) == "8/2=8-11m");
        require_refused(
            p, [](small& q) { return q.move_block(1, 8, cpus("0")); }, "-16");
    }
}

TEST_CASE("planner: a move holds the old and the new block at once", "[planner]") {
    auto p = make_small(1);
    ok(p.online(0));
    REQUIRE(text(p.alloc_block(cpus("0", 1), 5, false)) == "0 32");
    REQUIRE(text(p.alloc_block(cpus("0", 1), 3, false)) == "0 8");
    // Free: 16-31, promised to two blocks of 8. Moving 8-15 to 16-23 would
    // leave room for both afterwards (8-15 and 24-31), but not during the
    // move.
    ok(p.reserve_block(3));
    ok(p.reserve_block(3));
    require_refused(
        p, [](small& q) { return q.move_block(0, 8, cpus("0", 1)); }, "-28");
    ok(p.remove_reserved_block(3));
    REQUIRE(text(p.move_block(0, 8, cpus("0", 1))) == "0 16");
    test::require_consistent(p);
}

TEST_CASE("planner: can_offline and evacuate", "[planner]") {
    auto p = make_small(2);
    ok(p.online(0));
    ok(p.online(1));
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 8");
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 16");
    REQUIRE(text(p.alloc(cpus("0"), false)) == "0 24");
    ok(p.free(0, 9, false));
    ok(p.reserve_managed(cpus("0")));
    REQUIRE(text(p.alloc_managed(cpus("0"))) == "0 9");
    REQUIRE(groups(p, 0) == "8/3=8,10-15 9/0=9m 16/3=16-23 24/0=24");

    SECTION("errors") {
        require_refused(
            p, [](small& q) { return q.can_offline(2); }, "-22");
        require_refused(
            p, [](small& q) { return q.evacuate(2); }, "-22");
        ok(p.pin(0, 16));
        require_refused(
            p, [](small& q) { return q.can_offline(0); }, "-16");
        require_refused(
            p, [](small& q) { return q.evacuate(0); }, "-16");
        ok(p.unpin(0, 16));
        // A pinned managed group counts too: the CPU "holds a pinned group".
        ok(p.pin(0, 9));
        require_refused(
            p, [](small& q) { return q.can_offline(0); }, "-16");
        require_refused(
            p, [](small& q) { return q.evacuate(0); }, "-16");
        ok(p.unpin(0, 9));
        ok(p.offline(1));
        // Nowhere to go.
        require_refused(
            p, [](small& q) { return q.can_offline(0); }, "-28");
        require_refused(
            p, [](small& q) { return q.evacuate(0); }, "-28");
        // An offline CPU.
        require_refused(
            p, [](small& q) { return q.can_offline(1); }, "-16");
        require_refused(
            p, [](small& q) { return q.evacuate(1); }, "-16");
    }
    SECTION("largest group first, lower base first, by the alloc_block rule") {
        // 7 + 8 + 1 vectors move; the managed vector 9 stays.
        REQUIRE(text(p.can_offline(0)) == "16");
        REQUIRE(text(p.evacuate(0)) == "16");
        // 8/3 first to CPU 1's lowest block of 8, 16/3 to the next, and the
        // single vector to CPU 1's lowest free vector, 9, which the first
        // group's missing member left free.
        REQUIRE(groups(p, 1) == "8/3=8,10-15 9/0=9 16/3=16-23");
        REQUIRE(groups(p, 0) == "9/0=9m");
        REQUIRE(text(p.can_offline(0)) == "0");
        ok(p.offline(0));
        test::require_consistent(p);
    }
    SECTION("all or nothing") {
        // CPU 1 keeps one block of 8 and a few single vectors: the two
        // groups of order 3 cannot both move.
        REQUIRE(text(p.alloc_block(cpus("1"), 5, false)) == "1 32");
        REQUIRE(text(p.alloc_block(cpus("1"), 3, false)) == "1 8");
        REQUIRE(text(p.alloc_block(cpus("1"), 2, false)) == "1 16");
        REQUIRE(text(p.alloc_block(cpus("1"), 1, false)) == "1 20");
        require_refused(
            p, [](small& q) { return q.can_offline(0); }, "-28");
        require_refused(
            p, [](small& q) { return q.evacuate(0); }, "-28");
    }
}

TEST_CASE("planner: can_offline keeps the outstanding reservations placeable", "[planner]") {
    auto p = make_small(2);
    ok(p.online(0));
    ok(p.online(1));
    REQUIRE(text(p.can_offline(0)) == "0");
    ok(p.reserve_block(5));
    ok(p.reserve_block(5));  // both CPUs' only block of 32
    require_refused(
        p, [](small& q) { return q.can_offline(0); }, "-28");
    require_refused(
        p, [](small& q) { return q.evacuate(0); }, "-28");
    require_refused(
        p, [](small& q) { return q.offline(0); }, "-28");
    ok(p.remove_reserved_block(5));
    REQUIRE(text(p.can_offline(0)) == "0");
    REQUIRE(text(p.alloc_block(cpus("0"), 3, false)) == "0 8");
    // The group goes to CPU 1's lowest block of 8, clear of the block of 32
    // the reservation needs there.
    REQUIRE(text(p.evacuate(0)) == "8");
    REQUIRE(groups(p, 1) == "8/3=8-15");
    ok(p.offline(0));
}

TEST_CASE("planner: can_offline says no where the kernel's count-based check says yes",
          "[planner]") {
    // x86 geometry, two CPUs. CPU 0 holds one multi-MSI block of 32
    // vectors. CPU 1 has 198 free vectors, but one vector allocated in each
    // aligned block of 32 of its window, so no block of 32 is free there.
    auto p = test::make<irqmatrix::planner>(256, 32, 236, 2);
    ok(p.online(0));
    ok(p.online(1));
    for (unsigned bit : {32u, 64u, 96u, 128u, 160u, 192u}) ok(p.assign(1, bit));
    REQUIRE(text(p.alloc_block(cpus("0"), 5, false)) == "0 32");

    // lapic_can_unplug_cpu(): the vectors to move fit into what the other
    // CPUs have available.
    const unsigned to_move = *p.allocated(0);
    const unsigned available_elsewhere = *p.available(0, true);
    REQUIRE(to_move == 32);
    REQUIRE(available_elsewhere == 198);
    REQUIRE(to_move <= available_elsewhere);  // the kernel would let CPU 0 go

    // But the block needs 32 aligned contiguous vectors on one CPU.
    require_refused(
        p, [](irqmatrix::planner& q) { return q.can_offline(0); }, "-28");
    require_refused(
        p, [](irqmatrix::planner& q) { return q.evacuate(0); }, "-28");

    // Free one aligned block on CPU 1 and the answer changes.
    ok(p.free(1, 192, false));
    REQUIRE(text(p.can_offline(0)) == "32");
    REQUIRE(text(p.evacuate(0)) == "32");
    REQUIRE(groups(p, 1) == "32/0=32 64/0=64 96/0=96 128/0=128 160/0=160 192/5=192-223");
    ok(p.offline(0));
    test::require_consistent(p);
}
