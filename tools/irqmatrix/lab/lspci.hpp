// SPDX-License-Identifier: MIT
// `lspci -vv` (also -v, -nn, -vvv and the -xxxx hex dumps, which are
// skipped): for each PCI function, its MSI and MSI-X capabilities. MSI's
// "Count=granted/capable" says how many vectors a multi-MSI device may use
// and how many it was given (both powers of two, at most 32 by the PCI
// specification; the 3-bit fields allow up to 128, which is accepted);
// MSI-X's "Count=N" is its table size.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lab/text_input.hpp"

namespace irqmatrix::lab {

struct pci_msi_cap {
    bool enabled = false;
    unsigned granted = 1;  ///< vectors enabled (Multiple Message Enable)
    unsigned capable = 1;  ///< vectors requested (Multiple Message Capable)
    bool maskable = false;
};

struct pci_msix_cap {
    bool enabled = false;
    unsigned count = 0;  ///< the table size
};

struct pci_function {
    std::string address;      ///< "0000:02:00.0" (the domain added when lspci left it out)
    std::string description;  ///< "Non-Volatile memory controller: ..."
    std::string driver;       ///< "Kernel driver in use:"
    std::optional<pci_msi_cap> msi;
    std::optional<pci_msix_cap> msix;
    unsigned line = 0;
    /// Could use a multi-MSI block: MSI capable of more than one vector.
    bool multi_msi() const { return msi && msi->capable > 1; }
};

struct lspci_result {
    std::vector<pci_function> functions;  ///< in the input's order
    std::optional<input_error> error;
};

lspci_result parse_lspci(std::string_view text);
/// The first line that is not a comment starts with a PCI address.
bool looks_like_lspci(std::string_view text);

}  // namespace irqmatrix::lab
