// SPDX-License-Identifier: MIT
// The lexing that the library's text formats share (the trace format, the
// cpulist syntax, the debugfs table): blanks and words, unsigned numbers,
// and range lists such as "0-3,8". Not API: everything is in `detail`.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "version.hpp"

IRQMATRIX_BEGIN_NAMESPACE

namespace detail {

/// A blank of the text formats: space, tab, and the carriage return,
/// vertical tab and form feed that edited files carry.
constexpr bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/// The words of a text: the runs of non-blanks. The views point into `text`.
inline std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_blank(text[i])) ++i;
        const std::size_t start = i;
        while (i < text.size() && !is_blank(text[i])) ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
    return words;
}

/// An unsigned number in `base` filling `text` completely and fitting in 32
/// bits; digits only (no sign, no blanks, no prefix).
inline std::optional<unsigned> parse_unsigned(std::string_view text, int base = 10) noexcept {
    if (text.empty()) return std::nullopt;
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

/// A decimal number of at most ten digits filling `text`, at most `limit`.
inline std::optional<unsigned> parse_decimal(std::string_view text, unsigned limit = ~0u) noexcept {
    if (text.size() > 10) return std::nullopt;
    const auto v = parse_unsigned(text);
    if (!v || *v > limit) return std::nullopt;
    return v;
}

/// Where for_each_range() stopped: at the end of the list, at an item whose
/// numbers do not parse, at a reversed range, or at an item on_range refused.
enum class range_stop : std::uint8_t { end, bad_number, reversed, refused };

struct range_walk {
    range_stop stop = range_stop::end;
    std::string_view item;  ///< the item it stopped at
};

/// Walks a non-empty range list "LO-HI,N,...": each item is one number or an
/// inclusive range, its numbers read by number(text) -> optional<unsigned>;
/// on_range(lo, hi) is called for each item and returns false to stop.
template <class Number, class OnRange>
range_walk for_each_range(std::string_view text, Number&& number, OnRange&& on_range) {
    while (true) {
        const std::size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        const std::size_t dash = item.find('-');
        const std::optional<unsigned> lo = number(item.substr(0, dash));
        const std::optional<unsigned> hi =
            dash == std::string_view::npos ? lo : number(item.substr(dash + 1));
        if (!lo || !hi) return {range_stop::bad_number, item};
        if (*lo > *hi) return {range_stop::reversed, item};
        if (!on_range(*lo, *hi)) return {range_stop::refused, item};
        if (comma == std::string_view::npos) return {};
        text.remove_prefix(comma + 1);
    }
}

}  // namespace detail

IRQMATRIX_END_NAMESPACE
