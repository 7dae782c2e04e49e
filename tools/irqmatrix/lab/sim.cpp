// SPDX-License-Identifier: MIT
#include "lab/sim.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>

#include <irqmatrix/irqmatrix.hpp>

#include "lab/machine_state.hpp"
#include "irqmatrix_common/seeded_rng.hpp"

namespace irqmatrix::lab {

failure_counts policy_run::block_totals() const noexcept {
    failure_counts t;
    for (const auto& b : blocks) {
        t.requests += b.requests;
        t.granted += b.granted;
        t.capacity += b.capacity;
        t.fragmentation += b.fragmentation;
        t.other += b.other;
        t.degraded += b.degraded;
    }
    return t;
}

namespace {

// ---- the event stream (policy-independent) ---------------------------------

/// A seed means the same stream everywhere (see seeded_rng.hpp).
using rng = irqmatrix_common::seeded_rng;

/// Counts per slot with O(log n) update, total and "which slot holds the
/// k-th item": how an irqbalance move picks a random movable group among
/// thousands of devices without walking them all.
class fenwick {
public:
    void reset(std::size_t n) {
        tree_.assign(n + 1, 0);
        values_.assign(n, 0);
        total_ = 0;
    }
    void set(std::size_t i, std::uint32_t value) {
        const auto delta = static_cast<std::int64_t>(value) - static_cast<std::int64_t>(values_[i]);
        values_[i] = value;
        total_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(total_) + delta);
        for (std::size_t j = i + 1; j < tree_.size(); j += j & (~j + 1)) tree_[j] += delta;
    }
    std::uint64_t total() const noexcept { return total_; }
    /// The slot holding item k (0-based, k < total()), and k's rank in it.
    std::pair<std::size_t, std::uint64_t> find(std::uint64_t k) const noexcept {
        std::size_t pos = 0;
        std::size_t step = std::bit_floor(tree_.size() - 1);
        auto rest = static_cast<std::int64_t>(k);
        for (; step; step >>= 1)
            if (pos + step < tree_.size() && tree_[pos + step] <= rest) {
                pos += step;
                rest -= tree_[pos];
            }
        return {pos, static_cast<std::uint64_t>(rest)};
    }

private:
    std::vector<std::int64_t> tree_;
    std::vector<std::uint32_t> values_;
    std::uint64_t total_ = 0;
};

enum class ev_kind : std::uint8_t { depart, arrive, offline, online, move };

struct event {
    double t = 0;
    std::uint64_t seq = 0;  // generation order: a stable tie-break at equal times
    ev_kind kind = ev_kind::arrive;
    unsigned who = 0;     // device instance (arrive, depart) or CPU (offline, online)
    std::uint64_t r = 0;  // random bits for a move
};

struct event_stream {
    std::vector<event> events;
    std::vector<unsigned> instance_class;  // device instance -> device class index
};

event_stream make_stream(const workload& w) {
    event_stream s;
    rng random(w.seed);
    std::uint64_t seq = 0;
    auto push = [&](double t, ev_kind k, unsigned who, std::uint64_t r = 0) {
        s.events.push_back({t, seq++, k, who, r});
    };
    // Each instance's life, so reloads can find who is alive when.
    struct life {
        double from, to;
        unsigned cls;
    };
    std::vector<life> lives;
    for (unsigned c = 0; c < w.devices.size(); ++c) {
        const auto& d = w.devices[c];
        auto born = [&](double t) {
            const double to = d.mean_lifetime > 0 ? t + random.exponential(d.mean_lifetime)
                                                  : std::numeric_limits<double>::infinity();
            const auto id = static_cast<unsigned>(s.instance_class.size());
            s.instance_class.push_back(c);
            lives.push_back({t, to, c});
            push(t, ev_kind::arrive, id);
            if (to < w.duration) push(to, ev_kind::depart, id);
        };
        for (unsigned i = 0; i < d.count; ++i) born(0);
        if (d.arrival_rate > 0)
            for (double t = random.exponential(1 / d.arrival_rate); t < w.duration;
                 t += random.exponential(1 / d.arrival_rate))
                born(t);
    }
    for (const auto& e : w.events) {
        if (e.at >= w.duration) continue;
        if (e.what == scheduled_event::action::reload) {
            // A driver reload: every device of the class alive then is
            // removed and probed again at once.
            for (unsigned id = 0; id < lives.size(); ++id) {
                const auto& l = lives[id];
                if (w.devices[l.cls].name == e.device && l.from <= e.at && e.at < l.to) {
                    push(e.at, ev_kind::depart, id);
                    push(e.at, ev_kind::arrive, id);
                }
            }
            continue;
        }
        const auto cpus = parse_cpulist(e.cpus, w.cpus);
        if (!cpus) continue;  // validated by parse_workload
        for (unsigned c = 0; c < w.cpus; ++c)
            if (cpus->test(c))
                push(
                    e.at,
                    e.what == scheduled_event::action::offline ? ev_kind::offline : ev_kind::online,
                    c);
    }
    if (w.hotplug_rate > 0) {
        const auto set = parse_cpulist(w.hotplug_cpus, w.cpus);
        std::vector<unsigned> pool;
        for (unsigned c = 0; set && c < w.cpus; ++c)
            if (set->test(c)) pool.push_back(c);
        if (!pool.empty())
            for (double t = random.exponential(1 / w.hotplug_rate); t < w.duration;
                 t += random.exponential(1 / w.hotplug_rate)) {
                const unsigned cpu = pool[random.next() % pool.size()];
                push(t, ev_kind::offline, cpu);
                const double back = t + random.exponential(std::max(w.hotplug_mean_downtime, 1e-9));
                if (back < w.duration) push(back, ev_kind::online, cpu);
            }
    }
    if (w.irqbalance_rate > 0)
        for (double t = random.exponential(1 / w.irqbalance_rate); t < w.duration;
             t += random.exponential(1 / w.irqbalance_rate))
            push(t, ev_kind::move, 0, random.next());
    std::sort(s.events.begin(), s.events.end(), [](const event& a, const event& b) {
        return a.t != b.t ? a.t < b.t : a.seq < b.seq;
    });
    return s;
}

// ---- one policy's run -------------------------------------------------------

/// A trace's operations applied to a matrix of any placement policy (the
/// session of trace.hpp holds kernel-placement matrices only). Returns an
/// error text, empty on success; a refused operation is an error here, as a
/// start state must rebuild exactly.
template <class M>
std::string build_from_trace(std::optional<M>& m, const std::string& text) {
    std::istringstream in(text);
    std::string problem;
    trace::for_each_line(in, [&](unsigned number, const trace::line_parts& parts) {
        if (parts.words.empty()) return true;
        const trace::op_signature* sig = trace::find_signature(parts.words[0]);
        const std::string where = "start state, line " + std::to_string(number) + ": ";
        const auto stop = [&](const std::string& why) {
            problem = where + why;
            return false;
        };
        if (!sig) return stop("unknown operation");
        const unsigned nr = m ? m->nr_cpus() : max_cpus;
        auto args = trace::parse_arguments(sig->args, parts.words, nr);
        if (!args) return stop("malformed arguments");
        if (sig->scope == trace::op_scope::header) {
            if (m) return stop("a second matrix line");
            if (args->num[0] != 256) return stop("the simulator models x86 (256 vectors per CPU)");
            auto made = M::create(args->num[0], args->num[1], args->num[2], args->num[3]);
            if (!made) return stop("bad geometry");
            m.emplace(std::move(*made));
            return true;
        }
        if (!m) return stop("the first operation must be 'matrix'");
        const auto out = trace::execute(*m, sig->id, *args);
        if (out.error) return stop("refused (" + out.text() + ")");
        return true;
    });
    if (!problem.empty()) return problem;
    if (!m) return "start state: no matrix line";
    return {};
}

template <class Policy>
class runner {
    using matrix_type = basic_matrix<256, Policy>;

    struct group {
        unsigned cpu = 0;
        unsigned base = 0;
        unsigned order = 0;
        bool managed = false;
        bool active = true;   // managed: allocated (false while its CPU is offline)
        bool pinned = false;  // never moves (legacy ISA vectors, imported state)
    };
    struct device {
        bool present = false;
        std::vector<group> groups;
    };

public:
    runner(const workload& w, const event_stream& s, const std::string& start_trace,
           const sim_options& opt, double progress_base, double progress_share)
        : w_(w),
          s_(s),
          start_trace_(start_trace),
          opt_(opt),
          progress_base_(progress_base),
          progress_share_(progress_share) {}

    std::string run(policy_run& out) {
        out_ = &out;
        if (auto e = boot(); !e.empty()) return e;
        recount_movable(devices_.size() - 1);
        const double step = w_.duration / w_.samples;
        double next_sample = 0;
        const std::size_t n = s_.events.size();
        for (std::size_t i = 0; i < n; ++i) {
            const event& e = s_.events[i];
            while (next_sample <= e.t && out.samples.size() < w_.samples) {
                sample(next_sample);
                next_sample += step;
            }
            apply(e);
            ++out.events;
            if (opt_.verify_each_event) {
                if (auto v = m_->verify(); !v.empty())
                    return "invariant broken after event " + std::to_string(i) + ": " + v;
            }
            if (opt_.progress && (i & 4095) == 0)
                opt_.progress(progress_base_ +
                              progress_share_ * static_cast<double>(i) / static_cast<double>(n));
        }
        while (out.samples.size() < w_.samples) {
            sample(next_sample);
            next_sample += step;
        }
        final_state();
        return {};
    }

private:
    // -- boot: geometry, system vectors, CPUs online, legacy vectors ---------
    // The last device is the machine's own: the legacy ISA vectors (pinned
    // to CPU 0) and whatever a start state had allocated for devices the
    // workload does not know (single vectors that stay, but may move).
    device& machine_device() { return devices_.back(); }

    std::string boot() {
        devices_.assign(s_.instance_class.size() + 1, device{});
        movable_.reset(devices_.size());
        machine_device().present = true;
        if (!start_trace_.empty()) {
            if (auto e = build_from_trace(m_, start_trace_); !e.empty()) return e;
            if (m_->nr_cpus() != w_.cpus)
                return "start state has " + std::to_string(m_->nr_cpus()) + " CPUs, the workload " +
                       std::to_string(w_.cpus);
            // Managed vectors of the start state stay where they are (their
            // queues belong to no simulated device); the rest become singles.
            for (unsigned c = 0; c < m_->nr_cpus(); ++c) {
                const auto& cm = m_->cpu_map(c);
                for (unsigned b = m_->alloc_start(); b < m_->alloc_end(); ++b)
                    if (cm.alloc_map.test(b) && !cm.managed_map.test(b))
                        machine_device().groups.push_back({c, b, 0, false, true, false});
            }
            return {};
        }
        auto made = matrix_type::create(256, w_.alloc_start, w_.alloc_end, w_.cpus);
        if (!made) return "bad machine geometry";
        m_.emplace(std::move(*made));
        for (unsigned v : w_.system_vectors)
            if (!m_->assign_system(0, v, false))
                return "system vector " + std::to_string(v) + " refused";
        if (!m_->online(0)) return "online 0 refused";
        if (w_.legacy_isa) {
            // ISA IRQs 0..15 but the cascade get vectors 0x30 + irq on CPU 0.
            for (unsigned irq = 0; irq < 16; ++irq) {
                if (irq == 2) continue;
                const unsigned v = 0x30 + irq;
                if (v < w_.alloc_start || v >= w_.alloc_end) continue;
                if (m_->assign(0, v))
                    machine_device().groups.push_back({0, v, 0, false, true, true});
            }
        }
        for (unsigned c = 1; c < w_.cpus; ++c)
            if (!m_->online(c)) return "online refused";
        return {};
    }

    cpu_set affinity_of(const device_class& d) const {
        if (d.affinity == "all") return cpu_set::all(w_.cpus);
        auto s = parse_cpulist(d.affinity, w_.cpus);
        return s ? *s : cpu_set::all(w_.cpus);
    }

    cpu_set online_in(const cpu_set& s) const {
        cpu_set r(w_.cpus);
        for (unsigned c = s.view().first(); c != no_cpu && c < w_.cpus; c = s.view().next(c + 1))
            if (m_->cpu_map(c).online) r.set(c);
        return r;
    }

    void apply(const event& e) {
        switch (e.kind) {
        case ev_kind::arrive: arrive(e.who); break;
        case ev_kind::depart: depart(e.who); break;
        case ev_kind::offline: offline(e.who); break;
        case ev_kind::online: online(e.who); break;
        case ev_kind::move: move(e.r); break;
        }
    }

    // -- devices ----------------------------------------------------------
    void release(const group& g) {
        if (g.managed) {
            if (g.active) (void)m_->free(g.cpu, g.base, true);
            (void)m_->remove_managed(cpu_set::single(w_.cpus, g.cpu));
        } else if (g.order == 0) {
            (void)m_->free(g.cpu, g.base, false);
        } else {
            (void)m_->free_block(g.cpu, g.base, g.order, false);
        }
    }

    void recount_movable(std::size_t id) {
        std::uint32_t n = 0;
        for (const auto& g : devices_[id].groups) n += !g.managed && !g.pinned;
        movable_.set(id, n);
    }

    void arrive(unsigned id) {
        device& dev = devices_[id];
        if (dev.present) return;
        const device_class& d = w_.devices[s_.instance_class[id]];
        ++out_->devices_arrived;
        const cpu_set affinity = affinity_of(d);
        const cpu_set mask = online_in(affinity);
        bool ok = true;
        switch (d.kind) {
        case device_kind::msix:
            for (unsigned v = 0; v < d.vectors && ok; ++v) {
                ++out_->single_requests;
                auto p =
                    mask.empty() ? result<placement>(fail(errc::no_space)) : m_->alloc(mask, false);
                if (p)
                    dev.groups.push_back({p->cpu, p->base, 0});
                else
                    ok = false, ++out_->single_failures;
            }
            break;
        case device_kind::managed: {
            std::vector<unsigned> cpus;
            for (unsigned c = 0; c < w_.cpus; ++c)
                if (affinity.test(c)) cpus.push_back(c);
            const std::size_t queues = d.vectors ? d.vectors : cpus.size();
            for (std::size_t q = 0; q < queues && ok && !cpus.empty(); ++q) {
                ++out_->managed_requests;
                const unsigned cpu = cpus[q % cpus.size()];
                const cpu_set one = cpu_set::single(w_.cpus, cpu);
                if (!m_->reserve_managed(one)) {
                    ok = false;
                    ++out_->managed_failures;
                    break;
                }
                group g{cpu, 0, 0, true, false};
                if (m_->cpu_map(cpu).online) {
                    if (auto p = m_->alloc_managed(one)) g.base = p->base, g.active = true;
                }
                dev.groups.push_back(g);
            }
            break;
        }
        case device_kind::multi_msi: {
            const auto order = static_cast<unsigned>(std::countr_zero(d.vectors));
            auto& count = out_->blocks[order];
            ++count.requests;
            auto p = mask.empty() ? result<placement>(fail(errc::no_space))
                                  : m_->alloc_block(mask, order, false);
            if (p) {
                ++count.granted;
                dev.groups.push_back({p->cpu, p->base, order});
                break;
            }
            classify(mask, order, count);
            if constexpr (placement_halves_on_failure<Policy>) {
                // FreeBSD: the driver asks again for half as many messages;
                // the round-robin cursor has moved to the next CPU.
                for (unsigned k = order; k-- > 0 && !mask.empty();) {
                    if (auto q = m_->alloc_block(mask, k, false)) {
                        ++count.degraded;
                        dev.groups.push_back({q->cpu, q->base, k});
                        break;
                    }
                }
            }
            ok = !dev.groups.empty();
            break;
        }
        }
        if (!ok) {
            for (auto it = dev.groups.rbegin(); it != dev.groups.rend(); ++it) release(*it);
            dev.groups.clear();
            ++out_->devices_refused;
            return;
        }
        dev.present = true;
        recount_movable(id);
    }

    void depart(unsigned id) {
        device& dev = devices_[id];
        if (!dev.present) return;
        for (auto it = dev.groups.rbegin(); it != dev.groups.rend(); ++it) release(*it);
        dev.groups.clear();
        dev.present = false;
        movable_.set(id, 0);
    }

    // -- why a block request failed ---------------------------------------
    void classify(const cpu_set& mask, unsigned order, failure_counts& count) const {
        const unsigned need = 1u << order;
        unsigned free_total = 0;
        for (unsigned c = 0; c < w_.cpus; ++c)
            if (mask.test(c)) free_total += m_->free_map(c).count();
        if (free_total < need) {
            ++count.capacity;
            return;
        }
        if (ideal_repack_fits(mask, order))
            ++count.fragmentation;
        else
            ++count.other;
    }

    /// Would every movable group on the mask's CPUs, plus one block of
    /// `order`, fit into those CPUs' space (free vectors plus the movable
    /// groups' own) when placed largest first, each at the lowest free
    /// aligned block of the first CPU that has one?
    bool ideal_repack_fits(const cpu_set& mask, unsigned order) const {
        using bm = typename matrix_type::bitmap_type;
        std::vector<unsigned> cpus;
        std::vector<bm> space;
        std::array<unsigned, sim_orders> items{};
        ++items[order];
        for (unsigned c = 0; c < w_.cpus; ++c)
            if (mask.test(c)) {
                cpus.push_back(c);
                space.push_back(m_->free_map(c));
            }
        std::vector<unsigned> slot(w_.cpus, ~0u);
        for (unsigned i = 0; i < cpus.size(); ++i) slot[cpus[i]] = i;
        for (const auto& dev : devices_)
            for (const auto& g : dev.groups)
                if (!g.managed && !g.pinned && slot[g.cpu] != ~0u) {
                    space[slot[g.cpu]].set_range(g.base, 1u << g.order);
                    ++items[g.order];
                }
        for (unsigned k = sim_orders; k-- > 0;) {
            std::size_t cursor = 0;  // a CPU without an order-k block never regains one
            for (unsigned n = 0; n < items[k]; ++n) {
                while (cursor < space.size() && space[cursor].find_aligned_run(k) >= bm::capacity)
                    ++cursor;
                if (cursor == space.size()) return false;
                space[cursor].reset_range(space[cursor].find_aligned_run(k), 1u << k);
            }
        }
        return true;
    }

    // -- CPU hotplug ------------------------------------------------------
    void offline(unsigned cpu) {
        if (!m_->cpu_map(cpu).online || m_->stats().online_maps <= 1) return;
        ++out_->offline_requests;
        // The kernel's check: the vectors to move against what the other
        // CPUs' counters say is available.
        const unsigned to_move = *m_->allocated(cpu);
        const unsigned elsewhere = *m_->available(cpu, true);
        if (to_move > elsewhere) {
            ++out_->offline_refused_count;
            return;
        }
        // Placement: move every group on a copy, largest first; commit only
        // if all of them fit.
        for (const auto& dev : devices_)
            for (const auto& g : dev.groups)
                if (g.pinned && g.cpu == cpu) {
                    ++out_->offline_refused_placement;
                    return;
                }
        matrix_type trial = *m_;
        struct moved {
            group* g;
            unsigned cpu, base;
        };
        std::vector<moved> plan;
        std::vector<group*> here;
        for (unsigned id = 0; id < devices_.size(); ++id)
            for (auto& g : devices_[id].groups)
                if (g.cpu == cpu && !g.managed) here.push_back(&g);
        std::stable_sort(here.begin(), here.end(),
                         [](const group* a, const group* b) { return a->order > b->order; });
        cpu_set others(w_.cpus);
        for (unsigned c = 0; c < w_.cpus; ++c)
            if (c != cpu && m_->cpu_map(c).online) others.set(c);
        for (group* g : here) {
            auto p = trial.alloc_block(others, g->order, false);
            if (!p) {
                ++out_->offline_refused_placement;
                return;
            }
            (void)trial.free_block(g->cpu, g->base, g->order, false);
            plan.push_back({g, p->cpu, p->base});
        }
        // Managed vectors of that CPU are shut down, their reservations kept.
        std::vector<group*> shut;
        for (auto& dev : devices_)
            for (auto& g : dev.groups)
                if (g.managed && g.cpu == cpu && g.active) {
                    (void)trial.free(cpu, g.base, true);
                    shut.push_back(&g);
                }
        if (!trial.offline(cpu)) return;
        *m_ = std::move(trial);
        for (const auto& mv : plan) mv.g->cpu = mv.cpu, mv.g->base = mv.base;
        for (group* g : shut) g->active = false;
    }

    void online(unsigned cpu) {
        if (m_->cpu_map(cpu).online) return;
        if (!m_->online(cpu)) return;
        const cpu_set one = cpu_set::single(w_.cpus, cpu);
        for (auto& dev : devices_)
            for (auto& g : dev.groups)
                if (g.managed && g.cpu == cpu && !g.active)
                    if (auto p = m_->alloc_managed(one)) g.base = p->base, g.active = true;
    }

    // -- irqbalance -------------------------------------------------------
    void move(std::uint64_t r) {
        const std::uint64_t movable = movable_.total();
        if (movable == 0) return;
        auto [id, pick] = movable_.find(r % movable);
        const auto target = static_cast<unsigned>((r >> 32) % w_.cpus);
        for (auto& g : devices_[id].groups) {
            if (g.managed || g.pinned) continue;
            if (pick--) continue;
            if (g.cpu == target || !m_->cpu_map(target).online) return;
            ++out_->moves;
            // Make before break: the new place is taken before the old one
            // is freed, as an MSI affinity change does.
            auto p = m_->alloc_block(cpu_set::single(w_.cpus, target), g.order, false);
            if (!p) {
                ++out_->move_failures;
                return;
            }
            (void)m_->free_block(g.cpu, g.base, g.order, false);
            g.cpu = p->cpu;
            g.base = p->base;
            return;
        }
    }

    // -- measurements -----------------------------------------------------
    void sample(double t) {
        sample_point s;
        s.time = t;
        const auto totals = out_->block_totals();
        const std::uint64_t req = totals.requests - last_requests_;
        const std::uint64_t got = totals.granted - last_granted_;
        const double nan = std::numeric_limits<double>::quiet_NaN();
        s.block_success_window = req ? static_cast<double>(got) / static_cast<double>(req) : nan;
        s.block_success_cumulative = totals.requests ? static_cast<double>(totals.granted) /
                                                           static_cast<double>(totals.requests)
                                                     : nan;
        last_requests_ = totals.requests;
        last_granted_ = totals.granted;
        const auto f = fragmentation_of(*m_);
        for (unsigned k = 0; k < sim_orders; ++k)
            s.fragmentation_index[k] = f.fragmentation_index(k);
        s.free_vectors = f.free_vectors;
        for (unsigned c = 0; c < w_.cpus; ++c) {
            if (!m_->cpu_map(c).online) continue;
            ++s.online_cpus;
            ++s.cpus_by_largest_order[static_cast<unsigned>(m_->largest_free_order(c) + 1)];
        }
        out_->samples.push_back(s);
    }

    void final_state() {
        const unsigned bits = m_->bits();
        out_->rows = w_.cpus;
        out_->cols = bits;
        out_->cells.assign(std::size_t{w_.cpus} * bits, vector_use::free);
        std::vector<std::uint8_t> in_block(std::size_t{w_.cpus} * bits, 0);
        for (const auto& dev : devices_)
            for (const auto& g : dev.groups)
                if (!g.managed && g.order > 0)
                    for (unsigned b = g.base; b < g.base + (1u << g.order); ++b)
                        in_block[std::size_t{g.cpu} * bits + b] = 1;
        const auto& system = m_->system_map();
        for (unsigned c = 0; c < w_.cpus; ++c) {
            const auto& cm = m_->cpu_map(c);
            for (unsigned b = 0; b < bits; ++b) {
                vector_use u = vector_use::free;
                if (!cm.online)
                    u = vector_use::offline;
                else if (system.test(b))
                    u = vector_use::system;
                else if (b < m_->alloc_start() || b >= m_->alloc_end())
                    u = vector_use::outside_window;
                else if (cm.alloc_map.test(b) && cm.managed_map.test(b))
                    u = vector_use::managed_allocated;
                else if (cm.managed_map.test(b))
                    u = vector_use::managed_reserved;
                else if (cm.alloc_map.test(b))
                    u = in_block[std::size_t{c} * bits + b] ? vector_use::block
                                                            : vector_use::single;
                out_->cells[std::size_t{c} * bits + b] = u;
            }
        }
        out_->final_table = debug_show(*m_, 1);
    }

    const workload& w_;
    const event_stream& s_;
    const std::string& start_trace_;
    const sim_options& opt_;
    double progress_base_, progress_share_;
    policy_run* out_ = nullptr;
    std::optional<matrix_type> m_;
    std::vector<device> devices_;
    fenwick movable_;  // movable (non-managed, unpinned) groups per device
    std::uint64_t last_requests_ = 0, last_granted_ = 0;
};

template <class Policy>
std::string run_policy(const workload& w, const event_stream& s, const std::string& start,
                       const sim_options& opt, double base, double share, policy_run& out) {
    runner<Policy> r(w, s, start, opt, base, share);
    const auto t0 = std::chrono::steady_clock::now();
    auto e = r.run(out);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return e;
}

// ---- the policies by name ---------------------------------------------------

using policy_runner = std::string (*)(const workload&, const event_stream&, const std::string&,
                                      const sim_options&, double, double, policy_run&);
struct policy_entry {
    std::string_view name;
    policy_runner run;
    bool by_default;  ///< in known_policies(): run when a workload names none
};

// The one list of policy names. kernel_scan, the literal walk, is there for
// the benchmarks and tests that measure `kernel` against it.
constexpr policy_entry policy_table[] = {
    {"kernel", &run_policy<kernel_placement>, true},
    {"kernel_scan", &run_policy<kernel_scan_placement>, false},
    {"pack", &run_policy<pack_placement>, true},
    {"best_fit", &run_policy<best_fit_placement>, true},
    {"freebsd", &run_policy<freebsd_placement>, true},
};

const policy_entry* find_policy(std::string_view name) noexcept {
    for (const auto& p : policy_table)
        if (p.name == name) return &p;
    return nullptr;
}

std::vector<std::string> policy_names(bool defaults_only) {
    std::vector<std::string> names;
    for (const auto& p : policy_table)
        if (p.by_default || !defaults_only) names.emplace_back(p.name);
    return names;
}

}  // namespace

const std::vector<std::string>& known_policies() {
    static const std::vector<std::string> names = policy_names(true);
    return names;
}

const std::vector<std::string>& runnable_policies() {
    static const std::vector<std::string> names = policy_names(false);
    return names;
}

bool is_runnable_policy(std::string_view name) { return find_policy(name) != nullptr; }

std::string known_policy_list() {
    std::string list;
    for (const auto& name : known_policies()) list += (list.empty() ? "" : ", ") + name;
    return list;
}

sim_result simulate(const workload& w, const sim_options& opt) {
    sim_result result;
    std::string start;
    if (!w.start_state.empty()) {
        auto loaded = load_state(w.start_state, import_options{});
        if (!loaded) {
            result.error = loaded.error;
            return result;
        }
        start = std::move(loaded.state->trace);
    }
    const event_stream stream = make_stream(w);
    result.events = stream.events.size();
    const double share = 1.0 / static_cast<double>(w.policies.size());
    for (std::size_t i = 0; i < w.policies.size(); ++i) {
        policy_run run;
        run.policy = w.policies[i];
        const double base = share * static_cast<double>(i);
        const policy_entry* entry = find_policy(run.policy);
        const std::string e = entry ? entry->run(w, stream, start, opt, base, share, run)
                                    : "unknown policy '" + run.policy + "'";
        if (!e.empty()) {
            result.error = run.policy + ": " + e;
            result.runs.clear();
            return result;
        }
        result.runs.push_back(std::move(run));
    }
    if (opt.progress) opt.progress(1.0);
    return result;
}

}  // namespace irqmatrix::lab
