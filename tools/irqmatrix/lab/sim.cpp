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

// One policy's run, on the planner (planner.hpp) with that policy: the
// planner keeps the groups, answers whether a CPU's groups can move
// (can_offline), moves them (evacuate, move_block) and says whether a refused
// block would have fitted after a repack (fits_after_repack). The runner
// keeps what the planner cannot know: which device owns which group, and the
// kernel's own rules around them (the count-based offline check, managed
// queues shut down and restarted with their CPU).
template <class Policy>
class runner {
    using planner_type = basic_planner<256, Policy>;
    static constexpr unsigned bits = planner_type::capacity;

    // A device's allocation as the planner names it: a vector or block on
    // `cpu` at `base`, or a managed queue reserved on `cpu` (allocated, at
    // `base`, while `active`).
    struct group {
        unsigned cpu = 0;
        unsigned base = 0;
        unsigned order = 0;
        bool managed = false;
        bool active = true;
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
          progress_share_(progress_share),
          online_(w.cpus),
          one_(w.cpus),
          scratch_(w.cpus) {}

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
                std::string v = p_->verify();
                if (v.empty()) v = check_books();
                if (!v.empty())
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
    const auto& matrix() const { return p_->matrix(); }

    // -- boot: geometry, system vectors, CPUs online, legacy vectors ---------
    // The last device is the machine's own: the legacy ISA vectors (pinned
    // to CPU 0) and whatever a start state had allocated for devices the
    // workload does not know (groups that stay, but may move).
    device& machine_device() { return devices_.back(); }

    std::string boot() {
        devices_.assign(s_.instance_class.size() + 1, device{});
        movable_.reset(devices_.size());
        owner_.assign(std::size_t{w_.cpus} * bits, 0);
        restart_.assign(w_.cpus, {});
        machine_device().present = true;
        for (const auto& d : w_.devices) {
            const cpu_set a = affinity_of(d);
            affinity_cpus_.emplace_back();
            for (unsigned c = 0; c < w_.cpus; ++c)
                if (a.test(c)) affinity_cpus_.back().push_back(c);
            affinity_all_.push_back(d.affinity == "all");
        }
        if (!start_trace_.empty()) {
            if (auto e = build_from_trace(p_, start_trace_); !e.empty()) return e;
            if (p_->nr_cpus() != w_.cpus)
                return "start state has " + std::to_string(p_->nr_cpus()) + " CPUs, the workload " +
                       std::to_string(w_.cpus);
            // Managed vectors of the start state stay where they are (their
            // queues belong to no simulated device); the other groups become
            // the machine's.
            for (unsigned c = 0; c < p_->nr_cpus(); ++c) {
                if (matrix().cpu_map(c).online) online_.set(c);
                for (const auto& g : p_->groups_on(c))
                    if (!p_->is_managed(g)) add_group(devices_.size() - 1, {c, g.base, g.order});
            }
            return {};
        }
        auto made = planner_type::create(bits, w_.alloc_start, w_.alloc_end, w_.cpus);
        if (!made) return "bad machine geometry";
        p_.emplace(std::move(*made));
        for (unsigned v : w_.system_vectors)
            if (!p_->assign_system(0, v, false))
                return "system vector " + std::to_string(v) + " refused";
        if (!p_->online(0)) return "online 0 refused";
        online_.set(0);
        if (w_.legacy_isa) {
            // ISA IRQs 0..15 but the cascade get vectors 0x30 + irq on CPU 0.
            for (unsigned irq = 0; irq < 16; ++irq) {
                if (irq == 2) continue;
                const unsigned v = 0x30 + irq;
                if (v < w_.alloc_start || v >= w_.alloc_end) continue;
                if (p_->assign(0, v) && p_->pin(0, v)) add_group(devices_.size() - 1, {0, v, 0});
            }
        }
        for (unsigned c = 1; c < w_.cpus; ++c) {
            if (!p_->online(c)) return "online refused";
            online_.set(c);
        }
        return {};
    }

    cpu_set affinity_of(const device_class& d) const {
        if (d.affinity == "all") return cpu_set::all(w_.cpus);
        auto s = parse_cpulist(d.affinity, w_.cpus);
        return s ? *s : cpu_set::all(w_.cpus);
    }

    // The online CPUs of a device class's affinity: the online set itself
    // for "all", else built in scratch_ from the class's CPUs.
    cpu_span online_mask(unsigned cls) {
        if (affinity_all_[cls]) return online_.view();
        for (const unsigned c : last_scratch_) scratch_.reset(c);
        last_scratch_.clear();
        for (const unsigned c : affinity_cpus_[cls])
            if (online_.test(c)) {
                scratch_.set(c);
                last_scratch_.push_back(c);
            }
        return scratch_.view();
    }

    // A one-CPU mask, reused.
    cpu_span only(unsigned cpu) {
        if (one_cpu_ != no_cpu) one_.reset(one_cpu_);
        one_.set(cpu);
        one_cpu_ = cpu;
        return one_.view();
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
    std::uint32_t& owner_at(unsigned cpu, unsigned base) {
        return owner_[std::size_t{cpu} * bits + base];
    }
    void add_group(std::size_t id, const group& g) {
        devices_[id].groups.push_back(g);
        if (!g.managed || g.active) owner_at(g.cpu, g.base) = static_cast<std::uint32_t>(id + 1);
    }

    bool pinned(const group& g) const {
        return !g.managed && p_->is_pinned({g.cpu, g.base, g.order});
    }

    void release(const group& g) {
        if (g.managed) {
            if (g.active) {
                (void)p_->free(g.cpu, g.base, true);
                owner_at(g.cpu, g.base) = 0;
            }
            (void)p_->remove_managed(only(g.cpu));
            return;
        }
        owner_at(g.cpu, g.base) = 0;
        if (g.order == 0)
            (void)p_->free(g.cpu, g.base, false);
        else
            (void)p_->free_block(g.cpu, g.base, g.order, false);
    }

    void recount_movable(std::size_t id) {
        std::uint32_t n = 0;
        for (const auto& g : devices_[id].groups) n += !g.managed && !pinned(g);
        movable_.set(id, n);
    }

    void arrive(unsigned id) {
        device& dev = devices_[id];
        if (dev.present) return;
        const unsigned cls = s_.instance_class[id];
        const device_class& d = w_.devices[cls];
        ++out_->devices_arrived;
        bool ok = true;
        switch (d.kind) {
        case device_kind::msix: {
            const cpu_span mask = online_mask(cls);
            for (unsigned v = 0; v < d.vectors && ok; ++v) {
                ++out_->single_requests;
                auto p =
                    mask.empty() ? result<placement>(fail(errc::no_space)) : p_->alloc(mask, false);
                if (p)
                    add_group(id, {p->cpu, p->base, 0});
                else
                    ok = false, ++out_->single_failures;
            }
            break;
        }
        case device_kind::managed: {
            const std::vector<unsigned>& cpus = affinity_cpus_[cls];
            const std::size_t queues = d.vectors ? d.vectors : cpus.size();
            for (std::size_t q = 0; q < queues && ok && !cpus.empty(); ++q) {
                ++out_->managed_requests;
                const unsigned cpu = cpus[q % cpus.size()];
                if (!p_->reserve_managed(only(cpu))) {
                    ok = false;
                    ++out_->managed_failures;
                    break;
                }
                group g{cpu, 0, 0, true, false};
                if (online_.test(cpu)) {
                    if (auto p = p_->alloc_managed(only(cpu))) g.base = p->base, g.active = true;
                } else {
                    restart_[cpu].push_back(id);
                }
                add_group(id, g);
            }
            break;
        }
        case device_kind::multi_msi: {
            const cpu_span mask = online_mask(cls);
            const auto order = static_cast<unsigned>(std::countr_zero(d.vectors));
            auto& count = out_->blocks[order];
            ++count.requests;
            auto p = mask.empty() ? result<placement>(fail(errc::no_space))
                                  : p_->alloc_block(mask, order, false);
            if (p) {
                ++count.granted;
                add_group(id, {p->cpu, p->base, order});
                break;
            }
            classify(mask, affinity_all_[cls], order, count);
            if constexpr (placement_halves_on_failure<Policy>) {
                // FreeBSD: the driver asks again for half as many messages;
                // the round-robin cursor has moved to the next CPU.
                for (unsigned k = order; k-- > 0 && !mask.empty();) {
                    if (auto q = p_->alloc_block(mask, k, false)) {
                        ++count.degraded;
                        add_group(id, {q->cpu, q->base, k});
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
    // `all_online`: the mask is every online CPU.
    void classify(cpu_span mask, bool all_online, unsigned order, failure_counts& count) const {
        std::uint64_t free_total = 0;
        if (all_online)
            free_total = p_->online_free_blocks()[0];  // free vectors of the online CPUs
        else
            mask.for_each([&](unsigned c) { free_total += matrix().free_map(c).count(); });
        if (free_total < (1u << order))
            ++count.capacity;
        else if (p_->fits_after_repack(mask, order))
            ++count.fragmentation;
        else
            ++count.other;
    }

    // -- CPU hotplug ------------------------------------------------------
    void offline(unsigned cpu) {
        if (!online_.test(cpu) || matrix().stats().online_maps <= 1) return;
        ++out_->offline_requests;
        // The kernel's check: the vectors to move against what the other
        // CPUs' counters say is available.
        const unsigned to_move = *p_->allocated(cpu);
        const unsigned elsewhere = *p_->available(cpu, true);
        if (to_move > elsewhere) {
            ++out_->offline_refused_count;
            return;
        }
        // Placement: the planner moves every group that may move, or none.
        moves_.clear();
        if (!p_->evacuate(cpu, &moves_)) {
            ++out_->offline_refused_placement;
            return;
        }
        for (const auto& [from, to] : moves_) {
            const std::uint32_t id = owner_at(from.cpu, from.base);
            owner_at(from.cpu, from.base) = 0;
            owner_at(to.cpu, to.base) = id;
            for (auto& g : devices_[id - 1].groups)
                if (!g.managed && g.cpu == from.cpu && g.base == from.base) {
                    g.cpu = to.cpu;
                    g.base = to.base;
                    break;
                }
        }
        // Managed vectors of that CPU are shut down, their reservations kept.
        const auto& cm = matrix().cpu_map(cpu);
        auto active = cm.alloc_map & cm.managed_map;
        active.for_each_set([&](unsigned base) {
            const std::uint32_t id = owner_at(cpu, base);
            if (id == 0) return;  // a start state's managed vector: no device
            for (auto& g : devices_[id - 1].groups)
                if (g.managed && g.active && g.cpu == cpu && g.base == base) {
                    (void)p_->free(cpu, base, true);
                    g.active = false;
                    owner_at(cpu, base) = 0;
                    restart_[cpu].push_back(id - 1);
                    break;
                }
        });
        (void)p_->offline(cpu);
        online_.reset(cpu);
    }

    void online(unsigned cpu) {
        if (online_.test(cpu)) return;
        if (!p_->online(cpu)) return;
        online_.set(cpu);
        // The CPU's managed queues start again, device by device as they are
        // numbered.
        auto& ids = restart_[cpu];
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        for (const std::size_t id : ids)
            for (auto& g : devices_[id].groups)
                if (g.managed && g.cpu == cpu && !g.active)
                    if (auto p = p_->alloc_managed(only(cpu))) {
                        g.base = p->base;
                        g.active = true;
                        owner_at(cpu, g.base) = static_cast<std::uint32_t>(id + 1);
                    }
        ids.clear();
    }

    // -- irqbalance -------------------------------------------------------
    void move(std::uint64_t r) {
        const std::uint64_t movable = movable_.total();
        if (movable == 0) return;
        auto [id, pick] = movable_.find(r % movable);
        const auto target = static_cast<unsigned>((r >> 32) % w_.cpus);
        for (auto& g : devices_[id].groups) {
            if (g.managed || pinned(g)) continue;
            if (pick--) continue;
            if (g.cpu == target || !online_.test(target)) return;
            ++out_->moves;
            // Make before break, as an MSI affinity change does.
            auto p = p_->move_block(g.cpu, g.base, only(target));
            if (!p) {
                ++out_->move_failures;
                return;
            }
            owner_at(g.cpu, g.base) = 0;
            g.cpu = p->cpu;
            g.base = p->base;
            owner_at(g.cpu, g.base) = static_cast<std::uint32_t>(id + 1);
            return;
        }
    }

    // The runner's books against the planner's: every device group is a
    // planner group of the same order (or an active managed queue's
    // allocated managed vector) and is where owner_ says, and the allocated
    // vectors are exactly the groups' members and the start state's managed
    // vectors (verify_each_event only: O(everything)).
    std::string check_books() const {
        std::vector<std::uint8_t> seen(std::size_t{w_.cpus} * bits, 0);
        for (std::size_t id = 0; id < devices_.size(); ++id)
            for (const auto& g : devices_[id].groups) {
                if (g.managed && !g.active) continue;
                const std::string where = "device " + std::to_string(id) + " group at cpu " +
                                          std::to_string(g.cpu) + " base " + std::to_string(g.base);
                if (owner_[std::size_t{g.cpu} * bits + g.base] != id + 1)
                    return where + ": not its owner's";
                const auto found = p_->find_group(g.cpu, g.base);
                if (!found || found->order != g.order) return where + ": no such planner group";
                if (g.managed != p_->is_managed(*found)) return where + ": managed or not";
                p_->members(*found).for_each_set(
                    [&](unsigned v) { seen[std::size_t{g.cpu} * bits + v] = 1; });
            }
        for (unsigned c = 0; c < w_.cpus; ++c) {
            const auto& cm = matrix().cpu_map(c);
            for (unsigned v = 0; v < bits; ++v)
                if (cm.alloc_map.test(v) && !seen[std::size_t{c} * bits + v] &&
                    !(start_trace_.size() && cm.managed_map.test(v)))
                    return "cpu " + std::to_string(c) + " vector " + std::to_string(v) +
                           ": allocated, owned by no device";
        }
        return {};
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
        const auto f = fragmentation_of(matrix());
        for (unsigned k = 0; k < sim_orders; ++k)
            s.fragmentation_index[k] = f.fragmentation_index(k);
        s.free_vectors = f.free_vectors;
        for (unsigned c = 0; c < w_.cpus; ++c) {
            if (!matrix().cpu_map(c).online) continue;
            ++s.online_cpus;
            ++s.cpus_by_largest_order[static_cast<unsigned>(matrix().largest_free_order(c) + 1)];
        }
        out_->samples.push_back(s);
    }

    void final_state() {
        out_->rows = w_.cpus;
        out_->cols = bits;
        out_->cells.assign(std::size_t{w_.cpus} * bits, vector_use::free);
        std::vector<std::uint8_t> in_block(std::size_t{w_.cpus} * bits, 0);
        for (const auto& dev : devices_)
            for (const auto& g : dev.groups)
                if (!g.managed && g.order > 0)
                    for (unsigned b = g.base; b < g.base + (1u << g.order); ++b)
                        in_block[std::size_t{g.cpu} * bits + b] = 1;
        const auto& system = matrix().system_map();
        for (unsigned c = 0; c < w_.cpus; ++c) {
            const auto& cm = matrix().cpu_map(c);
            for (unsigned b = 0; b < bits; ++b) {
                vector_use u = vector_use::free;
                if (!cm.online)
                    u = vector_use::offline;
                else if (system.test(b))
                    u = vector_use::system;
                else if (b < matrix().alloc_start() || b >= matrix().alloc_end())
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
        out_->final_table = debug_show(matrix(), 1);
    }

    const workload& w_;
    const event_stream& s_;
    const std::string& start_trace_;
    const sim_options& opt_;
    double progress_base_, progress_share_;
    policy_run* out_ = nullptr;
    std::optional<planner_type> p_;
    std::vector<device> devices_;
    fenwick movable_;                     // movable (non-managed, unpinned) groups per device
    cpu_set online_;                      // the online CPUs
    cpu_set one_;                         // only(): a one-CPU mask
    unsigned one_cpu_ = no_cpu;           // the CPU set in one_
    cpu_set scratch_;                     // online_mask(): a class's online CPUs
    std::vector<unsigned> last_scratch_;  // the CPUs set in scratch_
    std::vector<std::vector<unsigned>> affinity_cpus_;  // per device class
    std::vector<bool> affinity_all_;                    // per device class: "all"
    std::vector<std::uint32_t> owner_;                  // (cpu, base) -> owning device + 1, 0: none
    std::vector<std::vector<std::size_t>> restart_;     // per CPU: devices with a queue shut there
    std::vector<group_move> moves_;                     // offline(): what evacuate moved
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
