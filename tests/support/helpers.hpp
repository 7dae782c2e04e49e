// SPDX-License-Identifier: MIT
// Small helpers shared by the tests.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <irqmatrix/irqmatrix.hpp>

#include "support/catch.hpp"

namespace test {

/// A CPU set from cpulist text ("0-3,8", "none"); the test fails if it
/// does not parse.
inline irqmatrix::cpu_set cpus(const std::string& list, unsigned nr_cpus) {
    auto s = irqmatrix::parse_cpulist(list, nr_cpus);
    REQUIRE(s.has_value());
    return *s;
}

/// The vector list of a bitmap as cpulist-style text ("32-35,48"), so a
/// failing comparison prints readable ranges.
template <class Bitmap>
std::string ranges(const Bitmap& b, unsigned bits = Bitmap::capacity) {
    return irqmatrix::format_range_list(b, bits);
}

/// A matrix that must be created successfully.
template <class M = irqmatrix::matrix>
M make(unsigned bits, unsigned start, unsigned end, unsigned nr_cpus) {
    auto m = M::create(bits, start, end, nr_cpus);
    REQUIRE(m.has_value());
    return std::move(*m);
}

/// Requires that verify() finds nothing wrong, printing the rule if it does.
template <class M>
void require_consistent(const M& m) {
    const std::string violation = m.verify();
    INFO(violation);
    REQUIRE(violation.empty());
}

/// A result as the trace prints it: "0", "CPU BASE", a count, or "-errno".
template <class T>
std::string text(const irqmatrix::result<T>& r) {
    return irqmatrix::trace::to_outcome(r).text();
}

/// The trace's `cpu C` line: ONLINE AVAILABLE ALLOCATED MANAGED MANAGED_ALLOCATED.
template <class M>
std::string cpu(const M& m, unsigned c) {
    const auto s = m.cpu(c);
    REQUIRE(s.has_value());
    return std::to_string(s->online ? 1 : 0) + " " + std::to_string(s->available) + " " +
           std::to_string(s->allocated) + " " + std::to_string(s->managed) + " " +
           std::to_string(s->managed_allocated);
}

/// The trace's `stats` line: ONLINE_MAPS GLOBAL_AVAILABLE GLOBAL_RESERVED TOTAL_ALLOCATED.
template <class M>
std::string stats(const M& m) {
    const auto s = m.stats();
    return std::to_string(s.online_maps) + " " + std::to_string(s.global_available) + " " +
           std::to_string(s.global_reserved) + " " + std::to_string(s.total_allocated);
}

template <class M>
std::string allocated_bits(const M& m, unsigned c) {
    return ranges(m.cpu_map(c).alloc_map, m.bits());
}
template <class M>
std::string managed_bits(const M& m, unsigned c) {
    return ranges(m.cpu_map(c).managed_map, m.bits());
}

/// Runs a mutation that must be refused with `want` ("-22", ...) and leave
/// the matrix exactly as it was.
template <class M, class Op>
void require_refused(M& m, Op op, const std::string& want) {
    const M before = m;
    REQUIRE(text(op(m)) == want);
    REQUIRE(m == before);
    require_consistent(m);
}

/// Requires that an operation succeeded.
inline void ok(const irqmatrix::status& s) { REQUIRE(text(s) == "0"); }

/// The golden kernel traces (IRQMATRIX_GOLDEN_DIR), sorted. Fails the test,
/// rather than passing vacuously, if the folder is missing or has none.
inline std::vector<std::filesystem::path> golden_traces() {
    const std::filesystem::path dir = IRQMATRIX_GOLDEN_DIR;
    INFO("golden directory: " << dir.string());
    REQUIRE(std::filesystem::is_directory(dir));
    std::vector<std::filesystem::path> traces;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == ".trace") traces.push_back(entry.path());
    std::sort(traces.begin(), traces.end());
    REQUIRE(!traces.empty());
    return traces;
}

}  // namespace test
