// SPDX-License-Identifier: MIT
// Must not compile: basic_matrix's capacity must be a multiple of 64 from 64
// to 2048, and a wrong one must fail with the static_assert's message, not
// with pages of template errors. must_not_compile.cmake compiles this file
// with IRQMATRIX_TEST_CAPACITY set to a bad capacity (expecting that message)
// and to 128 (expecting success, which proves the file is otherwise fine).
#include <cstddef>

#include <irqmatrix/matrix.hpp>

#ifndef IRQMATRIX_TEST_CAPACITY
#define IRQMATRIX_TEST_CAPACITY 100
#endif

// sizeof needs the class definition, which instantiates the static_assert.
std::size_t matrix_size() { return sizeof(irqmatrix::basic_matrix<IRQMATRIX_TEST_CAPACITY>); }
