// SPDX-License-Identifier: MIT
// The project's one seeded generator, for the simulator's event stream, the
// benchmarks' workloads and the tests' random inputs. Not part of the
// library's API: it lives beside it so that tools, tests and benchmarks can
// all include it without depending on one another.
//
// splitmix64, because a seed must mean the same numbers on every platform and
// standard library (the <random> distributions are implementation-defined),
// and because recorded figures and expected test results were made with it:
// the sequence for a seed must never change.
#pragma once

#include <cmath>
#include <cstdint>

namespace irqmatrix_common {

class seeded_rng {
public:
    explicit constexpr seeded_rng(std::uint64_t seed) noexcept : state_(seed) {}

    /// The next 64 random bits.
    constexpr std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9e37'79b9'7f4a'7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebull;
        return z ^ (z >> 31);
    }

    /// In [0, n) for n > 0; the modulo's bias is negligible for the small n
    /// that workloads and tests draw.
    constexpr unsigned below(unsigned n) noexcept { return static_cast<unsigned>(next() % n); }

    /// Uniform in [0, 1), from the top 53 bits.
    constexpr double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    /// An exponential variate of the given mean (inversion of the CDF).
    double exponential(double mean) noexcept { return -mean * std::log1p(-uniform()); }

private:
    std::uint64_t state_;
};

}  // namespace irqmatrix_common
