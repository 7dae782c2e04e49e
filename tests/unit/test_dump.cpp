// SPDX-License-Identifier: MIT
// debug_show(): the kernel's debugfs table byte for byte, rebuilt from the spec's two real outputs.
#include <string>

#include <irqmatrix/dump.hpp>
#include <irqmatrix/matrix.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

using irqmatrix::matrix;

namespace {

void ok(const irqmatrix::status& s) {
    INFO((s ? std::string("ok") : std::string(irqmatrix::to_string(s.error()))));
    REQUIRE(s.has_value());
}

void place(const irqmatrix::result<irqmatrix::placement>& r, unsigned cpu, unsigned base) {
    REQUIRE(r.has_value());
    REQUIRE(r->cpu == cpu);
    REQUIRE(r->base == base);
}

// x86 system vectors of the 6.10+ output: exceptions 0-19 and 21, the PIC
// cascade 50, and 236, 240-244, 246-255 above the window (38 in all).
void assign_system_610(matrix& m) {
    for (unsigned v = 0; v <= 19; ++v) ok(m.assign_system(0, v, false));
    for (unsigned v : {21u, 50u, 236u}) ok(m.assign_system(0, v, false));
    for (unsigned v = 240; v <= 244; ++v) ok(m.assign_system(0, v, false));
    for (unsigned v = 246; v <= 255; ++v) ok(m.assign_system(0, v, false));
}

}  // namespace

TEST_CASE("dump: the pre-6.6 real output (window [32,236), shown as a parent: ind = 5)", "[dump]") {
    auto m = test::make(256, 32, 236, 1);
    // System: 38: 0-19,32,50,128,236,240-242,244,246-255
    for (unsigned v = 0; v <= 19; ++v) ok(m.assign_system(0, v, false));
    for (unsigned v : {32u, 50u, 128u, 236u, 240u, 241u, 242u, 244u})
        ok(m.assign_system(0, v, false));
    for (unsigned v = 246; v <= 255; ++v) ok(m.assign_system(0, v, false));
    REQUIRE(m.stats().systembits_inalloc == 3);  // 32, 50, 128
    ok(m.online(0));
    REQUIRE(m.cpu(0)->available == 201);  // 204 - 3
    for (unsigned b : {33u, 34u, 35u}) place(m.alloc(test::cpus("0", 1), false), 0, b);
    ok(m.assign(0, 48));
    test::require_consistent(m);

    const std::string want =
        "Online bitmaps:        1\n"
        "Global available:    197\n"
        "Global reserved:       0\n"
        "Total allocated:       4\n"
        "System: 38: 0-19,32,50,128,236,240-242,244,246-255\n"
        "     | CPU | avl | man | mac | act | vectors\n"
        "         0   197     0     0    4  33-35,48\n";
    REQUIRE(irqmatrix::debug_show(m, 5) == want);
}

TEST_CASE("dump: the 6.10+ real output (window [32,235), VECTOR read directly: ind = 1)",
          "[dump]") {
    auto m = test::make(256, 32, 235, 3);
    assign_system_610(m);
    REQUIRE(m.stats().systembits_inalloc == 1);  // the cascade, 50
    for (unsigned c = 0; c < 3; ++c) ok(m.online(c));
    REQUIRE(m.cpu(0)->available == 202);  // 203 - 1

    // CPU 0: 33-37,39 allocated, one of them managed; 32 free again.
    ok(m.assign(0, 32));
    ok(m.reserve_managed(test::cpus("0", 3)));  // 33
    place(m.alloc_managed(test::cpus("0", 3)), 0, 33);
    for (unsigned b : {34u, 35u, 36u, 37u}) place(m.alloc(test::cpus("0", 3), false), 0, b);
    ok(m.assign(0, 39));
    ok(m.free(0, 32, false));
    // CPU 1: 32-38,40-41 allocated, 32 managed.
    ok(m.reserve_managed(test::cpus("1", 3)));
    place(m.alloc_managed(test::cpus("1", 3)), 1, 32);
    for (unsigned b = 33; b <= 38; ++b) place(m.alloc(test::cpus("1", 3), false), 1, b);
    ok(m.assign(1, 40));
    ok(m.assign(1, 41));
    // CPU 2: one managed reservation, nothing allocated.
    ok(m.reserve_managed(test::cpus("2", 3)));
    test::require_consistent(m);

    const std::string want =
        "Online bitmaps:        3\n"
        "Global available:    590\n"
        "Global reserved:       0\n"
        "Total allocated:      15\n"
        "System: 38: 0-19,21,50,236,240-244,246-255\n"
        " | CPU | avl | man | mac | act | vectors\n"
        "     0   196     1     1    6  33-37,39\n"
        "     1   193     1     1    9  32-38,40-41\n"
        "     2   201     1     0    0  \n";
    REQUIRE(irqmatrix::debug_show(m, 1) == want);
    REQUIRE(irqmatrix::debug_show(m) == want);  // ind defaults to 1

    SECTION("ind = 0 still prints one space; lines 1-5 never indent") {
        std::string want0 = want;
        REQUIRE(irqmatrix::debug_show(m, 0) == want0);
    }
    SECTION("ind = 5 indents the header and the rows only") {
        const std::string want5 =
            "Online bitmaps:        3\n"
            "Global available:    590\n"
            "Global reserved:       0\n"
            "Total allocated:      15\n"
            "System: 38: 0-19,21,50,236,240-244,246-255\n"
            "     | CPU | avl | man | mac | act | vectors\n"
            "         0   196     1     1    6  33-37,39\n"
            "         1   193     1     1    9  32-38,40-41\n"
            "         2   201     1     0    0  \n";
        REQUIRE(irqmatrix::debug_show(m, 5) == want5);
    }
    SECTION("rows follow online CPUs only; reserved shows in line 3") {
        ok(m.offline(1));
        m.reserve();
        m.reserve();
        const std::string want_off =
            "Online bitmaps:        2\n"
            "Global available:    397\n"
            "Global reserved:       2\n"
            "Total allocated:      15\n"
            "System: 38: 0-19,21,50,236,240-244,246-255\n"
            " | CPU | avl | man | mac | act | vectors\n"
            "     0   196     1     1    6  33-37,39\n"
            "     2   201     1     0    0  \n";
        REQUIRE(irqmatrix::debug_show(m, 1) == want_off);
    }
}

TEST_CASE("dump: an empty matrix and wide numbers", "[dump]") {
    auto m = test::make(64, 32, 40, 2);
    REQUIRE(irqmatrix::debug_show(m, 1) ==
            "Online bitmaps:        0\n"
            "Global available:      0\n"
            "Global reserved:       0\n"
            "Total allocated:       0\n"
            "System: 0: \n"
            " | CPU | avl | man | mac | act | vectors\n");
    // ind = 2, and values wider than their fields are printed whole: CPU 1
    // has every vector managed-reserved (available 0), then an assign onto a
    // managed bit (Q8) wraps available and global_available.
    ok(m.online(1));
    for (int i = 0; i < 8; ++i) ok(m.reserve_managed(test::cpus("1", 2)));
    ok(m.assign(1, 32));
    REQUIRE(irqmatrix::debug_show(m, 2) ==
            "Online bitmaps:        1\n"
            "Global available: 4294967295\n"
            "Global reserved:       0\n"
            "Total allocated:       1\n"
            "System: 0: \n"
            "  | CPU | avl | man | mac | act | vectors\n"
            "      1  4294967295     8     0    1  32\n");
}

TEST_CASE("dump: format_range_list", "[dump]") {
    irqmatrix::bitmap<256> b;
    REQUIRE(irqmatrix::format_range_list(b, 256).empty());
    b.set_range(33, 3);
    b.set(48);
    b.set(255);
    REQUIRE(irqmatrix::format_range_list(b, 256) == "33-35,48,255");
    REQUIRE(irqmatrix::format_range_list(b, 255) == "33-35,48");
    REQUIRE(irqmatrix::format_range_list(b, 35) == "33-34");
}
