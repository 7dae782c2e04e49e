// SPDX-License-Identifier: MIT
// A machine's /proc views of its interrupts: /proc/interrupts, and the
// per-IRQ affinity files /proc/irq/N/smp_affinity_list and
// effective_affinity_list as `grep -r . /proc/irq/` (or `grep .` of those
// files) prints them, "PATH/N/FILE:VALUE".
//
// /proc/interrupts lists only the CPUs that were online: its header names
// them ("CPU0 CPU2 ..."), so a row's count columns are the header's CPUs,
// not 0, 1, 2. After the counts, a device IRQ's row has its chip, its
// hardware IRQ number and trigger ("524288-edge") and its action names. The
// chip names the device itself since Linux 6.2 (per-device MSI domains,
// "IR-PCI-MSIX-0000:02:00.0"); before, the PCI/MSI hardware IRQ number
// encodes it (PCI domain << 27 | bus << 19 | devfn << 11 | entry), which
// device_of() decodes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lab/text_input.hpp"

namespace irqmatrix::lab {

/// One numbered row of /proc/interrupts.
struct proc_irq_row {
    unsigned irq = 0;
    unsigned line = 0;
    std::vector<std::uint64_t> counts;   ///< one per header CPU, in header order
    std::string chip;                    ///< "IR-PCI-MSI", "IR-PCI-MSIX-0000:02:00.0", "IO-APIC"
    std::optional<std::uint64_t> hwirq;  ///< "524288" of "524288-edge"
    std::string trigger;                 ///< "edge", "fasteoi"
    std::string actions;                 ///< "nvme0q1", "eno1-TxRx-0", "PCIe PME" (may be empty)
    /// The PCI device, from the chip's name (6.2+) or the hardware IRQ
    /// number of a PCI-MSI chip (before); empty if neither says.
    std::string device;
    bool device_from_hwirq = false;  ///< the device was decoded from hwirq
    /// The MSI/MSI-X entry index (6.2+: hwirq; before: hwirq's low 11 bits).
    std::optional<unsigned> msi_entry;
};

struct proc_interrupts {
    std::vector<unsigned> online;  ///< the header's CPUs, ascending
    std::vector<proc_irq_row> rows;
};

struct proc_interrupts_result {
    std::optional<proc_interrupts> value;
    std::optional<input_error> error;
};

proc_interrupts_result parse_proc_interrupts(std::string_view text);
/// The first line that is not a comment is a header of "CPUn" words.
bool looks_like_proc_interrupts(std::string_view text);

/// One IRQ's affinity files.
struct proc_irq_affinity {
    unsigned irq = 0;
    unsigned line = 0;
    std::optional<std::vector<unsigned>> smp_affinity;  ///< smp_affinity_list
    std::optional<std::vector<unsigned>> effective;     ///< effective_affinity_list
};

struct proc_irq_affinity_result {
    std::vector<proc_irq_affinity> irqs;  ///< ascending IRQ numbers
    std::optional<input_error> error;
};

/// Reads "PATH/N/smp_affinity_list:LIST" and "PATH/N/effective_affinity_list:
/// LIST" lines; other /proc/irq files (smp_affinity, node, spurious...) are
/// skipped.
proc_irq_affinity_result parse_proc_irq_affinity(std::string_view text);
/// The first line that is not a comment names an N/..._affinity... file.
bool looks_like_proc_irq_affinity(std::string_view text);

/// The "0000:01:00.0" address a pre-6.2 PCI/MSI hardware IRQ number encodes.
std::string device_of_msi_hwirq(std::uint64_t hwirq);

}  // namespace irqmatrix::lab
