// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes read as /proc/interrupts and as grep output
// of /proc/irq/N/*_affinity_list (lab/procfs.hpp), both parsers on every
// input. Beyond "no crash, no undefined behaviour, no leak": an error names
// a line of the input and says why; /proc/interrupts rows ascend and have
// one count per header CPU; affinity lists ascend.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/text_lines.hpp"
#include "lab/procfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const unsigned lines = fuzz_support::count_lines(text);
    (void)irqmatrix::lab::looks_like_proc_interrupts(text);
    (void)irqmatrix::lab::looks_like_proc_irq_affinity(text);
    const auto p = irqmatrix::lab::parse_proc_interrupts(text);
    if (p.error) {
        fuzz_support::check_error_line("fuzz_procfs", p.error->line, lines, p.error->message);
    } else {
        const auto& v = *p.value;
        if (!std::is_sorted(v.online.begin(), v.online.end()))
            fuzz_support::fail("fuzz_procfs", "header CPU order");
        for (std::size_t k = 0; k < v.rows.size(); ++k) {
            if (v.rows[k].counts.size() != v.online.size())
                fuzz_support::fail("fuzz_procfs", "count columns");
            if (k && v.rows[k - 1].irq >= v.rows[k].irq)
                fuzz_support::fail("fuzz_procfs", "row order");
        }
    }
    const auto a = irqmatrix::lab::parse_proc_irq_affinity(text);
    if (a.error) {
        fuzz_support::check_error_line("fuzz_procfs", a.error->line, lines, a.error->message);
    } else {
        for (const auto& i : a.irqs)
            for (const auto* list : {&i.smp_affinity, &i.effective})
                if (*list && !std::is_sorted((*list)->begin(), (*list)->end()))
                    fuzz_support::fail("fuzz_procfs", "CPU list order");
    }
    return 0;
}
