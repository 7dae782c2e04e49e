// SPDX-License-Identifier: MIT
// Small helpers shared by the tests.
#pragma once

#include <string>

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

}  // namespace test
