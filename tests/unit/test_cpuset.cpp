// SPDX-License-Identifier: MIT
// CPU sets: cpulist parsing and formatting, cpu_span queries, and the "%*pbl" range-list writer.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <irqmatrix/cpuset.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

using irqmatrix::append_range_list;
using irqmatrix::cpu_set;
using irqmatrix::cpu_span;
using irqmatrix::errc;
using irqmatrix::format_cpulist;
using irqmatrix::no_cpu;
using irqmatrix::parse_cpulist;

namespace {

std::vector<unsigned> members(cpu_span s) {
    std::vector<unsigned> out;
    s.for_each([&out](unsigned c) { out.push_back(c); });
    return out;
}

// The range-list text of a sorted list of positions, through append_range_list.
std::string range_list(const std::vector<unsigned>& positions, unsigned end) {
    std::string out;
    append_range_list(out, end, [&positions](unsigned from) {
        for (unsigned p : positions)
            if (p >= from) return p;
        return ~0u;
    });
    return out;
}

errc parse_error(const std::string& text, unsigned nr_cpus) {
    const auto r = parse_cpulist(text, nr_cpus);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

}  // namespace

TEST_CASE("cpulist: parse the trace spec's example and format it back", "[cpuset]") {
    const auto r = parse_cpulist("0-3,8,10-11", 16);
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 16);
    REQUIRE(members(*r) == std::vector<unsigned>{0, 1, 2, 3, 8, 10, 11});
    REQUIRE(r->count() == 7);
    REQUIRE(format_cpulist(*r) == "0-3,8,10-11");
}

TEST_CASE("cpulist: none is the empty set, both ways", "[cpuset]") {
    const auto r = parse_cpulist("none", 4);
    REQUIRE(r.has_value());
    REQUIRE(r->empty());
    REQUIRE(r->count() == 0);
    REQUIRE(format_cpulist(*r) == "none");
    REQUIRE(format_cpulist(cpu_set(4)) == "none");
    REQUIRE(format_cpulist(cpu_span()) == "none");
}

TEST_CASE("cpulist: single CPUs, ranges, one-CPU ranges and word edges", "[cpuset]") {
    REQUIRE(format_cpulist(test::cpus("5", 8)) == "5");
    REQUIRE(format_cpulist(test::cpus("5-5", 8)) == "5");
    REQUIRE(format_cpulist(test::cpus("0", 1)) == "0");
    REQUIRE(format_cpulist(test::cpus("0-7", 8)) == "0-7");
    REQUIRE(format_cpulist(test::cpus("62-65", 130)) == "62-65");
    REQUIRE(format_cpulist(test::cpus("63,64", 130)) == "63-64");
    REQUIRE(format_cpulist(test::cpus("0,2,4", 8)) == "0,2,4");
    REQUIRE(format_cpulist(test::cpus("0-129", 130)) == "0-129");
    REQUIRE(format_cpulist(test::cpus("127,129", 130)) == "127,129");
    // Adjacent pieces merge; the order of the pieces does not matter.
    REQUIRE(format_cpulist(test::cpus("0-1,2-3", 8)) == "0-3");
    REQUIRE(format_cpulist(test::cpus("8,0-3", 16)) == "0-3,8");
    REQUIRE(format_cpulist(test::cpus("0-3,2-5", 8)) == "0-5");
}

TEST_CASE("cpulist: hexadecimal numbers with 0x", "[cpuset]") {
    REQUIRE(members(test::cpus("0x0-0x3,0xa", 16)) == std::vector<unsigned>{0, 1, 2, 3, 10});
    REQUIRE(members(test::cpus("0x10", 32)) == std::vector<unsigned>{16});
    REQUIRE(members(test::cpus("0xf,16", 32)) == std::vector<unsigned>{15, 16});
    REQUIRE(format_cpulist(test::cpus("0x3-5", 8)) == "3-5");
}

TEST_CASE("cpulist: errors", "[cpuset]") {
    SECTION("reversed range") {
        REQUIRE(parse_error("3-1", 8) == errc::invalid);
        REQUIRE(parse_error("0,5-4", 8) == errc::invalid);
    }
    SECTION("CPU >= nr_cpus") {
        REQUIRE(parse_error("8", 8) == errc::invalid);
        REQUIRE(parse_error("0-8", 8) == errc::invalid);
        REQUIRE(parse_error("0,9", 8) == errc::invalid);
        REQUIRE(parse_error("0x8", 8) == errc::invalid);
        REQUIRE(parse_error("1", 1) == errc::invalid);
        REQUIRE(parse_cpulist("7", 8).has_value());  // the last CPU is fine
    }
    SECTION("garbage") {
        REQUIRE(parse_error("abc", 8) == errc::invalid);
        REQUIRE(parse_error("1-a", 8) == errc::invalid);
        REQUIRE(parse_error("a-1", 8) == errc::invalid);
        REQUIRE(parse_error("1-2-3", 8) == errc::invalid);
        REQUIRE(parse_error("-1", 8) == errc::invalid);
        REQUIRE(parse_error("1-", 8) == errc::invalid);
        REQUIRE(parse_error(",", 8) == errc::invalid);
        REQUIRE(parse_error("1,,2", 8) == errc::invalid);
        REQUIRE(parse_error("0x", 8) == errc::invalid);
        REQUIRE(parse_error("0xg", 8) == errc::invalid);
        REQUIRE(parse_error("1 2", 8) == errc::invalid);
        REQUIRE(parse_error("None", 8) == errc::invalid);
        REQUIRE(parse_error("NONE", 8) == errc::invalid);
        REQUIRE(parse_error("4294967296", 8) == errc::invalid);
    }
    SECTION("empty text") { REQUIRE(parse_error("", 8) == errc::invalid); }
}

TEST_CASE("cpulist: random sets round-trip through format and parse", "[cpuset]") {
    std::mt19937_64 rng(0xC9u);
    for (unsigned round = 0; round < 300; ++round) {
        const unsigned nr = 1u + static_cast<unsigned>(rng() % 200);
        cpu_set s(nr);
        const unsigned density = static_cast<unsigned>(rng() % 4);
        for (unsigned c = 0; c < nr; ++c)
            if (rng() % 4 < density) s.set(c);
        const std::string text = format_cpulist(s);
        INFO(text << " of " << nr);
        const auto back = parse_cpulist(text, nr);
        REQUIRE(back.has_value());
        REQUIRE(*back == s);
        REQUIRE(format_cpulist(*back) == text);
        // No range "a-b" with a == b, no two adjacent pieces.
        REQUIRE(text.find(",,") == std::string::npos);
    }
}

TEST_CASE("cpu_set: range, all, single, set and reset", "[cpuset]") {
    REQUIRE(format_cpulist(cpu_set::range(10, 2, 5)) == "2-5");
    REQUIRE(format_cpulist(cpu_set::range(10, 8, 20)) == "8-9");  // clipped to the size
    REQUIRE(format_cpulist(cpu_set::all(70)) == "0-69");
    REQUIRE(cpu_set::all(0).empty());
    REQUIRE(format_cpulist(cpu_set::single(70, 65)) == "65");
    auto s = cpu_set::all(3);
    s.reset(1);
    REQUIRE(format_cpulist(s) == "0,2");
    REQUIRE(s.test(0));
    REQUIRE_FALSE(s.test(1));
    s.set(1);
    REQUIRE(s == cpu_set::all(3));
    REQUIRE(cpu_set(65).words().size() == 2);
    REQUIRE(cpu_set(64).words().size() == 1);
}

TEST_CASE("cpu_span: next, first, count, empty, test and fits", "[cpuset]") {
    const std::uint64_t words[3] = {0b1010, std::uint64_t{1} << 63, 1};
    const cpu_span s(words, 3);
    REQUIRE(s.word_count() == 3);
    REQUIRE(s.first() == 1);
    REQUIRE(s.next(0) == 1);
    REQUIRE(s.next(1) == 1);
    REQUIRE(s.next(2) == 3);
    REQUIRE(s.next(4) == 127);
    REQUIRE(s.next(127) == 127);
    REQUIRE(s.next(128) == 128);
    REQUIRE(s.next(129) == no_cpu);
    REQUIRE(s.next(192) == no_cpu);  // past the last word
    REQUIRE(s.next(100000) == no_cpu);
    REQUIRE(s.count() == 4);
    REQUIRE_FALSE(s.empty());
    REQUIRE(s.test(1));
    REQUIRE(s.test(3));
    REQUIRE(s.test(127));
    REQUIRE_FALSE(s.test(2));
    REQUIRE_FALSE(s.test(1000));  // beyond the words: not a member
    REQUIRE(s.fits(129));
    REQUIRE(s.fits(1000));
    REQUIRE_FALSE(s.fits(128));
    REQUIRE_FALSE(s.fits(4));
    REQUIRE_FALSE(s.fits(0));
    REQUIRE(members(s) == std::vector<unsigned>{1, 3, 127, 128});
    REQUIRE(format_cpulist(s) == "1,3,127-128");

    const cpu_span none;
    REQUIRE(none.empty());
    REQUIRE(none.first() == no_cpu);
    REQUIRE(none.count() == 0);
    REQUIRE(none.fits(0));
    REQUIRE(members(none).empty());

    const std::uint64_t zero[2] = {0, 0};
    const cpu_span zeros(zero, 2);
    REQUIRE(zeros.empty());
    REQUIRE(zeros.fits(1));

    // The view of an owning set.
    const auto set = test::cpus("2,64-65", 66);
    const cpu_span v = set;
    REQUIRE(v.first() == 2);
    REQUIRE(v.next(3) == 64);
    REQUIRE(v.count() == 3);
    REQUIRE(v.fits(66));
    REQUIRE_FALSE(v.fits(65));
}

TEST_CASE("append_range_list: the kernel's %*pbl text", "[cpuset]") {
    REQUIRE(range_list({}, 10).empty());
    REQUIRE(range_list({0, 1, 2, 5, 7, 8}, 10) == "0-2,5,7-8");
    REQUIRE(range_list({33, 34, 35, 48}, 256) == "33-35,48");
    REQUIRE(range_list({0, 255}, 256) == "0,255");
    REQUIRE(range_list({4}, 10) == "4");
    // Positions at or past `end` stop the list.
    REQUIRE(range_list({1, 2, 9, 10, 11}, 10) == "1-2,9");
    REQUIRE(range_list({1, 2, 3}, 3) == "1-2");
    REQUIRE(range_list({5}, 5).empty());
    // It appends.
    std::string out = "System: 38: ";
    append_range_list(out, 8, [](unsigned from) { return from <= 3 ? 3u : 8u; });
    REQUIRE(out == "System: 38: 3");
}
