// SPDX-License-Identifier: MIT
// Umbrella header: the whole C++ library.
//
// Dependency direction (each header includes only those to its left):
//   version, config -> result, text -> bitmap -> cpuset -> cpu_index -> placement, index_feed
//   -> matrix -> planner -> any_planner, operations -> dump -> trace
#pragma once

#include "any_planner.hpp"
#include "bitmap.hpp"
#include "config.hpp"
#include "cpuset.hpp"
#include "dump.hpp"
#include "locked.hpp"
#include "matrix.hpp"
#include "metrics.hpp"
#include "operations.hpp"
#include "placement.hpp"
#include "planner.hpp"
#include "result.hpp"
#include "trace.hpp"
#include "version.hpp"
