// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes read as a capture of the kernel's irq_matrix
// and irq_vectors events (lab/kernel_events.hpp), as `irqmatrix
// import-events` reads them. Beyond "no crash, no undefined behaviour, no
// leak" it checks the importer's promise: an error names a line of the
// input, and a capture it accepts gives a trace that replays in check mode
// with every operation checked and no mismatch (each event's counters, and
// each inferred step, agree with the library).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>

#include <irqmatrix/trace.hpp>

#include "lab/kernel_events.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz_events: %s\n", what.c_str());
    std::abort();
}

unsigned count_lines(std::string_view text) {
    unsigned n = 0;
    for (const char c : text) n += c == '\n' ? 1 : 0;
    return n + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    irqmatrix::lab::parsed_events parsed;
    if (const auto err = irqmatrix::lab::parse_kernel_events(text, "input", parsed)) {
        if (err->line < 1 || err->line > count_lines(text) || err->message.empty())
            fail("a parse error names line " + std::to_string(err->line) + ": " + err->message);
        return 0;
    }
    if (parsed.lines != count_lines(text)) fail("lines counted wrong");
    const auto r = irqmatrix::lab::import_events(parsed, {});
    if (!r) {
        if (r.error.line > count_lines(text) || r.error.message.empty())
            fail("an import error names line " + std::to_string(r.error.line) + ": " +
                 r.error.message);
        return 0;
    }
    std::istringstream in(r.import->trace);
    std::ostringstream report;
    const auto sum = irqmatrix::trace::replay(in, report, {true, "imported"});
    if (sum.mismatches != 0 || sum.checked != sum.operations || sum.operations == 0)
        fail("the imported trace does not replay cleanly:\n" + report.str() + r.import->trace);
    return 0;
}
