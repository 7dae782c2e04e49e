// SPDX-License-Identifier: MIT
// Number and table formatting for everything the project prints or writes
// (the tool's tables, CSV, JSON and SVG files, the benchmarks' summaries),
// with fmt, so that one rule decides how a number looks. Not the library's
// API: include/ stays free of dependencies.
//
// Three ways to write a number, for three readers:
//   fixed(v, d)   a set number of decimals, where the column says which
//                 ("0.250" for an index, "1234" for events per second);
//   reading(v)    a figure for a person, about four significant digits:
//                 two decimals below 100, one below 1000, none above, so a
//                 column of times or a bar label stays narrow;
//   general(v)    a number for a program (CSV, JSON): six significant
//                 digits, exponent when shorter; empty for NaN or infinity.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace irqmatrix_common {

/// `v` with `decimals` digits after the point (C locale, whatever the
/// process's locale).
inline std::string fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

/// How many decimals reading() gives `v`.
constexpr int reading_decimals(double v) noexcept {
    const double a = v < 0 ? -v : v;
    return a >= 1000 ? 0 : a >= 100 ? 1 : 2;
}

/// `v` for a person (see the file comment).
inline std::string reading(double v) { return fixed(v, reading_decimals(v)); }

/// `v` for a program: six significant digits ("%.6g"); "" if not finite.
inline std::string general(double v) {
    if (!std::isfinite(v)) return {};
    return fmt::format("{:.6g}", v);
}

/// The number general() writes, as a double: what a JSON file carries, so
/// that it says the same as the CSV beside it. NaN and infinity pass through.
inline double general_value(double v) {
    if (!std::isfinite(v)) return v;
    const std::string text = general(v);
    double back = v;
    std::from_chars(text.data(), text.data() + text.size(), back);  // locale-independent
    return back;
}

/// `text` right-aligned in `width` columns (never cut).
inline std::string align_right(std::string_view text, std::size_t width) {
    return fmt::format("{:>{}}", text, width);
}

/// `text` left-aligned in `width` columns (never cut).
inline std::string align_left(std::string_view text, std::size_t width) {
    return fmt::format("{:<{}}", text, width);
}

}  // namespace irqmatrix_common
