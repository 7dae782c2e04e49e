// SPDX-License-Identifier: MIT
// Dump import, show and fit: see machine_state.hpp for what is inferred and why.
#include "lab/machine_state.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace irqmatrix::lab {

namespace {

/// The widest matrix a trace session holds (trace::session's large matrix).
constexpr unsigned widest_matrix = trace::session::large_matrix::capacity;

/// More global reservations than this is not a real machine; refusing keeps
/// an edited dump from producing a trace of billions of `reserve` lines.
constexpr unsigned max_global_reserved = 1u << 20;

std::string range_list(const std::vector<unsigned>& sorted) {
    std::string s;
    append_range_list(s, ~0u, [&sorted](unsigned from) {
        const auto it = std::lower_bound(sorted.begin(), sorted.end(), from);
        return it == sorted.end() ? ~0u : *it;
    });
    return s.empty() ? std::string("none") : s;
}

std::string window_text(unsigned start, unsigned end) {
    return "[" + std::to_string(start) + "," + std::to_string(end) + ")";
}

/// "1 fewer", "3 more": how a dumped value stands against the expected one.
std::string difference(long long dumped, long long expected) {
    const long long d = dumped - expected;
    return std::to_string(d < 0 ? -d : d) + (d < 0 ? " fewer" : " more");
}

// ---- window inference --------------------------------------------------

/// For one CPU row, the values of T = window size - system vectors in the
/// window that its counters are consistent with: avl + man + act - mac; in
/// the pre-2018 format, which has no mac, the range mac = 0..min(act, man)
/// allows.
struct row_span {
    long long lo;
    long long hi;
};

row_span span_of(const dump_row& r, bool has_mac) {
    const long long base = static_cast<long long>(r.avl) + r.man + r.act;
    if (has_mac) return {base - r.mac, base - r.mac};
    return {base - std::min(r.act, r.man), base};
}

/// Scores candidate windows in O(1) each: how many rows a window explains
/// depends only on its T, so the rows are counted per T once, and system
/// vectors per window come from prefix sums.
struct window_search {
    unsigned bits;
    std::vector<unsigned> system_below;  // system vectors below each position
    std::vector<unsigned> explained;     // rows whose span holds each T
    unsigned lowest_vector = ~0u;        // the lowest allocated vector, if any
    unsigned highest_vector = 0;

    window_search(const dump_table& t, unsigned width)
        : bits(width), system_below(width + 1, 0), explained(width + 1, 0) {
        std::vector<char> sys(width, 0);
        for (unsigned v : t.system_vectors) sys[v] = 1;
        for (unsigned i = 0; i < width; ++i)
            system_below[i + 1] = system_below[i] + (sys[i] ? 1u : 0u);
        // A difference array over T: row spans are intervals.
        std::vector<long long> delta(width + 2, 0);
        for (const auto& r : t.rows) {
            const row_span s = span_of(r, t.has_mac_column);
            const long long lo = std::max(s.lo, 0LL);
            const long long hi = std::min(s.hi, static_cast<long long>(width));
            if (lo > hi) continue;
            ++delta[static_cast<std::size_t>(lo)];
            --delta[static_cast<std::size_t>(hi) + 1];
        }
        for (const auto& r : t.rows)
            if (!r.vectors.empty()) {
                lowest_vector = std::min(lowest_vector, r.vectors.front());
                highest_vector = std::max(highest_vector, r.vectors.back());
            }
        long long running = 0;
        for (unsigned i = 0; i <= width; ++i) {
            running += delta[i];
            explained[i] = static_cast<unsigned>(running);
        }
    }

    unsigned system_in(unsigned start, unsigned end) const {
        return system_below[end] - system_below[start];
    }
    /// The window can hold the table: inside the matrix, every allocated vector inside it.
    bool valid(unsigned start, unsigned end) const {
        if (start > end || end > bits) return false;
        return lowest_vector == ~0u || (start <= lowest_vector && highest_vector < end);
    }
    unsigned score(unsigned start, unsigned end) const {
        return explained[(end - start) - system_in(start, end)];
    }
};

struct window_result {
    std::optional<window_choice> choice;
    import_error error;
};

window_result choose_window(const dump_table& t, unsigned bits, const import_options& opt) {
    const window_search ws(t, bits);
    const auto rows = static_cast<unsigned>(t.rows.size());
    const auto explains = [&](unsigned start, unsigned end) {
        return std::to_string(ws.score(start, end)) + " of " + std::to_string(rows) + " CPU rows";
    };
    window_result res;
    if (opt.alloc_start && opt.alloc_end) {
        const unsigned s = *opt.alloc_start, e = *opt.alloc_end;
        if (s > e || e > bits) {
            res.error = {t.first_line, "the window " + window_text(s, e) +
                                           " given is not inside a matrix of " +
                                           std::to_string(bits) + " vectors"};
            return res;
        }
        if (!ws.valid(s, e)) {
            for (const auto& r : t.rows)
                for (unsigned v : r.vectors)
                    if (v < s || v >= e) {
                        res.error = {r.line, "cpu " + std::to_string(r.cpu) + ": vector " +
                                                 std::to_string(v) + " lies outside the window " +
                                                 window_text(s, e) + " given"};
                        return res;
                    }
        }
        res.choice =
            window_choice{s, e, "given; its formula explains " + explains(s, e), ws.score(s, e)};
        return res;
    }

    struct candidate {
        unsigned start, end;
        const char* name;
    };
    const candidate x86[] = {{32, 236, "x86 before Linux 6.10, FIRST_SYSTEM_VECTOR 0xec"},
                             {32, 235, "x86 from Linux 6.10, FIRST_SYSTEM_VECTOR 0xeb"}};
    // The x86 windows, with whichever end was given; the first wins ties.
    std::optional<window_choice> best;
    std::string scores;
    for (const auto& c : x86) {
        // The mac column came in 2018, the 6.10 window years later: a dump
        // without the column is from a kernel with the older window.
        if (!t.has_mac_column && c.end != 236) continue;
        const unsigned s = opt.alloc_start.value_or(c.start);
        const unsigned e = opt.alloc_end.value_or(c.end);
        if (!ws.valid(s, e) || (best && best->start == s && best->end == e)) continue;
        const unsigned score = ws.score(s, e);
        scores +=
            (scores.empty() ? "" : ", ") + window_text(s, e) + " explains " + std::to_string(score);
        std::string name = c.name;
        if (opt.alloc_start)
            name = "alloc_start " + std::to_string(s) + " given, alloc_end as on " + name;
        if (opt.alloc_end)
            name = "alloc_end " + std::to_string(e) + " given, alloc_start as on " + name;
        if (!best || score > best->matching_rows) best = window_choice{s, e, name, score};
    }
    if (best && (rows == 0 || 2 * best->matching_rows >= rows)) {
        best->how = rows == 0 ? "assumed (" + best->how + "): no CPU rows to infer it from"
                              : "inferred (" + best->how + "): its avl formula explains " +
                                    explains(best->start, best->end) + " (" + scores + ")";
        res.choice = best;
        return res;
    }
    // Neither x86 window explains half the rows: search them all. Among the
    // best, the one nearest [32,236) is the least surprising for x86 users.
    std::optional<window_choice> found;
    const auto distance = [](unsigned s, unsigned e) {
        return std::make_pair(s > 32 ? s - 32 : 32 - s, e > 236 ? e - 236 : 236 - e);
    };
    const unsigned s_lo = opt.alloc_start.value_or(0);
    const unsigned s_hi = opt.alloc_start.value_or(bits);
    for (unsigned s = s_lo; s <= s_hi && s <= bits; ++s) {
        const unsigned e_lo = opt.alloc_end.value_or(s);
        const unsigned e_hi = opt.alloc_end.value_or(bits);
        for (unsigned e = e_lo; e <= e_hi && e <= bits; ++e) {
            if (!ws.valid(s, e)) continue;
            const unsigned score = ws.score(s, e);
            if (!found || score > found->matching_rows ||
                (score == found->matching_rows &&
                 distance(s, e) < distance(found->start, found->end)))
                found = window_choice{s, e, "", score};
        }
    }
    if (found && (!best || found->matching_rows > best->matching_rows)) {
        found->how = "searched: no x86 window explains half the CPU rows (" +
                     (scores.empty() ? std::string("none holds the table") : scores) + "); " +
                     window_text(found->start, found->end) + " explains " +
                     explains(found->start, found->end) +
                     " (give --alloc-start/--alloc-end if you know the machine's window)";
        res.choice = found;
        return res;
    }
    if (best) {
        best->how = "inferred (" + best->how + "), though its avl formula explains only " +
                    explains(best->start, best->end) + " (" + scores + ")";
        res.choice = best;
        return res;
    }
    res.error = {t.first_line,
                 "no allocation window inside a matrix of " + std::to_string(bits) +
                     " vectors holds every allocated vector" +
                     (opt.alloc_start || opt.alloc_end ? std::string(" with the window end given")
                                                       : std::string())};
    return res;
}

// ---- the rebuild plan ----------------------------------------------------

struct cpu_plan {
    const dump_row* row = nullptr;
    std::vector<unsigned> plain;              // allocated, not managed
    std::vector<unsigned> managed_allocated;  // allocated and managed-reserved
    std::vector<unsigned> managed_free;       // managed-reserved, not allocated
    std::uint32_t avl = 0;                    // the counters the rebuilt state will have
    unsigned man = 0, mac = 0, act = 0;
};

/// Appends the trace lines that reserve exactly `targets` (ascending) as
/// managed vectors on `cpu`: reserve_managed takes the lowest free vector,
/// so every free vector below the highest target that is not a target is
/// taken by a temporary assign first and freed afterwards. `occupied` is the
/// CPU's (system | allocated | managed) map as the trace has built it so far.
void reserve_exactly(std::string& out, unsigned cpu, unsigned start,
                     const std::vector<unsigned>& targets, std::vector<char>& occupied) {
    if (targets.empty()) return;
    const std::string c = std::to_string(cpu);
    std::vector<unsigned> temporary;
    for (unsigned v = start, t = 0; v <= targets.back(); ++v) {
        if (t < targets.size() && targets[t] == v) {
            ++t;
            continue;
        }
        if (!occupied[v]) temporary.push_back(v);
    }
    for (unsigned v : temporary) out += "assign " + c + " " + std::to_string(v) + " => 0\n";
    for (unsigned v : targets) {
        out += "reserve_managed " + c + " => 0\n";
        occupied[v] = 1;
    }
    for (unsigned v : temporary) out += "free " + c + " " + std::to_string(v) + " 0 => 0\n";
}

template <class Matrix>
std::string check_rebuilt(const Matrix& m, const dump_table& t, const std::vector<cpu_plan>& plans,
                          const std::vector<unsigned>& system) {
    const auto listed = [&m](const auto& map) { return set_bits(map, m.bits()); };
    if (listed(m.system_map()) != system) return "the system vectors differ";
    const auto s = m.stats();
    if (s.online_maps != t.rows.size()) return "the number of online CPUs differs";
    if (s.global_reserved != t.global_reserved) return "Global reserved differs";
    for (const auto& p : plans) {
        const auto& cm = m.cpu_map(p.row->cpu);
        std::vector<unsigned> alloc = p.plain;
        alloc.insert(alloc.end(), p.managed_allocated.begin(), p.managed_allocated.end());
        std::sort(alloc.begin(), alloc.end());
        std::vector<unsigned> managed = p.managed_allocated;
        managed.insert(managed.end(), p.managed_free.begin(), p.managed_free.end());
        std::sort(managed.begin(), managed.end());
        const std::string cpu = "cpu " + std::to_string(p.row->cpu) + ": ";
        if (listed(cm.alloc_map) != alloc) return cpu + "the allocated vectors differ";
        if (listed(cm.managed_map) != managed) return cpu + "the managed reservations differ";
        if (!cm.online || cm.available != p.avl || cm.managed != p.man ||
            cm.managed_allocated != p.mac || cm.allocated != p.act)
            return cpu + "the counters differ";
    }
    return {};
}

// ---- the geometry -----------------------------------------------------------

/// The geometry a table is rebuilt in: the matrix width, NR_CPUS and the
/// window (given, or inferred by choose_window()).
struct inferred_geometry {
    unsigned bits = 256;
    unsigned nr_cpus = 0;
    window_choice window;
};

struct geometry_result {
    std::optional<inferred_geometry> geometry;
    import_error error;
};

geometry_result infer_geometry(const dump_table& t, const import_options& opt) {
    geometry_result res;
    const auto fail = [&res](unsigned line, std::string message) {
        res.error = {line, std::move(message)};
        return res;
    };
    inferred_geometry st;
    unsigned highest = 0;
    unsigned highest_line = t.first_line + 4;
    for (unsigned v : t.system_vectors) highest = std::max(highest, v);
    for (const auto& r : t.rows)
        if (!r.vectors.empty() && r.vectors.back() > highest) {
            highest = r.vectors.back();
            highest_line = r.line;
        }
    if (opt.alloc_end && *opt.alloc_end > widest_matrix)
        return fail(t.first_line, "the window end " + std::to_string(*opt.alloc_end) +
                                      " given is beyond the widest matrix (" +
                                      std::to_string(widest_matrix) + " vectors)");
    if (highest >= widest_matrix)
        return fail(highest_line,
                    "vector " + std::to_string(highest) + " is beyond the widest matrix (" +
                        std::to_string(widest_matrix) + " vectors) a trace can describe");
    const unsigned needed = std::max(highest + 1, opt.alloc_end.value_or(0));
    // x86's 256 unless a vector needs more; wider matrices come in 64-bit words.
    st.bits = needed <= 256 ? 256u : (needed + 63) / 64 * 64;
    const unsigned table_cpus = t.rows.empty() ? 1u : t.rows.back().cpu + 1;
    st.nr_cpus = opt.nr_cpus.value_or(table_cpus);
    if (st.nr_cpus == 0 || st.nr_cpus > max_cpus)
        return fail(t.first_line, "nr_cpus " + std::to_string(st.nr_cpus) +
                                      " given is outside 1.." + std::to_string(max_cpus));
    if (!t.rows.empty() && t.rows.back().cpu >= st.nr_cpus)
        return fail(t.rows.back().line, "the table lists cpu " + std::to_string(t.rows.back().cpu) +
                                            " but nr_cpus " + std::to_string(st.nr_cpus) +
                                            " was given");
    if (t.global_reserved > max_global_reserved)
        return fail(t.first_line + 2, "Global reserved " + std::to_string(t.global_reserved) +
                                          " is implausibly large (more than " +
                                          std::to_string(max_global_reserved) + ")");
    auto window = choose_window(t, st.bits, opt);
    if (!window.choice) return fail(window.error.line, window.error.message);
    st.window = *window.choice;
    res.geometry = std::move(st);
    return res;
}

// ---- planning the rebuild ---------------------------------------------------

/// What the rebuilt state holds: per CPU which vectors are allocated and
/// managed, the counters it will have, and where the dump disagrees with
/// itself (drift, in dump line order).
struct rebuild_plan {
    std::vector<char> is_system;  ///< by vector
    unsigned system_in_window = 0;
    std::vector<cpu_plan> cpus;  ///< one per CPU row, in row order
    std::vector<drift_item> drift;
};

rebuild_plan plan_rebuild(const dump_table& t, const inferred_geometry& st) {
    rebuild_plan plan;
    std::vector<drift_item>& drift = plan.drift;
    const auto report = [&drift](unsigned line, std::string message) {
        drift.push_back({line, std::move(message)});
    };
    const unsigned start = st.window.start, end = st.window.end;
    const unsigned size = end - start;

    std::vector<char>& is_system = plan.is_system;
    is_system.assign(st.bits, 0);
    for (unsigned v : t.system_vectors) is_system[v] = 1;
    unsigned& system_in_window = plan.system_in_window;
    for (unsigned v = start; v < end; ++v) system_in_window += is_system[v] ? 1u : 0u;
    const long long free_total = static_cast<long long>(size) - system_in_window;

    // Global lines first, in the order of the dump.
    if (t.online_maps != t.rows.size())
        report(t.first_line, "Online bitmaps is " + std::to_string(t.online_maps) +
                                 " but the table has " + std::to_string(t.rows.size()) +
                                 " CPU rows; rebuilt with " + std::to_string(t.rows.size()) +
                                 " online");
    if (t.system_count != t.system_vectors.size())
        report(t.first_line + 4, "System: the count is " + std::to_string(t.system_count) +
                                     " but " + std::to_string(t.system_vectors.size()) +
                                     " vectors are listed; rebuilt with the listed ones");

    // Per CPU: which vectors are managed, what the counters become, drift.
    std::vector<cpu_plan>& plans = plan.cpus;
    plans.reserve(t.rows.size());
    for (const auto& r : t.rows) {
        cpu_plan p;
        p.row = &r;
        const std::string cpu = "cpu " + std::to_string(r.cpu) + ": ";
        const auto act = static_cast<unsigned>(r.vectors.size());
        if (r.act != act)
            report(r.line, cpu + "act is " + std::to_string(r.act) + " but " + std::to_string(act) +
                               " vectors are listed; rebuilt with the listed ones");
        // A vector both allocated and system (assign does not check, Q8) can
        // never have been managed.
        std::vector<unsigned> candidates;
        for (unsigned v : r.vectors) {
            if (is_system[v])
                report(r.line, cpu + "vector " + std::to_string(v) +
                                   " is allocated and also a system vector (possible only "
                                   "through assign, which does not check; kept non-managed)");
            else
                candidates.push_back(v);
        }
        // How many allocated vectors are managed.
        unsigned mac = r.mac;
        const long long t_value = free_total;
        if (!t.has_mac_column) {
            // Pre-2018: no column, so take what the formula implies.
            const long long implied = static_cast<long long>(r.avl) + r.man + r.act - t_value;
            mac = static_cast<unsigned>(std::clamp(implied, 0LL, static_cast<long long>(r.man)));
        } else if (mac > r.man) {
            report(r.line, cpu + "mac " + std::to_string(mac) + " exceeds man " +
                               std::to_string(r.man) + "; rebuilt with mac " +
                               std::to_string(r.man));
            mac = r.man;
        }
        if (mac > candidates.size()) {
            report(r.line, cpu + "mac " + std::to_string(mac) + " exceeds the " +
                               std::to_string(candidates.size()) +
                               " allocated vectors that can be managed; rebuilt with " +
                               std::to_string(candidates.size()));
            mac = static_cast<unsigned>(candidates.size());
        }
        p.managed_allocated.assign(candidates.begin(), candidates.begin() + mac);
        for (unsigned v : r.vectors)
            if (!std::binary_search(p.managed_allocated.begin(), p.managed_allocated.end(), v))
                p.plain.push_back(v);
        // The unallocated reservations: the lowest free vectors above the
        // managed-allocated ones, then the lowest below.
        const unsigned wanted = r.man - std::min(r.man, mac);
        const unsigned above = p.managed_allocated.empty() ? start : p.managed_allocated.back() + 1;
        std::vector<char> taken(st.bits, 0);
        for (unsigned v : r.vectors) taken[v] = 1;
        const auto is_free = [&](unsigned v) { return !taken[v] && !is_system[v]; };
        for (unsigned v = above; v < end && p.managed_free.size() < wanted; ++v)
            if (is_free(v)) p.managed_free.push_back(v);
        for (unsigned v = start; v < above && p.managed_free.size() < wanted; ++v)
            if (is_free(v)) p.managed_free.push_back(v);
        std::sort(p.managed_free.begin(), p.managed_free.end());
        if (p.managed_free.size() < wanted)
            report(r.line, cpu + "man " + std::to_string(r.man) + " leaves " +
                               std::to_string(wanted) + " unallocated reservations but only " +
                               std::to_string(p.managed_free.size()) +
                               " vectors are free; rebuilt with man " +
                               std::to_string(mac + p.managed_free.size()));
        p.mac = mac;
        p.act = act;
        p.man = mac + static_cast<unsigned>(p.managed_free.size());
        // What online() and the operations leave in available (unsigned, as
        // the kernel's counter).
        p.avl = static_cast<std::uint32_t>(size - system_in_window - p.man -
                                           static_cast<unsigned>(p.plain.size()));
        // The formula on the dump's own counters.
        const row_span span = span_of(r, t.has_mac_column);
        if (t_value < span.lo || t_value > span.hi) {
            const long long expected =
                t_value - r.man -
                (static_cast<long long>(r.act) - (t.has_mac_column ? r.mac : mac));
            report(r.line, cpu + "avl is " + std::to_string(r.avl) + " but the window " +
                               window_text(start, end) + " of " + std::to_string(size) +
                               " vectors less " + std::to_string(system_in_window) +
                               " system, man " + std::to_string(r.man) + " and act - mac " +
                               std::to_string(static_cast<long long>(r.act) -
                                              (t.has_mac_column ? r.mac : mac)) +
                               " implies " + std::to_string(expected) + " (the dump shows " +
                               difference(r.avl, expected) + "); rebuilt with avl " +
                               std::to_string(p.avl));
        }
        plans.push_back(std::move(p));
    }

    long long sum_avl = 0, sum_act = 0, rebuilt_avl = 0, rebuilt_act = 0;
    for (const auto& p : plans) {
        sum_avl += p.row->avl;
        sum_act += p.row->act;
        rebuilt_avl += p.avl;
        rebuilt_act += p.act;
    }
    if (t.global_available != sum_avl)
        report(t.first_line + 1, "Global available is " + std::to_string(t.global_available) +
                                     " but the avl column adds up to " + std::to_string(sum_avl) +
                                     " (the dump shows " + difference(t.global_available, sum_avl) +
                                     "); rebuilt with " + std::to_string(rebuilt_avl));
    if (t.total_allocated != sum_act)
        report(t.first_line + 3, "Total allocated is " + std::to_string(t.total_allocated) +
                                     " but the act column adds up to " + std::to_string(sum_act) +
                                     " (the dump shows " + difference(t.total_allocated, sum_act) +
                                     "); rebuilt with " + std::to_string(rebuilt_act));
    std::stable_sort(drift.begin(), drift.end(),
                     [](const drift_item& a, const drift_item& b) { return a.line < b.line; });

    return plan;
}

// ---- writing the trace ------------------------------------------------------

/// The trace that rebuilds the plan, with its comment header.
std::string write_trace(const imported_state& st, const rebuild_plan& plan,
                        std::string_view source_name) {
    const dump_table& t = st.table;
    const unsigned start = st.window.start, end = st.window.end;
    const std::vector<drift_item>& drift = plan.drift;
    const std::vector<cpu_plan>& plans = plan.cpus;
    const std::vector<char>& is_system = plan.is_system;
    std::string out;
    std::vector<unsigned> online;
    for (const auto& r : t.rows) online.push_back(r.cpu);
    std::vector<unsigned> offline;
    for (unsigned c = 0, i = 0; c < st.nr_cpus; ++c) {
        if (i < online.size() && online[i] == c)
            ++i;
        else
            offline.push_back(c);
    }
    out += "# irqmatrix import of " + std::string(source_name) + ": VECTOR table " +
           std::to_string(t.index) + " of " + std::to_string(st.tables_in_text) + " (lines " +
           std::to_string(t.first_line) + "-" + std::to_string(t.last_line) + ", ind " +
           std::to_string(t.ind) +
           (t.prefix.empty() ? std::string() : ", grep prefix '" + t.prefix + "'") +
           (t.has_mac_column ? std::string() : ", pre-2018 format without mac") + ")\n";
    out += "# geometry: " + std::to_string(st.bits) + " vectors per CPU, window " +
           window_text(start, end) + ", " + std::to_string(st.nr_cpus) +
           " CPUs (online: " + range_list(online) +
           "; offline, never onlined: " + range_list(offline) + ")\n";
    out += "# window " + st.window.how + "\n";
    out +=
        "# not in the dump, chosen: managed-allocated = the lowest mac allocated vectors of\n"
        "# each CPU; the man - mac unallocated reservations = the lowest free vectors above\n"
        "# them; placed with temporary assigns below each target, freed again\n";
    if (drift.empty()) {
        out += "# drift: none (replaying this and printing debug_show(m, " + std::to_string(t.ind) +
               ") gives the table)\n";
    } else {
        out += "# drift: " + std::to_string(drift.size()) +
               " disagreement(s); the rebuilt state has the consistent counters:\n";
        for (const auto& d : drift) out += "# drift: " + d.text() + "\n";
    }
    out += "matrix " + std::to_string(st.bits) + " " + std::to_string(start) + " " +
           std::to_string(end) + " " + std::to_string(st.nr_cpus) + " => 0\n";
    if (!t.system_vectors.empty()) {
        out += "# system vectors: " + range_list(t.system_vectors) + "\n";
        for (unsigned v : t.system_vectors)
            out += "assign_system 0 " + std::to_string(v) + " 0 => 0\n";
    }
    for (unsigned c : online) out += "online " + std::to_string(c) + " => 0\n";
    for (const auto& p : plans) {
        const unsigned cpu = p.row->cpu;
        const std::string c = std::to_string(cpu);
        if (p.plain.empty() && p.managed_allocated.empty() && p.managed_free.empty()) continue;
        out += "# cpu " + c + " (line " + std::to_string(p.row->line) + "): allocated " +
               range_list(p.plain) + ", managed and allocated " + range_list(p.managed_allocated) +
               ", managed and free " + range_list(p.managed_free) + "\n";
        std::vector<char> occupied = is_system;
        for (unsigned v : p.plain) {
            out += "assign " + c + " " + std::to_string(v) + " => 0\n";
            occupied[v] = 1;
        }
        reserve_exactly(out, cpu, start, p.managed_allocated, occupied);
        for (unsigned v : p.managed_allocated)
            out += "alloc_managed " + c + " => " + c + " " + std::to_string(v) + "\n";
        reserve_exactly(out, cpu, start, p.managed_free, occupied);
    }
    if (t.global_reserved > 0) out += "# global reservations\n";
    for (unsigned i = 0; i < t.global_reserved; ++i) out += "reserve => 0\n";

    return out;
}

}  // namespace

// ---- import ---------------------------------------------------------------

import_result import_dump(std::string_view dump_text, const import_options& opt,
                          std::string_view source_name) {
    import_result res;
    const auto fail = [&res](unsigned line, std::string message) {
        res.error = {line, std::move(message)};
        return res;
    };
    auto parsed = parse_debug_show(dump_text, opt.table);
    if (!parsed) return fail(parsed.error.line, parsed.error.message);
    imported_state st;
    st.table = std::move(*parsed.table);
    st.tables_in_text = count_debug_show_tables(dump_text);
    const dump_table& t = st.table;
    auto geometry = infer_geometry(t, opt);
    if (!geometry.geometry) return fail(geometry.error.line, geometry.error.message);
    st.bits = geometry.geometry->bits;
    st.nr_cpus = geometry.geometry->nr_cpus;
    st.window = geometry.geometry->window;
    rebuild_plan plan = plan_rebuild(t, *geometry.geometry);
    st.trace = write_trace(st, plan, source_name);

    // Replay it, in check mode, and compare with the plan.
    trace::session session;
    std::istringstream in(st.trace);
    std::ostringstream mismatches;
    trace::replay_options ro;
    ro.check = true;
    ro.name = "import";
    const auto sum = trace::replay(in, mismatches, ro, &session);
    std::string problem;
    if (sum.mismatches) {
        problem = "the trace does not replay as planned: " + mismatches.str();
        if (!problem.empty() && problem.back() == '\n') problem.pop_back();
    } else {
        problem = session.visit(
            [&](const auto& m) { return check_rebuilt(m, t, plan.cpus, t.system_vectors); },
            std::string("the trace made no matrix"));
    }
    if (!problem.empty())
        return fail(t.first_line, "internal error, please report with this dump: " + problem);
    const std::string shown =
        session.visit([&](const auto& m) { return debug_show(m, t.ind); }, std::string());
    st.reproduces_table = shown == t.text;
    // Without drift the kernel's table must come back; if only the dump's
    // whitespace differs, its canonical form must.
    if (plan.drift.empty() && t.has_mac_column && shown != format_dump_table(t))
        return fail(t.first_line,
                    "internal error, please report with this dump: the rebuilt table differs");
    st.drift = std::move(plan.drift);
    res.state = std::move(st);
    return res;
}

// ---- loading ----------------------------------------------------------------

bool looks_like_dump(std::string_view text) { return count_debug_show_tables(text) > 0; }

std::string build_session(std::string_view trace_text, trace::session& s) {
    bool header = false;
    std::string problem;
    std::istringstream in{std::string(trace_text)};
    const unsigned lines =
        trace::for_each_line(in, [&](unsigned number, const trace::line_parts& parts) {
            const std::string where = "line " + std::to_string(number) + ": ";
            if (parts.words.empty()) {
                problem = where + "a result after '=>' with no operation before it";
                return false;
            }
            const std::string op = trace::join(parts.words);
            if (!header && parts.words[0] != "matrix") {
                problem = where +
                          "expected the header 'matrix BITS ALLOC_START ALLOC_END NR_CPUS' "
                          "first, found '" +
                          op + "'";
                return false;
            }
            const trace::outcome got = s.run(parts.words);
            if (!header) {
                if (got.error) {
                    problem = where + "the header '" + op + "' is refused (" + got.text() +
                              "): BITS up to " + std::to_string(widest_matrix) +
                              ", ALLOC_START <= ALLOC_END <= BITS, 1 <= NR_CPUS <= " +
                              std::to_string(max_cpus);
                    return false;
                }
                header = true;
            } else if (parts.has_expected) {
                if (!trace::results_match(parts.expected, got.text())) {
                    problem = where + op + " => expected " + trace::join(parts.expected) +
                              ", got " + got.text();
                    return false;
                }
            } else if (got.error == to_errno(errc::invalid)) {
                // A refusal is a result; a line that is not an operation is not.
                const trace::op_signature* sig = trace::find_signature(parts.words[0]);
                if (!sig) {
                    problem = where + "'" + std::string(parts.words[0]) + "' is not an operation";
                    return false;
                }
                const unsigned nr = s.visit([](const auto& m) { return m.nr_cpus(); }, 0u);
                if (!trace::parse_arguments(sig->args, parts.words, nr)) {
                    problem = where + "'" + op + "' does not parse: " + std::string(sig->name) +
                              " takes " + std::to_string(sig->args.size()) +
                              " argument(s) (numbers, 0/1 flags or CPU lists of CPUs below " +
                              std::to_string(nr) + ")";
                    return false;
                }
            }
            return true;
        });
    if (!problem.empty()) return problem;
    if (!header)
        return "line " + std::to_string(lines > 0 ? lines : 1) +
               ": end of input: no 'matrix BITS ALLOC_START ALLOC_END NR_CPUS' header";
    return {};
}

load_result load_state_text(std::string_view text, const import_options& opt,
                            std::string_view name) {
    load_result res;
    const std::string who(name);
    if (looks_like_dump(text)) {
        auto imported = import_dump(text, opt, name);
        if (!imported) {
            res.error = who + ": " + imported.error.what();
            return res;
        }
        res.state =
            loaded_state{std::move(imported.state->trace), true, std::move(imported.state->drift)};
        return res;
    }
    trace::session s;
    if (std::string bad = build_session(text, s); !bad.empty()) {
        // A text with no header and no table was probably meant as a dump.
        res.error = who + ": " + bad +
                    (s.has_matrix() ? std::string()
                                    : " (and no debugfs VECTOR table: no 'Online bitmaps:' line)");
        return res;
    }
    res.state = loaded_state{std::string(text), false, {}};
    return res;
}

namespace {

/// The whole of a file, or of standard input for "-"; an error message otherwise.
std::optional<std::string> read_text(const std::string& path, std::string& error) {
    if (path == "-") {
        // Through rdbuf(), not istreambuf_iterator, whose inlined reads g++ 12
        // flags with -Wnull-dereference in optimised builds.
        std::ostringstream buffer;
        buffer << std::cin.rdbuf();
        std::string text = std::move(buffer).str();
        if (std::cin.bad()) {
            error = "-: read error";
            return std::nullopt;
        }
        return text;
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        error = path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream buffer;
    if (file.peek() != std::ifstream::traits_type::eof()) buffer << file.rdbuf();
    std::string text = std::move(buffer).str();
    if (file.bad()) {
        error = path + ": read error";
        return std::nullopt;
    }
    return text;
}

}  // namespace

load_result load_state(const std::string& path, const import_options& opt) {
    load_result res;
    const auto text = read_text(path, res.error);
    if (!text) return res;
    return load_state_text(*text, opt, path);
}

// ---- fit -------------------------------------------------------------------

namespace {

template <class Matrix>
fit_report fit_of(const Matrix& m) {
    fit_report r;
    r.alloc_start = m.alloc_start();
    r.alloc_end = m.alloc_end();
    cpu_set online(m.nr_cpus());
    for (unsigned c = 0; c < m.nr_cpus(); ++c)
        if (m.cpu_map(c).online) online.set(c);
    r.online_cpus = online.count();
    for (unsigned order = 1; order <= 5; ++order) {
        fit_entry e;
        e.order = order;
        e.size = 1u << order;
        online.view().for_each([&](unsigned c) {
            if (m.first_free_block(c, order) < Matrix::capacity) ++e.cpus_with_room;
            e.free_blocks += m.free_map(c).count_aligned_runs(order);
        });
        if (online.empty()) {
            e.error = to_errno(errc::no_space);
        } else {
            // Ask the matrix itself, on a copy: the placement is then the
            // library's rule by construction.
            Matrix trial = m;
            const auto placed = trial.alloc_block(online, order, false);
            if (placed) {
                e.fits = true;
                e.cpu = placed->cpu;
                e.base = placed->base;
            } else {
                e.error = to_errno(placed.error());
            }
        }
        r.entries.push_back(e);
    }
    return r;
}

}  // namespace

fit_report fit(const trace::session& s) {
    return s.visit([](const auto& m) { return fit_of(m); }, fit_report{});
}

std::string format_fit(const fit_report& r, std::string_view name) {
    std::string out = std::string(name) + ": " + std::to_string(r.online_cpus) +
                      " online CPU(s), window " + window_text(r.alloc_start, r.alloc_end) + "\n";
    out += "vectors  order  alloc_block now     CPUs with room  free blocks\n";
    char line[160];
    for (const auto& e : r.entries) {
        char where[48];
        if (e.fits)
            std::snprintf(where, sizeof where, "cpu %u base %u", e.cpu, e.base);
        else
            std::snprintf(where, sizeof where, "no room (%d)", e.error);
        const int n = std::snprintf(line, sizeof line, "%7u  %5u  %-18s  %14u  %11u\n", e.size,
                                    e.order, where, e.cpus_with_room, e.free_blocks);
        out.append(line, n <= 0 ? 0u : std::min(static_cast<std::size_t>(n), sizeof line - 1));
    }
    return out;
}

// ---- commands ----------------------------------------------------------------

namespace {

constexpr int exit_ok = 0;
constexpr int exit_input = 2;

void report_drift(const std::string& file, const std::vector<drift_item>& drift,
                  std::ostream& err) {
    for (const auto& d : drift)
        err << "irqmatrix: " << file << ": line " << d.line << ": drift: " << d.message << '\n';
}

/// Loads a dump or trace and replays it; reports errors and drift on `err`.
std::optional<trace::session> load_session(const std::string& file, const import_options& opt,
                                           std::ostream& err) {
    const load_result loaded = load_state(file, opt);
    if (!loaded) {
        err << "irqmatrix: " << loaded.error << '\n';
        return std::nullopt;
    }
    report_drift(file, loaded.state->drift, err);
    trace::session s;
    if (std::string bad = build_session(loaded.state->trace, s); !bad.empty()) {
        err << "irqmatrix: " << file << ": " << bad << '\n';
        return std::nullopt;
    }
    return s;
}

}  // namespace

int import_command(const std::string& file, const import_options& opt, std::ostream& out,
                   std::ostream& err) {
    std::string error;
    const auto text = read_text(file, error);
    if (!text) {
        err << "irqmatrix: " << error << '\n';
        return exit_input;
    }
    const auto imported = import_dump(*text, opt, file);
    if (!imported) {
        err << "irqmatrix: " << file << ": " << imported.error.what() << '\n';
        return exit_input;
    }
    out << imported.state->trace;
    report_drift(file, imported.state->drift, err);
    return exit_ok;
}

int show_command(const std::string& file, const import_options& opt, std::ostream& out,
                 std::ostream& err) {
    const auto s = load_session(file, opt, err);
    if (!s) return exit_input;
    out << s->visit([](const auto& m) { return debug_show(m, 1); }, std::string());
    return exit_ok;
}

int fit_command(const std::string& file, const import_options& opt, std::ostream& out,
                std::ostream& err) {
    const auto s = load_session(file, opt, err);
    if (!s) return exit_input;
    out << format_fit(fit(*s), file);
    return exit_ok;
}

}  // namespace irqmatrix::lab
