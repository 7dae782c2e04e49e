// SPDX-License-Identifier: MIT
// irqmatrix-bench, as bench_main.cpp runs it: the library beside the naive
// reference model of tests/model, each benchmark as a lib/model pair, the
// summary pairing real time (ratio model / lib). The metrics and observer
// families register themselves when the program starts; these three follow,
// in this order.
#include "model_engines.hpp"

namespace {

void register_all() {
    irqmatrix_bench::register_single();
    irqmatrix_bench::register_block();
    irqmatrix_bench::register_managed();
}

}  // namespace

const irqmatrix_benchsupport::program_info& irqmatrix_benchsupport::program() {
    static const program_info p{"model", /*cpu_time=*/false, nullptr, nullptr, &register_all};
    return p;
}
