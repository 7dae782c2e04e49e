// SPDX-License-Identifier: MIT
// The per-IRQ debugfs files (/sys/kernel/debug/irq/irqs/N, written by
// kernel/irq/debugfs.c and, for the VECTOR domain, x86_vector_debug_show())
// as `grep -r . /sys/kernel/debug/irq/irqs/` prints them: every line is
// "PATH/N:" or "N:" followed by one line of the file.
//
// What is kept of each IRQ: its device, handler, state flags (IRQD_*), node,
// affinity, effective affinity (the kernel spells the label "effectiv:";
// "effective:" is accepted too) and pending mask, the chain of domains and
// chips from the outermost to VECTOR, and the VECTOR domain's record: the
// vector and target CPU, the previous ones while a move is in progress,
// is_managed, can_reserve, has_reserved and cleanup_pending. Labels this
// parser does not know (a domain's own debug_show lines) are skipped; the
// values of those it knows are checked, and a wrong one is an error naming
// its line.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lab/text_input.hpp"

namespace irqmatrix::lab {

/// One IRQ's debugfs file.
struct irq_record {
    unsigned irq = 0;
    unsigned line = 0;                               ///< its first line in the input
    std::string device;                              ///< "0000:02:00.0"; empty for "(null)"
    std::string handler;                             ///< "handle_edge_irq"
    std::vector<std::string> states;                 ///< IRQD_* names listed under dstate:
    std::optional<int> node;                         ///< -1: no NUMA node
    std::optional<std::vector<unsigned>> affinity;   ///< the requested mask
    std::optional<std::vector<unsigned>> effective;  ///< where it is delivered
    std::vector<std::string>
        domains;  ///< outermost first: "IR-PCI-MSIX-0000:02:00.0-13", ..., "VECTOR"
    std::vector<std::string> chips;  ///< the chip of each domain
    // The VECTOR domain's record (x86_vector_debug_show):
    bool has_vector_record = false;
    bool vector_not_assigned = false;  ///< "Vector: Not assigned"
    bool legacy_pic = false;           ///< "Target: Legacy PIC all CPUs"
    unsigned vector = 0;               ///< 0: none (shut down or reservation mode)
    unsigned target = 0;
    std::optional<unsigned> prev_vector;  ///< a move in progress: the old vector...
    std::optional<unsigned> prev_target;  ///< ...and its CPU
    bool move_in_progress = false;
    bool is_managed = false;
    bool can_reserve = false;
    bool has_reserved = false;
    bool cleanup_pending = false;

    bool has_state(std::string_view name) const {
        for (const auto& s : states)
            if (s == name) return true;
        return false;
    }
    /// The innermost domain outside VECTOR and the remapping one: the
    /// device's MSI domain or the IO-APIC ("IR-PCI-MSIX-0000:02:00.0-13").
    std::string chip_domain() const { return domains.empty() ? std::string() : domains.front(); }
};

struct irq_debugfs_result {
    std::vector<irq_record> irqs;  ///< ascending IRQ numbers
    std::optional<input_error> error;
};

/// Parses `grep -r . /sys/kernel/debug/irq/irqs/` output ('#' lines and
/// blank lines skipped). Lines of one IRQ need not be adjacent.
irq_debugfs_result parse_irq_debugfs(std::string_view text);

/// True if the text looks like that output: its first line that is not a
/// comment is "[PATH/]N:handler:" or "[PATH/]N:device:".
bool looks_like_irq_debugfs(std::string_view text);

}  // namespace irqmatrix::lab
