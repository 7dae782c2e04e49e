// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes read as `lspci -vv` output (lab/lspci.hpp).
// Beyond "no crash, no undefined behaviour, no leak": an error names a line
// of the input and says why; every function accepted has a normalised
// address (DDDD:BB:DD.F) and MSI counts that are powers of two.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/text_lines.hpp"
#include "lab/lspci.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const unsigned lines = fuzz_support::count_lines(text);
    (void)irqmatrix::lab::looks_like_lspci(text);
    const auto r = irqmatrix::lab::parse_lspci(text);
    if (r.error) {
        fuzz_support::check_error_line("fuzz_lspci", r.error->line, lines, r.error->message);
        return 0;
    }
    const auto pow2 = [](unsigned v) { return v != 0 && (v & (v - 1)) == 0; };
    for (const auto& f : r.functions) {
        if (f.address.size() != 12 || f.address[4] != ':' || f.address[7] != ':' ||
            f.address[10] != '.')
            fuzz_support::fail("fuzz_lspci", "address " + f.address);
        if (f.line < 1 || f.line > lines) fuzz_support::fail("fuzz_lspci", "function line");
        if (f.msi && (!pow2(f.msi->granted) || !pow2(f.msi->capable)))
            fuzz_support::fail("fuzz_lspci", "MSI counts");
    }
    return 0;
}
