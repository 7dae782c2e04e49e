// SPDX-License-Identifier: MIT
// Must not compile: basic_matrix checks its Placement argument against the
// placement protocol (the concept placement_policy_for, placement.hpp), and
// a type that does not keep it fails with the static_assert's message, not
// with template errors from deep inside a pick. must_not_compile.cmake
// compiles this file with IRQMATRIX_TEST_CAPACITY naming the variant: 0 is a
// policy that keeps the protocol (the control, which must compile), 1 lacks
// a pick, 2 has a pick that may throw, 3 a pick that returns a CPU number
// instead of a placement.
#include <irqmatrix/matrix.hpp>

#ifndef IRQMATRIX_TEST_CAPACITY
#define IRQMATRIX_TEST_CAPACITY 1
#endif

namespace {

using irqmatrix::cpu_span;
using irqmatrix::placement;

constexpr int variant = IRQMATRIX_TEST_CAPACITY;

struct candidate {
    template <class M>
    static placement pick_single(const M& m, cpu_span mask) noexcept {
        return irqmatrix::kernel_scan_placement::pick_single(m, mask);
    }
    template <class M>
    static auto pick_block(const M& m, cpu_span mask, unsigned order) noexcept(variant != 2) {
        const placement p = irqmatrix::kernel_scan_placement::pick_block(m, mask, order);
        if constexpr (variant == 3)
            return p.cpu;
        else
            return p;
    }
    template <class M>
    static placement pick_managed_single(const M& m, cpu_span mask) noexcept {
        return irqmatrix::kernel_scan_placement::pick_managed_single(m, mask);
    }
    template <class M>
    requires(variant != 1) static placement
        pick_managed_block(const M& m, cpu_span mask, unsigned order) noexcept {
        return irqmatrix::kernel_scan_placement::pick_managed_block(m, mask, order);
    }
};

}  // namespace

// create() builds the matrix, which instantiates the check.
bool made() { return irqmatrix::basic_matrix<64, candidate>::create(64, 32, 60, 1).has_value(); }
