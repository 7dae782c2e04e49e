// SPDX-License-Identifier: MIT
// A consumer program: allocates an aligned block and checks it.
#include <irqmatrix/irqmatrix.hpp>

int main() {
    auto m = irqmatrix::matrix::create(256, 32, 236, 1);
    if (!m || !m->online(0)) return 1;
    const auto block = m->alloc_block(irqmatrix::cpu_set::all(1), 4, false);
    return block && block->base % 16 == 0 && m->verify().empty() ? 0 : 1;
}
