// SPDX-License-Identifier: MIT
// The kernel's own irq_matrix trace events, turned into an operation trace
// that rebuilds the kernel's matrix event by event (docs/real-kernels.md).
//
// Every irq_matrix event prints the counters *after* its operation (the
// CPU's and the matrix's; docs/kernel-semantics.md 2.2), so each event
// becomes one trace operation on the one CPU it names, followed by the
// counters it reported as expected results: `irqmatrix replay --check`
// then compares the library with the running kernel after every event.
//
// What the events do not say is inferred, and every inference is reported:
//  * the geometry: the window's end from the first irq_matrix_online (its
//    global_avl is the window size less the in-window system vectors),
//    unless given;
//  * whether an allocation used a global reservation (global_rsvd fell) and
//    whether a free was managed (the bit is a managed reservation);
//  * which CPU came online or went offline when the line has no CPU column
//    (the kernel log form of tp_printk): the candidates whose counters match,
//    then the one the following events agree with, then the lowest;
//  * events lost because a tracepoint does not fire on a CPU already marked
//    offline: the dying CPU's irq_matrix_offline and the moves of its
//    interrupts. A drop in online_maps that no event explains is filled with
//    the kernel's CPU-offline rules (docs/kernel-semantics.md 3.4): every
//    interrupt of the dying CPU, in IRQ order, moves within its affinity
//    (managed: its reservation mask; others: every online CPU) by the
//    kernel's CPU choice, the old vector is freed at once, a managed
//    interrupt with no online CPU left is shut down, then the CPU goes
//    offline. Which CPUs died is chosen by the counters of the events that
//    follow.
// The block events of the kernel port (examples/kernel-port/irq_matrix_trace.h)
// and of the library (include/irqmatrix/events.hpp) are read too: each is
// the per-CPU text plus " order=K" and becomes the block operation on the
// CPU it names.
// The x86 irq_vectors events (vector_config, vector_update, ...) say which
// IRQ owns which vector; they are kept as comments in the trace and give the
// final owner of every vector.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irqmatrix::lab {

/// One irq_matrix_* or irq_vectors vector_* event as it was printed.
struct kernel_event {
    std::size_t file = 0;              ///< index into parsed_events::files
    unsigned line = 0;                 ///< 1-based line in that file
    std::string name;                  ///< e.g. "irq_matrix_alloc", "vector_config"
    std::optional<unsigned> exec_cpu;  ///< the CPU column, where the form has one
    std::vector<std::pair<std::string, std::int64_t>> fields;

    std::int64_t get(std::string_view key) const;  ///< a field known to be there
    bool has(std::string_view key) const;          ///< whether the line has the field
    bool is_matrix() const { return name.rfind("irq_matrix_", 0) == 0; }
    /// x86's log line of a CPU going down or coming up ("hint_cpu_offline",
    /// "hint_cpu_online", field cpu): not an event, a clue.
    bool is_hint() const { return name.rfind("hint_", 0) == 0; }
};

/// Which of the printed forms a file was in (one line may say).
enum class event_form { unknown, trace_buffer, kernel_log, oops_dump };
const char* form_name(event_form f);

struct parsed_events {
    std::vector<std::string> files;
    std::vector<kernel_event> events;
    unsigned lines = 0;             ///< lines read
    unsigned other_events = 0;      ///< trace lines of other events, skipped
    unsigned other_lines = 0;       ///< every other line, skipped
    std::vector<event_form> forms;  ///< per file: the form its first event had
};

/// A failure, naming the file and line.
struct events_error {
    std::string file;
    unsigned line = 0;
    std::string message;
    std::string what() const;
};

/// Reads the events of one file's text into `into`. Lines of other events
/// and other log lines are counted and skipped; an irq_matrix line that is
/// cut short, names an unknown irq_matrix event or has a malformed field is
/// an error.
std::optional<events_error> parse_kernel_events(std::string_view text, std::string_view file,
                                                parsed_events& into);

struct event_import_options {
    std::optional<unsigned> bits;         ///< vectors per CPU (default 256, x86)
    std::optional<unsigned> alloc_start;  ///< the window's first vector (default 32, x86)
    std::optional<unsigned> alloc_end;    ///< one past its last (default: inferred)
    std::optional<unsigned> nr_cpus;      ///< possible CPUs (default: highest CPU seen + 1)
    /// Read each file only up to the first line that contains this text (a
    /// marker printed when a snapshot of /proc was taken, say).
    std::optional<std::string> until;
};

/// Something the events did not say and the import chose.
struct inference {
    std::string file;
    unsigned line = 0;  ///< the event before which (or at which) it was inferred
    std::string what;
};

/// Who owns a vector at the end of the capture (from the irq_vectors events;
/// only vectors the rebuilt matrix holds allocated, so not the placeholder
/// vector a shut-down interrupt points at).
struct vector_owner {
    unsigned irq = 0;
    unsigned cpu = 0;
    unsigned vector = 0;
    bool managed = false;
};

struct events_import {
    std::string trace;  ///< the trace, with a comment header
    unsigned bits = 256, alloc_start = 32, alloc_end = 0, nr_cpus = 0;
    std::string geometry_how;
    unsigned matrix_events = 0;  ///< irq_matrix events read (each one mapped)
    unsigned vector_events = 0;  ///< irq_vectors events read (kept as comments)
    unsigned hints = 0;          ///< x86 hotplug log lines read (clues to which CPU)
    unsigned inferred_operations = 0;
    std::vector<inference> inferred;
    std::vector<vector_owner> owners;  ///< by IRQ number
    /// Managed IRQs with no vector at the end: every CPU of their mask went
    /// offline (the kernel points them at a placeholder on the first online CPU).
    std::vector<unsigned> shut_down;
};

struct events_import_result {
    std::optional<events_import> import;
    events_error error;
    explicit operator bool() const noexcept { return import.has_value(); }
};

/// Rebuilds the kernel's matrix from the events (see the top of this file).
events_import_result import_events(const parsed_events& parsed, const event_import_options& opt);

/// `irqmatrix import-events FILE...`: the files are read as one stream in
/// the order given. The trace goes to `out`, a summary (events read, mapped,
/// inferred with their lines, skipped) to `err`. 0, or 2 on an input error
/// ("irqmatrix: FILE:LINE: what").
int import_events_command(const std::vector<std::string>& files, const event_import_options& opt,
                          std::ostream& out, std::ostream& err);

}  // namespace irqmatrix::lab
