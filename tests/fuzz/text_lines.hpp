// SPDX-License-Identifier: MIT
// What the text-parser fuzz targets check alike: an error names a line of
// the input, or the one just after its end (the text ended too early), and
// says why.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace fuzz_support {

[[noreturn]] inline void fail(const char* target, const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", target, what.c_str());
    std::abort();
}

inline unsigned count_lines(std::string_view text) {
    unsigned n = 0;
    for (const char c : text) n += c == '\n' ? 1u : 0u;
    return n + (!text.empty() && text.back() != '\n' ? 1u : 0u);
}

inline void check_error_line(const char* target, unsigned line, unsigned lines,
                             const std::string& message) {
    if (line < 1 || line > lines + 1 || message.empty())
        fail(target, "an error names line " + std::to_string(line) + " of " +
                         std::to_string(lines) + ": " + message);
}

}  // namespace fuzz_support
