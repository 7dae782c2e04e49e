// SPDX-License-Identifier: MIT
// A machine's vector state from its debugfs dump: import a captured VECTOR
// table (/sys/kernel/debug/irq/domains/VECTOR, or `grep -r` of the whole
// directory) as an operation trace that rebuilds it, show it, and ask where
// a multi-MSI block would fit now.
//
// What a dump does not say, and what import chooses instead:
//  * The allocation window. Each CPU's counters satisfy, when nothing has
//    drifted, avl = window size - system vectors in the window - man -
//    (act - mac). Import tries the x86 windows [32,236) (before Linux 6.10)
//    and [32,235) (from 6.10) and keeps the one that explains the most CPU
//    rows (ties: [32,236), the trace format's example). Only when neither
//    explains at least half the rows does it search every window that holds
//    all allocated vectors, preferring the one closest to [32,236) among the
//    best. A dump in the pre-2018 format (no mac column) is from a kernel
//    older than 6.10, so [32,235) is not tried for it. import_options
//    overrides either end.
//  * The matrix width (256, as on x86, unless a vector needs more) and
//    NR_CPUS (the highest CPU of the table + 1; CPUs absent from the table
//    were offline when the dump was taken and stay offline, never onlined).
//  * Which allocated vectors are managed, and where the unallocated managed
//    reservations are: on each CPU the managed-allocated vectors are the
//    lowest `mac` allocated vectors (what alloc_managed, which always takes
//    the lowest reserved vector, leaves behind when nothing was freed), and
//    the man - mac unallocated reservations are the lowest free vectors above
//    the highest of them (then, if those run out, the lowest free ones below).
//  * In the pre-2018 format, which has no mac column, mac is whatever the
//    window's formula implies (clamped to what the row allows).
//
// The trace places every vector exactly: `assign` for the non-managed ones,
// and for managed reservations temporary `assign`s of the free vectors below
// each target (reserve_managed takes the lowest free vector), freed again
// right after. Every line carries its expected result, so `irqmatrix replay
// --check` confirms it, and import itself replays the trace and checks the
// bitmaps and counters before handing it out.
//
// Drift. A dump whose counters disagree with the formula above, or with its
// own totals (Global available vs the avl column, Total allocated vs act,
// Online bitmaps vs the rows), is still imported: the rebuilt state has the
// consistent counters the bitmaps imply, and every disagreement is reported
// (as '#' lines in the trace and on the command's error stream). Without
// drift, replaying the trace and printing debug_show(m, ind) gives the dump's
// table byte for byte.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <irqmatrix/dump.hpp>
#include <irqmatrix/trace.hpp>

namespace irqmatrix::lab {

struct import_options {
    std::optional<unsigned> alloc_start;  ///< the window's first vector (default: inferred)
    std::optional<unsigned> alloc_end;    ///< one past its last (default: inferred)
    std::optional<unsigned> nr_cpus;      ///< possible CPUs (default: highest CPU in the table + 1)
    unsigned table = 0;                   ///< which VECTOR table of the file, 0 being the first
};

/// One disagreement between a dump's counters and what the rest of it implies.
struct drift_item {
    unsigned line = 0;    ///< the dump line concerned (a CPU row or a global line)
    std::string message;  ///< e.g. "cpu 4: avl is 196, ... implies 197 (1 fewer); rebuilt with 197"
    std::string text() const { return "line " + std::to_string(line) + ": " + message; }
};

/// The allocation window import settled on, and why.
struct window_choice {
    unsigned start = 32;
    unsigned end = 236;
    std::string how;             ///< "given", or what the inference found
    unsigned matching_rows = 0;  ///< CPU rows whose counters the window explains
};

struct imported_state {
    std::string trace;  ///< the trace that rebuilds the dump (comment header included)
    dump_table table;   ///< the table as parsed
    unsigned tables_in_text = 0;
    unsigned bits = 256;
    unsigned nr_cpus = 0;
    window_choice window;
    std::vector<drift_item> drift;  ///< empty when the dump is consistent
    /// Replaying `trace` and printing debug_show(m, table.ind) gives the
    /// table's text byte for byte (always so without drift, unless the
    /// dump's whitespace was edited).
    bool reproduces_table = false;
};

/// A failure, with the 1-based line of the input it concerns.
struct import_error {
    unsigned line = 0;
    std::string message;
    std::string what() const { return "line " + std::to_string(line) + ": " + message; }
};

struct import_result {
    std::optional<imported_state> state;
    import_error error;
    explicit operator bool() const noexcept { return state.has_value(); }
};

/// Imports the VECTOR table `opt.table` of a dump (any form parse_debug_show
/// accepts). `source_name` is named in the trace's comment header.
import_result import_dump(std::string_view dump_text, const import_options& opt,
                          std::string_view source_name = "-");

/// True if the text holds a debugfs VECTOR table (an "Online bitmaps:" line
/// outside a '#' comment) rather than a trace.
bool looks_like_dump(std::string_view text);

/// A starting state for a simulator: the trace that rebuilds it.
struct loaded_state {
    std::string trace;  ///< the import's trace, or a trace file's own text
    bool from_dump = false;
    std::vector<drift_item> drift;  ///< a dump's disagreements (empty for a trace)
};

struct load_result {
    std::optional<loaded_state> state;
    std::string error;  ///< "NAME: line N: what", or "NAME: why it could not be read"
    explicit operator bool() const noexcept { return state.has_value(); }
};

/// A dump (imported with `opt`) or a trace (checked by replaying it: the
/// `matrix` header must come first and succeed, every line must parse, and
/// results after `=>` must match). `name` is used in messages.
load_result load_state_text(std::string_view text, const import_options& opt,
                            std::string_view name);
/// The same for a file; "-" reads standard input.
load_result load_state(const std::string& path, const import_options& opt);

/// Replays a trace into `s` with the checks load_state applies. Returns ""
/// on success, else "line N: what".
std::string build_session(std::string_view trace_text, trace::session& s);

/// Whether a multi-MSI block of one order fits now.
struct fit_entry {
    unsigned order = 0;
    unsigned size = 0;            ///< 2^order vectors
    bool fits = false;            ///< alloc_block over all online CPUs would succeed
    unsigned cpu = no_cpu;        ///< and would pick this CPU...
    unsigned base = 0;            ///< ...and this base (the default, kernel-rule placement)
    int error = 0;                ///< the negative errno when it does not fit
    unsigned cpus_with_room = 0;  ///< online CPUs with a free aligned block of this order
    unsigned free_blocks = 0;     ///< disjoint free aligned blocks over all online CPUs
};

struct fit_report {
    unsigned online_cpus = 0;
    unsigned alloc_start = 0;
    unsigned alloc_end = 0;
    std::vector<fit_entry> entries;  ///< orders 1..5: 2, 4, 8, 16 and 32 vectors
};

/// The fit of every multi-MSI size in the session's current state (no
/// matrix: no entries). The state itself is not changed.
fit_report fit(const trace::session& s);

/// The report as a readable table.
std::string format_fit(const fit_report& r, std::string_view name);

// Commands for the irqmatrix tool. Each returns 0 on success or 2 on an input
// error, reported on `err` as "irqmatrix: FILE: line N: ...". A dump's drift
// is reported on `err` too, as a warning, and does not fail the command.

/// The trace that rebuilds a dump, on `out`.
int import_command(const std::string& file, const import_options& opt, std::ostream& out,
                   std::ostream& err);
/// The kernel's table (ind 1) of a dump, through import and replay, or of a
/// trace's final state.
int show_command(const std::string& file, const import_options& opt, std::ostream& out,
                 std::ostream& err);
/// For each multi-MSI size, whether and where it fits now, in a dump or at
/// the end of a trace.
int fit_command(const std::string& file, const import_options& opt, std::ostream& out,
                std::ostream& err);

}  // namespace irqmatrix::lab
