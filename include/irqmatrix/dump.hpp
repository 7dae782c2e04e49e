// SPDX-License-Identifier: MIT
// The kernel's debugfs table (irq_matrix_debug_show), byte for byte.
//
// What /sys/kernel/debug/irq/domains/VECTOR shows: four global counters, the
// system vectors, then one row per online CPU with its available, managed,
// managed-allocated and allocated counts and its allocated vectors as a
// range list. `ind` is the kernel's indent argument: 1 when VECTOR is read
// directly, 5 when it is shown as the parent of an MSI domain; the first five
// lines ignore it and the rest are prefixed by max(ind, 1) spaces.
//
// parse_debug_show() reads such a table back from a captured debugfs file
// (see its comment for the forms it accepts); it depends on nothing but the
// standard library.
#pragma once

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cpuset.hpp"
#include "text.hpp"
#include "version.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// The kernel's "%*pbl" text of the set bits of a bitmap below `bits`.
template <class Bitmap>
std::string format_range_list(const Bitmap& map, unsigned bits) {
    std::string out;
    append_range_list(out, bits, [&](unsigned from) { return map.find_next_set(from, bits); });
    return out;
}

// ---------------------------------------------------------------------------
// Reading the table back: parse_debug_show()
//
// Accepts what people actually paste or capture:
//  * the whole debugfs file as `cat` prints it: domain header lines (name:,
//    size:, mapped:, flags:, flag names, parent:) before the table, and the
//    table nested as the parent of an MSI domain (header row and CPU rows
//    indented by ind = 5, 9, ...);
//  * `grep -r . /sys/kernel/debug/irq/domains/*` output, where every line
//    starts with "FILE:". The prefix of a table is whatever precedes its
//    "Online bitmaps:" line; the table's other lines must carry it too;
//  * many tables in one text (grep -r shows VECTOR once per MSI domain):
//    `table_index` picks one, 0 being the first;
//  * the pre-2018 rows without the mac column;
//  * '#' comment lines (a "# source:" line on top); a line counts as part of
//    a table only where "Online bitmaps:" comes before any '#'.
//
// Whitespace inside a line is not checked (a hand-edited dump still reads);
// the labels, the column header and the numbers are. dump_table::text keeps
// the table's lines as found (prefix removed), so a caller can compare its own
// debug_show() with the original byte for byte; format_dump_table() renders
// the parsed values the way the kernel would.

/// One CPU row: the kernel's counters for that CPU and its allocated vectors.
struct dump_row {
    unsigned cpu = 0;
    unsigned avl = 0;  ///< available
    unsigned man = 0;  ///< managed (reserved, allocated or not)
    unsigned mac = 0;  ///< managed_allocated (0 in the pre-2018 format, which has no column)
    unsigned act = 0;  ///< allocated
    std::vector<unsigned> vectors;  ///< alloc_map, ascending
    unsigned line = 0;              ///< 1-based line number in the parsed text
};

/// One VECTOR table as irq_matrix_debug_show() printed it.
struct dump_table {
    unsigned online_maps = 0;
    unsigned global_available = 0;
    unsigned global_reserved = 0;
    unsigned total_allocated = 0;
    unsigned system_count = 0;             ///< the count printed after "System:"
    std::vector<unsigned> system_vectors;  ///< the range list after it, ascending
    bool has_mac_column = true;            ///< false: the pre-2018 format
    int ind = 1;                           ///< spaces before "| CPU" (the kernel's ind)
    std::vector<dump_row> rows;            ///< ascending CPU numbers
    std::string prefix;                    ///< the grep -r "FILE:" prefix; empty for cat
    unsigned index = 0;                    ///< which table of the text (0: the first)
    unsigned first_line = 0;               ///< line of "Online bitmaps:" (1-based)
    unsigned last_line = 0;                ///< line of the last row (or of the header)
    /// The table's lines as found, prefix removed, each ending in '\n' (a
    /// '\r' before the newline is dropped).
    std::string text;
};

/// Where and why parsing failed: `line` is 1-based (one past the last line
/// when the text ended too early).
struct dump_error {
    unsigned line = 0;
    std::string message;
    std::string what() const { return "line " + std::to_string(line) + ": " + message; }
};

/// A table or the first problem found.
struct dump_parse_result {
    std::optional<dump_table> table;
    dump_error error;
    explicit operator bool() const noexcept { return table.has_value(); }
};

namespace detail::dump {

inline constexpr std::string_view online_label = "Online bitmaps:";
inline constexpr std::string_view header_with_mac = "| CPU | avl | man | mac | act | vectors";
inline constexpr std::string_view header_without_mac = "| CPU | avl | man | act | vectors";
/// Vectors and CPUs beyond these are refused: the largest matrix is 2048
/// bits, and a bound keeps a range like "0-4000000000" from exhausting memory.
inline constexpr unsigned max_vector = 65535;
inline constexpr unsigned max_cpu = 65535;

using detail::is_blank;

inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

inline std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

/// The text of a line for an error message, shortened.
inline std::string quote(std::string_view s) {
    constexpr std::size_t max = 60;
    std::string out = "'";
    out += s.substr(0, max);
    if (s.size() > max) out += "...";
    return out + "'";
}

/// Where "Online bitmaps:" starts in a line, if it does before any '#'.
inline std::size_t table_start(std::string_view line) noexcept {
    const std::size_t at = line.find(online_label);
    if (at == std::string_view::npos) return at;
    const std::size_t hash = line.find('#');
    return hash < at ? std::string_view::npos : at;
}

/// The kernel's "%*pbl" range list ("33-35,48"; empty for none), strictly
/// ascending. An error message, or empty on success.
inline std::string parse_range_list(std::string_view s, std::vector<unsigned>& out) {
    out.clear();
    if (s.empty()) return {};
    const auto vector = [](std::string_view w) { return parse_decimal(w, max_vector); };
    const range_walk walk = for_each_range(s, vector, [&out](unsigned lo, unsigned hi) {
        if (!out.empty() && lo <= out.back()) return false;
        for (unsigned v = lo; v <= hi; ++v) out.push_back(v);
        return true;
    });
    switch (walk.stop) {
    case range_stop::end: return {};
    case range_stop::bad_number:
        return "expected a vector range list like 33-35,48 (vectors up to " +
               std::to_string(max_vector) + "), found " + quote(walk.item);
    case range_stop::reversed: return "reversed range " + quote(walk.item);
    case range_stop::refused:
        return "range " + quote(walk.item) + " does not ascend after vector " +
               std::to_string(out.back());
    }
    return {};
}

/// A line that may precede a table in a debugfs file: a domain header line
/// ("name:", "size:", "mapped:", "flags:", "parent:", possibly behind a grep
/// prefix and indented) or a flag name (IRQ_DOMAIN_FLAG_...). Used only to
/// say where a text without any table went wrong.
inline bool is_domain_line(std::string_view line) noexcept {
    for (std::string_view key : {"name:", "size:", "mapped:", "flags:", "parent:"}) {
        for (std::size_t at = line.find(key); at != std::string_view::npos;
             at = line.find(key, at + 1))
            if (at == 0 || line[at - 1] == ':' || is_blank(line[at - 1])) return true;
    }
    const std::string_view last =
        trim(line.substr(line.rfind(':') == std::string_view::npos ? 0 : line.rfind(':') + 1));
    bool letter = false;
    for (char c : last) {
        letter = letter || (c >= 'A' && c <= 'Z');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return letter;
}

}  // namespace detail::dump

/// How many VECTOR tables ("Online bitmaps:" lines) the text holds.
inline unsigned count_debug_show_tables(std::string_view text) {
    unsigned n = 0;
    for (const auto line : detail::dump::split_lines(text))
        if (detail::dump::table_start(line) != std::string_view::npos) ++n;
    return n;
}

/// Parses the `table_index`-th (0: the first) irq_matrix_debug_show() table
/// of a text. See the comment above for the forms accepted. On failure the
/// error names the line and what was expected there.
inline dump_parse_result parse_debug_show(std::string_view text, unsigned table_index = 0) {
    namespace d = detail::dump;
    dump_parse_result res;
    const auto fail_at = [&res](std::size_t index, std::string message) {
        res.error = {static_cast<unsigned>(index + 1), std::move(message)};
        return res;
    };
    const std::vector<std::string_view> lines = d::split_lines(text);

    // Find the table's first line.
    std::size_t start = lines.size();
    unsigned seen = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (d::table_start(lines[i]) == std::string_view::npos) continue;
        if (seen++ == table_index) {
            start = i;
            break;
        }
    }
    if (start == lines.size()) {
        if (seen > 0)
            return fail_at(lines.size(), "end of input: the text has " + std::to_string(seen) +
                                             " VECTOR table(s), so there is no table " +
                                             std::to_string(table_index) + " (counting from 0)");
        // No table at all: point at the first line a debugfs file would not have.
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const std::string_view t = d::trim(lines[i]);
            if (t.empty() || t.front() == '#' || d::is_domain_line(lines[i])) continue;
            return fail_at(i,
                           "expected a debugfs domain line (name:, size:, mapped:, "
                           "flags:, parent:) or the VECTOR table's 'Online bitmaps:' "
                           "line, found " +
                               d::quote(lines[i]));
        }
        return fail_at(lines.size(),
                       "end of input: no VECTOR table (no 'Online bitmaps:' "
                       "line; is this /sys/kernel/debug/irq/domains/VECTOR?)");
    }

    dump_table t;
    t.index = table_index;
    t.prefix = std::string(lines[start].substr(0, d::table_start(lines[start])));
    t.first_line = static_cast<unsigned>(start + 1);
    const std::string_view prefix = t.prefix;
    const auto keep = [&t](std::string_view body) {
        t.text += body;
        t.text += '\n';
    };

    // Lines 1-4: a label and a number; line 5: the system vectors.
    static constexpr std::string_view labels[] = {
        "Online bitmaps:", "Global available:", "Global reserved:", "Total allocated:"};
    unsigned* const counters[] = {&t.online_maps, &t.global_available, &t.global_reserved,
                                  &t.total_allocated};
    std::size_t i = start;
    const auto body_of = [&](std::size_t at,
                             std::string_view expected) -> std::optional<std::string_view> {
        if (at >= lines.size()) {
            fail_at(at, "end of input: expected " + std::string(expected) +
                            " (the table is cut short)");
            return std::nullopt;
        }
        if (lines[at].substr(0, prefix.size()) != prefix) {
            fail_at(at, "expected " + std::string(expected) + " after the prefix " +
                            d::quote(prefix) + ", found " + d::quote(lines[at]));
            return std::nullopt;
        }
        return lines[at].substr(prefix.size());
    };
    for (std::size_t k = 0; k < 4; ++k, ++i) {
        const std::string expected = "'" + std::string(labels[k]) + " N'";
        const auto body = body_of(i, expected);
        if (!body) return res;
        const auto value = body->substr(0, labels[k].size()) == labels[k]
                               ? detail::parse_decimal(d::trim(body->substr(labels[k].size())))
                               : std::nullopt;
        if (!value) return fail_at(i, "expected " + expected + ", found " + d::quote(*body));
        *counters[k] = *value;
        keep(*body);
    }
    {
        const std::string expected = "'System: COUNT: VECTORS'";
        const auto body = body_of(i, expected);
        if (!body) return res;
        std::string_view rest = *body;
        const std::size_t colon = rest.find(':', 7);
        const auto count = rest.substr(0, 7) == "System:" && colon != std::string_view::npos
                               ? detail::parse_decimal(d::trim(rest.substr(7, colon - 7)))
                               : std::nullopt;
        if (!count) return fail_at(i, "expected " + expected + ", found " + d::quote(*body));
        t.system_count = *count;
        if (auto bad = d::parse_range_list(d::trim(rest.substr(colon + 1)), t.system_vectors);
            !bad.empty())
            return fail_at(i, "System: " + bad);
        keep(*body);
        ++i;
    }
    // The column header: its indent is the kernel's ind.
    {
        const std::string expected = "the column header '" + std::string(d::header_with_mac) + "'";
        const auto body = body_of(i, expected);
        if (!body) return res;
        std::size_t spaces = 0;
        while (spaces < body->size() && (*body)[spaces] == ' ') ++spaces;
        const std::string_view header = d::trim(body->substr(spaces));
        if (header == d::header_with_mac) {
            t.has_mac_column = true;
        } else if (header == d::header_without_mac) {
            t.has_mac_column = false;
        } else {
            return fail_at(i, "expected " + expected + " (or the pre-2018 '" +
                                  std::string(d::header_without_mac) + "'), found " +
                                  d::quote(*body));
        }
        t.ind = static_cast<int>(spaces);
        keep(*body);
        t.last_line = static_cast<unsigned>(i + 1);
        ++i;
    }
    // CPU rows, until a line that is not one (another domain, the end).
    const std::size_t columns = t.has_mac_column ? 5 : 4;
    const std::string row_form =
        t.has_mac_column ? "'CPU avl man mac act [vectors]'" : "'CPU avl man act [vectors]'";
    for (; i < lines.size(); ++i) {
        if (lines[i].substr(0, prefix.size()) != prefix) break;
        const std::string_view body = lines[i].substr(prefix.size());
        const auto w = detail::split_words(body);
        if (w.empty() || !detail::parse_decimal(w[0])) break;
        if (w.size() < columns || w.size() > columns + 1)
            return fail_at(i, "expected a CPU row " + row_form + ", found " + d::quote(body));
        dump_row r;
        unsigned* const fields[] = {&r.cpu, &r.avl, &r.man, t.has_mac_column ? &r.mac : &r.act,
                                    &r.act};
        for (std::size_t k = 0; k < columns; ++k) {
            const auto v = detail::parse_decimal(w[k], k == 0 ? d::max_cpu : ~0u);
            if (!v)
                return fail_at(i, "expected a CPU row " + row_form + ": " + d::quote(w[k]) +
                                      " is not a number" +
                                      (k == 0 ? " (CPUs up to " + std::to_string(d::max_cpu) + ")"
                                              : std::string()));
            *fields[k] = *v;
        }
        if (w.size() > columns)
            if (auto bad = d::parse_range_list(w[columns], r.vectors); !bad.empty())
                return fail_at(i, "CPU " + std::to_string(r.cpu) + ": " + bad);
        if (!t.rows.empty() && r.cpu <= t.rows.back().cpu)
            return fail_at(i, "CPU " + std::to_string(r.cpu) + " comes after CPU " +
                                  std::to_string(t.rows.back().cpu) +
                                  " (the kernel prints each online CPU once, ascending)");
        r.line = static_cast<unsigned>(i + 1);
        t.rows.push_back(std::move(r));
        keep(body);
        t.last_line = static_cast<unsigned>(i + 1);
    }
    res.table = std::move(t);
    return res;
}

/// The table as the kernel prints these values: its format (with or without
/// the mac column) and its ind. For a table read from a kernel dump this is
/// the table's text again.
inline std::string format_dump_table(const dump_table& t) {
    std::string out;
    char line[128];
    const auto put = [&](int n) {
        out.append(line, n <= 0 ? 0u : std::min(static_cast<std::size_t>(n), sizeof line - 1));
    };
    const auto range_list = [](const std::vector<unsigned>& v) {
        std::string s;
        append_range_list(s, ~0u, [&v](unsigned from) {
            const auto it = std::lower_bound(v.begin(), v.end(), from);
            return it == v.end() ? ~0u : *it;
        });
        return s;
    };
    const std::string indent(t.ind > 1 ? static_cast<std::size_t>(t.ind) : 1u, ' ');
    put(std::snprintf(line, sizeof line, "Online bitmaps:   %6u\n", t.online_maps));
    put(std::snprintf(line, sizeof line, "Global available: %6u\n", t.global_available));
    put(std::snprintf(line, sizeof line, "Global reserved:  %6u\n", t.global_reserved));
    put(std::snprintf(line, sizeof line, "Total allocated:  %6u\n", t.total_allocated));
    put(std::snprintf(line, sizeof line, "System: %u: ", t.system_count));
    out += range_list(t.system_vectors);
    out += '\n';
    out += indent;
    out += t.has_mac_column ? detail::dump::header_with_mac : detail::dump::header_without_mac;
    out += '\n';
    for (const auto& r : t.rows) {
        out += indent;
        if (t.has_mac_column)
            put(std::snprintf(line, sizeof line, " %4d  %4u  %4u  %4u %4u  ",
                              static_cast<int>(r.cpu), r.avl, r.man, r.mac, r.act));
        else
            put(std::snprintf(line, sizeof line, " %4d  %4u  %4u  %4u  ", static_cast<int>(r.cpu),
                              r.avl, r.man, r.act));
        out += range_list(r.vectors);
        out += '\n';
    }
    return out;
}

/// The bits set in a bitmap below `bits`, ascending.
template <class Bitmap>
std::vector<unsigned> set_bits(const Bitmap& map, unsigned bits) {
    std::vector<unsigned> out;
    for (unsigned b = map.find_next_set(0, bits); b < bits; b = map.find_next_set(b + 1, bits))
        out.push_back(b);
    return out;
}

/// The table irq_matrix_debug_show() prints for a matrix's state (any
/// matrix type, see matrix.hpp), with the kernel's indent `ind`.
template <class Matrix>
dump_table dump_table_of(const Matrix& m, int ind = 1) {
    dump_table t;
    const auto s = m.stats();
    t.online_maps = s.online_maps;
    t.global_available = s.global_available;
    t.global_reserved = s.global_reserved;
    t.total_allocated = s.total_allocated;
    t.system_count = m.system_map().count();
    t.system_vectors = set_bits(m.system_map(), m.bits());
    t.ind = ind;
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        const auto& cm = m.cpu_map(c);
        if (!cm.online) continue;
        dump_row r;
        r.cpu = c;
        r.avl = cm.available;
        r.man = cm.managed;
        r.mac = cm.managed_allocated;
        r.act = cm.allocated;
        r.vectors = set_bits(cm.alloc_map, m.bits());
        t.rows.push_back(std::move(r));
    }
    return t;
}

/// irq_matrix_debug_show() of any matrix type, byte for byte.
template <class Matrix>
std::string debug_show(const Matrix& m, int ind = 1) {
    return format_dump_table(dump_table_of(m, ind));
}

IRQMATRIX_END_NAMESPACE
