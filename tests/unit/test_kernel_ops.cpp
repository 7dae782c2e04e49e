// SPDX-License-Identifier: MIT
// The kernel's irq_matrix operations one by one, with counters worked out by hand from the spec.
#include <string>

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

// Most cases use a 64-bit matrix whose window [32, 40) holds 8 vectors, so
// exhaustion takes a few operations and every count is small.
matrix small(unsigned nr_cpus = 4) { return test::make(64, 32, 40, nr_cpus); }

irqmatrix::cpu_set cpus(const std::string& list, unsigned nr_cpus = 4) {
    return test::cpus(list, nr_cpus);
}

// Allocates `count` vectors on CPU c alone; they must come lowest first from `first`.
void fill(matrix& m, unsigned c, unsigned count, unsigned first) {
    const auto mask = irqmatrix::cpu_set::single(m.nr_cpus(), c);
    for (unsigned i = 0; i < count; ++i)
        REQUIRE(text(m.alloc(mask, false)) == std::to_string(c) + " " + std::to_string(first + i));
}

}  // namespace

TEST_CASE("kernel: create checks the geometry and starts all zero", "[kernel]") {
    const auto m = small();
    REQUIRE(m.bits() == 64);
    REQUIRE(m.alloc_start() == 32);
    REQUIRE(m.alloc_end() == 40);
    REQUIRE(m.alloc_size() == 8);
    REQUIRE(m.nr_cpus() == 4);
    REQUIRE(stats(m) == "0 0 0 0");
    REQUIRE(m.stats().systembits_inalloc == 0);
    for (unsigned c = 0; c < 4; ++c) REQUIRE(cpu(m, c) == "0 0 0 0 0");
    REQUIRE(m.system_map().none());
    test::require_consistent(m);

    REQUIRE(matrix::create(256, 32, 236, 8).has_value());
    REQUIRE(matrix::create(64, 32, 32, 1).has_value());  // an empty window
    REQUIRE(matrix::create(0, 0, 0, 1).error() == irqmatrix::errc::invalid);
    REQUIRE(matrix::create(257, 32, 236, 1).error() == irqmatrix::errc::invalid);
    REQUIRE(matrix::create(64, 40, 32, 1).error() == irqmatrix::errc::invalid);
    REQUIRE(matrix::create(64, 32, 65, 1).error() == irqmatrix::errc::invalid);
    REQUIRE(matrix::create(64, 32, 40, 0).error() == irqmatrix::errc::invalid);
}

TEST_CASE("kernel: online", "[kernel]") {
    auto m = small();
    SECTION("first online: available = window - managed - in-window assign_system calls") {
        ok(m.assign_system(0, 35, false));
        ok(m.assign_system(0, 3, false));   // below the window
        ok(m.assign_system(0, 40, false));  // alloc_end is the first invalid bit
        REQUIRE(m.stats().systembits_inalloc == 1);
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 7 0 0 0");
        REQUIRE(stats(m) == "1 7 0 0");
        ok(m.online(1));
        REQUIRE(cpu(m, 1) == "1 7 0 0 0");
        REQUIRE(stats(m) == "2 14 0 0");
        REQUIRE(m.drift(0) == drift_report{0, 0});
        test::require_consistent(m);
    }
    SECTION("Q6: assign_system of the same in-window bit twice counts twice") {
        ok(m.assign_system(0, 35, false));
        ok(m.assign_system(0, 35, false));
        REQUIRE(m.stats().systembits_inalloc == 2);
        REQUIRE(m.system_map().count() == 1);
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 6 0 0 0");  // 8 - 2, although 7 vectors are free
        REQUIRE(stats(m) == "1 6 0 0");
        REQUIRE(m.drift(0).available == -1);
        test::require_consistent(m);
    }
    SECTION("managed reservations made before the first online are subtracted") {
        ok(m.reserve_managed(cpus("1")));
        REQUIRE(cpu(m, 1) == "0 0 0 1 0");
        REQUIRE(managed_bits(m, 1) == "32");
        REQUIRE(stats(m) == "0 0 0 0");
        ok(m.online(1));
        REQUIRE(cpu(m, 1) == "1 7 0 1 0");
        REQUIRE(stats(m) == "1 7 0 0");
        REQUIRE(m.drift(1) == drift_report{0, 0});
    }
    SECTION("a later online keeps available and the allocations") {
        ok(m.online(0));
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
        REQUIRE(cpu(m, 0) == "1 7 1 0 0");
        ok(m.offline(0));
        REQUIRE(cpu(m, 0) == "0 7 1 0 0");
        REQUIRE(stats(m) == "0 0 0 1");
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 7 1 0 0");
        REQUIRE(stats(m) == "1 7 0 1");
        REQUIRE(allocated_bits(m, 0) == "32");
        test::require_consistent(m);
    }
    SECTION("errors") {
        ok(m.online(0));
        require_refused(
            m, [](matrix& x) { return x.online(0); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.online(4); }, "-22");
    }
}

TEST_CASE("kernel: offline", "[kernel]") {
    auto m = small();
    ok(m.online(0));
    ok(m.online(1));
    REQUIRE(text(m.alloc(cpus("0-1"), false)) == "0 32");
    ok(m.reserve_managed(cpus("0")));
    REQUIRE(cpu(m, 0) == "1 6 1 1 0");
    REQUIRE(stats(m) == "2 14 0 1");
    ok(m.offline(0));
    // Only global_available and online_maps move; total_allocated stays.
    REQUIRE(cpu(m, 0) == "0 6 1 1 0");
    REQUIRE(stats(m) == "1 8 0 1");
    REQUIRE(allocated_bits(m, 0) == "32");
    REQUIRE(managed_bits(m, 0) == "33");
    test::require_consistent(m);
    require_refused(
        m, [](matrix& x) { return x.offline(0); }, "-16");
    require_refused(
        m, [](matrix& x) { return x.offline(2); }, "-16");  // never online
    require_refused(
        m, [](matrix& x) { return x.offline(9); }, "-22");
}

TEST_CASE("kernel: assign_system", "[kernel]") {
    auto m = small();
    SECTION("any call while no CPU is online; bits outside the window count only in the map") {
        ok(m.assign_system(0, 3, false));
        ok(m.assign_system(1, 35, false));
        ok(m.assign_system(2, 63, false));  // the last bit
        REQUIRE(test::ranges(m.system_map(), m.bits()) == "3,35,63");
        REQUIRE(m.stats().systembits_inalloc == 1);
        REQUIRE(stats(m) == "0 0 0 0");
        test::require_consistent(m);
    }
    SECTION("one CPU online: only replace, of a bit allocated on that CPU") {
        ok(m.online(0));
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 36, false); }, "-16");
        ok(m.assign(0, 33));
        REQUIRE(cpu(m, 0) == "1 7 1 0 0");
        REQUIRE(stats(m) == "1 7 0 1");
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 34, true); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.assign_system(1, 33, true); }, "-16");
        ok(m.assign_system(0, 33, true));
        // allocated and total_allocated fall; available is not given back.
        REQUIRE(cpu(m, 0) == "1 7 0 0 0");
        REQUIRE(stats(m) == "1 7 0 0");
        REQUIRE(allocated_bits(m, 0).empty());
        REQUIRE(test::ranges(m.system_map(), m.bits()) == "33");
        REQUIRE(m.stats().systembits_inalloc == 1);
        REQUIRE(m.drift(0) == drift_report{0, 0});
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 34");
        test::require_consistent(m);
    }
    SECTION("an in-window system bit added later is not charged to initialized CPUs") {
        ok(m.online(0));
        ok(m.offline(0));
        ok(m.assign_system(0, 35, false));
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 8 0 0 0");  // not recomputed: 7 are free
        REQUIRE(m.drift(0).available == 1);
        ok(m.online(1));
        REQUIRE(cpu(m, 1) == "1 7 0 0 0");
        test::require_consistent(m);
    }
    SECTION("replace with no CPU online") {
        ok(m.online(0));
        ok(m.assign(0, 33));
        ok(m.offline(0));
        REQUIRE(stats(m) == "0 0 0 1");
        ok(m.assign_system(0, 33, true));
        REQUIRE(cpu(m, 0) == "0 7 0 0 0");
        REQUIRE(stats(m) == "0 0 0 0");  // total_allocated falls although the CPU is offline
        test::require_consistent(m);
    }
    SECTION("two CPUs online: refused") {
        ok(m.online(0));
        ok(m.online(1));
        ok(m.assign(0, 33));
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 33, true); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 36, false); }, "-16");
    }
    SECTION("range: bit == bits (Q9, the kernel's `>` lets it through) and CPU") {
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 64, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 65, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.assign_system(4, 35, false); }, "-22");
    }
}

TEST_CASE("kernel: reserve_managed", "[kernel]") {
    auto m = small();
    SECTION("the lowest free vector on every CPU of the mask, online or not") {
        ok(m.assign_system(0, 32, false));
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 7 0 0 0");
        ok(m.reserve_managed(cpus("0-1")));
        REQUIRE(cpu(m, 0) == "1 6 0 1 0");
        REQUIRE(cpu(m, 1) == "0 0 0 1 0");
        REQUIRE(managed_bits(m, 0) == "33");
        REQUIRE(managed_bits(m, 1) == "33");
        REQUIRE(stats(m) == "1 6 0 0");
        ok(m.reserve_managed(cpus("0")));
        REQUIRE(managed_bits(m, 0) == "33-34");
        REQUIRE(cpu(m, 0) == "1 5 0 2 0");
        ok(m.online(1));
        REQUIRE(cpu(m, 1) == "1 6 0 1 0");  // 8 - 1 managed - 1 system
        REQUIRE(stats(m) == "2 11 0 0");
        test::require_consistent(m);
    }
    SECTION("an empty mask does nothing") {
        ok(m.online(0));
        const matrix before = m;
        ok(m.reserve_managed(cpus("none")));
        REQUIRE(m == before);
    }
    SECTION("a CPU out of range: -22") {
        require_refused(
            m, [](matrix& x) { return x.reserve_managed(cpus("1,4", 5)); }, "-22");
    }
    SECTION("no room on the first CPU of the mask: -28, nothing changed") {
        ok(m.online(0));
        fill(m, 0, 8, 32);
        require_refused(
            m, [](matrix& x) { return x.reserve_managed(cpus("0-1")); }, "-28");
    }
    SECTION("Q7: the rollback releases the lowest removable vector, so the reservation moves") {
        auto m2 = small(2);
        ok(m2.online(0));
        ok(m2.online(1));
        ok(m2.reserve_managed(cpus("0", 2)));
        REQUIRE(managed_bits(m2, 0) == "32");
        fill(m2, 1, 8, 32);
        REQUIRE(cpu(m2, 0) == "1 7 0 1 0");
        REQUIRE(cpu(m2, 1) == "1 0 8 0 0");
        REQUIRE(stats(m2) == "2 7 0 8");
        const matrix before = m2;
        // CPU 0 reserves 33, CPU 1 is full, the rollback on CPU 0 removes 32.
        REQUIRE(text(m2.reserve_managed(cpus("0-1", 2))) == "-28");
        REQUIRE(cpu(m2, 0) == "1 7 0 1 0");
        REQUIRE(cpu(m2, 1) == "1 0 8 0 0");
        REQUIRE(stats(m2) == "2 7 0 8");
        REQUIRE(managed_bits(m2, 0) == "33");
        REQUIRE(managed_bits(m2, 1).empty());
        REQUIRE(m2 != before);
        REQUIRE(m2.drift(0) == drift_report{0, 0});
        test::require_consistent(m2);
    }
    SECTION("Q7 on several CPUs, offline ones included") {
        ok(m.online(0));
        ok(m.online(2));
        ok(m.reserve_managed(cpus("0-1")));  // 32 on CPU 0 and on never-online CPU 1
        fill(m, 2, 8, 32);
        REQUIRE(cpu(m, 0) == "1 7 0 1 0");
        REQUIRE(cpu(m, 1) == "0 0 0 1 0");
        REQUIRE(stats(m) == "2 7 0 8");
        // CPUs 0 and 1 each reserve 33, CPU 2 is full; each rollback removes 32.
        REQUIRE(text(m.reserve_managed(cpus("0-3"))) == "-28");
        REQUIRE(cpu(m, 0) == "1 7 0 1 0");
        REQUIRE(cpu(m, 1) == "0 0 0 1 0");
        REQUIRE(cpu(m, 3) == "0 0 0 0 0");
        REQUIRE(stats(m) == "2 7 0 8");
        REQUIRE(managed_bits(m, 0) == "33");
        REQUIRE(managed_bits(m, 1) == "33");
        REQUIRE(managed_bits(m, 3).empty());
        test::require_consistent(m);
    }
    SECTION("Q7 without an earlier reservation: the rollback undoes exactly") {
        auto m2 = small(2);
        ok(m2.online(0));
        ok(m2.online(1));
        fill(m2, 1, 8, 32);
        require_refused(
            m2, [](matrix& x) { return x.reserve_managed(cpus("0-1", 2)); }, "-28");
    }
    SECTION("Q1: reserved while offline, available is one too high after the next online") {
        ok(m.online(0));
        ok(m.offline(0));
        ok(m.reserve_managed(cpus("0")));
        REQUIRE(cpu(m, 0) == "0 8 0 1 0");  // managed rises, available does not fall
        REQUIRE(stats(m) == "0 0 0 0");
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 8 0 1 0");
        REQUIRE(stats(m) == "1 8 0 0");
        REQUIRE(m.drift(0).available == 1);  // 8 counted, 7 free
        test::require_consistent(m);
        // Seven vectors can be had; the counter still says one more.
        fill(m, 0, 7, 33);
        REQUIRE(cpu(m, 0) == "1 1 7 1 0");
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("0"), false); }, "-28");
        REQUIRE(m.drift(0).available == 1);
    }
    SECTION("Q1 mirrored: removed while offline, available is one too low") {
        ok(m.online(0));
        ok(m.reserve_managed(cpus("0")));
        REQUIRE(cpu(m, 0) == "1 7 0 1 0");
        ok(m.offline(0));
        ok(m.remove_managed(cpus("0")));
        REQUIRE(cpu(m, 0) == "0 7 0 0 0");
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 7 0 0 0");
        REQUIRE(m.drift(0).available == -1);
        test::require_consistent(m);
    }
    SECTION("Q1: reserve and remove both while offline cancel out") {
        ok(m.online(0));
        ok(m.offline(0));
        ok(m.reserve_managed(cpus("0")));
        ok(m.remove_managed(cpus("0")));
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 8 0 0 0");
        REQUIRE(m.drift(0) == drift_report{0, 0});
    }
}

TEST_CASE("kernel: remove_managed", "[kernel]") {
    auto m = small();
    SECTION("the lowest unallocated managed vector goes; allocated ones stay") {
        ok(m.online(0));
        for (int i = 0; i < 3; ++i) ok(m.reserve_managed(cpus("0")));
        REQUIRE(managed_bits(m, 0) == "32-34");
        REQUIRE(cpu(m, 0) == "1 5 0 3 0");
        REQUIRE(text(m.alloc_managed(cpus("0"))) == "0 32");
        REQUIRE(cpu(m, 0) == "1 5 1 3 1");
        ok(m.remove_managed(cpus("0")));
        REQUIRE(managed_bits(m, 0) == "32,34");
        REQUIRE(cpu(m, 0) == "1 6 1 2 1");
        REQUIRE(stats(m) == "1 6 0 1");
        ok(m.remove_managed(cpus("0")));
        REQUIRE(managed_bits(m, 0) == "32");
        REQUIRE(cpu(m, 0) == "1 7 1 1 1");
        // Only an allocated managed vector is left: nothing removable.
        require_refused(
            m, [](matrix& x) { return x.remove_managed(cpus("0")); }, "-16");
        ok(m.free(0, 32, true));
        REQUIRE(cpu(m, 0) == "1 7 0 1 0");
        ok(m.remove_managed(cpus("0")));
        REQUIRE(cpu(m, 0) == "1 8 0 0 0");
        REQUIRE(managed_bits(m, 0).empty());
        REQUIRE(stats(m) == "1 8 0 0");
        // managed == 0.
        require_refused(
            m, [](matrix& x) { return x.remove_managed(cpus("0")); }, "-16");
        test::require_consistent(m);
    }
    SECTION("refused whole when one CPU of the mask has nothing removable") {
        ok(m.online(0));
        ok(m.online(1));
        ok(m.reserve_managed(cpus("0")));
        require_refused(
            m, [](matrix& x) { return x.remove_managed(cpus("0-1")); }, "-16");
    }
    SECTION("a never-online CPU: managed falls, available untouched") {
        ok(m.reserve_managed(cpus("2")));
        REQUIRE(cpu(m, 2) == "0 0 0 1 0");
        ok(m.remove_managed(cpus("2")));
        REQUIRE(cpu(m, 2) == "0 0 0 0 0");
        REQUIRE(managed_bits(m, 2).empty());
    }
    SECTION("an empty mask does nothing; a CPU out of range is -22") {
        ok(m.online(0));
        ok(m.reserve_managed(cpus("0")));
        const matrix before = m;
        ok(m.remove_managed(cpus("none")));
        REQUIRE(m == before);
        require_refused(
            m, [](matrix& x) { return x.remove_managed(cpus("0,4", 5)); }, "-22");
    }
}

TEST_CASE("kernel: alloc_managed", "[kernel]") {
    auto m = small();
    SECTION("fewest managed-allocated; ties go to the highest CPU") {
        for (unsigned c = 0; c < 3; ++c) ok(m.online(c));
        ok(m.reserve_managed(cpus("0-2")));
        REQUIRE(stats(m) == "3 21 0 0");
        REQUIRE(text(m.alloc_managed(cpus("0-2"))) == "2 32");
        REQUIRE(cpu(m, 2) == "1 7 1 1 1");  // available was charged at reservation time
        REQUIRE(stats(m) == "3 21 0 1");
        REQUIRE(text(m.alloc_managed(cpus("0-2"))) == "1 32");
        REQUIRE(text(m.alloc_managed(cpus("0-2"))) == "0 32");
        REQUIRE(stats(m) == "3 21 0 3");
        REQUIRE(text(m.allocated(0)) == "0");  // managed vectors are not counted
        // All tie at 1: CPU 2 is chosen and has nothing left.
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("0-2")); }, "-28");
        test::require_consistent(m);
    }
    SECTION("a lower managed-allocated count beats a higher CPU") {
        ok(m.online(0));
        ok(m.online(1));
        ok(m.reserve_managed(cpus("0-1")));
        ok(m.reserve_managed(cpus("0-1")));
        REQUIRE(text(m.alloc_managed(cpus("1"))) == "1 32");
        REQUIRE(text(m.alloc_managed(cpus("0-1"))) == "0 32");
        REQUIRE(text(m.alloc_managed(cpus("0-1"))) == "1 33");
        REQUIRE(cpu(m, 1) == "1 6 2 2 2");
    }
    SECTION("Q3: no fallback when the chosen CPU holds no free reservation") {
        ok(m.online(0));
        ok(m.online(1));
        ok(m.reserve_managed(cpus("0")));
        // CPU 1 ties at 0 and is higher: chosen, and has no reservation.
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("0-1")); }, "-28");
        REQUIRE(text(m.alloc_managed(cpus("0"))) == "0 32");
    }
    SECTION("Q5 has no managed twin: a CPU with available 0 is still chosen") {
        ok(m.online(0));
        for (int i = 0; i < 8; ++i) ok(m.reserve_managed(cpus("0")));
        REQUIRE(cpu(m, 0) == "1 0 0 8 0");
        REQUIRE(text(m.alloc_managed(cpus("0"))) == "0 32");
        REQUIRE(cpu(m, 0) == "1 0 1 8 1");
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("0"), false); }, "-28");
    }
    SECTION("offline CPUs are skipped; none online is -28") {
        ok(m.reserve_managed(cpus("0-1")));
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("0-1")); }, "-28");
        ok(m.online(0));
        REQUIRE(text(m.alloc_managed(cpus("0-1"))) == "0 32");
        REQUIRE(cpu(m, 0) == "1 7 1 1 1");
    }
    SECTION("empty mask and CPU out of range: -22") {
        ok(m.online(0));
        ok(m.reserve_managed(cpus("0")));
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("none")); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("0,4", 5)); }, "-22");
    }
}

TEST_CASE("kernel: assign", "[kernel]") {
    auto m = small();
    SECTION("accounting") {
        ok(m.online(0));
        ok(m.assign(0, 37));
        REQUIRE(cpu(m, 0) == "1 7 1 0 0");
        REQUIRE(stats(m) == "1 7 0 1");
        REQUIRE(allocated_bits(m, 0) == "37");
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
        test::require_consistent(m);
    }
    SECTION("range and conflicts") {
        ok(m.online(0));
        ok(m.assign(0, 37));
        require_refused(
            m, [](matrix& x) { return x.assign(0, 31); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.assign(0, 40); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.assign(4, 33); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.assign(0, 37); }, "-16");
    }
    SECTION("Q8: a system bit is not checked") {
        ok(m.assign_system(0, 35, false));
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 7 0 0 0");
        ok(m.assign(0, 35));
        REQUIRE(cpu(m, 0) == "1 6 1 0 0");
        REQUIRE(stats(m) == "1 6 0 1");
        REQUIRE(m.drift(0).available == -1);  // 6 counted, 7 free
        test::require_consistent(m);
    }
    SECTION("Q8: a managed bit is not checked, and managed_allocated does not move") {
        ok(m.online(0));
        ok(m.reserve_managed(cpus("0")));
        ok(m.assign(0, 32));
        REQUIRE(cpu(m, 0) == "1 6 1 1 0");
        REQUIRE(text(m.allocated(0)) == "1");
        REQUIRE(m.drift(0) == drift_report{-1, -1});
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("0")); }, "-28");
        test::require_consistent(m);
    }
    SECTION("on an offline CPU it still charges available and global_available") {
        ok(m.online(0));
        ok(m.online(1));
        ok(m.offline(1));
        REQUIRE(stats(m) == "1 8 0 0");
        ok(m.assign(1, 32));
        REQUIRE(cpu(m, 1) == "0 7 1 0 0");
        REQUIRE(stats(m) == "1 7 0 1");
        ok(m.online(1));
        REQUIRE(stats(m) == "2 14 0 1");  // the online CPUs hold 8 + 7
        REQUIRE(m.global_drift().global_available == -1);
        test::require_consistent(m);
    }
    SECTION("before the first online: the counters wrap, then online recomputes available") {
        ok(m.assign(0, 33));
        REQUIRE(cpu(m, 0) == "0 4294967295 1 0 0");
        REQUIRE(stats(m) == "0 4294967295 0 1");
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 8 1 0 0");  // allocated is not subtracted
        REQUIRE(stats(m) == "1 7 0 1");
        REQUIRE(m.drift(0).available == 1);
        REQUIRE(m.global_drift().global_available == -1);
        test::require_consistent(m);
    }
}

TEST_CASE("kernel: reserve and remove_reserved are global bookkeeping", "[kernel]") {
    auto m = small();
    ok(m.online(0));
    for (int i = 0; i < 9; ++i) m.reserve();  // more than available: no failure
    REQUIRE(m.reserved() == 9);
    REQUIRE(stats(m) == "1 8 9 0");
    REQUIRE(cpu(m, 0) == "1 8 0 0 0");
    ok(m.remove_reserved());
    REQUIRE(m.reserved() == 8);
    for (int i = 0; i < 8; ++i) ok(m.remove_reserved());
    REQUIRE(stats(m) == "1 8 0 0");
    require_refused(
        m, [](matrix& x) { return x.remove_reserved(); }, "-16");
}

TEST_CASE("kernel: alloc", "[kernel]") {
    auto m = small();
    SECTION("most available wins; ties go to the lowest CPU") {
        for (unsigned c = 0; c < 3; ++c) ok(m.online(c));
        REQUIRE(text(m.alloc(cpus("0-2"), false)) == "0 32");
        REQUIRE(text(m.alloc(cpus("0-2"), false)) == "1 32");
        REQUIRE(text(m.alloc(cpus("0-2"), false)) == "2 32");
        REQUIRE(text(m.alloc(cpus("0-2"), false)) == "0 33");
        REQUIRE(cpu(m, 0) == "1 6 2 0 0");
        REQUIRE(stats(m) == "3 20 0 4");
        test::require_consistent(m);
    }
    SECTION("the count decides, not the CPU number") {
        ok(m.online(0));
        ok(m.online(1));
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 33");
        REQUIRE(text(m.alloc(cpus("0-1"), false)) == "1 32");
        REQUIRE(text(m.alloc(cpus("0-1"), false)) == "1 33");
        REQUIRE(text(m.alloc(cpus("0-1"), false)) == "0 34");
    }
    SECTION("offline CPUs are skipped; none online is -28") {
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("0-3"), false); }, "-28");
        ok(m.online(2));
        REQUIRE(text(m.alloc(cpus("0-3"), false)) == "2 32");
    }
    SECTION("RESERVED consumes a global reservation") {
        ok(m.online(0));
        m.reserve();
        REQUIRE(text(m.alloc(cpus("0"), true)) == "0 32");
        REQUIRE(stats(m) == "1 7 0 1");
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("0"), true); }, "-16");
    }
    SECTION("Q5: a CPU whose available is 0 is invisible, even with a free vector") {
        ok(m.online(0));
        ok(m.reserve_managed(cpus("0")));
        ok(m.offline(0));
        ok(m.remove_managed(cpus("0")));
        ok(m.online(0));
        REQUIRE(cpu(m, 0) == "1 7 0 0 0");  // 8 free
        fill(m, 0, 7, 32);
        REQUIRE(cpu(m, 0) == "1 0 7 0 0");
        REQUIRE(m.free_map(0).count() == 1);  // 39
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("0"), false); }, "-28");
        ok(m.online(1));
        REQUIRE(text(m.alloc(cpus("0-1"), false)) == "1 32");
    }
    SECTION("Q3: the CPU is chosen by its counter; a full bitmap means -28, no fallback") {
        auto m2 = small(2);
        ok(m2.online(0));
        ok(m2.online(1));
        ok(m2.offline(1));
        for (int i = 0; i < 8; ++i) ok(m2.reserve_managed(cpus("1", 2)));
        REQUIRE(cpu(m2, 1) == "0 8 0 8 0");
        ok(m2.online(1));
        REQUIRE(cpu(m2, 1) == "1 8 0 8 0");
        REQUIRE(m2.drift(1).available == 8);
        REQUIRE(text(m2.alloc(cpus("0", 2), false)) == "0 32");
        require_refused(
            m2, [](matrix& x) { return x.alloc(cpus("0-1", 2), false); }, "-28");
        REQUIRE(text(m2.alloc(cpus("0", 2), false)) == "0 33");
    }
    SECTION("empty mask and CPU out of range: -22") {
        ok(m.online(0));
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("none"), false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("0,4", 5), false); }, "-22");
    }
    SECTION("allocated() counts non-managed vectors only") {
        ok(m.online(0));
        ok(m.reserve_managed(cpus("0")));
        REQUIRE(text(m.alloc_managed(cpus("0"))) == "0 32");
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 33");
        REQUIRE(cpu(m, 0) == "1 6 2 1 1");
        REQUIRE(text(m.allocated(0)) == "1");
        REQUIRE(text(m.allocated(1)) == "0");
        REQUIRE(text(m.allocated(4)) == "-22");
    }
}

TEST_CASE("kernel: free", "[kernel]") {
    auto m = small();
    SECTION("a non-managed vector on an online CPU") {
        ok(m.online(0));
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 33");
        REQUIRE(stats(m) == "1 6 0 2");
        ok(m.free(0, 32, false));
        REQUIRE(cpu(m, 0) == "1 7 1 0 0");
        REQUIRE(stats(m) == "1 7 0 1");
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
        test::require_consistent(m);
    }
    SECTION("Q2: freed while offline, total_allocated stays one too high") {
        ok(m.online(0));
        ok(m.online(1));
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
        REQUIRE(stats(m) == "2 15 0 1");
        ok(m.offline(0));
        REQUIRE(stats(m) == "1 8 0 1");
        ok(m.free(0, 32, false));
        REQUIRE(cpu(m, 0) == "0 8 0 0 0");
        REQUIRE(stats(m) == "1 8 0 1");
        REQUIRE(m.global_drift() ==
                irqmatrix::global_drift_report{0, 1});  // {global_available, total_allocated}
        ok(m.online(0));
        REQUIRE(stats(m) == "2 16 0 1");  // nothing is allocated anywhere
        test::require_consistent(m);
    }
    SECTION("a managed vector: the reservation stays, available does not move") {
        ok(m.online(0));
        ok(m.reserve_managed(cpus("0")));
        REQUIRE(text(m.alloc_managed(cpus("0"))) == "0 32");
        REQUIRE(cpu(m, 0) == "1 7 1 1 1");
        ok(m.free(0, 32, true));
        REQUIRE(cpu(m, 0) == "1 7 0 1 0");
        REQUIRE(stats(m) == "1 7 0 0");
        REQUIRE(managed_bits(m, 0) == "32");
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 33");
        REQUIRE(text(m.alloc_managed(cpus("0"))) == "0 32");
        test::require_consistent(m);
    }
    SECTION("a managed vector freed while offline (Q2)") {
        ok(m.online(0));
        ok(m.online(1));
        ok(m.reserve_managed(cpus("0")));
        REQUIRE(text(m.alloc_managed(cpus("0"))) == "0 32");
        REQUIRE(stats(m) == "2 15 0 1");
        ok(m.offline(0));
        ok(m.free(0, 32, true));
        REQUIRE(cpu(m, 0) == "0 7 0 1 0");
        REQUIRE(stats(m) == "1 8 0 1");
    }
    SECTION("errors") {
        ok(m.online(0));
        ok(m.online(1));
        REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
        ok(m.reserve_managed(cpus("0")));
        ok(m.reserve_managed(cpus("0")));
        REQUIRE(text(m.alloc_managed(cpus("0"))) == "0 33");
        require_refused(
            m, [](matrix& x) { return x.free(0, 31, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free(0, 40, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free(4, 32, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free(0, 35, false); }, "-2");  // not allocated
        require_refused(
            m, [](matrix& x) { return x.free(1, 32, false); }, "-2");  // wrong CPU
        require_refused(
            m, [](matrix& x) { return x.free(0, 32, true); }, "-2");  // not managed
        require_refused(
            m, [](matrix& x) { return x.free(0, 33, false); }, "-2");  // managed
        require_refused(
            m, [](matrix& x) { return x.free(0, 34, true); }, "-2");  // reserved only
    }
}

TEST_CASE("kernel: available with and without cpudown", "[kernel]") {
    auto m = small();
    ok(m.online(0));
    ok(m.online(1));
    REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
    REQUIRE(text(m.available(0, false)) == "15");
    REQUIRE(text(m.available(0, true)) == "8");
    REQUIRE(text(m.available(1, true)) == "7");
    REQUIRE(text(m.available(2, true)) == "15");  // a never-online CPU has 0
    ok(m.offline(1));
    REQUIRE(text(m.available(1, false)) == "7");
    REQUIRE(text(m.available(1, true)) == "4294967295");  // 7 - 8, unsigned
    REQUIRE(text(m.available(4, false)) == "-22");
    REQUIRE(m.reserved() == 0);
}

TEST_CASE("kernel: every error row of the trace spec leaves the matrix unchanged", "[kernel]") {
    // A state with something of everything.
    auto m = small();
    ok(m.assign_system(0, 39, false));
    ok(m.online(0));
    ok(m.online(1));
    REQUIRE(text(m.alloc(cpus("0"), false)) == "0 32");
    ok(m.reserve_managed(cpus("0-1")));
    REQUIRE(managed_bits(m, 0) == "33");
    REQUIRE(managed_bits(m, 1) == "32");
    REQUIRE(text(m.alloc_managed(cpus("1"))) == "1 32");
    REQUIRE(cpu(m, 0) == "1 5 1 1 0");
    REQUIRE(cpu(m, 1) == "1 6 1 1 1");
    REQUIRE(stats(m) == "2 11 0 2");

    SECTION("-22: CPU out of range") {
        require_refused(
            m, [](matrix& x) { return x.online(4); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.offline(4); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.assign(4, 34); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free(4, 32, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.reserve_managed(cpus("1,4", 5)); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.remove_managed(cpus("4", 5)); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("0,4", 5)); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("4", 5), false); }, "-22");
        REQUIRE(text(m.available(4, true)) == "-22");
        REQUIRE(text(m.allocated(4)) == "-22");
        REQUIRE_FALSE(m.cpu(4).has_value());
    }
    SECTION("-22: bit out of range") {
        require_refused(
            m, [](matrix& x) { return x.assign(0, 31); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.assign(0, 40); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free(0, 31, false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.free(0, 40, false); }, "-22");
    }
    SECTION("-22: empty CPU list where one is needed; none is fine for reserve/remove_managed") {
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("none"), false); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("none")); }, "-22");
        require_refused(
            m, [](matrix& x) { return x.reserve_managed(cpus("none")); }, "0");
        require_refused(
            m, [](matrix& x) { return x.remove_managed(cpus("none")); }, "0");
    }
    SECTION("-2: freeing what is not allocated as stated") {
        require_refused(
            m, [](matrix& x) { return x.free(2, 32, false); }, "-2");  // wrong CPU
        require_refused(
            m, [](matrix& x) { return x.free(0, 34, false); }, "-2");  // wrong bit
        require_refused(
            m, [](matrix& x) { return x.free(0, 32, true); }, "-2");  // wrong flag
        require_refused(
            m, [](matrix& x) { return x.free(1, 32, false); }, "-2");  // wrong flag
    }
    SECTION("-16: state conflicts") {
        require_refused(
            m, [](matrix& x) { return x.online(0); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.offline(2); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.assign(0, 32); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 35, false); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 32, true); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("0"), true); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.remove_reserved(); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.remove_managed(cpus("1")); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.remove_managed(cpus("0,2")); }, "-16");
    }
    SECTION("-16: assign_system with one CPU online, without replace or of a bit not allocated") {
        ok(m.offline(1));
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 35, false); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.assign_system(0, 35, true); }, "-16");
        require_refused(
            m, [](matrix& x) { return x.assign_system(1, 32, false); }, "-16");
    }
    SECTION("-28: no room") {
        require_refused(
            m, [](matrix& x) { return x.alloc_managed(cpus("1")); }, "-28");
        require_refused(
            m, [](matrix& x) { return x.alloc(cpus("2-3"), false); }, "-28");
    }
}
