// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes read as a captured debugfs VECTOR dump
// (irqmatrix/dump.hpp, parse_debug_show()), as `irqmatrix import` and the
// dump tests read it. Beyond "no crash, no undefined behaviour, no leak":
// every table the text announces either parses or gives an error naming a
// line of the input (or the one after its end) and why; a parsed table has
// its rows in ascending CPU order, each row's vectors ascending, and its
// lines inside the input; and the table as format_dump_table() prints it
// parses back to the same values.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <irqmatrix/dump.hpp>

#include "fuzz/text_lines.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr const char* target = "fuzz_dump";

bool same_values(const irqmatrix::dump_table& a, const irqmatrix::dump_table& b) {
    if (a.online_maps != b.online_maps || a.global_available != b.global_available ||
        a.global_reserved != b.global_reserved || a.total_allocated != b.total_allocated ||
        a.system_count != b.system_count || a.system_vectors != b.system_vectors ||
        a.has_mac_column != b.has_mac_column || a.ind != b.ind || a.rows.size() != b.rows.size())
        return false;
    for (std::size_t i = 0; i < a.rows.size(); ++i) {
        const auto& x = a.rows[i];
        const auto& y = b.rows[i];
        if (x.cpu != y.cpu || x.avl != y.avl || x.man != y.man || x.mac != y.mac ||
            x.act != y.act || x.vectors != y.vectors)
            return false;
    }
    return true;
}

void check_table(const irqmatrix::dump_table& t, unsigned lines) {
    if (t.first_line < 1 || t.first_line > t.last_line || t.last_line > lines)
        fuzz_support::fail(target, "table lines outside the input");
    for (std::size_t k = 0; k < t.rows.size(); ++k) {
        const auto& r = t.rows[k];
        if (k && t.rows[k - 1].cpu >= r.cpu) fuzz_support::fail(target, "CPU order");
        if (r.line < t.first_line || r.line > t.last_line) fuzz_support::fail(target, "row line");
        if (!std::is_sorted(r.vectors.begin(), r.vectors.end()))
            fuzz_support::fail(target, "vector order");
    }
    if (!std::is_sorted(t.system_vectors.begin(), t.system_vectors.end()))
        fuzz_support::fail(target, "system vector order");
    const std::string again = irqmatrix::format_dump_table(t);
    const auto back = irqmatrix::parse_debug_show(again);
    if (!back)
        fuzz_support::fail(target, "the formatted table does not parse: " + back.error.what());
    if (!same_values(t, *back.table))
        fuzz_support::fail(target, "the formatted table parses to other values");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const unsigned lines = fuzz_support::count_lines(text);
    // Every table announced (a few at most: each is parsed from the top).
    const unsigned tables = std::min(irqmatrix::count_debug_show_tables(text), 4u);
    for (unsigned i = 0; i < std::max(tables, 1u); ++i) {
        const auto r = irqmatrix::parse_debug_show(text, i);
        if (!r) {
            fuzz_support::check_error_line(target, r.error.line, lines, r.error.message);
            continue;
        }
        check_table(*r.table, lines);
    }
    return 0;
}
