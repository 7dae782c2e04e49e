// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes become a geometry and a sequence of kernel and
// block operations, run on the library and on the naive model side by side
// (ops_decoder.hpp says how bytes decode and what is checked after each
// step). A difference, or a library assertion (verify() after every mutation
// at debug level 3), prints the input as a trace and aborts, which libFuzzer
// and the corpus test both report as a failure.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fuzz_ops {
[[noreturn]] void assertion_failed(const char* file, int line, const char* cond,
                                   const char* msg) noexcept;
}

// Routes the library's assertions here (before any irqmatrix header), so that
// an abort inside the library still shows the operations that led to it.
#define IRQMATRIX_ASSERT(cond, msg)                                                \
    do {                                                                           \
        if (!(cond)) ::fuzz_ops::assertion_failed(__FILE__, __LINE__, #cond, msg); \
    } while (0)

#include "ops_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fuzz_ops {
namespace {

// The input being run, for the report.
const std::uint8_t* current_data = nullptr;
std::size_t current_size = 0;
bool reporting = false;

// Replays the input once more, writing it as a trace (the library's
// results), then aborts. The replay stops where it fails again.
[[noreturn]] void report_and_abort(const std::string& why) {
    std::fprintf(stderr, "fuzz_ops: %s\n", why.c_str());
    if (!reporting && current_data) {
        reporting = true;
        std::fprintf(stderr, "fuzz_ops: the input as a trace (the library's results):\n");
        const std::string again = run(current_data, current_size, logger{stderr});
        std::fprintf(stderr, "# fails here: %s\n",
                     again.empty() ? "(not reproduced)" : again.c_str());
    }
    std::fflush(stderr);
    std::abort();
}

}  // namespace

void assertion_failed(const char* file, int line, const char* cond, const char* msg) noexcept {
    if (reporting) {
        // The replay has reached the same point: the last line printed is
        // the operation that fails.
        std::fprintf(stderr, "\n# the library aborts here: %s:%d: %s (%s)\n", file, line, msg,
                     cond);
        std::fflush(stderr);
        std::abort();
    }
    report_and_abort(std::string("library assertion failed: ") + file + ":" + std::to_string(line) +
                     ": " + msg + " (" + cond + ")");
}

}  // namespace fuzz_ops

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_ops::current_data = data;
    fuzz_ops::current_size = size;
    const std::string failure = fuzz_ops::run(data, size);
    if (!failure.empty()) fuzz_ops::report_and_abort(failure);
    fuzz_ops::current_data = nullptr;
    return 0;
}
