// SPDX-License-Identifier: MIT
// The planner's algorithms as they were before the planner kept its
// free-block counts (the library up to commit 6cd6ca4), kept to measure the
// planner against, as kernel_matrix.hpp keeps the kernel's: the same answers,
// computed the old way.
//
//   * "Does the demand still fit?" recounts the free aligned blocks of every
//     online CPU (O(CPUs x words)).
//   * A pick with reservations outstanding lists the mask's candidate CPUs,
//     sorts them (most available, then lowest CPU) and tries their bases in
//     order, recounting for each.
//   * evacuate() and move_block() work on a copy of the whole state and
//     commit it.
//
// Only what the planning benchmarks call, for the kernel policy: single
// vectors and blocks (not managed), guaranteed reservations, can_offline,
// evacuate, move_block, largest_order. Groups are kept as each vector's
// owning order (0xff: none), a byte a vector, rather than the library's bit
// planes: the cost that mattered was never the bookkeeping.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "irqmatrix/matrix.hpp"
#include "irqmatrix/planner.hpp"

namespace irqmatrix_baseline {

class planner_before {
public:
    using matrix_type = irqmatrix::matrix;
    static constexpr unsigned capacity = matrix_type::capacity;

    explicit planner_before(matrix_type m)
        : m_(std::move(m)), owner_(m_.nr_cpus(), no_group_row()) {}

    const matrix_type& matrix() const noexcept { return m_; }
    const irqmatrix::block_demand& reserved_blocks() const noexcept { return demand_; }

    irqmatrix::status online(unsigned cpu) { return m_.online(cpu); }

    irqmatrix::result<irqmatrix::placement> alloc_block(irqmatrix::cpu_span mask, unsigned order) {
        if (!outstanding()) {
            auto p = order == 0 ? m_.alloc(mask, false) : m_.alloc_block(mask, order, false);
            if (p) record(p->cpu, p->base, order);
            return p;
        }
        if (auto v = m_.validate_mask(mask, order); !v) return irqmatrix::fail(v.error());
        const irqmatrix::placement p = first_candidate(mask, order, demand_, irqmatrix::no_cpu);
        if (!p) return irqmatrix::fail(irqmatrix::errc::no_space);
        auto r = m_.alloc_at(p.cpu, p.base, order, false);
        if (r) record(p.cpu, p.base, order);
        return r;
    }

    irqmatrix::status free_block(unsigned cpu, unsigned base, unsigned order) {
        auto r = order == 0 ? m_.free(cpu, base, false) : m_.free_block(cpu, base, order, false);
        if (r) std::fill_n(owner_[cpu].begin() + base, 1u << order, no_group);
        return r;
    }

    irqmatrix::status reserve_block(unsigned order) {
        irqmatrix::block_demand d = demand_;
        ++d[order];
        if (!irqmatrix::detail::demand_fits(online_runs(m_, irqmatrix::no_cpu), d))
            return irqmatrix::fail(irqmatrix::errc::no_space);
        demand_ = d;
        return {};
    }

    irqmatrix::status remove_reserved_block(unsigned order) {
        if (demand_[order] == 0) return irqmatrix::fail(irqmatrix::errc::busy);
        --demand_[order];
        return {};
    }

    irqmatrix::result<unsigned> largest_order(irqmatrix::cpu_span mask) const {
        for (unsigned k = irqmatrix::max_order + 1; k-- > 0;)
            if (first_candidate(mask, k, demand_, irqmatrix::no_cpu)) return k;
        return irqmatrix::fail(irqmatrix::errc::no_space);
    }

    irqmatrix::result<unsigned> can_offline(unsigned cpu) const {
        if (cpu >= m_.nr_cpus()) return irqmatrix::fail(irqmatrix::errc::invalid);
        if (!m_.cpu_map(cpu).online) return irqmatrix::fail(irqmatrix::errc::busy);
        irqmatrix::block_demand d = demand_;
        unsigned vectors = 0;
        for (const auto& g : groups_on(cpu)) {
            ++d[g.order];
            vectors += 1u << g.order;
        }
        if (!irqmatrix::detail::demand_fits(online_runs(m_, cpu), d))
            return irqmatrix::fail(irqmatrix::errc::no_space);
        return vectors;
    }

    irqmatrix::result<unsigned> evacuate(unsigned cpu) {
        auto can = can_offline(cpu);
        if (!can) return can;
        auto groups = groups_on(cpu);
        std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
            return a.order != b.order ? a.order > b.order : a.base < b.base;
        });
        irqmatrix::cpu_set others(m_.nr_cpus());
        for (unsigned c = 0; c < m_.nr_cpus(); ++c)
            if (c != cpu && m_.cpu_map(c).online) others.set(c);
        planner_before trial = *this;
        irqmatrix::block_demand still = demand_;
        for (const auto& g : groups) ++still[g.order];
        for (const auto& g : groups) {
            --still[g.order];
            const irqmatrix::placement to =
                trial.first_candidate(others.view(), g.order, still, cpu);
            if (!to || !trial.move(g, to)) return irqmatrix::fail(irqmatrix::errc::no_space);
        }
        *this = std::move(trial);
        return *can;
    }

    irqmatrix::result<irqmatrix::placement> move_block(unsigned cpu, unsigned base,
                                                       irqmatrix::cpu_span mask) {
        const unsigned order = owner_[cpu][base];
        if (order == no_group) return irqmatrix::fail(irqmatrix::errc::not_found);
        const irqmatrix::placement to = first_candidate(mask, order, demand_, irqmatrix::no_cpu);
        if (!to) return irqmatrix::fail(irqmatrix::errc::no_space);
        planner_before trial = *this;
        if (!trial.move({cpu, base, order}, to)) return irqmatrix::fail(irqmatrix::errc::no_space);
        *this = std::move(trial);
        return to;
    }

private:
    static constexpr std::uint8_t no_group = 0xff;
    using owner_row = std::array<std::uint8_t, capacity>;
    static owner_row no_group_row() {
        owner_row r;
        r.fill(no_group);
        return r;
    }

    bool outstanding() const noexcept {
        return std::any_of(demand_.begin(), demand_.end(), [](std::uint64_t n) { return n != 0; });
    }

    void record(unsigned cpu, unsigned base, unsigned order) {
        std::fill_n(owner_[cpu].begin() + base, 1u << order, static_cast<std::uint8_t>(order));
    }

    // The groups of a CPU (all of them allocated and unmanaged here).
    std::vector<irqmatrix::group_ref> groups_on(unsigned cpu) const {
        std::vector<irqmatrix::group_ref> out;
        for (unsigned v = 0; v < capacity;) {
            const unsigned k = owner_[cpu][v];
            if (k == no_group) {
                ++v;
                continue;
            }
            out.push_back({cpu, v, k});
            v += 1u << k;
        }
        return out;
    }

    static irqmatrix::block_demand online_runs(const matrix_type& m, unsigned except) {
        irqmatrix::block_demand total{};
        for (unsigned c = 0; c < m.nr_cpus(); ++c) {
            if (c == except || !m.cpu_map(c).online) continue;
            const auto r = irqmatrix::detail::free_block_runs(m.free_map(c));
            for (unsigned k = 0; k <= irqmatrix::max_order; ++k) total[k] += r[k];
        }
        return total;
    }

    bool fits_after_taking(unsigned cpu, unsigned base, unsigned order,
                           const irqmatrix::block_demand& demand, irqmatrix::block_demand total,
                           unsigned except) const {
        const auto before = irqmatrix::detail::free_block_runs(m_.free_map(cpu));
        auto after_map = m_.free_map(cpu);
        after_map.reset_range(base, 1u << order);
        const auto after = irqmatrix::detail::free_block_runs(after_map);
        if (m_.cpu_map(cpu).online && cpu != except)
            for (unsigned k = 0; k <= irqmatrix::max_order; ++k)
                total[k] = total[k] - before[k] + after[k];
        return irqmatrix::detail::demand_fits(total, demand);
    }

    irqmatrix::placement first_candidate(irqmatrix::cpu_span mask, unsigned order,
                                         const irqmatrix::block_demand& demand,
                                         unsigned except) const {
        const unsigned n = 1u << order;
        std::vector<std::pair<unsigned, unsigned>> cpus;  // (available, cpu)
        mask.for_each([&](unsigned c) {
            const auto& cm = m_.cpu_map(c);
            if (c < m_.nr_cpus() && cm.online && cm.available >= n)
                cpus.emplace_back(cm.available, c);
        });
        std::sort(cpus.begin(), cpus.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        const bool constrained =
            std::any_of(demand.begin(), demand.end(), [](std::uint64_t d) { return d != 0; });
        const irqmatrix::block_demand runs =
            constrained ? online_runs(m_, except) : irqmatrix::block_demand{};
        for (const auto& [avail, c] : cpus) {
            const auto free = m_.free_map(c);
            for (unsigned w = 0; w < matrix_type::bitmap_type::word_count; ++w) {
                std::uint64_t starts = irqmatrix::aligned_block_starts(free.word(w), order);
                while (starts) {
                    const unsigned base = w * 64 + static_cast<unsigned>(std::countr_zero(starts));
                    starts &= starts - 1;
                    if (!constrained || fits_after_taking(c, base, order, demand, runs, except))
                        return {c, base};
                }
            }
        }
        return {};
    }

    // Make before break, vector by vector, at the same offsets.
    bool move(const irqmatrix::group_ref& g, irqmatrix::placement to) {
        const unsigned n = 1u << g.order;
        for (unsigned i = 0; i < n; ++i)
            if (!m_.alloc_at(to.cpu, to.base + i, 0, false)) return false;
        for (unsigned i = 0; i < n; ++i)
            if (!m_.free(g.cpu, g.base + i, false)) return false;
        std::fill_n(owner_[g.cpu].begin() + g.base, n, no_group);
        record(to.cpu, to.base, g.order);
        return true;
    }

    matrix_type m_;
    std::vector<owner_row> owner_;
    irqmatrix::block_demand demand_{};
};

}  // namespace irqmatrix_baseline
