// SPDX-License-Identifier: MIT
// bitmap<Capacity>: bit and range edits, searches and aligned-block helpers, against brute force.
#include <bit>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <irqmatrix/bitmap.hpp>

#include "support/catch.hpp"
#include "support/helpers.hpp"

using irqmatrix::aligned_block_starts;
using irqmatrix::bitmap;
using irqmatrix::max_order;
using irqmatrix::run_mask;

namespace {

// ---- brute-force references, one bit at a time ---------------------------

template <class B>
unsigned brute_next(const B& b, unsigned start, unsigned end, bool value) {
    for (unsigned i = start; i < end; ++i)
        if (b.test(i) == value) return i;
    return end;
}

// First fit for nr clear bits in [start, end), the first bit aligned so that
// (p & align_mask) == 0; `end` if there is none.
template <class B>
unsigned brute_zero_area(const B& b, unsigned start, unsigned end, unsigned nr,
                         unsigned align_mask) {
    for (unsigned p = start; p < end && end - p >= nr; ++p) {
        if ((p & align_mask) != 0) continue;
        bool clear = true;
        for (unsigned i = p; i < p + nr && clear; ++i) clear = !b.test(i);
        if (clear) return p;
    }
    return end;
}

std::uint64_t brute_starts(std::uint64_t w, unsigned order) {
    const unsigned n = 1u << order;
    std::uint64_t r = 0;
    for (unsigned i = 0; i + n <= 64; i += n) {
        bool all = true;
        for (unsigned j = 0; j < n && all; ++j) all = ((w >> (i + j)) & 1u) != 0;
        if (all) r |= std::uint64_t{1} << i;
    }
    return r;
}

template <class B>
unsigned brute_aligned_run(const B& b, unsigned order) {
    const unsigned n = 1u << order;
    for (unsigned base = 0; base + n <= B::capacity; base += n) {
        bool all = true;
        for (unsigned j = 0; j < n && all; ++j) all = b.test(base + j);
        if (all) return base;
    }
    return B::capacity;
}

template <class B>
unsigned brute_count_runs(const B& b, unsigned order) {
    const unsigned n = 1u << order;
    unsigned count = 0;
    for (unsigned base = 0; base + n <= B::capacity; base += n) {
        bool all = true;
        for (unsigned j = 0; j < n && all; ++j) all = b.test(base + j);
        if (all) ++count;
    }
    return count;
}

// A random word whose density depends on `kind` (sparse .. dense), so that
// both long free runs and fragmented maps occur.
std::uint64_t random_word(std::mt19937_64& rng, unsigned kind) {
    switch (kind % 5) {
    case 0: return rng() & rng() & rng();
    case 1: return rng() & rng();
    case 2: return rng();
    case 3: return rng() | rng();
    default: return rng() | rng() | rng();
    }
}

template <class B>
B random_bitmap(std::mt19937_64& rng, unsigned kind) {
    B b;
    for (unsigned i = 0; i < B::word_count; ++i) {
        // Some words all-ones or all-zero, so that runs cross word edges.
        const auto pick = rng() % 8;
        const std::uint64_t w = pick == 0   ? ~std::uint64_t{0}
                                : pick == 1 ? std::uint64_t{0}
                                            : random_word(rng, kind + i);
        b.set_word(i, w);
    }
    return b;
}

template <class B>
std::vector<unsigned> set_bits(const B& b) {
    std::vector<unsigned> out;
    for (unsigned i = 0; i < B::capacity; ++i)
        if (b.test(i)) out.push_back(i);
    return out;
}

constexpr unsigned constexpr_probe_run() {
    bitmap<128> b;
    b.set_range(56, 16);  // 56..71, across the word edge
    return b.find_aligned_run(3);
}
constexpr unsigned constexpr_probe_none() {
    bitmap<128> b;
    b.set_range(56, 16);
    return b.find_aligned_run(4);  // 48..63 and 64..79 are both incomplete
}
constexpr unsigned constexpr_probe_area() {
    bitmap<128> b = bitmap<128>::range(0, 70);
    b.reset(3);
    return b.find_zero_area(0, 128, 4, 3);  // first aligned 4 clear bits: 72
}
constexpr unsigned constexpr_probe_count() {
    bitmap<256> b;
    b.set_range(30, 100);                               // 30..129
    return b.count() * 1000 + b.count_aligned_runs(5);  // 100 bits; 32..63, 64..95, 96..127
}

}  // namespace

TEMPLATE_TEST_CASE("bitmap: set, reset and test of single bits at word edges", "[bitmap]",
                   bitmap<64>, bitmap<128>, bitmap<256>, bitmap<2048>) {
    constexpr unsigned cap = TestType::capacity;
    STATIC_REQUIRE(TestType::word_count == cap / 64);
    TestType b;
    REQUIRE(b.none());
    REQUIRE_FALSE(b.any());
    REQUIRE(b.count() == 0);

    std::vector<unsigned> edges = {0, 1, 62, 63, cap - 1};
    if (cap > 64) {
        edges.push_back(64);
        edges.push_back(65);
        edges.push_back(127);
        edges.push_back(cap - 64);
        edges.push_back(cap - 65);
    }
    for (unsigned bit : edges) b.set(bit);
    unsigned distinct = 0;
    for (unsigned i = 0; i < cap; ++i) distinct += b.test(i) ? 1u : 0u;
    REQUIRE(b.count() == distinct);
    for (unsigned bit : edges) REQUIRE(b.test(bit));
    REQUIRE(b.test(cap - 1));
    REQUIRE_FALSE(b.test(2));
    REQUIRE(b.word(0) == ((std::uint64_t{1} << 63) | (std::uint64_t{1} << 62) | 3u));

    b.set(63);  // idempotent
    REQUIRE(b.count() == distinct);
    b.reset(63);
    REQUIRE_FALSE(b.test(63));
    REQUIRE(b.test(62));
    REQUIRE(b.count() == distinct - 1);
    b.reset(63);  // idempotent
    REQUIRE(b.count() == distinct - 1);
    for (unsigned bit : edges) b.reset(bit);
    REQUIRE(b.none());
    REQUIRE(b == TestType{});
}

TEMPLATE_TEST_CASE("bitmap: set_range, reset_range, all_set and none_set across word edges",
                   "[bitmap]", bitmap<64>, bitmap<128>, bitmap<256>, bitmap<2048>) {
    constexpr unsigned cap = TestType::capacity;
    std::mt19937_64 rng(0x5e7a11u + cap);
    for (unsigned round = 0; round < 300; ++round) {
        const unsigned start = static_cast<unsigned>(rng() % cap);
        const unsigned len = static_cast<unsigned>(rng() % (cap - start + 1));
        TestType b;
        b.set_range(start, len);
        std::string bad;
        for (unsigned i = 0; i < cap; ++i)
            if (b.test(i) != (i >= start && i < start + len)) bad = std::to_string(i);
        INFO("set_range(" << start << ", " << len << ") wrong at bit " << bad);
        REQUIRE(bad.empty());
        REQUIRE(b.count() == len);
        REQUIRE(b == TestType::range(start, start + len));
        REQUIRE(b.all_set(start, len));
        if (len > 0) {
            REQUIRE_FALSE(b.none_set(start, len));
            REQUIRE_FALSE(b.none_set(start + len - 1, 1));
        }
        if (start > 0) REQUIRE_FALSE(b.all_set(start - 1, len + 1));
        if (start + len < cap) {
            REQUIRE_FALSE(b.all_set(start, len + 1));
            REQUIRE(b.none_set(start + len, cap - start - len));
        }
        REQUIRE(b.none_set(0, start));

        // Clear an inner part and check the rest stays.
        const unsigned cut = len ? static_cast<unsigned>(rng() % len) : 0;
        const unsigned cut_len = len ? static_cast<unsigned>(rng() % (len - cut + 1)) : 0;
        b.reset_range(start + cut, cut_len);
        REQUIRE(b.count() == len - cut_len);
        REQUIRE(b.none_set(start + cut, cut_len));
        REQUIRE(b.all_set(start, cut));
        REQUIRE(b.all_set(start + cut + cut_len, len - cut - cut_len));
    }
    // The empty run is all set and none set.
    TestType b;
    REQUIRE(b.all_set(5, 0));
    REQUIRE(b.none_set(5, 0));
    // A full-width set of a word and of the whole map.
    b.set_range(0, 64);
    REQUIRE(b.word(0) == ~std::uint64_t{0});
    b.set_range(0, cap);
    REQUIRE(b.count() == cap);
    REQUIRE(b.all_set(0, cap));
    b.reset_range(0, cap);
    REQUIRE(b.none());
}

TEST_CASE("bitmap: set_range and reset_range write exactly the words they touch", "[bitmap]") {
    bitmap<256> b;
    b.set_range(60, 10);  // 60..69
    REQUIRE(b.word(0) == 0xF000000000000000ull);
    REQUIRE(b.word(1) == 0x000000000000003Full);
    REQUIRE(b.word(2) == 0);
    b.set_range(120, 80);  // 120..199: the end of word 1, all of word 2, the start of word 3
    REQUIRE(b.word(1) == 0xFF0000000000003Full);
    REQUIRE(b.word(2) == ~std::uint64_t{0});
    REQUIRE(b.word(3) == 0x00000000000000FFull);
    b.reset_range(63, 130);  // 63..192
    REQUIRE(b.word(0) == 0x7000000000000000ull);
    REQUIRE(b.word(1) == 0);
    REQUIRE(b.word(2) == 0);
    REQUIRE(b.word(3) == 0x00000000000000FEull);
    REQUIRE(test::ranges(b) == "60-62,193-199");
}

TEMPLATE_TEST_CASE("bitmap: find_next_set and find_next_zero agree with a bit-by-bit scan",
                   "[bitmap]", bitmap<64>, bitmap<128>, bitmap<256>, bitmap<2048>) {
    constexpr unsigned cap = TestType::capacity;
    std::mt19937_64 rng(0xF1D0u + cap);
    for (unsigned round = 0; round < 60; ++round) {
        const TestType b = random_bitmap<TestType>(rng, round);
        for (unsigned q = 0; q < 40; ++q) {
            unsigned start = static_cast<unsigned>(rng() % (cap + 1));
            unsigned end = static_cast<unsigned>(rng() % (cap + 1));
            if (start > end) std::swap(start, end);
            INFO("start " << start << " end " << end);
            REQUIRE(b.find_next_set(start, end) == brute_next(b, start, end, true));
            REQUIRE(b.find_next_zero(start, end) == brute_next(b, start, end, false));
        }
    }
    // None found: the result is `end`, also when set bits lie at or after end.
    TestType b;
    REQUIRE(b.find_next_set(0, cap) == cap);
    REQUIRE(b.find_next_set(3, 10) == 10);
    b.set(10);
    REQUIRE(b.find_next_set(3, 10) == 10);
    REQUIRE(b.find_next_set(3, 11) == 10);
    REQUIRE(b.find_next_set(11, cap) == cap);
    REQUIRE(b.find_next_set(7, 7) == 7);  // empty range
    b.set_range(0, cap);
    REQUIRE(b.find_next_zero(0, cap) == cap);
    REQUIRE(b.find_next_zero(5, 9) == 9);
    b.reset(cap - 1);
    REQUIRE(b.find_next_zero(0, cap) == cap - 1);
    REQUIRE(b.find_next_zero(0, cap - 1) == cap - 1);
}

TEST_CASE("bitmap: find_next_* crossing words", "[bitmap]") {
    bitmap<256> b;
    b.set(200);
    REQUIRE(b.find_next_set(0, 256) == 200);
    REQUIRE(b.find_next_set(64, 201) == 200);
    REQUIRE(b.find_next_set(64, 200) == 200);  // bit 200 is outside [64, 200): returns end
    REQUIRE(b.find_next_set(201, 256) == 256);
    b.set_range(0, 130);
    REQUIRE(b.find_next_zero(0, 256) == 130);
    REQUIRE(b.find_next_zero(64, 256) == 130);
    REQUIRE(b.find_next_zero(64, 100) == 100);
}

TEST_CASE("bitmap: find_zero_area follows the kernel's next-zero-area contract", "[bitmap]") {
    // Occupied: 32 (system), 33-35, 48 (the pre-6.6 real CPU0 example).
    bitmap<256> b;
    b.set(32);
    b.set_range(33, 3);
    b.set(48);
    SECTION("first fit without alignment, from the start given") {
        REQUIRE(b.find_zero_area(32, 236, 1, 0) == 36);
        REQUIRE(b.find_zero_area(0, 236, 1, 0) == 0);
        REQUIRE(b.find_zero_area(36, 236, 12, 0) == 36);  // 36..47
        REQUIRE(b.find_zero_area(36, 236, 13, 0) == 49);  // 48 blocks 36..48
        REQUIRE(b.find_zero_area(49, 236, 1, 0) == 49);
    }
    SECTION("the candidate is aligned up with the mask, in absolute bit numbers") {
        REQUIRE(b.find_zero_area(32, 236, 1, 1) == 36);
        REQUIRE(b.find_zero_area(32, 236, 2, 1) == 36);
        REQUIRE(b.find_zero_area(32, 236, 4, 3) == 36);
        REQUIRE(b.find_zero_area(32, 236, 8, 7) == 40);    // 40..47
        REQUIRE(b.find_zero_area(32, 236, 16, 15) == 64);  // 48 is taken
        REQUIRE(b.find_zero_area(32, 236, 32, 31) == 64);
        REQUIRE(b.find_zero_area(33, 236, 1, 31) == 64);  // aligned up past the start
        REQUIRE(b.find_zero_area(37, 236, 2, 1) == 38);   // 37 is odd: aligned up to 38
    }
    SECTION("no fit: the result is >= end") {
        REQUIRE(b.find_zero_area(32, 36, 1, 0) >= 36);
        REQUIRE(b.find_zero_area(36, 48, 13, 0) >= 48);
        REQUIRE(b.find_zero_area(36, 48, 16, 15) >= 48);
        // 224..235 is clear but a 32-aligned 32-run would need up to 255.
        REQUIRE(b.find_zero_area(200, 236, 32, 31) >= 236);
        REQUIRE(b.find_zero_area(236, 236, 1, 0) >= 236);
        // The area must end by `end`, even though the bits after it are clear.
        REQUIRE(b.find_zero_area(230, 236, 8, 0) >= 236);
        REQUIRE(b.find_zero_area(230, 236, 6, 0) == 230);
    }
}

TEMPLATE_TEST_CASE("bitmap: find_zero_area equals a brute-force first fit", "[bitmap]", bitmap<64>,
                   bitmap<128>, bitmap<256>, bitmap<2048>) {
    constexpr unsigned cap = TestType::capacity;
    std::mt19937_64 rng(0xA7EAu + cap);
    std::string first_bad;
    unsigned compared = 0;
    for (unsigned round = 0; round < 80 && first_bad.empty(); ++round) {
        const TestType b = random_bitmap<TestType>(rng, round);
        for (unsigned q = 0; q < 60; ++q) {
            unsigned start = static_cast<unsigned>(rng() % (cap + 1));
            unsigned end = static_cast<unsigned>(rng() % (cap + 1));
            if (start > end) std::swap(start, end);
            const unsigned order = static_cast<unsigned>(rng() % (max_order + 1));
            const unsigned mask = rng() % 2 ? (1u << order) - 1 : 0u;
            const unsigned nr = 1u + static_cast<unsigned>(rng() % 40);
            const unsigned want = brute_zero_area(b, start, end, nr, mask);
            const unsigned got = b.find_zero_area(start, end, nr, mask);
            const bool ok = want == end ? got >= end : got == want;
            ++compared;
            if (!ok && first_bad.empty())
                first_bad = "start " + std::to_string(start) + " end " + std::to_string(end) +
                            " nr " + std::to_string(nr) + " mask " + std::to_string(mask) +
                            ": want " + std::to_string(want) + " got " + std::to_string(got) +
                            " on " + test::ranges(b);
        }
    }
    INFO(first_bad);
    REQUIRE(first_bad.empty());
    REQUIRE(compared > 0);
}

TEST_CASE("bitmap: aligned_block_starts on every 16-bit pattern, at several word positions",
          "[bitmap]") {
    std::string first_bad;
    for (std::uint64_t pattern = 0; pattern < (1u << 16) && first_bad.empty(); ++pattern) {
        for (unsigned shift : {0u, 16u, 32u, 48u}) {
            // The pattern in one 16-bit lane, and with the other lanes full.
            const std::uint64_t lane = pattern << shift;
            const std::uint64_t others = ~(std::uint64_t{0xFFFF} << shift);
            for (std::uint64_t w : {lane, lane | others}) {
                for (unsigned order = 0; order <= max_order; ++order) {
                    if (aligned_block_starts(w, order) != brute_starts(w, order) &&
                        first_bad.empty())
                        first_bad = "word " + std::to_string(w) + " order " + std::to_string(order);
                }
            }
        }
    }
    INFO(first_bad);
    REQUIRE(first_bad.empty());
}

// lowest_aligned_block(): the lowest set bit of the exact starts, or 64.
unsigned brute_lowest(std::uint64_t w, unsigned order) {
    const std::uint64_t starts = brute_starts(w, order);
    return starts ? static_cast<unsigned>(std::countr_zero(starts)) : 64u;
}

TEST_CASE(
    "bitmap: lowest_aligned_block (the flat SWAR search) on every 16-bit pattern and "
    "random words",
    "[bitmap]") {
    // Its flags may be wrong above the lowest free lane (a borrow out of a
    // free lane), so the lowest one is all it claims; every 16-bit pattern
    // in every lane, with the other lanes empty and full, then random words.
    std::string first_bad;
    auto check = [&](std::uint64_t w) {
        for (unsigned order = 0; order <= max_order; ++order)
            if (irqmatrix::lowest_aligned_block(w, order) != brute_lowest(w, order) &&
                first_bad.empty())
                first_bad = "word " + std::to_string(w) + " order " + std::to_string(order);
    };
    for (std::uint64_t pattern = 0; pattern < (1u << 16) && first_bad.empty(); ++pattern)
        for (unsigned shift : {0u, 16u, 32u, 48u}) {
            const std::uint64_t lane = pattern << shift;
            check(lane);
            check(lane | ~(std::uint64_t{0xFFFF} << shift));
            check(lane | (std::uint64_t{0xFFFF} << ((shift + 16) % 64)));  // a full lane above
        }
    std::mt19937_64 rng(0x5EA4Cu);
    for (unsigned i = 0; i < 20000 && first_bad.empty(); ++i) check(random_word(rng, i));
    INFO(first_bad);
    REQUIRE(first_bad.empty());
    // The false flag it must not trust: 0..3 free and 5..7 free flag lane
    // 4..7 too at order 2 (the borrow out of lane 0..3); the lowest is 0.
    REQUIRE(irqmatrix::lowest_aligned_block(0xEFull, 2) == 0);
    REQUIRE(irqmatrix::lowest_aligned_block(0xE0ull, 2) == 64);
    REQUIRE(irqmatrix::lowest_aligned_block(0xFFFFFFFF00000000ull, 5) == 32);
    REQUIRE(irqmatrix::lowest_aligned_block(0x1FFFFFFFEull, 5) == 64);
}

TEST_CASE("bitmap: aligned_block_starts on random words and fixed examples", "[bitmap]") {
    std::mt19937_64 rng(0xB10C5u);
    for (unsigned i = 0; i < 20000; ++i) {
        const std::uint64_t w = random_word(rng, i);
        for (unsigned order = 0; order <= max_order; ++order) {
            if (aligned_block_starts(w, order) != brute_starts(w, order)) {
                INFO("word " << w << " order " << order);
                REQUIRE(aligned_block_starts(w, order) == brute_starts(w, order));
            }
        }
    }
    const std::uint64_t all = ~std::uint64_t{0};
    REQUIRE(aligned_block_starts(all, 0) == all);
    REQUIRE(aligned_block_starts(all, 1) == 0x5555555555555555ull);
    REQUIRE(aligned_block_starts(all, 2) == 0x1111111111111111ull);
    REQUIRE(aligned_block_starts(all, 3) == 0x0101010101010101ull);
    REQUIRE(aligned_block_starts(all, 4) == 0x0001000100010001ull);
    REQUIRE(aligned_block_starts(all, 5) == 0x0000000100000001ull);
    REQUIRE(aligned_block_starts(0, 3) == 0);
    // 1..32 set: no aligned 32-block (0..31 misses bit 0, 32..63 misses 33..63).
    REQUIRE(aligned_block_starts(0x1FFFFFFFEull, 5) == 0);
    REQUIRE(aligned_block_starts(0x1FFFFFFFEull, 4) == 0x10000ull);
    // The upper half only.
    REQUIRE(aligned_block_starts(0xFFFFFFFF00000000ull, 5) == 0x100000000ull);
    // Unaligned runs do not count: 3..6 set holds no aligned 4-block.
    REQUIRE(aligned_block_starts(0x78ull, 2) == 0);
    REQUIRE(aligned_block_starts(0x78ull, 1) == 0x10ull);  // only 4..5 (2 and 7 are clear)
}

TEMPLATE_TEST_CASE("bitmap: find_aligned_run and count_aligned_runs equal brute force, orders 0..5",
                   "[bitmap]", bitmap<64>, bitmap<128>, bitmap<256>, bitmap<2048>) {
    constexpr unsigned cap = TestType::capacity;
    std::mt19937_64 rng(0xC0DEu + cap);
    std::string first_bad;
    for (unsigned round = 0; round < 200 && first_bad.empty(); ++round) {
        const TestType b = random_bitmap<TestType>(rng, round);
        for (unsigned order = 0; order <= max_order; ++order) {
            const unsigned want_run = brute_aligned_run(b, order);
            const unsigned want_count = brute_count_runs(b, order);
            if (b.find_aligned_run(order) != want_run ||
                b.count_aligned_runs(order) != want_count) {
                first_bad = "order " + std::to_string(order) + " on " + test::ranges(b) + ": run " +
                            std::to_string(b.find_aligned_run(order)) + " want " +
                            std::to_string(want_run) + ", count " +
                            std::to_string(b.count_aligned_runs(order)) + " want " +
                            std::to_string(want_count);
                break;
            }
        }
    }
    INFO(first_bad);
    REQUIRE(first_bad.empty());

    // Exhaustive over a small space: every 12-bit pattern placed at the top
    // of the map (the last word's high bits, never crossing a word).
    for (std::uint64_t pattern = 0; pattern < (1u << 12) && first_bad.empty(); ++pattern) {
        TestType b;
        b.set_word(TestType::word_count - 1, pattern << 52);
        for (unsigned order = 0; order <= max_order; ++order)
            if (b.find_aligned_run(order) != brute_aligned_run(b, order) ||
                b.count_aligned_runs(order) != brute_count_runs(b, order))
                first_bad =
                    "pattern " + std::to_string(pattern) + " order " + std::to_string(order);
    }
    INFO(first_bad);
    REQUIRE(first_bad.empty());

    // None: capacity; empty map: no runs.
    const TestType empty;
    for (unsigned order = 0; order <= max_order; ++order) {
        REQUIRE(empty.find_aligned_run(order) == cap);
        REQUIRE(empty.count_aligned_runs(order) == 0);
    }
    // Full map: every aligned block.
    const TestType full = TestType::range(0, cap);
    for (unsigned order = 0; order <= max_order; ++order) {
        REQUIRE(full.find_aligned_run(order) == 0);
        REQUIRE(full.count_aligned_runs(order) == cap >> order);
    }
}

TEST_CASE("bitmap: aligned runs of the x86 window [32,236) and [33,235)", "[bitmap]") {
    const auto w1 = bitmap<256>::range(32, 236);
    const unsigned counts1[] = {204, 102, 51, 25, 12, 6};
    const auto w2 = bitmap<256>::range(33, 235);
    const unsigned firsts2[] = {33, 34, 36, 40, 48, 64};
    const unsigned counts2[] = {202, 100, 49, 24, 11, 5};
    for (unsigned order = 0; order <= max_order; ++order) {
        INFO("order " << order);
        REQUIRE(w1.find_aligned_run(order) == 32);
        REQUIRE(w1.count_aligned_runs(order) == counts1[order]);
        REQUIRE(w2.find_aligned_run(order) == firsts2[order]);
        REQUIRE(w2.count_aligned_runs(order) == counts2[order]);
    }
}

TEST_CASE("bitmap: run_mask", "[bitmap]") {
    REQUIRE(run_mask(0, 64) == ~std::uint64_t{0});
    REQUIRE(run_mask(0, 0) == 0);
    REQUIRE(run_mask(63, 0) == 0);
    REQUIRE(run_mask(63, 1) == 0x8000000000000000ull);
    REQUIRE(run_mask(0, 1) == 1);
    REQUIRE(run_mask(0, 63) == 0x7FFFFFFFFFFFFFFFull);
    REQUIRE(run_mask(1, 63) == 0xFFFFFFFFFFFFFFFEull);
    REQUIRE(run_mask(4, 8) == 0xFF0ull);
    REQUIRE(run_mask(32, 32) == 0xFFFFFFFF00000000ull);
    for (unsigned start = 0; start < 64; ++start)
        for (unsigned len = 0; start + len <= 64; ++len) {
            std::uint64_t want = 0;
            for (unsigned i = start; i < start + len; ++i) want |= std::uint64_t{1} << i;
            if (run_mask(start, len) != want) {
                INFO("start " << start << " len " << len);
                REQUIRE(run_mask(start, len) == want);
            }
        }
}

TEST_CASE("bitmap: constexpr use", "[bitmap]") {
    STATIC_REQUIRE(run_mask(0, 64) == ~std::uint64_t{0});
    STATIC_REQUIRE(run_mask(60, 4) == 0xF000000000000000ull);
    STATIC_REQUIRE(aligned_block_starts(0xFFull, 3) == 1u);
    STATIC_REQUIRE(aligned_block_starts(0xFEull, 3) == 0u);
    STATIC_REQUIRE(constexpr_probe_run() == 56);
    STATIC_REQUIRE(constexpr_probe_none() == 128);
    STATIC_REQUIRE(constexpr_probe_area() == 72);
    STATIC_REQUIRE(constexpr_probe_count() == 100003);
    STATIC_REQUIRE(bitmap<64>::range(3, 5).count() == 2);
    STATIC_REQUIRE(bitmap<2048>::range(0, 2048).count() == 2048);
    STATIC_REQUIRE(bitmap<2048>::word_count == 32);
    STATIC_REQUIRE(max_order == 5);
}

TEST_CASE("bitmap: set operations, equality and for_each_set", "[bitmap]") {
    const auto a = bitmap<128>::range(10, 80);
    const auto b = bitmap<128>::range(60, 120);
    REQUIRE(test::ranges(a | b) == "10-119");
    REQUIRE(test::ranges(a & b) == "60-79");
    auto c = a;
    c.and_not(b);
    REQUIRE(test::ranges(c) == "10-59");
    c |= bitmap<128>::range(127, 128);
    REQUIRE(test::ranges(c) == "10-59,127");
    c &= bitmap<128>::range(50, 128);
    REQUIRE(test::ranges(c) == "50-59,127");
    REQUIRE(c != a);
    REQUIRE(c == (bitmap<128>::range(50, 60) | bitmap<128>::range(127, 128)));

    std::vector<unsigned> seen;
    c.for_each_set([&seen](unsigned bit) { seen.push_back(bit); });
    REQUIRE(seen == set_bits(c));
    REQUIRE(seen.size() == 11);
    REQUIRE(seen.front() == 50);
    REQUIRE(seen.back() == 127);
}
