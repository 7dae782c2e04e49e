// SPDX-License-Identifier: MIT
// The placement policies the simulator can run, by name. The names live in
// one table, beside the dispatch that maps each to its policy type
// (sim.cpp); the workload parser, the tool's help and the benchmarks ask
// here instead of spelling them out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace irqmatrix::lab {

/// The policies a workload runs by default, in the order reports list them.
const std::vector<std::string>& known_policies();

/// Every name simulate() accepts: known_policies() and, after `kernel`,
/// `kernel_scan` (the kernel's rules by the literal mask walk: the reference
/// the indexed `kernel` policy is measured against, run only when named).
const std::vector<std::string>& runnable_policies();

/// True if simulate() can run a policy of this name.
bool is_runnable_policy(std::string_view name);

/// known_policies() as "kernel, pack, ...", for messages and help texts.
std::string known_policy_list();

}  // namespace irqmatrix::lab
