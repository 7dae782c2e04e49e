// SPDX-License-Identifier: MIT
// One include for Catch2 v3 (catch_all) or Debian's Catch2 v2 (single header).
#pragma once

#if defined(IRQMATRIX_CATCH2_V3)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
