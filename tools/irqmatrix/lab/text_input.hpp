// SPDX-License-Identifier: MIT
// What the parsers of a machine's own files (per-IRQ debugfs, /proc, lspci)
// share: an error naming a line, the lines of a text, and the kernel's CPU
// list syntax ("0-3,8"). The library's lexing (irqmatrix/text.hpp) does the
// words and numbers; this adds only what its errors need to say.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <irqmatrix/dump.hpp>
#include <irqmatrix/text.hpp>

namespace irqmatrix::lab {

/// A failure at a 1-based line of one input.
struct input_error {
    unsigned line = 0;
    std::string message;
    std::string what() const { return "line " + std::to_string(line) + ": " + message; }
};

using detail::dump::quote;
using detail::dump::split_lines;
using detail::dump::trim;

/// A line the parsers skip: blank, or a '#' comment (a "# source:" line on top).
inline bool is_comment_or_blank(std::string_view line) {
    const auto t = trim(line);
    return t.empty() || t.front() == '#';
}

/// Calls f(number, line) for each line of the text that is not blank or a
/// comment (number: 1-based); f returns false to stop. Returns the number of
/// lines read, so that "the text ended too early" can name the line after.
template <class F>
unsigned for_each_content_line(std::string_view text, F&& f) {
    unsigned number = 0;
    for (const auto line : split_lines(text)) {
        ++number;
        if (is_comment_or_blank(line)) continue;
        if (!f(number, line)) break;
    }
    return number;
}

/// The skeleton of a parser of files whose every line names an IRQ (grep
/// output): per_line(number, line, record) reads one line, where
/// record(irq) finds or starts that IRQ's record (noting its first line),
/// and returns an error or nothing. The records come out in IRQ order
/// (out.irqs); finding none is an error naming the line after the text.
template <class Out, class Record, class PerLine>
Out parse_by_irq(std::string_view text, const char* none_found, PerLine&& per_line) {
    Out out;
    std::map<unsigned, Record> irqs;
    const unsigned lines = for_each_content_line(text, [&](unsigned number, std::string_view line) {
        const auto record = [&](unsigned irq) -> Record& {
            auto [it, added] = irqs.try_emplace(irq);
            if (added) {
                it->second.irq = irq;
                it->second.line = number;
            }
            return it->second;
        };
        out.error = per_line(number, line, record);
        return !out.error;
    });
    if (out.error) return out;
    if (irqs.empty()) {
        out.error = input_error{lines + 1, none_found};
        return out;
    }
    out.irqs.reserve(irqs.size());
    for (auto& [irq, r] : irqs) out.irqs.push_back(std::move(r));
    return out;
}

/// The first line that is not blank or a comment (what the looks_like_*
/// checks read), or nothing.
inline std::optional<std::string_view> first_content(std::string_view text) {
    std::optional<std::string_view> first;
    for_each_content_line(text, [&](unsigned, std::string_view line) {
        first = line;
        return false;
    });
    return first;
}

/// CPUs and IRQ numbers above this are refused: a bound keeps "0-4000000000"
/// from exhausting memory (the library's widest matrix has 65536 CPUs).
inline constexpr unsigned max_cpu_number = 65535;

/// A CPU list as the kernel prints it ("0-3,8"; empty is no CPU), ascending
/// and without repeats. Returns an error message, or empty on success.
inline std::string parse_cpu_list(std::string_view text, std::vector<unsigned>& out) {
    out.clear();
    text = trim(text);
    if (text.empty()) return {};
    const auto number = [](std::string_view w) {
        return detail::parse_decimal(trim(w), max_cpu_number);
    };
    const auto walk = detail::for_each_range(text, number, [&out](unsigned lo, unsigned hi) {
        if (!out.empty() && lo <= out.back()) return false;
        for (unsigned c = lo; c <= hi; ++c) out.push_back(c);
        return true;
    });
    switch (walk.stop) {
    case detail::range_stop::end: return {};
    case detail::range_stop::bad_number:
        return "expected a CPU list like 0-3,8 (CPUs up to " + std::to_string(max_cpu_number) +
               "), found " + quote(walk.item);
    case detail::range_stop::reversed: return "reversed range " + quote(walk.item);
    case detail::range_stop::refused: return "CPU list does not ascend at " + quote(walk.item);
    }
    return {};
}

/// The kernel's "%*pbl" form of an ascending list ("0-3,8"; "" for none).
inline std::string cpu_list_text(const std::vector<unsigned>& sorted) {
    std::string s;
    append_range_list(s, ~0u, [&sorted](unsigned from) {
        const auto it = std::lower_bound(sorted.begin(), sorted.end(), from);
        return it == sorted.end() ? ~0u : *it;
    });
    return s;
}

}  // namespace irqmatrix::lab
