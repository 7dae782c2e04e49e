// SPDX-License-Identifier: MIT
// The per-CPU vector bitmap: a fixed-capacity array of 64-bit words.
//
// Words are std::uint64_t, not the native `unsigned long` the kernel uses, so a
// simulation gives bit-identical results on every host. The capacity is a
// compile-time multiple of 64 (x86: 256, RISC-V IMSIC: up to 2048); the logical
// width of a matrix is a runtime value no larger than it, and the bits above
// the logical width are always zero (verify() checks this).
//
// Two searches matter:
//  * find_zero_area(): the contract of the kernel's bitmap_find_next_zero_area_off()
//    (first fit, candidate aligned up with an alignment mask, returns `end` or
//    more when there is none), so a port needs no translation;
//  * aligned_block_starts(): every free aligned block of order K in one word,
//    with K shift-and steps and a constant mask, no per-bit loop. Aligned
//    blocks of order <= 5 never straddle a 64-bit word, so a CPU's free aligned
//    blocks are found a word at a time.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "version.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// Largest block order: 2^5 = 32 vectors, the PCI multi-MSI limit.
inline constexpr unsigned max_order = 5;

/// The bit positions i (in one word) that start an aligned block of order k,
/// given a word whose set bits are the free vectors: bit i of the result is
/// set iff i % 2^k == 0 and bits [i, i + 2^k) of `free` are all set.
namespace detail {
// Bit i of aligned_starts[k] is set iff i is a multiple of 2^k.
inline constexpr std::uint64_t aligned_starts[max_order + 1] = {
    ~std::uint64_t{0},     0x5555555555555555ull, 0x1111111111111111ull,
    0x0101010101010101ull, 0x0001000100010001ull, 0x0000000100000001ull,
};
// Bit i of lane_tops[k] is set iff i is the last bit of an aligned 2^k lane.
inline constexpr std::uint64_t lane_tops[max_order + 1] = {
    ~std::uint64_t{0},     0xAAAAAAAAAAAAAAAAull, 0x8888888888888888ull,
    0x8080808080808080ull, 0x8000800080008000ull, 0x8000000080000000ull,
};
}  // namespace detail

constexpr std::uint64_t aligned_block_starts(std::uint64_t free, unsigned order) noexcept {
    // After the loop bit i is set iff bits [i, i + 2^order) were all set.
    for (unsigned shift = 1; shift < (1u << order); shift <<= 1) free &= free >> shift;
    return free & detail::aligned_starts[order];
}

/// The lowest free aligned block of the order in one word, as a bit offset
/// (0..63, a multiple of 2^order), or 64 if the word has none. Flat in the
/// order: each aligned block is a lane of 2^order bits, and a lane is wholly
/// free iff it is zero in ~free, which one subtraction detects for every lane
/// at once (the SWAR "has a zero lane" test). A borrow out of a zero lane can
/// flag the lane above it too, so only the lowest flag is trusted, which is
/// all a first-fit search needs; aligned_block_starts() is the exact set.
constexpr unsigned lowest_aligned_block(std::uint64_t free, unsigned order) noexcept {
    const std::uint64_t flags =
        (~free - detail::aligned_starts[order]) & free & detail::lane_tops[order];
    return flags ? static_cast<unsigned>(std::countr_zero(flags)) & ~((1u << order) - 1) : 64u;
}

/// The largest order k (0..max_order) of an aligned block of 2^k set bits in
/// one word, or -1 for an empty word. Doubling: the starts of order k + 1 are
/// the starts of order k whose buddy (2^k higher) is a start too.
constexpr int largest_aligned_order(std::uint64_t word) noexcept {
    // Branch-free: each step keeps the starts whose buddy is a start too.
    const std::uint64_t a1 = word & (word >> 1) & detail::aligned_starts[1];
    const std::uint64_t a2 = a1 & (a1 >> 2) & detail::aligned_starts[2];
    const std::uint64_t a3 = a2 & (a2 >> 4) & detail::aligned_starts[3];
    const std::uint64_t a4 = a3 & (a3 >> 8) & detail::aligned_starts[4];
    const std::uint64_t a5 = a4 & (a4 >> 16) & detail::aligned_starts[5];
    return (word != 0) + (a1 != 0) + (a2 != 0) + (a3 != 0) + (a4 != 0) + (a5 != 0) - 1;
}

/// A mask of `len` consecutive bits starting at bit `start` of a word
/// (start + len <= 64). len == 64 is special-cased: shifting by the word
/// width is undefined behaviour.
constexpr std::uint64_t run_mask(unsigned start, unsigned len) noexcept {
    if (len == 0) return 0;
    const std::uint64_t ones = len >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << len) - 1);
    return ones << start;
}

template <unsigned Capacity>
class bitmap {
    static_assert(Capacity >= 64 && Capacity % 64 == 0,
                  "irqmatrix: a bitmap capacity must be a positive multiple of 64 "
                  "(x86 uses 256, RISC-V IMSIC up to 2048)");

public:
    using word_type = std::uint64_t;
    static constexpr unsigned capacity = Capacity;
    static constexpr unsigned word_count = Capacity / 64;

    constexpr bitmap() noexcept = default;

    /// The bits [start, end) set, all others clear.
    static constexpr bitmap range(unsigned start, unsigned end) noexcept {
        bitmap b;
        b.set_range(start, end - start);
        return b;
    }

    constexpr bool test(unsigned bit) const noexcept {
        return (words_[bit / 64] >> (bit % 64)) & 1u;
    }
    constexpr void set(unsigned bit) noexcept { words_[bit / 64] |= word_type{1} << (bit % 64); }
    constexpr void reset(unsigned bit) noexcept {
        words_[bit / 64] &= ~(word_type{1} << (bit % 64));
    }

    /// Set / clear / test the bits [start, start + len).
    constexpr void set_range(unsigned start, unsigned len) noexcept {
        for_each_word_run(words_, start, len, [](word_type& w, word_type m) { w |= m; });
    }
    constexpr void reset_range(unsigned start, unsigned len) noexcept {
        for_each_word_run(words_, start, len, [](word_type& w, word_type m) { w &= ~m; });
    }
    constexpr bool all_set(unsigned start, unsigned len) const noexcept {
        bool all = true;
        for_each_word_run(words_, start, len,
                          [&all](word_type w, word_type m) { all = all && (w & m) == m; });
        return all;
    }
    constexpr bool none_set(unsigned start, unsigned len) const noexcept {
        bool none = true;
        for_each_word_run(words_, start, len,
                          [&none](word_type w, word_type m) { none = none && (w & m) == 0; });
        return none;
    }

    constexpr unsigned count() const noexcept {
        unsigned n = 0;
        for (word_type w : words_) n += static_cast<unsigned>(std::popcount(w));
        return n;
    }
    constexpr bool any() const noexcept {
        for (word_type w : words_)
            if (w) return true;
        return false;
    }
    constexpr bool none() const noexcept { return !any(); }

    /// The lowest set bit in [start, end), or `end` if there is none.
    constexpr unsigned find_next_set(unsigned start, unsigned end) const noexcept {
        return find_next(start, end, word_type{0});
    }
    /// The lowest clear bit in [start, end), or `end` if there is none.
    constexpr unsigned find_next_zero(unsigned start, unsigned end) const noexcept {
        return find_next(start, end, ~word_type{0});
    }

    /// First fit for `nr` clear bits in [start, end), the candidate aligned so
    /// that (candidate & align_mask) == 0 (align_mask = 2^k - 1 for alignment
    /// 2^k, 0 for none). Returns the first bit of the area, or a value >= end
    /// when there is none: the contract of the kernel's
    /// bitmap_find_next_zero_area_off() with offset 0.
    constexpr unsigned find_zero_area(unsigned start, unsigned end, unsigned nr,
                                      unsigned align_mask) const noexcept {
        unsigned index = start;
        for (;;) {
            index = find_next_zero(index, end);
            index = (index + align_mask) & ~align_mask;
            if (index >= end || end - index < nr) return end;
            const unsigned blocker = find_next_set(index, index + nr);
            if (blocker >= index + nr) return index;
            index = blocker + 1;
        }
    }

    /// The lowest base of a block of 2^order set bits aligned to 2^order, or
    /// `capacity` if there is none (word-parallel; see lowest_aligned_block()).
    constexpr unsigned find_aligned_run(unsigned order) const noexcept {
        for (unsigned i = 0; i < word_count; ++i)
            if (const unsigned at = lowest_aligned_block(words_[i], order); at < 64)
                return i * 64 + at;
        return capacity;
    }
    /// The largest order of an aligned block of set bits, -1 if none is set.
    constexpr int largest_aligned_order() const noexcept {
        int best = -1;
        for (word_type w : words_) {
            const int k = irqmatrix::largest_aligned_order(w);
            if (k > best) best = k;
            if (best == static_cast<int>(max_order)) break;
        }
        return best;
    }

    /// How many disjoint aligned blocks of 2^order set bits there are.
    constexpr unsigned count_aligned_runs(unsigned order) const noexcept {
        unsigned n = 0;
        for (word_type w : words_)
            n += static_cast<unsigned>(std::popcount(aligned_block_starts(w, order)));
        return n;
    }

    constexpr word_type word(unsigned i) const noexcept { return words_[i]; }
    constexpr void set_word(unsigned i, word_type w) noexcept { words_[i] = w; }

    constexpr bitmap& operator|=(const bitmap& o) noexcept {
        for (unsigned i = 0; i < word_count; ++i) words_[i] |= o.words_[i];
        return *this;
    }
    constexpr bitmap& operator&=(const bitmap& o) noexcept {
        for (unsigned i = 0; i < word_count; ++i) words_[i] &= o.words_[i];
        return *this;
    }
    /// this &= ~o
    constexpr bitmap& and_not(const bitmap& o) noexcept {
        for (unsigned i = 0; i < word_count; ++i) words_[i] &= ~o.words_[i];
        return *this;
    }
    friend constexpr bitmap operator|(bitmap a, const bitmap& b) noexcept { return a |= b; }
    friend constexpr bitmap operator&(bitmap a, const bitmap& b) noexcept { return a &= b; }
    friend constexpr bool operator==(const bitmap&, const bitmap&) noexcept = default;

    /// Calls f(bit) for every set bit, ascending.
    template <class F>
    constexpr void for_each_set(F&& f) const {
        for (unsigned i = 0; i < word_count; ++i) {
            for (word_type w = words_[i]; w; w &= w - 1)
                f(i * 64 + static_cast<unsigned>(std::countr_zero(w)));
        }
    }

private:
    // Applies op(word, mask) to every word the run [start, start + len) touches.
    // `Words` is the word array, const for the read-only queries.
    template <class Words, class Op>
    static constexpr void for_each_word_run(Words& words, unsigned start, unsigned len,
                                            Op op) noexcept {
        while (len > 0) {
            const unsigned offset = start % 64;
            const unsigned n = len < 64 - offset ? len : 64 - offset;
            op(words[start / 64], run_mask(offset, n));
            start += n;
            len -= n;
        }
    }

    // Lowest bit in [start, end) whose value differs from the bits of `flip`
    // (flip = 0 finds set bits, flip = ~0 finds clear bits), or `end`.
    constexpr unsigned find_next(unsigned start, unsigned end, word_type flip) const noexcept {
        if (start >= end) return end;
        unsigned i = start / 64;
        word_type w = (words_[i] ^ flip) & (~word_type{0} << (start % 64));
        for (;;) {
            if (w) {
                const unsigned bit = i * 64 + static_cast<unsigned>(std::countr_zero(w));
                return bit < end ? bit : end;
            }
            if (++i >= word_count || i * 64 >= end) return end;
            w = words_[i] ^ flip;
        }
    }

    std::array<word_type, word_count> words_{};
};

IRQMATRIX_END_NAMESPACE
