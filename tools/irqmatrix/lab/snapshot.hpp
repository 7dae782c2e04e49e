// SPDX-License-Identifier: MIT
// A machine snapshot: what one machine's own files say about its interrupt
// vectors, put together. Every input is optional and recognised by its
// content:
//   * the debugfs VECTOR table (/sys/kernel/debug/irq/domains/VECTOR, cat or
//     grep -r), imported as machine_state.hpp does: the matrix itself;
//   * the per-IRQ debugfs files (grep -r . /sys/kernel/debug/irq/irqs/):
//     each IRQ's vector, target CPU, masks, managed or not, domain chain;
//   * /proc/interrupts: the online CPUs, each IRQ's chip, device and names;
//   * /proc/irq/N/smp_affinity_list and effective_affinity_list;
//   * lspci -vv: each PCI function's MSI (granted/capable) and MSI-X counts;
//   * a capture of the kernel's irq_matrix and irq_vectors trace events
//     (kernel_events.hpp): the matrix rebuilt event by event, and each
//     vector's owner from the vector events (read up to --until's text).
// From them the snapshot knows which IRQ owns each vector (from the per-IRQ
// files; /proc gives only the CPU), and everything it had to assume is
// listed in `guesses`, which every command prints.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <irqmatrix/trace.hpp>

#include "lab/kernel_events.hpp"
#include "lab/lspci.hpp"
#include "lab/machine_state.hpp"

namespace irqmatrix::lab {

/// One IRQ as the snapshot knows it.
struct snapshot_irq {
    unsigned irq = 0;
    std::string device;         ///< PCI address or "" (per-IRQ debugfs, else /proc/interrupts)
    std::string names;          ///< /proc/interrupts actions ("nvme0q1")
    std::string chip;           ///< the outermost domain or /proc/interrupts chip
    bool vector_known = false;  ///< vector and cpu come from the VECTOR domain's record
    unsigned vector = 0;        ///< 0: none (shut down, reservation mode, not activated)
    bool cpu_known = false;     ///< cpu is known (from the record or the effective mask)
    unsigned cpu = 0;
    std::optional<std::pair<unsigned, unsigned>> previous;  ///< (cpu, vector) of a move in progress
    bool managed = false;
    bool managed_known = false;
    bool has_reserved = false;
    bool started = true;             ///< IRQD_IRQ_STARTED (assumed when not said)
    bool legacy = false;             ///< a legacy PIC vector on all CPUs: not in the matrix
    std::vector<unsigned> affinity;  ///< the requested mask (empty: unknown)
    bool affinity_known = false;
    std::vector<unsigned> effective;
    std::string from;  ///< which inputs described it

    /// Holds a vector of the matrix now.
    bool holds_vector() const { return vector_known && vector != 0 && !legacy; }
    std::string label() const;  ///< "IRQ 129 (0000:02:00.0 nvme0q1)"
};

struct snapshot {
    std::vector<std::string> sources;     ///< "FILE: what it was read as"
    std::optional<imported_state> table;  ///< the VECTOR table, when given
    /// The trace that rebuilds the matrix (the VECTOR table's import, or
    /// the event capture's), its file, and the matrix's table of counters.
    std::string matrix_trace;
    std::string table_file;
    std::optional<dump_table> matrix_table;
    std::vector<unsigned> online;  ///< online CPUs (table rows, else /proc/interrupts)
    bool online_known = false;
    std::vector<snapshot_irq> irqs;  ///< ascending IRQ numbers
    std::vector<pci_function> pci;
    std::vector<std::string> guesses;  ///< what had to be assumed, one sentence each
    /// (cpu, vector) -> index into irqs, for every vector an IRQ holds
    /// (current, and the old one of a move in progress).
    std::map<std::pair<unsigned, unsigned>, std::size_t> owner;

    const snapshot_irq* find(unsigned irq) const;
};

struct snapshot_result {
    std::optional<snapshot> value;
    std::string error;  ///< "FILE: line N: what"
};

/// One input given by name and its text.
struct snapshot_input {
    std::string name;
    std::string text;
};

/// Builds a snapshot from inputs already read (each recognised by content).
/// `events` applies to an event capture (--until).
snapshot_result build_snapshot(const std::vector<snapshot_input>& inputs, const import_options& opt,
                               const event_import_options& events = {});
/// Reads the files ("-": standard input) and builds the snapshot.
snapshot_result load_snapshot(const std::vector<std::string>& files, const import_options& opt,
                              const event_import_options& events = {});

/// The session (matrix and planner) rebuilt from the snapshot's VECTOR
/// table or event capture; nullopt without either.
std::optional<trace::session> snapshot_session(const snapshot& s, std::string& error);

/// The snapshot as a readable summary: inputs, per-CPU owners, guesses.
std::string format_snapshot(const snapshot& s);
/// The snapshot as JSON (nlohmann), every IRQ and PCI function.
std::string snapshot_json(const snapshot& s);

/// `irqmatrix snapshot FILE...`: 0, or 2 on an input error.
int snapshot_command(const std::vector<std::string>& files, const import_options& opt,
                     const event_import_options& events, bool json, std::ostream& out,
                     std::ostream& err);

}  // namespace irqmatrix::lab
