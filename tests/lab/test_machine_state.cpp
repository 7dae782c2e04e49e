// SPDX-License-Identifier: MIT
// Dump import (machine_state): the debugfs parser, the trace import that
// rebuilds a dump byte for byte, window inference, drift reports, load_state
// and the fit report.
#include "support/catch.hpp"

#include "lab/machine_state.hpp"
#include "irqmatrix_common/seeded_rng.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace lab = irqmatrix::lab;
using irqmatrix::debug_show;
using irqmatrix::dump_table;
using irqmatrix::format_dump_table;
using irqmatrix::parse_debug_show;
using irqmatrix::trace::session;

namespace {

std::string data_file(const std::string& name) {
    std::ifstream f(std::string(IRQMATRIX_LAB_DATA_DIR) + "/" + name, std::ios::binary);
    REQUIRE(f.good());
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// A file name of its own in the temporary directory, so that two test runs
/// (the g++ and clang++ builds) do not write the same file.
std::string temp_path(const std::string& name) {
    std::random_device seed;
    return (std::filesystem::temp_directory_path() /
            ("irqmatrix-lab-" + std::to_string(seed()) + "-" + name))
        .string();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

/// Replays a trace with load_state's checks; the trace must be valid.
session replayed(std::string_view trace_text) {
    session s;
    const std::string bad = lab::build_session(trace_text, s);
    INFO(bad);
    REQUIRE(bad.empty());
    return s;
}

std::string show(const session& s, int ind) {
    return s.visit([ind](const auto& m) { return debug_show(m, ind); }, std::string("(none)"));
}

/// Imports one table of a dump and checks the round trip: replaying the
/// trace gives the table's own text again.
lab::imported_state round_trip(const std::string& text, unsigned table) {
    lab::import_options opt;
    opt.table = table;
    const auto r = lab::import_dump(text, opt, "test");
    INFO("table " << table << ": " << r.error.what());
    REQUIRE(r);
    const auto& st = *r.state;
    CHECK(st.drift.empty());
    CHECK(st.reproduces_table);
    CHECK(show(replayed(st.trace), st.table.ind) == st.table.text);
    return st;
}

// The x86 layout of Linux 6.6+ (docs/kernel-semantics.md 3.1): exceptions
// 0-19 and 21, the PIC cascade 0x32, the APIC system vectors from 0xec, with
// 0xeb a system vector only when the posted-MSI gate is installed (not here).
const char* const x86_system = "0-19,21,50,236,240-244,246-255";

/// A small x86 machine: legacy vectors on CPU 0, managed queues, MSI-X,
/// multi-MSI blocks, frees that leave holes, and a managed vector freed so
/// that its reservation sits below an allocated managed one.
std::string x86_trace(unsigned alloc_end) {
    std::string t = "matrix 256 32 " + std::to_string(alloc_end) + " 4\n";
    const auto sys = irqmatrix::parse_cpulist(x86_system, 256);
    REQUIRE(sys);
    sys->view().for_each(
        [&t](unsigned v) { t += "assign_system 0 " + std::to_string(v) + " 0\n"; });
    t += "online 0\n";
    for (unsigned i = 0; i < 16; ++i)
        if (i != 2) t += "assign 0 " + std::to_string(48 + i) + "\n";
    t += "online 1\nonline 2\nonline 3\n";
    t += "reserve_managed 0-3\nreserve_managed 0-3\n";
    for (int i = 0; i < 5; ++i) t += "alloc_managed 0-3\n";
    for (int i = 0; i < 9; ++i) t += "alloc 0-3 0\n";
    t += "assign 2 100\nassign 2 101\nassign 2 102\nfree 2 101 0\n";
    t += "alloc_block 0-3 3 0\nalloc_block 0-3 5 0\nalloc_block 1 2 0\n";
    // CPU 1 reserved 32 and 33 and got 32 above; now it also allocates 33
    // and frees 32, which stays reserved below an allocated managed vector.
    t += "alloc_managed 1\nfree 1 32 1\n";
    t += "reserve\nreserve\nreserve\n";
    return t;
}

}  // namespace

// ---- the parser ------------------------------------------------------------

TEST_CASE("parse_debug_show reads the grep -r form, every table of it", "[lab][import][parse]") {
    const std::string text = data_file("vector-dump-13.txt");
    REQUIRE(irqmatrix::count_debug_show_tables(text) == 21);

    const auto first = parse_debug_show(text);
    INFO(first.error.what());
    REQUIRE(first);
    const dump_table& t = *first.table;
    CHECK(t.prefix == "default:");
    CHECK(t.ind == 1);
    CHECK(t.has_mac_column);
    CHECK(t.first_line == 6);  // after the "# source:" line and four domain lines
    CHECK(t.last_line == 43);
    CHECK(t.online_maps == 32);
    CHECK(t.global_available == 6316);
    CHECK(t.global_reserved == 14);
    CHECK(t.total_allocated == 100);
    CHECK(t.system_count == 40);
    CHECK(t.system_vectors.size() == 40);
    REQUIRE(t.rows.size() == 32);
    CHECK(t.rows[4].cpu == 4);
    CHECK(t.rows[4].avl == 196);
    CHECK(t.rows[4].man == 2);
    CHECK(t.rows[4].mac == 1);
    CHECK(t.rows[4].act == 4);
    CHECK(t.rows[4].vectors == std::vector<unsigned>{33, 34, 37, 38});
    CHECK(t.rows[4].line == 16);
    CHECK(t.text == format_dump_table(t));

    // The second table is VECTOR nested under DMAR-MSI: ind 5, indented
    // "name:" lines before it, the same values.
    const auto nested = parse_debug_show(text, 1);
    REQUIRE(nested);
    CHECK(nested.table->prefix == "DMAR-MSI:");
    CHECK(nested.table->ind == 5);
    CHECK(nested.table->rows.size() == 32);
    CHECK(nested.table->rows[4].vectors == t.rows[4].vectors);
    CHECK(nested.table->text == format_dump_table(*nested.table));

    // Two levels of nesting: ind 9.
    const auto deeper = parse_debug_show(text, 3);
    REQUIRE(deeper);
    CHECK(deeper.table->prefix == "IO-APIC-2:");
    CHECK(deeper.table->ind == 9);
}

TEST_CASE("parse_debug_show reads the plain cat form, the same as the grep form",
          "[lab][import][parse]") {
    // Strip the grep prefix of the first table's file ("default:") from every
    // line of it: what `cat /sys/kernel/debug/irq/domains/default` prints.
    const std::string grep_text = data_file("vector-dump-13.txt");
    std::vector<std::string> plain{"# source: the default: lines of vector-dump-13.txt"};
    for (const auto& l : lines_of(grep_text))
        if (l.rfind("default:", 0) == 0) plain.push_back(l.substr(8));
    const auto from_grep = parse_debug_show(grep_text);
    const auto from_cat = parse_debug_show(join_lines(plain));
    REQUIRE(from_grep);
    REQUIRE(from_cat);
    CHECK(from_cat.table->prefix.empty());
    CHECK(from_cat.table->text == from_grep.table->text);
    CHECK(from_cat.table->rows.size() == 32);

    // A real `cat` of an MSI domain, VECTOR nested as its parent.
    const auto dmar = parse_debug_show(data_file("vector-dmar-msi-cat.txt"));
    INFO(dmar.error.what());
    REQUIRE(dmar);
    CHECK(dmar.table->prefix.empty());
    CHECK(dmar.table->ind == 5);
    CHECK(dmar.table->rows.size() == 8);
    CHECK(dmar.table->text == format_dump_table(*dmar.table));

    // The constructed 6.10 `cat`: flag-name lines above, empty vector lists.
    const auto v610 = parse_debug_show(data_file("vector-6.10-cat.txt"));
    REQUIRE(v610);
    CHECK(v610.table->ind == 1);
    CHECK(v610.table->rows[2].vectors.empty());
    CHECK(v610.table->text == format_dump_table(*v610.table));
}

TEST_CASE("parse_debug_show reads CRLF text and keeps whitespace-edited tables readable",
          "[lab][import][parse]") {
    std::string crlf;
    for (const auto& l : lines_of(data_file("vector-dmar-msi-cat.txt"))) crlf += l + "\r\n";
    const auto r = parse_debug_show(crlf);
    REQUIRE(r);
    CHECK(r.table->text == format_dump_table(*r.table));

    // Trailing blanks stripped (as in the note the 6.10 example comes from):
    // the values are read, the raw text differs from the kernel's.
    std::string stripped;
    for (auto l : lines_of(data_file("vector-6.10-cat.txt"))) {
        while (!l.empty() && l.back() == ' ') l.pop_back();
        stripped += l + "\n";
    }
    const auto s = parse_debug_show(stripped);
    REQUIRE(s);
    CHECK(s.table->rows[2].vectors.empty());
    CHECK(s.table->text != format_dump_table(*s.table));
    CHECK(format_dump_table(*s.table) ==
          parse_debug_show(data_file("vector-6.10-cat.txt")).table->text);
}

TEST_CASE("parse_debug_show reports errors with line numbers", "[lab][import][parse]") {
    const auto dmar = lines_of(data_file("vector-dmar-msi-cat.txt"));
    // Lines: 1 "# source", 2-10 domain lines, 11 Online bitmaps, ..., 15
    // System, 16 the column header, 17-24 the CPU rows.
    const auto first_lines = [&dmar](std::size_t n) {
        return join_lines(
            std::vector<std::string>(dmar.begin(), dmar.begin() + static_cast<long>(n)));
    };
    const auto error_of = [](const std::string& text, unsigned table = 0) {
        const auto r = parse_debug_show(text, table);
        CHECK_FALSE(r);
        return r.error;
    };

    SECTION("truncated after Global reserved") {
        const auto e = error_of(first_lines(13));
        CHECK(e.line == 14);
        CHECK(e.message.find("end of input") != std::string::npos);
        CHECK(e.message.find("Total allocated:") != std::string::npos);
        CHECK(e.what().rfind("line 14: ", 0) == 0);
    }
    SECTION("truncated in the middle of a row") {
        auto cut = dmar;
        cut[19] = "         3   197     0";
        const auto e = error_of(join_lines(cut));
        CHECK(e.line == 20);
        CHECK(e.message.find("expected a CPU row") != std::string::npos);
    }
    SECTION("garbage") {
        const auto e = error_of("hello world\nthis is not a dump\n");
        CHECK(e.line == 1);
        CHECK(e.message.find("Online bitmaps:") != std::string::npos);
        const auto empty = error_of("");
        CHECK(empty.line == 1);
        CHECK(empty.message.find("no VECTOR table") != std::string::npos);
        // Only domain lines and comments: the table is missing at the end.
        const auto headers = error_of(first_lines(10));
        CHECK(headers.line == 11);
        CHECK(headers.message.find("no VECTOR table") != std::string::npos);
    }
    SECTION("missing column header") {
        auto cut = dmar;
        cut.erase(cut.begin() + 15);
        const auto e = error_of(join_lines(cut));
        CHECK(e.line == 16);
        CHECK(e.message.find("column header") != std::string::npos);
    }
    SECTION("a wrong label") {
        auto cut = dmar;
        cut[11] = "Global availble:   1580";
        const auto e = error_of(join_lines(cut));
        CHECK(e.line == 12);
        CHECK(e.message.find("'Global available: N'") != std::string::npos);
    }
    SECTION("a bad vector list, a bad system list, CPUs out of order") {
        auto bad = dmar;
        bad[18] = "         2   197     0     0    4  33-x";
        CHECK(error_of(join_lines(bad)).line == 19);
        bad = dmar;
        bad[18] = "         2   197     0     0    4  36-33";
        CHECK(error_of(join_lines(bad)).message.find("reversed") != std::string::npos);
        bad = dmar;
        bad[14] = "System: 38: 0-19,32,50,40";
        CHECK(error_of(join_lines(bad)).line == 15);
        bad = dmar;
        bad[18] = "         0   197     0     0    4  33-36";
        const auto e = error_of(join_lines(bad));
        CHECK(e.line == 19);
        CHECK(e.message.find("comes after") != std::string::npos);
        bad = dmar;
        bad[18] = "         2   197     0     0    4  0-4000000000";
        CHECK(error_of(join_lines(bad)).line == 19);
    }
    SECTION("grep form: a table line without the prefix") {
        auto g = lines_of(data_file("vector-dump-13.txt"));
        g[7] = "Global reserved:      14";  // line 8, the prefix lost
        const auto e = error_of(join_lines(g));
        CHECK(e.line == 8);
        CHECK(e.message.find("'default:'") != std::string::npos);
    }
    SECTION("a table index beyond the tables") {
        const auto e = error_of(data_file("vector-dump-14.txt"), 20);
        CHECK(e.line == 1020);
        CHECK(e.message.find("20 VECTOR table") != std::string::npos);
    }
}

TEST_CASE("parse_debug_show reads the pre-2018 format without the mac column",
          "[lab][import][parse]") {
    const std::string old =
        "Online bitmaps:        2\n"
        "Global available:    399\n"
        "Global reserved:       0\n"
        "Total allocated:       6\n"
        "System: 42: 0-19,32,50,128,236,238-255\n"
        " | CPU | avl | man | act | vectors\n"
        "     0   196     1     4  33-35,48\n"
        "     1   203     0     0  \n";
    const auto r = parse_debug_show(old);
    INFO(r.error.what());
    REQUIRE(r);
    CHECK_FALSE(r.table->has_mac_column);
    CHECK(r.table->rows[0].act == 4);
    CHECK(r.table->rows[0].mac == 0);
    CHECK(r.table->text == old);
    CHECK(format_dump_table(*r.table) == old);
}

// ---- import ----------------------------------------------------------------

TEST_CASE("import rebuilds every VECTOR table of the shipped dumps byte for byte",
          "[lab][import]") {
    for (const char* name : {"vector-dump-13.txt", "vector-dump-14.txt"}) {
        const std::string text = data_file(name);
        const unsigned n = irqmatrix::count_debug_show_tables(text);
        REQUIRE(n >= 2);
        for (unsigned k = 0; k < n; ++k) {
            INFO(name << " table " << k);
            const auto st = round_trip(text, k);
            CHECK(st.window.start == 32);
            CHECK(st.window.end == 236);
            CHECK(st.window.matching_rows == 32);
            CHECK(st.nr_cpus == 32);
            CHECK(st.bits == 256);
        }
        // The directly read table (ind 1) and the one nested under DMAR-MSI (ind 5).
        CHECK(round_trip(text, 0).table.ind == 1);
        CHECK(round_trip(text, 1).table.ind == 5);
    }
    const auto dmar = round_trip(data_file("vector-dmar-msi-cat.txt"), 0);
    CHECK(dmar.table.ind == 5);
    CHECK(dmar.window.end == 236);
    const auto v610 = round_trip(data_file("vector-6.10-cat.txt"), 0);
    CHECK(v610.window.end == 235);
}

TEST_CASE("the import trace places managed vectors as documented and checks itself",
          "[lab][import]") {
    const auto r = lab::import_dump(data_file("vector-dump-13.txt"), {}, "vector-dump-13.txt");
    REQUIRE(r);
    const std::string& trace = r.state->trace;
    CHECK(trace.rfind("# irqmatrix import of vector-dump-13.txt: VECTOR table 0 of 21", 0) == 0);
    CHECK(trace.find("\nmatrix 256 32 236 32 => 0\n") != std::string::npos);
    CHECK(trace.find("assign_system 0 255 0 => 0\n") != std::string::npos);
    // Every operation line states its result, so `replay --check` verifies it.
    for (const auto& l : lines_of(trace))
        if (!l.empty() && l[0] != '#') CHECK(l.find(" => ") != std::string::npos);
    CHECK(std::count(trace.begin(), trace.end(), '\n') > 100);

    const session s = replayed(trace);
    s.visit(
        [](const auto& m) {
            // CPU 0 "197 2 1 3 33-34,38": 33 is the managed-allocated one,
            // the unallocated reservation is the lowest free vector above it.
            const auto& c0 = m.cpu_map(0);
            CHECK(c0.managed_map.test(33));
            CHECK(c0.managed_map.test(35));
            CHECK(c0.managed_map.count() == 2);
            CHECK(c0.alloc_map.test(33));
            CHECK_FALSE(c0.alloc_map.test(35));
            // CPU 1 "197 2 2 4 33-35,38": both reservations allocated: 33, 34.
            const auto& c1 = m.cpu_map(1);
            CHECK(c1.managed_map.test(33));
            CHECK(c1.managed_map.test(34));
            CHECK(c1.managed_allocated == 2);
            CHECK(m.stats().global_reserved == 14);
            CHECK(m.verify().empty());
            return 0;
        },
        0);
}

TEST_CASE("import infers the 6.10 window from a state our own matrix made",
          "[lab][import][window]") {
    for (const unsigned end : {235u, 236u}) {
        INFO("window [32," << end << ")");
        const session original = replayed(x86_trace(end));
        const std::string dump = show(original, 1);
        const auto r = lab::import_dump(dump, {}, "synthetic");
        INFO(r.error.what());
        REQUIRE(r);
        CHECK(r.state->window.start == 32);
        CHECK(r.state->window.end == end);
        CHECK(r.state->window.matching_rows == 4);
        CHECK(r.state->drift.empty());
        CHECK(r.state->reproduces_table);
        const session rebuilt = replayed(r.state->trace);
        CHECK(show(rebuilt, 1) == dump);
        CHECK(show(rebuilt, 5) == show(original, 5));
        // The hidden layout is a choice: on CPU 1 the original's unallocated
        // reservation (32) lies below its allocated managed vector (33); the
        // import puts it above. The table cannot tell them apart.
        original.visit(
            [](const auto& m) {
                CHECK(m.cpu_map(1).managed_map.test(32));
                CHECK_FALSE(m.cpu_map(1).alloc_map.test(32));
                CHECK(m.cpu_map(1).managed_map.test(33));
                CHECK(m.cpu_map(1).alloc_map.test(33));
                return 0;
            },
            0);
        rebuilt.visit(
            [](const auto& m) {
                CHECK_FALSE(m.cpu_map(1).managed_map.test(32));
                CHECK(m.cpu_map(1).managed_map.test(33));
                return 0;
            },
            0);
    }
}

TEST_CASE("import options override the window and NR_CPUS", "[lab][import][window]") {
    const std::string dump = data_file("vector-6.10-cat.txt");
    SECTION("the wrong window given: every CPU drifts by one") {
        lab::import_options opt;
        opt.alloc_end = 236;
        const auto r = lab::import_dump(dump, opt, "x");
        REQUIRE(r);
        CHECK(r.state->window.end == 236);
        CHECK(r.state->window.how.find("alloc_end 236 given") != std::string::npos);
        CHECK(r.state->window.matching_rows == 0);
        // Every CPU row; the dump's own totals still agree with its columns.
        CHECK(r.state->drift.size() == 32);
        CHECK(r.state->drift[0].line == 14);
        CHECK(r.state->drift[0].message.find("cpu 0: avl is 196") == 0);
        CHECK(r.state->drift[0].message.find("implies 197 (the dump shows 1 fewer)") !=
              std::string::npos);
    }
    SECTION("NR_CPUS larger than the table: the rest stay offline") {
        lab::import_options opt;
        opt.nr_cpus = 40;
        const auto r = lab::import_dump(dump, opt, "x");
        REQUIRE(r);
        CHECK(r.state->nr_cpus == 40);
        CHECK(r.state->trace.find("\nmatrix 256 32 235 40 => 0\n") != std::string::npos);
        CHECK(r.state->trace.find("offline, never onlined: 32-39") != std::string::npos);
        CHECK(show(replayed(r.state->trace), 1) == r.state->table.text);
    }
    SECTION("NR_CPUS smaller than the table, a window that cannot hold it") {
        lab::import_options opt;
        opt.nr_cpus = 8;
        auto r = lab::import_dump(dump, opt, "x");
        REQUIRE_FALSE(r);
        CHECK(r.error.line == 45);  // the row of CPU 31
        opt = {};
        opt.alloc_start = 33;
        opt.alloc_end = 235;
        r = lab::import_dump(dump, opt, "x");
        REQUIRE_FALSE(r);
        CHECK(r.error.line == 15);  // CPU 1 holds vector 32
        CHECK(r.error.message.find("vector 32 lies outside the window [33,235)") !=
              std::string::npos);
    }
}

TEST_CASE("import searches other windows when no x86 window fits", "[lab][import][window]") {
    // A LoongArch-style matrix: the whole of 256 bits is the window.
    const std::string t =
        "matrix 256 0 256 2\nassign_system 0 3 0\nonline 0\nonline 1\n"
        "alloc 0-1 0\nalloc 0-1 0\nalloc 0-1 0\nreserve_managed 1\nalloc_managed 1\n";
    const session original = replayed(t);
    const std::string dump = show(original, 1);
    const auto r = lab::import_dump(dump, {}, "loongarch");
    INFO(r.error.what());
    REQUIRE(r);
    CHECK(r.state->window.start == 0);
    CHECK(r.state->window.end == 256);
    CHECK(r.state->window.how.rfind("searched", 0) == 0);
    CHECK(r.state->drift.empty());
    CHECK(show(replayed(r.state->trace), 1) == dump);
}

TEST_CASE("import of the pre-2018 format infers mac from the window", "[lab][import]") {
    const session original = replayed(x86_trace(236));
    const std::string with_mac = show(original, 1);
    auto old = parse_debug_show(with_mac);
    REQUIRE(old);
    old.table->has_mac_column = false;
    const std::string without_mac = format_dump_table(*old.table);
    CHECK(without_mac.find("| CPU | avl | man | act | vectors") != std::string::npos);

    const auto r = lab::import_dump(without_mac, {}, "old");
    INFO(r.error.what());
    REQUIRE(r);
    CHECK_FALSE(r.state->table.has_mac_column);
    CHECK(r.state->window.end == 236);
    CHECK(r.state->drift.empty());
    CHECK(r.state->reproduces_table == false);  // our writer prints the mac column
    CHECK(show(replayed(r.state->trace), 1) == with_mac);
}

TEST_CASE("import reports drift and rebuilds the consistent counters", "[lab][import][drift]") {
    auto lines = lines_of(data_file("vector-dump-13.txt"));
    REQUIRE(lines[15] == "default:     4   196     2     1    4  33-34,37-38");
    lines[15] = "default:     4   199     2     1    4  33-34,37-38";  // avl 3 too high
    REQUIRE(lines[18] == "default:     7   197     2     1    3  33,35,37");
    lines[18] = "default:     7   197     2     1    5  33,35,37";  // act says 5, 3 listed
    lines[8] = "default:Total allocated:     103";
    const auto r = lab::import_dump(join_lines(lines), {}, "edited");
    INFO(r.error.what());
    REQUIRE(r);
    const auto& drift = r.state->drift;
    REQUIRE(drift.size() == 5);
    CHECK(drift[0].line == 7);
    CHECK(drift[0].message ==
          "Global available is 6316 but the avl column adds up to 6319 (the dump shows 3 "
          "fewer); rebuilt with 6316");
    CHECK(drift[1].line == 9);
    CHECK(drift[1].message ==
          "Total allocated is 103 but the act column adds up to 102 (the dump shows 1 more); "
          "rebuilt with 100");
    CHECK(drift[2].line == 16);
    CHECK(drift[2].message ==
          "cpu 4: avl is 199 but the window [32,236) of 204 vectors less 3 system, man 2 and "
          "act - mac 3 implies 196 (the dump shows 3 more); rebuilt with avl 196");
    CHECK(drift[3].line == 19);
    CHECK(drift[3].message.find("cpu 7: act is 5 but 3 vectors are listed") == 0);
    CHECK(drift[4].line == 19);
    CHECK(drift[4].message.find("cpu 7: avl is 197") == 0);
    CHECK(drift[4].message.find("implies 195 (the dump shows 2 more); rebuilt with avl 197") !=
          std::string::npos);
    CHECK_FALSE(r.state->reproduces_table);

    // The trace carries the report as comments; the rebuilt table has the
    // consistent counters (CPU 4 back at 196, the totals recomputed).
    CHECK(r.state->trace.find("# drift: 5 disagreement(s)") != std::string::npos);
    CHECK(r.state->trace.find("# drift: line 16: cpu 4: avl is 199") != std::string::npos);
    const std::string rebuilt = show(replayed(r.state->trace), 1);
    CHECK(
        rebuilt ==
        show(replayed(lab::import_dump(data_file("vector-dump-13.txt"), {}, "x").state->trace), 1));
}

TEST_CASE("import reports a missing CPU row and the totals it disturbs", "[lab][import][drift]") {
    auto lines = lines_of(data_file("vector-dump-13.txt"));
    lines.erase(lines.begin() + 12);  // CPU 1's row
    std::ostringstream out, err;
    const std::string path = temp_path("missing-row.txt");
    {
        std::ofstream f(path, std::ios::binary);
        f << join_lines(lines);
    }
    CHECK(lab::import_command(path, {}, out, err) == 0);
    const std::string e = err.str();
    CHECK(e.find("irqmatrix: " + path +
                 ": line 6: drift: Online bitmaps is 32 but the table has "
                 "31 CPU rows; rebuilt with 31 online") != std::string::npos);
    CHECK(e.find("line 7: drift: Global available is 6316 but the avl column adds up to 6119") !=
          std::string::npos);
    CHECK(e.find("line 9: drift: Total allocated is 100 but the act column adds up to 96") !=
          std::string::npos);
    CHECK(out.str().find("offline, never onlined: 1)") != std::string::npos);
    CHECK(out.str().find("# drift: line 6: Online bitmaps is 32") != std::string::npos);
    std::remove(path.c_str());
}

// ---- load_state and the commands ------------------------------------------------

TEST_CASE("load_state tells dumps from traces and checks traces", "[lab][import][load]") {
    const std::string dump = data_file("vector-dmar-msi-cat.txt");
    const auto from_dump = lab::load_state_text(dump, {}, "dmar");
    REQUIRE(from_dump);
    CHECK(from_dump.state->from_dump);
    CHECK(from_dump.state->trace == lab::import_dump(dump, {}, "dmar").state->trace);

    // The import's own trace is a trace (its comments mention no table line).
    const auto again = lab::load_state_text(from_dump.state->trace, {}, "trace");
    REQUIRE(again);
    CHECK_FALSE(again.state->from_dump);
    CHECK(again.state->trace == from_dump.state->trace);

    const auto error_of = [](const std::string& text) {
        const auto r = lab::load_state_text(text, {}, "t.trace");
        CHECK_FALSE(r);
        return r.error;
    };
    CHECK(
        error_of("# nothing\nonline 0\n")
            .rfind(
                "t.trace: line 2: expected the header 'matrix BITS ALLOC_START ALLOC_END NR_CPUS' "
                "first",
                0) == 0);
    CHECK(error_of("matrix 256 40 32 2\n").rfind("t.trace: line 1: the header", 0) == 0);
    CHECK(error_of("matrix 256 32 236 2\nonline 0\nfrobnicate 3\n") ==
          "t.trace: line 3: 'frobnicate' is not an operation");
    CHECK(error_of("matrix 256 32 236 2\nonline 0 1\n")
              .rfind("t.trace: line 2: 'online 0 1' does "
                     "not parse",
                     0) == 0);
    CHECK(error_of("matrix 256 32 236 2\nonline 0\nalloc 0 0 => 0 40\n") ==
          "t.trace: line 3: alloc 0 0 => expected 0 40, got 0 32");
    CHECK(error_of("").find("line 1: end of input") != std::string::npos);
    // A refusal is a result, not an error.
    CHECK(lab::load_state_text("matrix 256 32 236 2\nalloc 0 0\noffline 1\n", {}, "t"));
    // A dump that does not parse is reported as a dump error.
    std::string broken = dump.substr(0, dump.find("Total allocated"));
    CHECK(lab::load_state_text(broken, {}, "d").error.rfind("d: line 14: end of input", 0) == 0);
    CHECK(lab::load_state("/nonexistent/irqmatrix/dump.txt", {})
              .error.rfind("/nonexistent/irqmatrix/dump.txt: ", 0) == 0);
}

TEST_CASE("the commands print, report errors as FILE: line N, and return 0 or 2",
          "[lab][import][command]") {
    const std::string dir = IRQMATRIX_LAB_DATA_DIR;
    SECTION("import") {
        std::ostringstream out, err;
        CHECK(lab::import_command(dir + "/vector-dump-14.txt", {}, out, err) == 0);
        CHECK(err.str().empty());
        CHECK(out.str() ==
              lab::import_dump(data_file("vector-dump-14.txt"), {}, dir + "/vector-dump-14.txt")
                  .state->trace);
    }
    SECTION("show of a dump and of a trace") {
        std::ostringstream out, err;
        CHECK(lab::show_command(dir + "/vector-dmar-msi-cat.txt", {}, out, err) == 0);
        // ind 1, whatever the dump's own ind was.
        const auto t = parse_debug_show(data_file("vector-dmar-msi-cat.txt"));
        dump_table direct = *t.table;
        direct.ind = 1;
        CHECK(out.str() == format_dump_table(direct));

        const std::string path = temp_path("show.trace");
        {
            std::ofstream f(path);
            f << "matrix 256 32 236 2\nonline 0\nonline 1\nalloc 0-1 0 => 0 32\n";
        }
        std::ostringstream out2, err2;
        CHECK(lab::show_command(path, {}, out2, err2) == 0);
        CHECK(out2.str().find("     0   203     0     0    1  32\n") != std::string::npos);
        std::remove(path.c_str());
    }
    SECTION("input errors") {
        std::ostringstream out, err;
        CHECK(lab::import_command("/nonexistent/x.txt", {}, out, err) == 2);
        CHECK(err.str().rfind("irqmatrix: /nonexistent/x.txt: ", 0) == 0);
        const std::string path = temp_path("garbage.txt");
        {
            std::ofstream f(path);
            f << "# a comment\nname:   VECTOR\nsomething else entirely\n";
        }
        for (auto* command : {&lab::import_command, &lab::show_command, &lab::fit_command}) {
            std::ostringstream o, e;
            CHECK((*command)(path, {}, o, e) == 2);
            CHECK(o.str().empty());
            CHECK(e.str().rfind("irqmatrix: " + path + ": line ", 0) == 0);
        }
        std::ostringstream o, e;
        lab::import_command(path, {}, o, e);
        CHECK(e.str().rfind("irqmatrix: " + path + ": line 3: expected a debugfs domain line", 0) ==
              0);
        std::remove(path.c_str());
    }
}

// ---- fit -------------------------------------------------------------------------

TEST_CASE("fit answers by hand on a small constructed state", "[lab][import][fit]") {
    // A 32-vector window [32,64) on three CPUs, CPU 2 never online.
    //   CPU 0 free: 40-41, 48-55            (avl 10)
    //   CPU 1 free: 33,35,...,47 (odd), 56-59  (avl 12: the most, but fragmented)
    std::string t = "matrix 64 32 64 3\nonline 0\nonline 1\n";
    for (unsigned v = 32; v < 64; ++v) {
        if (!(v == 40 || v == 41 || (v >= 48 && v <= 55)))
            t += "assign 0 " + std::to_string(v) + "\n";
        const bool free1 = (v >= 33 && v <= 47 && v % 2 == 1) || (v >= 56 && v <= 59);
        if (!free1) t += "assign 1 " + std::to_string(v) + "\n";
    }
    const session s = replayed(t);
    const lab::fit_report r = lab::fit(s);
    CHECK(r.online_cpus == 2);
    REQUIRE(r.entries.size() == 5);
    // 2 vectors: both CPUs have a pair; CPU 1 has more available -> its lowest pair, 56.
    CHECK(r.entries[0].size == 2);
    CHECK(r.entries[0].fits);
    CHECK(r.entries[0].cpu == 1);
    CHECK(r.entries[0].base == 56);
    CHECK(r.entries[0].cpus_with_room == 2);
    CHECK(r.entries[0].free_blocks == 5 + 2);  // 40,48,50,52,54 and 56,58
    // 4 vectors: CPU 1 again (56-59).
    CHECK(r.entries[1].cpu == 1);
    CHECK(r.entries[1].base == 56);
    CHECK(r.entries[1].cpus_with_room == 2);
    CHECK(r.entries[1].free_blocks == 2 + 1);  // 48,52 and 56
    // 8 vectors: only CPU 0 has an aligned octet (48-55).
    CHECK(r.entries[2].fits);
    CHECK(r.entries[2].cpu == 0);
    CHECK(r.entries[2].base == 48);
    CHECK(r.entries[2].cpus_with_room == 1);
    CHECK(r.entries[2].free_blocks == 1);
    // 16 and 32: nowhere (CPU 2 is all free but offline).
    for (std::size_t i = 3; i < 5; ++i) {
        CHECK_FALSE(r.entries[i].fits);
        CHECK(r.entries[i].error == -28);
        CHECK(r.entries[i].cpus_with_room == 0);
    }
    // fit changes nothing.
    CHECK(show(s, 1) == show(replayed(t), 1));

    const std::string text = lab::format_fit(r, "small");
    CHECK(text.rfind("small: 2 online CPU(s), window [32,64)\n", 0) == 0);
    CHECK(text.find("      8      3  cpu 0 base 48                    1            1\n") !=
          std::string::npos);
    CHECK(text.find("     16      4  no room (-28)                    0            0\n") !=
          std::string::npos);
}

TEST_CASE("fit of a real dump and of an empty machine", "[lab][import][fit]") {
    std::ostringstream out, err;
    const std::string path = std::string(IRQMATRIX_LAB_DATA_DIR) + "/vector-dump-14.txt";
    CHECK(lab::fit_command(path, {}, out, err) == 0);
    CHECK(err.str().empty());
    // CPU 28 has the most available (199); its allocated 33 and managed 34
    // push the pair to 36, the PIC cascade (50, system) the 16-block to 64.
    CHECK(out.str().find("      2      1  cpu 28 base 36") != std::string::npos);
    CHECK(out.str().find("     16      4  cpu 28 base 64") != std::string::npos);

    const lab::fit_report none = lab::fit(replayed("matrix 256 32 236 4\n"));
    CHECK(none.online_cpus == 0);
    REQUIRE(none.entries.size() == 5);
    CHECK_FALSE(none.entries[0].fits);
    CHECK(lab::fit(session{}).entries.empty());
}

// ---- bad input never crashes ------------------------------------------------------

TEST_CASE("import of an allocated system vector keeps it non-managed and says so",
          "[lab][import][drift]") {
    auto lines = lines_of(data_file("vector-dmar-msi-cat.txt"));
    REQUIRE(lines[16] == "         0   197     0     0    4  33-35,48");
    lines[16] = "         0   197     0     0    4  33-35,50";  // 50: the PIC cascade
    const auto r = lab::import_dump(join_lines(lines), {}, "x");
    INFO(r.error.what());
    REQUIRE(r);
    REQUIRE(r.state->drift.size() == 1);
    CHECK(r.state->drift[0].line == 17);
    CHECK(r.state->drift[0].message.find(
              "cpu 0: vector 50 is allocated and also a system vector") == 0);
    // The kernel's counters (assign charges the vector like any other) come back.
    CHECK(show(replayed(r.state->trace), 5) == r.state->table.text);
}

TEST_CASE("mutated and truncated dumps give an error or a trace that replays",
          "[lab][import][robust]") {
    const std::string original =
        data_file("vector-dmar-msi-cat.txt") + data_file("vector-6.10-cat.txt");
    irqmatrix_common::seeded_rng random(0x9e3779b97f4a7c15u);
    const auto next = [&random](std::size_t bound) {
        return static_cast<std::size_t>(random.next() % bound);
    };
    const std::string alphabet = "0123456789 ,-:|\n#x";
    unsigned imported = 0, refused = 0;
    for (int round = 0; round < 400; ++round) {
        std::string text = original;
        const int edits = 1 + static_cast<int>(next(4));
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = next(text.size());
            switch (next(4)) {
            case 0: text[at] = alphabet[next(alphabet.size())]; break;
            case 1: text.erase(at, 1 + next(3)); break;
            case 2: text.insert(at, 1, alphabet[next(alphabet.size())]); break;
            default: text.resize(at); break;
            }
            if (text.empty()) break;
        }
        lab::import_options opt;
        opt.table = static_cast<unsigned>(next(3));
        const auto r = lab::import_dump(text, opt, "fuzz");
        if (!r) {
            ++refused;
            CHECK(r.error.line >= 1);
            CHECK_FALSE(r.error.message.empty());
            continue;
        }
        ++imported;
        session s;
        const std::string bad = lab::build_session(r.state->trace, s);
        INFO("round " << round << ": " << bad);
        CHECK(bad.empty());
        if (r.state->drift.empty() && r.state->table.has_mac_column)
            CHECK(show(s, r.state->table.ind) == format_dump_table(r.state->table));
        (void)lab::fit(s);
    }
    CHECK(imported > 50);
    CHECK(refused > 50);
}
