// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes read as a TOML workload of the simulator
// (lab/workload.hpp, parse_workload()), as `irqmatrix sim` reads it. Beyond
// "no crash, no undefined behaviour, no leak": exactly one of a workload and
// an error comes back, and the error is "line N: why" with N a line of the
// input (or the one after its end).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/text_lines.hpp"
#include "lab/workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr const char* target = "fuzz_workload";
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto r = irqmatrix::lab::parse_workload(text);
    if (r.value.has_value() == !r.error.empty())
        fuzz_support::fail(target, "a workload and an error, or neither: " + r.error);
    if (r.value) return 0;
    // "line N: why"
    const std::string_view e = r.error;
    if (e.substr(0, 5) != "line ")
        fuzz_support::fail(target, "an error without a line: " + r.error);
    unsigned line = 0;
    std::size_t i = 5;
    while (i < e.size() && e[i] >= '0' && e[i] <= '9' && line < 100000000)
        line = line * 10 + static_cast<unsigned>(e[i++] - '0');
    if (i == 5 || e.substr(i, 2) != ": ")
        fuzz_support::fail(target, "an error without a line: " + r.error);
    fuzz_support::check_error_line(target, line, fuzz_support::count_lines(text),
                                   std::string(e.substr(i + 2)));
    return 0;
}
