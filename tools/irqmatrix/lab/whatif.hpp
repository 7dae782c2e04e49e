// SPDX-License-Identifier: MIT
// Questions about one machine, answered from its snapshot (snapshot.hpp)
// with the kernel's own rules, and next to them the planner's exact answer:
//
//  * leaks: allocated vectors no IRQ owns, IRQs claiming a vector the table
//    does not have, and the VECTOR table's counters against its bitmaps;
//  * offline: CPUs taken down one by one as Linux does it (see offline_cpus);
//  * affinity: would a write to /proc/irq/N/smp_affinity_list succeed, and
//    where would the IRQ land;
//  * headroom: per CPU what a balancer needs before it writes.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "lab/snapshot.hpp"

namespace irqmatrix::lab {

// ---- leaks --------------------------------------------------------------

struct cpu_leaks {
    unsigned cpu = 0;
    unsigned allocated = 0;              ///< the table's act
    unsigned owned = 0;                  ///< of those, held by an IRQ of the per-IRQ files
    std::vector<unsigned> unowned;       ///< allocated, no owner
    std::vector<unsigned> claimed_free;  ///< an IRQ says it holds it, the table does not
    unsigned irqs_by_effective = 0;      ///< IRQs whose only CPU (effective mask) is this one
    std::vector<std::string> drift;      ///< the table's counters against its bitmaps
};

struct leaks_report {
    bool owners_known = false;  ///< per-IRQ debugfs files were given
    std::vector<cpu_leaks> cpus;
    std::vector<std::string> global_drift;  ///< disagreements not of one CPU row
};

/// Needs the VECTOR table (else nullopt and `error`).
std::optional<leaks_report> find_leaks(const snapshot& s, std::string& error);
std::string format_leaks(const leaks_report& r);
std::string leaks_json(const leaks_report& r);

// ---- offline --------------------------------------------------------------

struct offline_options {
    bool suspend = false;        ///< every CPU but 0, ascending; stop at the first refusal
    bool max = false;            ///< highest first, skipping refusals, until none can go
    bool count_managed = false;  ///< the unplug check counts managed vectors (before 6.7)
};

/// What happened to one IRQ on the dying CPU.
struct irq_fate {
    std::string label;   ///< "IRQ 129 (...)" or "vector 40 (no known owner)"
    unsigned irq = ~0u;  ///< ~0u: a vector without a known owner
    unsigned from_vector = 0;
    enum kind { moved, shut_down, failed, not_started } what = moved;
    unsigned to_cpu = 0;
    unsigned to_vector = 0;
    bool broke_affinity = false;  ///< the kernel logs "IRQ N: no longer affine to CPUd"
    int error = 0;                ///< failed: the errno the kernel logs
};

/// One CPU's turn.
struct offline_step {
    unsigned cpu = 0;
    bool refused = false;
    std::string why;         ///< the refusal, as the kernel logs it where it does
    unsigned to_move = 0;    ///< irq_matrix_allocated() of the dying CPU
    unsigned available = 0;  ///< irq_matrix_available(cpudown) of the others
    std::string warning;     ///< the reserved-vectors warning
    std::vector<irq_fate> fates;
    // The planner's exact answer for the same state: can_offline().
    bool planner_ok = false;
    unsigned planner_vectors = 0;
    std::string planner_why;
    /// Multi-MSI devices whose granted block would no longer fit anywhere
    /// once this CPU is gone ("0000:03:00.0: 8 vectors").
    std::vector<std::string> blocks_without_room;
};

struct offline_report {
    std::vector<offline_step> steps;
    std::vector<unsigned> offlined;  ///< in order
    bool stopped = false;            ///< --suspend stopped at a refusal
    std::string final_table;         ///< debug_show() after the steps
    std::vector<std::string> assumed;
};

/// Takes the CPUs down in order (`cpus`; or as opt.suspend / opt.max say).
/// Needs the VECTOR table.
std::optional<offline_report> offline_cpus(const snapshot& s, const std::vector<unsigned>& cpus,
                                           const offline_options& opt, std::string& error);
std::string format_offline(const offline_report& r);
std::string offline_json(const offline_report& r);

// ---- affinity --------------------------------------------------------------

struct affinity_answer {
    unsigned irq = 0;
    std::string label;
    bool ok = false;
    int error = 0;  ///< the write's errno (negative) when it fails
    std::string why;
    bool moves = false;  ///< the IRQ changes CPU
    unsigned cpu = 0;    ///< where it ends
    unsigned vector = 0;
    bool vector_known = false;
};

std::optional<affinity_answer> try_affinity(const snapshot& s, unsigned irq,
                                            const std::vector<unsigned>& cpus, std::string& error);
std::string format_affinity(const affinity_answer& a);
std::string affinity_json(const affinity_answer& a);

// ---- headroom ----------------------------------------------------------------

struct cpu_headroom {
    unsigned cpu = 0;
    unsigned available = 0;
    unsigned managed = 0;
    unsigned managed_allocated = 0;
    unsigned allocated = 0;
    unsigned free_vectors = 0;   ///< in the bitmaps (may differ from available after drift)
    unsigned largest_block = 0;  ///< the largest free aligned block, in vectors (0: none)
};

struct headroom_report {
    std::vector<cpu_headroom> cpus;
    unsigned global_available = 0;
    unsigned global_reserved = 0;
};

std::optional<headroom_report> headroom(const snapshot& s, std::string& error);
std::string format_headroom(const headroom_report& r);
std::string headroom_json(const headroom_report& r);

// ---- commands (0, or 2 on an input error) -------------------------------------

int leaks_command(const std::vector<std::string>& files, const import_options& opt,
                  const event_import_options& events, bool json, std::ostream& out,
                  std::ostream& err);
int offline_command(const std::vector<std::string>& files, const import_options& opt,
                    const event_import_options& events, const std::string& cpus,
                    const offline_options& o, bool json, std::ostream& out, std::ostream& err);
int affinity_command(const std::vector<std::string>& files, const import_options& opt,
                     const event_import_options& events, unsigned irq, const std::string& cpus,
                     bool json, std::ostream& out, std::ostream& err);
int headroom_command(const std::vector<std::string>& files, const import_options& opt,
                     const event_import_options& events, bool json, std::ostream& out,
                     std::ostream& err);

/// "3,1,5-7" in the order given (a CPU list that need not ascend); an error
/// message or "".
std::string parse_cpu_order(std::string_view text, std::vector<unsigned>& out);

}  // namespace irqmatrix::lab
