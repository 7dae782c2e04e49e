// SPDX-License-Identifier: MIT
// leaks, offline, affinity and headroom on a machine snapshot: see whatif.hpp.
// The CPU-offline rules are Linux's (docs/real-machines.md cites the
// functions): the count check of lapic_can_unplug_cpu(), then for every IRQ
// in IRQ order what migrate_one_irq() does, then irq_matrix_offline().
#include "lab/whatif.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <irqmatrix/dump.hpp>

namespace irqmatrix::lab {

namespace {

using json = nlohmann::ordered_json;

constexpr int exit_ok = 0;
constexpr int exit_input = 2;

/// An IRQ as the offline and affinity simulations move it: a real one of
/// the snapshot, or one per allocated vector no IRQ is known to own.
struct sim_irq {
    std::string label;
    unsigned irq = ~0u;
    unsigned cpu = 0;
    unsigned vector = 0;
    bool active = false;  ///< holds (cpu, vector)
    bool managed = false;
    bool started = true;
    bool has_reserved = false;
    std::vector<unsigned> affinity;  ///< empty: every CPU
    std::optional<std::pair<unsigned, unsigned>> previous;
};

template <class Matrix>
bool allocated_at(const Matrix& m, unsigned cpu, unsigned v) {
    return cpu < m.nr_cpus() && v < m.bits() && m.cpu_map(cpu).alloc_map.test(v);
}

template <class Matrix>
bool managed_at(const Matrix& m, unsigned cpu, unsigned v) {
    return m.cpu_map(cpu).managed_map.test(v);
}

/// The IRQs to simulate, in the kernel's order (IRQ number); vectors with
/// no known owner after them, by CPU and vector.
template <class Matrix>
std::vector<sim_irq> sim_irqs(const snapshot& s, const Matrix& m) {
    std::vector<sim_irq> out;
    for (const auto& i : s.irqs) {
        sim_irq x;
        x.label = i.label();
        x.irq = i.irq;
        x.managed = i.managed;
        x.started = i.started;
        x.has_reserved = i.has_reserved;
        if (i.affinity_known) x.affinity = i.affinity;
        // A managed IRQ's mask is fixed when it is set up, usually one CPU
        // or a few of one node; without it, its own CPU (snapshot states it).
        if (i.managed && !i.affinity_known && i.cpu_known) x.affinity = {i.cpu};
        if (i.holds_vector() && allocated_at(m, i.cpu, i.vector)) {
            x.active = true;
            x.cpu = i.cpu;
            x.vector = i.vector;
        }
        if (i.previous && allocated_at(m, i.previous->first, i.previous->second))
            x.previous = i.previous;
        out.push_back(std::move(x));
    }
    for (unsigned c = 0; c < m.nr_cpus(); ++c) {
        if (!m.cpu_map(c).online) continue;
        for (unsigned v = m.alloc_start(); v < m.alloc_end(); ++v) {
            if (!allocated_at(m, c, v) || s.owner.count({c, v})) continue;
            sim_irq x;
            x.label = fmt::format("CPU {} vector {} (no known owner)", c, v);
            x.cpu = c;
            x.vector = v;
            x.active = true;
            x.managed = managed_at(m, c, v);
            if (x.managed) x.affinity = {c};  // the assumption snapshot states
            out.push_back(std::move(x));
        }
    }
    return out;
}

template <class Matrix>
cpu_set online_set(const Matrix& m, unsigned except = ~0u) {
    cpu_set set(m.nr_cpus());
    for (unsigned c = 0; c < m.nr_cpus(); ++c)
        if (c != except && m.cpu_map(c).online) set.set(c);
    return set;
}

/// `wanted` (empty: every CPU) among the CPUs of `among`.
cpu_set intersect(const std::vector<unsigned>& wanted, const cpu_set& among, unsigned nr_cpus) {
    if (wanted.empty()) return among;
    cpu_set set(nr_cpus);
    for (unsigned c : wanted)
        if (c < nr_cpus && among.view().test(c)) set.set(c);
    return set;
}

std::string errno_text(int e) {
    switch (-e) {
    case 28: return "-28, no space";
    case 16: return "-16, busy";
    case 22: return "-22, invalid";
    case 5: return "-5, I/O error";
    default: return std::to_string(e);
    }
}

/// The session built from the snapshot, or nullopt with `error`.
std::optional<trace::session> session_of(const snapshot& s, std::string& error) {
    return snapshot_session(s, error);
}

// ---- offline ---------------------------------------------------------------

template <class Planner>
offline_step take_down(Planner& p, std::vector<sim_irq>& irqs, unsigned d,
                       const offline_options& opt, const snapshot& s) {
    offline_step st;
    st.cpu = d;
    const auto& m = p.matrix();
    if (d >= m.nr_cpus() || !m.cpu_map(d).online) {
        st.refused = true;
        st.why = fmt::format("CPU {} is not online", d);
        return st;
    }
    const cpu_set others = online_set(m, d);
    if (others.empty()) {
        st.refused = true;
        st.why = fmt::format("CPU {} is the last online CPU", d);
        return st;
    }
    const cpu_stats cs = *m.cpu(d);
    st.to_move = opt.count_managed ? cs.allocated : cs.allocated - cs.managed_allocated;
    st.available = *m.available(d, true);
    if (const auto can = p.can_offline(d)) {
        st.planner_ok = true;
        st.planner_vectors = *can;
    } else {
        st.planner_why = can.error() == errc::no_space
                             ? "its vectors do not fit in the other CPUs' free vectors"
                             : std::string(to_string(can.error()));
    }
    if (st.available < st.to_move) {
        st.refused = true;
        st.why = fmt::format("CPU {} has {} vectors, {} available. Cannot disable CPU", d,
                             st.to_move, st.available);
        return st;
    }
    if (st.available < p.reserved())
        st.warning = fmt::format("Reserved vectors {} > available {}. IRQ request may fail",
                                 p.reserved(), st.available);
    for (auto& i : irqs) {
        // A move still in progress to or from the dying CPU completes now
        // (irq_force_complete_move): its old vector is freed.
        if (i.previous && (i.previous->first == d || (i.active && i.cpu == d))) {
            const auto [pc, pv] = *i.previous;
            (void)p.free(pc, pv, managed_at(p.matrix(), pc, pv));
            i.previous.reset();
        }
        if (!i.active || i.cpu != d) continue;
        irq_fate f;
        f.label = i.label;
        f.irq = i.irq;
        f.from_vector = i.vector;
        if (!i.started) {
            f.what = irq_fate::not_started;
            st.fates.push_back(f);
            continue;
        }
        cpu_set mask = intersect(i.affinity, others, m.nr_cpus());
        if (mask.empty()) {
            if (i.managed) {
                (void)p.free(d, i.vector, managed_at(p.matrix(), d, i.vector));
                i.active = false;
                f.what = irq_fate::shut_down;
                st.fates.push_back(f);
                continue;
            }
            mask = others;
            f.broke_affinity = true;
        }
        auto r = i.managed ? p.alloc_managed(mask.view())
                           : p.alloc(mask.view(), i.has_reserved && p.reserved() > 0);
        if (!r && r.error() == errc::no_space && !i.managed && !f.broke_affinity &&
            mask.count() != others.count()) {
            mask = others;
            f.broke_affinity = true;
            r = p.alloc(mask.view(), i.has_reserved && p.reserved() > 0);
        }
        if (!r) {
            f.what = irq_fate::failed;
            f.error = to_errno(r.error());
            f.broke_affinity = false;
            st.fates.push_back(f);
            continue;
        }
        // The dying CPU is out of cpu_online_mask: the old vector is freed at
        // once (apic_update_vector), not after the first interrupt.
        (void)p.free(d, i.vector, managed_at(p.matrix(), d, i.vector));
        i.cpu = r->cpu;
        i.vector = r->base;
        f.what = irq_fate::moved;
        f.to_cpu = r->cpu;
        f.to_vector = r->base;
        st.fates.push_back(f);
    }
    (void)p.offline(d);
    // A multi-MSI device's block (without interrupt remapping, one aligned
    // block on one CPU) that no remaining CPU could take any more.
    for (const auto& fn : s.pci) {
        if (!fn.msi || fn.msi->granted < 2) continue;
        unsigned order = 0;
        while ((1u << order) < fn.msi->granted) ++order;
        bool room = false;
        online_set(p.matrix()).view().for_each([&](unsigned c) {
            room = room || p.matrix().first_free_block(c, order) < Planner::capacity;
        });
        if (!room)
            st.blocks_without_room.push_back(
                fmt::format("{}: {} vectors", fn.address, fn.msi->granted));
    }
    return st;
}

template <class Planner>
offline_report run_offline(Planner p, const snapshot& s, const std::vector<unsigned>& cpus,
                           const offline_options& opt) {
    offline_report r;
    auto irqs = sim_irqs(s, p.matrix());
    std::vector<unsigned> order = cpus;
    if (opt.suspend || opt.max) {
        order.clear();
        for (unsigned c = 1; c < p.nr_cpus(); ++c)
            if (p.matrix().cpu_map(c).online) order.push_back(c);
        // Suspend (freeze_secondary_cpus) goes up from CPU 1; the "how many"
        // question tries the highest first, as blktests block/008 does.
        if (opt.max) std::reverse(order.begin(), order.end());
    }
    for (unsigned c : order) {
        auto st = take_down(p, irqs, c, opt, s);
        if (!st.refused) r.offlined.push_back(c);
        const bool refused = st.refused;
        if (refused && opt.suspend)
            st.why += fmt::format(" (suspend: Error taking CPU{} down: -28)", c);
        r.steps.push_back(std::move(st));
        if (refused && opt.suspend) {
            r.stopped = true;
            break;
        }
    }
    r.final_table = debug_show(p.matrix(), 1);
    return r;
}

std::string fate_text(const irq_fate& f) {
    switch (f.what) {
    case irq_fate::moved:
        return fmt::format("vector {} -> CPU {} vector {}{}", f.from_vector, f.to_cpu, f.to_vector,
                           f.broke_affinity ? " (affinity broken)" : "");
    case irq_fate::shut_down:
        return fmt::format("vector {} freed: managed, no CPU of its mask left, shut down",
                           f.from_vector);
    case irq_fate::failed:
        return fmt::format("vector {}: set affinity failed({}); stays on the dead CPU",
                           f.from_vector, f.error);
    case irq_fate::not_started:
        return fmt::format("vector {}: not started, not migrated; stays on the dead CPU",
                           f.from_vector);
    }
    return {};
}

std::string_view fate_kind(const irq_fate& f) {
    switch (f.what) {
    case irq_fate::moved: return "moved";
    case irq_fate::shut_down: return "shut_down";
    case irq_fate::failed: return "failed";
    case irq_fate::not_started: return "not_started";
    }
    return "";
}

}  // namespace

std::string parse_cpu_order(std::string_view text, std::vector<unsigned>& out) {
    out.clear();
    text = trim(text);
    if (text.empty()) return "an empty CPU list";
    const auto number = [](std::string_view w) {
        return detail::parse_decimal(trim(w), max_cpu_number);
    };
    const auto walk = detail::for_each_range(text, number, [&out](unsigned lo, unsigned hi) {
        for (unsigned c = lo; c <= hi; ++c) {
            if (std::find(out.begin(), out.end(), c) != out.end()) return false;
            out.push_back(c);
        }
        return true;
    });
    switch (walk.stop) {
    case detail::range_stop::end: return {};
    case detail::range_stop::bad_number:
        return "expected a CPU list like 3,1,5-7, found " + quote(walk.item);
    case detail::range_stop::reversed: return "reversed range " + quote(walk.item);
    case detail::range_stop::refused: return "a CPU named twice in " + quote(walk.item);
    }
    return {};
}

// ---- leaks -------------------------------------------------------------------

std::optional<leaks_report> find_leaks(const snapshot& s, std::string& error) {
    if (!s.matrix_table) {
        error =
            "no VECTOR table among the inputs (cat /sys/kernel/debug/irq/domains/VECTOR) "
            "and no capture of irq_matrix events";
        return std::nullopt;
    }
    static const std::vector<drift_item> none;
    const auto& drift = s.table ? s.table->drift : none;
    leaks_report r;
    for (const auto& i : s.irqs) r.owners_known = r.owners_known || i.vector_known;
    for (const auto& row : s.matrix_table->rows) {
        cpu_leaks c;
        c.cpu = row.cpu;
        c.allocated = row.act;
        for (unsigned v : row.vectors) {
            if (s.owner.count({row.cpu, v}))
                ++c.owned;
            else
                c.unowned.push_back(v);
        }
        for (const auto& [key, k] : s.owner) {
            if (key.first != row.cpu) continue;
            if (!std::binary_search(row.vectors.begin(), row.vectors.end(), key.second))
                c.claimed_free.push_back(key.second);
        }
        for (const auto& i : s.irqs)
            c.irqs_by_effective += (i.effective.size() == 1 && i.effective[0] == row.cpu) ? 1u : 0u;
        for (const auto& d : drift)
            if (d.line == row.line) c.drift.push_back(d.message);
        r.cpus.push_back(std::move(c));
    }
    for (const auto& d : drift) {
        bool of_row = false;
        for (const auto& row : s.matrix_table->rows) of_row = of_row || d.line == row.line;
        if (!of_row) r.global_drift.push_back(d.text());
    }
    return r;
}

std::string format_leaks(const leaks_report& r) {
    std::string out;
    unsigned unowned = 0, drifted = 0;
    for (const auto& c : r.cpus) {
        unowned += static_cast<unsigned>(c.unowned.size());
        drifted += c.drift.empty() ? 0u : 1u;
    }
    if (!r.owners_known)
        out +=
            "no per-IRQ debugfs files: no vector's owner is known; 'by eff.' counts the IRQs "
            "whose effective mask is that CPU alone (from /proc/irq)\n";
    out +=
        "  CPU   act  owned  unowned  by eff.  unowned vectors / owned but not allocated / "
        "drift\n";
    for (const auto& c : r.cpus) {
        std::string notes;
        if (r.owners_known && !c.unowned.empty()) notes += "unowned " + cpu_list_text(c.unowned);
        if (!c.claimed_free.empty()) {
            std::vector<unsigned> sorted = c.claimed_free;
            std::sort(sorted.begin(), sorted.end());
            notes += (notes.empty() ? "" : "; ") + std::string("not allocated but claimed ") +
                     cpu_list_text(sorted);
        }
        for (const auto& d : c.drift) notes += (notes.empty() ? "" : "; ") + d;
        out += fmt::format("{:5} {:5} {:>6} {:>8} {:8}  {}\n", c.cpu, c.allocated,
                           r.owners_known ? std::to_string(c.owned) : "?",
                           r.owners_known ? std::to_string(c.unowned.size()) : "?",
                           c.irqs_by_effective, notes.empty() ? "-" : notes);
    }
    for (const auto& g : r.global_drift) out += "drift: " + g + "\n";
    if (r.owners_known)
        out += fmt::format("{} allocated vector(s) owned by no IRQ; {} CPU(s) with counter drift\n",
                           unowned, drifted);
    else
        out += fmt::format("{} CPU(s) with counter drift\n", drifted);
    return out;
}

std::string leaks_json(const leaks_report& r) {
    json j;
    j["owners_known"] = r.owners_known;
    json cpus = json::array();
    for (const auto& c : r.cpus) {
        json x{{"cpu", c.cpu}, {"allocated", c.allocated}};
        x["owned"] = r.owners_known ? json(c.owned) : json(nullptr);
        x["unowned"] = r.owners_known ? json(c.unowned) : json(nullptr);
        x["claimed_not_allocated"] = c.claimed_free;
        x["irqs_by_effective"] = c.irqs_by_effective;
        x["drift"] = c.drift;
        cpus.push_back(std::move(x));
    }
    j["cpus"] = std::move(cpus);
    j["global_drift"] = r.global_drift;
    return j.dump(2) + "\n";
}

// ---- offline ------------------------------------------------------------------

std::optional<offline_report> offline_cpus(const snapshot& s, const std::vector<unsigned>& cpus,
                                           const offline_options& opt, std::string& error) {
    auto session = session_of(s, error);
    if (!session) return std::nullopt;
    auto r = session->visit_planner(
        [&](const auto& p) { return std::optional(run_offline(p, s, cpus, opt)); },
        std::optional<offline_report>());
    if (r) r->assumed = s.guesses;
    return r;
}

std::string format_offline(const offline_report& r) {
    std::string out;
    for (const auto& st : r.steps) {
        std::string planner = st.planner_ok
                                  ? fmt::format("can go ({} vectors move)", st.planner_vectors)
                                  : "refuses: " + st.planner_why;
        if (st.refused) {
            out += fmt::format("CPU {}: refused: {}\n  planner: {}\n", st.cpu, st.why, planner);
            continue;
        }
        unsigned moved = 0, shut = 0, failed = 0, stay = 0;
        for (const auto& f : st.fates) {
            moved += f.what == irq_fate::moved ? 1u : 0u;
            shut += f.what == irq_fate::shut_down ? 1u : 0u;
            failed += f.what == irq_fate::failed ? 1u : 0u;
            stay += f.what == irq_fate::not_started ? 1u : 0u;
        }
        out += fmt::format(
            "CPU {}: offline ({} vectors to move, {} available): {} moved, {} shut down, {} "
            "failed, {} not started\n  planner: {}\n",
            st.cpu, st.to_move, st.available, moved, shut, failed, stay, planner);
        if (!st.warning.empty()) out += "  warning: " + st.warning + "\n";
        for (const auto& f : st.fates) out += fmt::format("    {}: {}\n", f.label, fate_text(f));
        for (const auto& b : st.blocks_without_room)
            out += "  multi-MSI block with no room left: " + b + "\n";
    }
    out += fmt::format(
        "{} CPU(s) offline{}: {}\n", r.offlined.size(), r.stopped ? " before suspend stopped" : "",
        r.offlined.empty() ? std::string("none") : [&] {
            std::string list;
            for (unsigned c : r.offlined) list += (list.empty() ? "" : ",") + std::to_string(c);
            return list;
        }());
    out += "\nfinal table:\n" + r.final_table;
    if (!r.assumed.empty()) {
        out += "\nassumed (not in the inputs):\n";
        for (const auto& g : r.assumed) out += "  - " + g + "\n";
    }
    return out;
}

std::string offline_json(const offline_report& r) {
    json j;
    json steps = json::array();
    for (const auto& st : r.steps) {
        json x{{"cpu", st.cpu},
               {"refused", st.refused},
               {"why", st.why},
               {"to_move", st.to_move},
               {"available", st.available}};
        if (!st.warning.empty()) x["warning"] = st.warning;
        json fates = json::array();
        for (const auto& f : st.fates) {
            json y{{"label", f.label},
                   {"irq", f.irq == ~0u ? json(nullptr) : json(f.irq)},
                   {"from_vector", f.from_vector},
                   {"what", fate_kind(f)}};
            if (f.what == irq_fate::moved) {
                y["to_cpu"] = f.to_cpu;
                y["to_vector"] = f.to_vector;
                y["broke_affinity"] = f.broke_affinity;
            }
            if (f.what == irq_fate::failed) y["error"] = f.error;
            fates.push_back(std::move(y));
        }
        x["irqs"] = std::move(fates);
        x["planner"] = {{"can_offline", st.planner_ok},
                        {"vectors", st.planner_vectors},
                        {"why", st.planner_why}};
        x["blocks_without_room"] = st.blocks_without_room;
        steps.push_back(std::move(x));
    }
    j["steps"] = std::move(steps);
    j["offlined"] = r.offlined;
    j["suspend_stopped"] = r.stopped;
    j["final_table"] = r.final_table;
    j["assumed"] = r.assumed;
    return j.dump(2) + "\n";
}

// ---- affinity -------------------------------------------------------------------

namespace {

template <class Planner>
affinity_answer answer_affinity(Planner p, const snapshot& s, const snapshot_irq& target,
                                const std::vector<unsigned>& cpus) {
    affinity_answer a;
    a.irq = target.irq;
    a.label = target.label();
    const auto irqs = sim_irqs(s, p.matrix());
    const sim_irq* me = nullptr;
    for (const auto& i : irqs)
        if (i.irq == target.irq) me = &i;
    const cpu_set online = online_set(p.matrix());
    const cpu_set dest = intersect(cpus, online, p.nr_cpus());
    const auto fail = [&](int e, std::string why) {
        a.ok = false;
        a.error = e;
        a.why = std::move(why);
        return a;
    };
    if (target.managed)
        return fail(-5, "a managed IRQ's affinity cannot be changed from user space");
    if (dest.empty()) return fail(-22, "no online CPU in the list");
    if (!me || !me->active) {
        a.ok = true;
        a.why =
            "the IRQ holds no vector now: the mask is stored, a vector is chosen when it "
            "starts";
        return a;
    }
    if (dest.view().test(me->cpu)) {
        a.ok = true;
        a.cpu = me->cpu;
        a.vector = me->vector;
        a.vector_known = true;
        a.why = "its CPU is in the list: it stays where it is";
        return a;
    }
    if (me->previous) return fail(-16, "a move of this IRQ is still in progress");
    const auto r = p.alloc(dest.view(), me->has_reserved && p.reserved() > 0);
    if (!r) {
        return fail(to_errno(r.error()),
                    r.error() == errc::no_space
                        ? "no CPU of the list has a free vector (irq_matrix_alloc fails)"
                        : std::string(to_string(r.error())));
    }
    a.ok = true;
    a.moves = true;
    a.cpu = r->cpu;
    a.vector = r->base;
    a.vector_known = true;
    a.why = fmt::format("moves from CPU {} vector {}", me->cpu, me->vector);
    return a;
}

}  // namespace

std::optional<affinity_answer> try_affinity(const snapshot& s, unsigned irq,
                                            const std::vector<unsigned>& cpus, std::string& error) {
    const snapshot_irq* target = s.find(irq);
    if (!target) {
        error = fmt::format("IRQ {} is in none of the inputs", irq);
        return std::nullopt;
    }
    if (!target->vector_known && !target->managed) {
        error = fmt::format(
            "IRQ {}: its vector is in none of the inputs (give the per-IRQ debugfs files or an "
            "event capture)",
            irq);
        return std::nullopt;
    }
    auto session = session_of(s, error);
    if (!session) return std::nullopt;
    return session->visit_planner(
        [&](const auto& p) { return std::optional(answer_affinity(p, s, *target, cpus)); },
        std::optional<affinity_answer>());
}

std::string format_affinity(const affinity_answer& a) {
    if (!a.ok)
        return fmt::format("{}: the write fails ({}): {}\n", a.label, errno_text(a.error), a.why);
    if (!a.vector_known) return fmt::format("{}: the write succeeds: {}\n", a.label, a.why);
    return fmt::format("{}: the write succeeds: CPU {} vector {} ({})\n", a.label, a.cpu, a.vector,
                       a.why);
}

std::string affinity_json(const affinity_answer& a) {
    json j{{"irq", a.irq}, {"label", a.label}, {"ok", a.ok}, {"error", a.error}, {"why", a.why}};
    j["moves"] = a.moves;
    j["cpu"] = a.vector_known ? json(a.cpu) : json(nullptr);
    j["vector"] = a.vector_known ? json(a.vector) : json(nullptr);
    return j.dump(2) + "\n";
}

// ---- headroom ------------------------------------------------------------------

std::optional<headroom_report> headroom(const snapshot& s, std::string& error) {
    auto session = session_of(s, error);
    if (!session) return std::nullopt;
    return session->visit(
        [](const auto& m) {
            headroom_report r;
            r.global_available = m.stats().global_available;
            r.global_reserved = m.stats().global_reserved;
            online_set(m).view().for_each([&](unsigned c) {
                const cpu_stats st = *m.cpu(c);
                const int order = m.largest_free_order(c);
                r.cpus.push_back({c, st.available, st.managed, st.managed_allocated, st.allocated,
                                  m.free_map(c).count(), order < 0 ? 0u : 1u << order});
            });
            return std::optional(r);
        },
        std::optional<headroom_report>());
}

std::string format_headroom(const headroom_report& r) {
    std::string out =
        fmt::format("global available {}, reserved {}\n", r.global_available, r.global_reserved);
    out += "  CPU  available  managed  mac  allocated  free  largest block\n";
    for (const auto& c : r.cpus)
        out += fmt::format("{:5} {:10} {:8} {:4} {:10} {:5} {:14}\n", c.cpu, c.available, c.managed,
                           c.managed_allocated, c.allocated, c.free_vectors, c.largest_block);
    return out;
}

// A CPU's headroom in JSON: its fields by their names.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(cpu_headroom, cpu, available, managed, managed_allocated,
                                   allocated, free_vectors, largest_block)

std::string headroom_json(const headroom_report& r) {
    json j{{"global_available", r.global_available}, {"global_reserved", r.global_reserved}};
    j["cpus"] = nlohmann::json(r.cpus);  // each CPU's fields in name order
    return j.dump(2) + "\n";
}

// ---- commands --------------------------------------------------------------------

namespace {

/// Builds the snapshot of the files and prints what `ask(snapshot, error)`
/// answers (an optional report), as a table or as JSON; 2 on any error.
template <class Ask, class Table, class Json>
int answer(const std::vector<std::string>& files, const import_options& opt,
           const event_import_options& events, bool as_json, std::ostream& out, std::ostream& err,
           Ask&& ask, Table&& table, Json&& to_json) {
    const auto s = load_snapshot(files, opt, events);
    std::string error = s.error;
    if (s.value) {
        if (const auto r = ask(*s.value, error)) {
            out << (as_json ? to_json(*r) : table(*r));
            return exit_ok;
        }
    }
    err << "irqmatrix: " << error << '\n';
    return exit_input;
}

/// The CPU list of --cpus, or nothing and `error`.
std::optional<std::vector<unsigned>> cpus_option(const std::string& text, std::string& error) {
    std::vector<unsigned> list;
    if (auto e = parse_cpu_order(text, list); !e.empty()) {
        error = "--cpus: " + e;
        return std::nullopt;
    }
    return list;
}

}  // namespace

int leaks_command(const std::vector<std::string>& files, const import_options& opt,
                  const event_import_options& events, bool as_json, std::ostream& out,
                  std::ostream& err) {
    return answer(files, opt, events, as_json, out, err, find_leaks, format_leaks, leaks_json);
}

int offline_command(const std::vector<std::string>& files, const import_options& opt,
                    const event_import_options& events, const std::string& cpus,
                    const offline_options& o, bool as_json, std::ostream& out, std::ostream& err) {
    const auto ask = [&](const snapshot& s, std::string& error) {
        const auto order =
            o.suspend || o.max ? std::optional(std::vector<unsigned>{}) : cpus_option(cpus, error);
        return order ? offline_cpus(s, *order, o, error) : std::nullopt;
    };
    return answer(files, opt, events, as_json, out, err, ask, format_offline, offline_json);
}

int affinity_command(const std::vector<std::string>& files, const import_options& opt,
                     const event_import_options& events, unsigned irq, const std::string& cpus,
                     bool as_json, std::ostream& out, std::ostream& err) {
    const auto ask = [&](const snapshot& s, std::string& error) {
        const auto list = cpus_option(cpus, error);
        return list ? try_affinity(s, irq, *list, error) : std::nullopt;
    };
    return answer(files, opt, events, as_json, out, err, ask, format_affinity, affinity_json);
}

int headroom_command(const std::vector<std::string>& files, const import_options& opt,
                     const event_import_options& events, bool as_json, std::ostream& out,
                     std::ostream& err) {
    return answer(files, opt, events, as_json, out, err, headroom, format_headroom, headroom_json);
}

}  // namespace irqmatrix::lab
