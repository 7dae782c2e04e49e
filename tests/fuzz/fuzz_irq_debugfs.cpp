// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes read as `grep -r . /sys/kernel/debug/irq/irqs/`
// output (lab/irq_debugfs.hpp), as `irqmatrix snapshot` reads it. Beyond
// "no crash, no undefined behaviour, no leak": an error names a line of the
// input (or the one after its end) and says why; a success gives IRQs in
// ascending order, each with its first line inside the input and its CPU
// lists ascending.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/text_lines.hpp"
#include "lab/irq_debugfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const unsigned lines = fuzz_support::count_lines(text);
    (void)irqmatrix::lab::looks_like_irq_debugfs(text);
    const auto r = irqmatrix::lab::parse_irq_debugfs(text);
    if (r.error) {
        fuzz_support::check_error_line("fuzz_irq_debugfs", r.error->line, lines, r.error->message);
        return 0;
    }
    if (r.irqs.empty()) fuzz_support::fail("fuzz_irq_debugfs", "success without an IRQ");
    for (std::size_t k = 0; k < r.irqs.size(); ++k) {
        const auto& i = r.irqs[k];
        if (k && r.irqs[k - 1].irq >= i.irq) fuzz_support::fail("fuzz_irq_debugfs", "IRQ order");
        if (i.line < 1 || i.line > lines) fuzz_support::fail("fuzz_irq_debugfs", "IRQ line");
        for (const auto* list : {&i.affinity, &i.effective})
            if (*list && !std::is_sorted((*list)->begin(), (*list)->end()))
                fuzz_support::fail("fuzz_irq_debugfs", "CPU list order");
    }
    return 0;
}
