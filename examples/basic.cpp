// SPDX-License-Identifier: MIT
// The README's example: a 32-vector multi-MSI block beside an MSI-X vector.
#include <iostream>

#include <irqmatrix/irqmatrix.hpp>

int main() {
    auto m = *irqmatrix::matrix::create(256, 32, 236, 2);  // x86: 256 vectors, window [32, 236)
    if (!m.online(0) || !m.online(1)) return 1;
    const auto all = irqmatrix::cpu_set::all(2);
    const auto nic = m.alloc(all, /*reserved=*/false);        // one MSI-X vector
    const auto dev = m.alloc_block(all, /*order=*/5, false);  // 32 aligned vectors
    if (!nic || !dev) return 1;
    std::cout << "nic: cpu " << nic->cpu << ", vector " << nic->base << "\n"
              << "dev: cpu " << dev->cpu << ", vectors " << dev->base << "-" << dev->base + 31
              << "\n"
              << irqmatrix::debug_show(m);
}
