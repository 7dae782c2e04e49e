// SPDX-License-Identifier: MIT
// The trace format: line splitting, numbers, the session's header and argument rules, replay.
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <irqmatrix/trace.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

namespace trace = irqmatrix::trace;
using irqmatrix::errc;
using irqmatrix::parse_number;

namespace {

using words = std::vector<std::string_view>;

// Runs one line (without its `=>` part) on a session and gives the result text.
std::string run(trace::session& s, std::string_view line) {
    return s.run(trace::split_line(line).words).text();
}

// The debugfs text of the session's matrix, to see that a refused line changed nothing.
std::string snapshot(const trace::session& s) {
    return s.visit([](const auto& m) { return irqmatrix::debug_show(m, 1); }, std::string("none"));
}

struct replayed {
    std::string output;
    trace::replay_summary summary;
};

replayed replay(const std::string& text, bool check, std::string_view name = "t.trace") {
    std::istringstream in(text);
    std::ostringstream out;
    trace::replay_options opt;
    opt.check = check;
    opt.name = name;
    const auto sum = trace::replay(in, out, opt);
    return {out.str(), sum};
}

}  // namespace

TEST_CASE("trace: split_line", "[trace]") {
    SECTION("operation, expected result and comment") {
        const auto p = trace::split_line("alloc 0-1 0 => 1 2 # the comment");
        REQUIRE(p.words == words{"alloc", "0-1", "0"});
        REQUIRE(p.has_expected);
        REQUIRE(p.expected == words{"1", "2"});
        REQUIRE_FALSE(p.blank());
    }
    SECTION("blanks are normalised: tabs, runs of spaces, carriage return") {
        const auto p = trace::split_line("  matrix\t64   2 56\t 2  =>   0 \r");
        REQUIRE(p.words == words{"matrix", "64", "2", "56", "2"});
        REQUIRE(p.expected == words{"0"});
        REQUIRE(trace::join(p.words) == "matrix 64 2 56 2");
    }
    SECTION("no expected result") {
        const auto p = trace::split_line("stats");
        REQUIRE(p.words == words{"stats"});
        REQUIRE_FALSE(p.has_expected);
        REQUIRE(p.expected.empty());
    }
    SECTION("an arrow with nothing after it") {
        const auto p = trace::split_line("stats =>");
        REQUIRE(p.words == words{"stats"});
        REQUIRE(p.has_expected);
        REQUIRE(p.expected.empty());
        REQUIRE_FALSE(p.blank());
    }
    SECTION("an arrow inside a comment is part of the comment") {
        const auto p = trace::split_line("reserve # => 5");
        REQUIRE(p.words == words{"reserve"});
        REQUIRE_FALSE(p.has_expected);
    }
    SECTION("the arrow needs no blanks around it") {
        const auto p = trace::split_line("reserved=>0x1");
        REQUIRE(p.words == words{"reserved"});
        REQUIRE(p.expected == words{"0x1"});
    }
    SECTION("blank and comment-only lines are blank") {
        REQUIRE(trace::split_line("").blank());
        REQUIRE(trace::split_line("   \t ").blank());
        REQUIRE(trace::split_line("# a comment => 3").blank());
        REQUIRE(trace::split_line("   # an indented comment").blank());
        REQUIRE_FALSE(trace::split_line("=> 0").blank());
    }
}

TEST_CASE("trace: parse_number", "[trace]") {
    REQUIRE(*parse_number("0") == 0);
    REQUIRE(*parse_number("42") == 42);
    REQUIRE(*parse_number("007") == 7);
    REQUIRE(*parse_number("0x2a") == 42);
    REQUIRE(*parse_number("0x2A") == 42);
    REQUIRE(*parse_number("0xeb") == 235);
    REQUIRE(*parse_number("0x0") == 0);
    REQUIRE(*parse_number("4294967295") == 4294967295u);
    REQUIRE(*parse_number("0xffffffff") == 4294967295u);
    for (const char* bad : {"", "x", "0x", "-1", "+1", "12a", "0x2g", "4294967296", "0x100000000",
                            " 1", "1 ", "1.0", "0b1"}) {
        INFO("'" << bad << "'");
        const auto r = parse_number(bad);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == errc::invalid);
    }
}

TEST_CASE("trace: the session's header rules", "[trace]") {
    trace::session s;
    REQUIRE_FALSE(s.has_matrix());
    SECTION("an operation before `matrix` is -22") {
        REQUIRE(run(s, "online 0") == "-22");
        REQUIRE(run(s, "stats") == "-22");
        REQUIRE(run(s, "reserve") == "-22");
        REQUIRE_FALSE(s.has_matrix());
        REQUIRE(run(s, "matrix 64 2 56 2") == "0");
        REQUIRE(run(s, "online 0") == "0");
    }
    SECTION("a second `matrix` line is -22 and changes nothing") {
        REQUIRE(run(s, "matrix 64 2 56 2") == "0");
        REQUIRE(run(s, "online 0") == "0");
        const std::string before = snapshot(s);
        REQUIRE(run(s, "matrix 64 2 56 2") == "-22");
        REQUIRE(run(s, "matrix 256 32 236 4") == "-22");
        REQUIRE(snapshot(s) == before);
        REQUIRE(run(s, "stats") == "1 54 0 0");
    }
    SECTION("BITS above 2048 is -22; up to 2048 is supported") {
        REQUIRE(run(s, "matrix 2049 32 236 4") == "-22");
        REQUIRE_FALSE(s.has_matrix());
        REQUIRE(run(s, "matrix 2048 32 2048 2") == "0");
        REQUIRE(run(s, "online 1") == "0");
        REQUIRE(run(s, "alloc_block 1 5 0") == "1 32");
        REQUIRE(run(s, "stats") == "1 1984 0 32");
    }
    SECTION("a bad geometry is -22") {
        REQUIRE(run(s, "matrix 64 40 32 1") == "-22");
        REQUIRE(run(s, "matrix 64 2 65 1") == "-22");
        REQUIRE(run(s, "matrix 64 2 56 0") == "-22");
        REQUIRE_FALSE(s.has_matrix());
    }
    SECTION("hexadecimal numbers everywhere") {
        REQUIRE(run(s, "matrix 0x100 0x20 0xec 0x4") == "0");
        REQUIRE(run(s, "online 0x1") == "0");
        REQUIRE(run(s, "available 0x1 0x0") == "204");
        REQUIRE(run(s, "assign 0x1 0x30") == "0");
        REQUIRE(run(s, "alloc 0x0-0x3 0") == "1 32");
        REQUIRE(run(s, "cpu 0x1") == "1 202 2 0 0");
    }
}

TEST_CASE("trace: malformed lines are -22 and change nothing", "[trace]") {
    trace::session s;
    REQUIRE(run(s, "matrix 64 2 56 2") == "0");
    REQUIRE(run(s, "online 0") == "0");
    REQUIRE(run(s, "alloc 0 0") == "0 2");
    const std::string before = snapshot(s);
    for (const char* bad : {
             "frobnicate 1 2",  // unknown operation
             "Online 0",        // names are case-sensitive
             "online",          // too few arguments
             "online 0 1",      // too many
             "stats 0",
             "alloc 0",
             "alloc 0 0 0",
             "alloc 0 2",  // a flag is 0 or 1
             "free 0 2 2",
             "assign_system 0 11 2",
             "available 0 7",
             "alloc_block 0 1 2",
             "free_block 0 2 0 2",
             "online x",  // not a number
             "online -1",
             "online 0x",
             "alloc 0-a 0",  // not a CPU list
             "alloc 1-0 0",
             "alloc 2 0",  // CPU >= NR_CPUS
             "online 2",
             "reserve_managed 5",
         }) {
        INFO(bad);
        REQUIRE(run(s, bad) == "-22");
        REQUIRE(snapshot(s) == before);
    }
    REQUIRE(s.run({}).text() == "-22");
}

TEST_CASE("trace: every operation's result text", "[trace]") {
    trace::session s;
    REQUIRE(run(s, "matrix 64 2 56 2") == "0");
    REQUIRE(run(s, "assign_system 0 11 0") == "0");
    REQUIRE(run(s, "online 0") == "0");
    REQUIRE(run(s, "online 1") == "0");
    REQUIRE(run(s, "reserve_managed 0-1") == "0");
    REQUIRE(run(s, "alloc_managed 0-1") == "1 2");
    REQUIRE(run(s, "remove_managed 0") == "0");
    REQUIRE(run(s, "remove_managed none") == "0");
    REQUIRE(run(s, "assign 0 3") == "0");
    REQUIRE(run(s, "reserve") == "0");
    REQUIRE(run(s, "reserved") == "1");
    REQUIRE(run(s, "alloc 0-1 1") == "0 2");
    REQUIRE(run(s, "remove_reserved") == "-16");
    REQUIRE(run(s, "free 0 3 0") == "0");
    REQUIRE(run(s, "free 0 3 0") == "-2");
    REQUIRE(run(s, "available 0 1") == "52");
    REQUIRE(run(s, "allocated 1") == "0");
    REQUIRE(run(s, "cpu 1") == "1 52 1 1 1");
    REQUIRE(run(s, "stats") == "2 104 0 2");
    REQUIRE(run(s, "alloc_block 0-1 2 0") == "0 4");
    REQUIRE(run(s, "free_block 0 4 2 0") == "0");
    REQUIRE(run(s, "reserve_managed_block 0 3 ") == "0");
    REQUIRE(run(s, "alloc_managed_block 0-1 3") == "0 16");
    REQUIRE(run(s, "remove_managed_block 0 3") == "-16");
    REQUIRE(run(s, "offline 0") == "0");
    REQUIRE(run(s, "offline 0") == "-16");
    REQUIRE(run(s, "alloc none 0") == "-22");
    REQUIRE(run(s, "alloc_managed 0") == "-28");
}

TEST_CASE("trace: free_blocks counts a CPU's free aligned blocks", "[trace]") {
    trace::session s;
    REQUIRE(run(s, "matrix 64 2 56 2") == "0");  // window [2,56)
    // An offline CPU answers from its bitmaps: 54 vectors, 6 blocks of 8
    // (bases 8 to 48), 2 of 16 (16, 32), none of 32 ([32,64) leaves the window).
    REQUIRE(run(s, "free_blocks 1 0") == "54");
    REQUIRE(run(s, "free_blocks 1 3") == "6");
    REQUIRE(run(s, "free_blocks 1 4") == "2");
    REQUIRE(run(s, "free_blocks 1 5") == "0");
    REQUIRE(run(s, "online 0") == "0");
    REQUIRE(run(s, "alloc_block 0 3 0") == "0 8");
    REQUIRE(run(s, "alloc 0 0") == "0 2");
    REQUIRE(run(s, "free_blocks 0 0") == "45");
    REQUIRE(run(s, "free_blocks 0 1") == "22");  // 27 pairs less [2,4) and the four in [8,16)
    REQUIRE(run(s, "free_blocks 0 3") == "5");
    REQUIRE(run(s, "free_blocks 0 4") == "2");
    REQUIRE(run(s, "free_blocks 1 3") == "6");  // the other CPU is untouched
    // Out of range, and malformed, changes nothing.
    const std::string before = snapshot(s);
    REQUIRE(run(s, "free_blocks 2 0") == "-22");
    REQUIRE(run(s, "free_blocks 0 6") == "-22");
    REQUIRE(run(s, "free_blocks 0") == "-22");
    REQUIRE(snapshot(s) == before);
    // A bare matrix has it too (it is no planning operation).
    auto m = irqmatrix::basic_matrix<64>::create(64, 2, 56, 1);
    REQUIRE(m.has_value());
    trace::arguments a;
    a.num = {0, 3, 0, 0};
    REQUIRE(trace::execute(*m, trace::id_of("free_blocks"), a).text() == "6");
}

TEST_CASE("trace: results_match compares numbers by value", "[trace]") {
    REQUIRE(trace::results_match({"0x20"}, "32"));
    REQUIRE(trace::results_match({"32"}, "32"));
    REQUIRE(trace::results_match({"1", "0x2"}, "1 2"));
    REQUIRE(trace::results_match({"-22"}, "-22"));
    REQUIRE(trace::results_match({"-0x16"}, "-22"));
    REQUIRE(trace::results_match({"007"}, "7"));
    REQUIRE(trace::results_match({}, ""));
    REQUIRE_FALSE(trace::results_match({"0x20"}, "33"));
    REQUIRE_FALSE(trace::results_match({"1", "2"}, "1"));
    REQUIRE_FALSE(trace::results_match({"1"}, "1 2"));
    REQUIRE_FALSE(trace::results_match({"-22"}, "22"));
    REQUIRE_FALSE(trace::results_match({"-28"}, "-22"));
    REQUIRE_FALSE(trace::results_match({}, "0"));
}

TEST_CASE("trace: replay in print mode writes each operation back with its result", "[trace]") {
    const std::string input =
        "# A small trace.\n"
        "matrix   64 2 56 2   => 0\n"
        "assign_system 0 11 0\n"
        "online\t0 => 5   # a wrong expectation is not checked in print mode\n"
        "\n"
        "   # an indented comment line\n"
        "alloc 0-1 0 => 0 2\n"
        "frobnicate 1 2 => -22\n"
        "stats => 1 52 0 1\n";
    const auto r = replay(input, false);
    REQUIRE(r.output ==
            "matrix 64 2 56 2 => 0\n"
            "assign_system 0 11 0 => 0\n"
            "online 0 => 0\n"
            "alloc 0-1 0 => 0 2\n"
            "frobnicate 1 2 => -22\n"
            "stats => 1 52 0 1\n");
    REQUIRE(r.summary.operations == 6);
    REQUIRE(r.summary.checked == 0);
    REQUIRE(r.summary.mismatches == 0);
}

TEST_CASE("trace: replay in check mode reports each mismatch with its file line", "[trace]") {
    const std::string input =
        "# Line 7 expects the wrong CPU on purpose.\n"
        "matrix 64 2 56 2 => 0\n"
        "assign_system 0 11 0 => 0\n"
        "online 0 => 0\n"
        "\n"
        "# the next line is line 7\n"
        "alloc   0-1 0 => 1   2   # wrong\n"
        "stats => 1 0x34 0 1\n"
        "reserved\n"
        "online 9 => -0x16\n"
        "online 0 => -22\n";
    const auto r = replay(input, true, "mismatch.trace");
    REQUIRE(r.output ==
            "mismatch.trace:7: alloc 0-1 0 => expected 1 2, got 0 2\n"
            "mismatch.trace:11: online 0 => expected -22, got -16\n");
    REQUIRE(r.summary.operations == 8);
    REQUIRE(r.summary.checked == 7);
    REQUIRE(r.summary.mismatches == 2);

    const auto clean = replay("matrix 64 2 56 2 => 0\nonline 0 => 0x0\n", true);
    REQUIRE(clean.output.empty());
    REQUIRE(clean.summary.checked == 2);
    REQUIRE(clean.summary.mismatches == 0);
}

TEST_CASE("trace: replay continues on a caller's session", "[trace]") {
    trace::session s;
    std::istringstream first("matrix 64 2 56 2\nonline 0\n");
    std::ostringstream sink;
    trace::replay(first, sink, {}, &s);
    REQUIRE(s.has_matrix());
    std::istringstream second("alloc 0 0\n");
    std::ostringstream out;
    const auto sum = trace::replay(second, out, {}, &s);
    REQUIRE(out.str() == "alloc 0 0 => 0 2\n");
    REQUIRE(sum.operations == 1);
}
