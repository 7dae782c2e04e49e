// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes (binary, no newline, huge numbers, a second
// header, operations before the header...) replayed as a trace, as the
// `irqmatrix replay` tool would, in print mode and in check mode. Beyond "no
// crash, no undefined behaviour, no leak" (the sanitizers) it checks what
// must hold for any input:
//   * the session's matrix, if a header created one, passes verify() (and,
//     at debug level 3, after every mutation: the corpus test);
//   * print mode writes exactly one line per operation;
//   * the printed trace, replayed in check mode, reproduces every result
//     (it is a golden trace of the library) and ends in the same state;
//   * check mode on the input runs the same operations, to the same state;
//   * with IRQMATRIX_FUZZ_TRACE_EXACT set (the golden traces' corpus test),
//     check mode reproduces every result the input records.
// An input with a `matrix` line asking for more than 2^14 vectors of capacity
// (64 CPUs of a 256-bit matrix, 8 of a 2048-bit one) is not run: creating
// and verifying a matrix costs time in proportion to its size (at 2^21, the
// bound until then, they took three quarters of the fuzzer's time, and at
// 65536 CPUs one input takes seconds), and smaller matrices take the same
// paths: 64 CPUs is past the 8 from which the CPU index is searched.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <type_traits>

#include <irqmatrix/trace.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace trace = irqmatrix::trace;

// An output stream target that keeps nothing (check mode's mismatch reports
// are not what is tested), while the stream still formats every write.
class discard_buffer : public std::streambuf {
protected:
    int_type overflow(int_type c) override { return traits_type::not_eof(c); }
    std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

constexpr std::uint64_t max_vectors = std::uint64_t{1} << 14;

// Whether a `matrix` line of the input that a session could accept asks for
// more than max_vectors of capacity (what memory and time grow with).
bool too_large(const std::string& input) {
    using large = trace::session::large_matrix;
    using small = trace::session::small_matrix;
    std::istringstream in(input);
    std::string raw;
    while (std::getline(in, raw)) {
        const auto parts = trace::split_line(raw);
        if (parts.words.empty() || parts.words[0] != "matrix") continue;
        const auto a = trace::parse_arguments("nnnn", parts.words, irqmatrix::max_cpus);
        if (!a || a->num[0] > large::capacity || a->num[3] > irqmatrix::max_cpus) continue;
        const std::uint64_t capacity =
            a->num[0] <= small::capacity ? small::capacity : large::capacity;
        if (capacity * a->num[3] > max_vectors) return true;
    }
    return false;
}

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_trace: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
    std::abort();
}

void require_consistent(const trace::session& s, const char* mode) {
    const std::string violation = s.visit([](const auto& m) { return m.verify(); }, std::string());
    if (!violation.empty()) fail(mode, "verify(): " + violation);
}

// Both sessions without a matrix, or with equal matrices of one capacity.
bool same_state(const trace::session& a, const trace::session& b) {
    return a.visit(
        [&b](const auto& x) {
            return b.visit(
                [&x](const auto& y) {
                    if constexpr (std::is_same_v<decltype(x), decltype(y)>)
                        return x == y;
                    else
                        return false;
                },
                false);
        },
        !b.has_matrix());
}

// Set (to anything) by the corpus test of the kernel's golden traces: every
// operation of every input carries the result the real kernel gave, and the
// replay must reproduce each one. Arbitrary inputs carry arbitrary results.
bool exact_results_expected() {
    static const bool exact = std::getenv("IRQMATRIX_FUZZ_TRACE_EXACT") != nullptr;
    return exact;
}

std::size_t count_lines(const std::string& text) {
    std::size_t n = 0;
    for (const char c : text) n += c == '\n' ? 1 : 0;
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    if (too_large(input)) return 0;
    discard_buffer sink;
    std::ostream discarded(&sink);

    std::istringstream in(input);
    std::ostringstream printed;
    trace::session print_session;
    const auto sum = trace::replay(in, printed, {false, "input"}, &print_session);
    require_consistent(print_session, "print mode");
    const std::string golden = printed.str();
    if (count_lines(golden) != sum.operations)
        fail("print mode", "wrote " + std::to_string(count_lines(golden)) + " lines for " +
                               std::to_string(sum.operations) + " operations");

    std::istringstream again(golden);
    trace::session golden_session;
    const auto re = trace::replay(again, discarded, {true, "printed"}, &golden_session);
    require_consistent(golden_session, "the printed trace");
    if (re.operations != sum.operations || re.checked != sum.operations || re.mismatches != 0) {
        std::istringstream show(golden);  // once more, reporting each mismatch
        trace::session s;
        (void)trace::replay(show, std::cerr, {true, "printed"}, &s);
        fail("the printed trace does not reproduce its results",
             std::to_string(re.mismatches) + " of " + std::to_string(re.checked) + " differ");
    }
    if (!same_state(print_session, golden_session))
        fail("the printed trace ends in another state", "");

    std::istringstream in_check(input);
    trace::session check_session;
    const auto chk = trace::replay(in_check, discarded, {true, "input"}, &check_session);
    require_consistent(check_session, "check mode");
    if (chk.operations != sum.operations || chk.checked > chk.operations ||
        chk.mismatches > chk.checked)
        fail("check mode counted other operations", "");
    if (exact_results_expected() && (chk.checked != chk.operations || chk.mismatches != 0)) {
        std::istringstream show(input);  // once more, reporting each mismatch
        trace::session s;
        (void)trace::replay(show, std::cerr, {true, "input"}, &s);
        std::fprintf(stderr,
                     "fuzz_trace: the recorded results are not reproduced: %u of %u checked "
                     "differ, %u operations carry no result\n",
                     chk.mismatches, chk.checked, chk.operations - chk.checked);
        return -1;  // the corpus runner counts the input as failed (libFuzzer never sees this mode)
    }
    if (!same_state(print_session, check_session)) fail("check mode ends in another state", "");
    return 0;
}
