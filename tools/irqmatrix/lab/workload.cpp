// SPDX-License-Identifier: MIT
#include "lab/workload.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <sstream>

#include <toml++/toml.h>

#include <irqmatrix/cpuset.hpp>

namespace irqmatrix::lab {

std::string_view to_string(device_kind k) noexcept {
    switch (k) {
    case device_kind::msix: return "msix";
    case device_kind::managed: return "managed";
    case device_kind::multi_msi: return "multi_msi";
    }
    return "?";
}

std::vector<unsigned> x86_system_vectors(unsigned major, unsigned minor) {
    // Exceptions with an IDT gate, the PIC cascade (ISA vector 0x30 + 2),
    // the local timer 0xec and the APIC IPIs from 0xf0 up, as a 6.10 dump
    // shows them (kernel spec 2.1); before 6.6 the old cleanup vector 0x20
    // and int80 (IA32 emulation) were system vectors too.
    std::vector<unsigned> v;
    for (unsigned i = 0; i <= 19; ++i) v.push_back(i);
    v.push_back(21);
    if (major < 6 || (major == 6 && minor < 6)) {
        v.push_back(0x20);  // IRQ_MOVE_CLEANUP_VECTOR, replaced by a timer in 6.6
        v.push_back(0x80);  // int80, with IA32 emulation
    }
    v.push_back(0x32);
    v.push_back(0xec);
    for (unsigned i = 0xf0; i <= 0xf4; ++i) v.push_back(i);
    for (unsigned i = 0xf6; i <= 0xff; ++i) v.push_back(i);
    std::sort(v.begin(), v.end());
    return v;
}

namespace {

struct parse_failure {
    std::string message;
};

std::string where(const toml::node& n) {
    const auto& src = n.source();
    return "line " + std::to_string(src.begin.line) + ": ";
}

template <class T>
T get_or(const toml::table& t, std::string_view key, T fallback) {
    const toml::node* n = t.get(key);
    if (!n) return fallback;
    if constexpr (std::is_same_v<T, std::string>) {
        if (auto v = n->value<std::string>()) return *v;
        throw parse_failure{where(*n) + "'" + std::string(key) + "' must be a string"};
    } else if constexpr (std::is_same_v<T, bool>) {
        if (auto v = n->value<bool>()) return *v;
        throw parse_failure{where(*n) + "'" + std::string(key) + "' must be true or false"};
    } else if constexpr (std::is_same_v<T, double>) {
        if (auto v = n->value<double>()) {
            if (!std::isfinite(*v) || *v < 0)
                throw parse_failure{where(*n) + "'" + std::string(key) +
                                    "' must be a non-negative number"};
            return *v;
        }
        throw parse_failure{where(*n) + "'" + std::string(key) + "' must be a number"};
    } else {
        if (auto v = n->value<std::int64_t>()) {
            if (*v < 0 || static_cast<std::uint64_t>(*v) > std::numeric_limits<T>::max())
                throw parse_failure{where(*n) + "'" + std::string(key) + "' is out of range"};
            return static_cast<T>(*v);
        }
        throw parse_failure{where(*n) + "'" + std::string(key) + "' must be an integer"};
    }
}

const toml::table* table_or_null(const toml::table& root, std::string_view key) {
    const toml::node* n = root.get(key);
    if (!n) return nullptr;
    if (const auto* t = n->as_table()) return t;
    throw parse_failure{where(*n) + "'" + std::string(key) + "' must be a table"};
}

void reject_unknown_keys(const toml::table& t, std::initializer_list<std::string_view> known,
                         std::string_view context) {
    for (const auto& [k, v] : t) {
        if (std::find(known.begin(), known.end(), k.str()) == known.end())
            throw parse_failure{where(v) + "unknown key '" + std::string(k.str()) + "' in " +
                                std::string(context)};
    }
}

// "6.10", "6.9", "5.15" as {major, minor}.
std::pair<unsigned, unsigned> kernel_version(const std::string& version, const toml::node& at) {
    unsigned major = 0, minor = 0;
    char dot = 0;
    std::istringstream in(version);
    if (!(in >> major >> dot >> minor) || dot != '.' || !in.eof())
        throw parse_failure{where(at) + "kernel must be a version such as \"6.10\" or \"5.15\""};
    return {major, minor};
}

void check_cpulist(const std::string& list, unsigned cpus, const toml::node& at,
                   std::string_view what) {
    if (list == "all") return;
    if (!parse_cpulist(list, cpus))
        throw parse_failure{where(at) + std::string(what) + " '" + list +
                            "' is not a CPU list of this machine (0-" + std::to_string(cpus - 1) +
                            ")"};
}

void read_machine(const toml::table& root, workload& w, std::string_view base_dir) {
    const toml::table* t = table_or_null(root, "machine");
    if (!t) throw parse_failure{"line 1: a [machine] table is required"};
    reject_unknown_keys(*t,
                        {"name", "cpus", "kernel", "alloc_start", "alloc_end", "system_vectors",
                         "legacy_isa", "start_state"},
                        "[machine]");
    w.name = get_or<std::string>(*t, "name", w.name);
    w.cpus = get_or<unsigned>(*t, "cpus", w.cpus);
    if (w.cpus < 1 || w.cpus > 8192)
        throw parse_failure{where(*t->get("cpus")) + "cpus must be 1..8192"};
    w.kernel = get_or<std::string>(*t, "kernel", w.kernel);
    const auto [major, minor] =
        t->get("kernel") ? kernel_version(w.kernel, *t->get("kernel")) : std::pair{6u, 10u};
    const bool new_geometry = major > 6 || (major == 6 && minor >= 10);
    w.alloc_start = get_or<unsigned>(*t, "alloc_start", 32u);
    w.alloc_end = get_or<unsigned>(*t, "alloc_end", new_geometry ? 235u : 236u);
    if (w.alloc_start >= w.alloc_end || w.alloc_end > 256)
        throw parse_failure{where(*t) + "the window [alloc_start, alloc_end) must lie in 0..256"};
    w.system_vectors = x86_system_vectors(major, minor);
    if (const toml::node* n = t->get("system_vectors")) {
        const auto list = n->value<std::string>();
        if (!list)
            throw parse_failure{where(*n) +
                                "system_vectors must be a range list such as \"0-19,50,236-255\""};
        auto set = parse_cpulist(*list, 256);
        if (!set)
            throw parse_failure{where(*n) + "system_vectors '" + *list +
                                "' is not a range list of 0..255"};
        w.system_vectors.clear();
        for (unsigned b = 0; b < 256; ++b)
            if (set->test(b)) w.system_vectors.push_back(b);
    }
    w.legacy_isa = get_or<bool>(*t, "legacy_isa", w.legacy_isa);
    w.start_state = get_or<std::string>(*t, "start_state", "");
    if (!w.start_state.empty() && !base_dir.empty() &&
        std::filesystem::path(w.start_state).is_relative())
        w.start_state = (std::filesystem::path(base_dir) / w.start_state).string();
}

void read_simulation(const toml::table& root, workload& w) {
    const toml::table* t = table_or_null(root, "simulation");
    if (!t) return;
    reject_unknown_keys(*t, {"seed", "duration", "samples", "policies"}, "[simulation]");
    w.seed = get_or<std::uint64_t>(*t, "seed", w.seed);
    w.duration = get_or<double>(*t, "duration", w.duration);
    if (!(w.duration > 0)) throw parse_failure{where(*t) + "duration must be positive"};
    w.samples = get_or<unsigned>(*t, "samples", w.samples);
    if (w.samples < 1 || w.samples > 100000)
        throw parse_failure{where(*t) + "samples must be 1..100000"};
    if (const toml::node* n = t->get("policies")) {
        const auto* a = n->as_array();
        if (!a) throw parse_failure{where(*n) + "policies must be an array of names"};
        w.policies.clear();
        for (const auto& e : *a) {
            auto name = e.value<std::string>();
            if (!name || !is_runnable_policy(*name))
                throw parse_failure{where(e) + "unknown policy (known: " + known_policy_list() +
                                    ")"};
            if (std::find(w.policies.begin(), w.policies.end(), *name) == w.policies.end())
                w.policies.push_back(*name);
        }
        if (w.policies.empty()) throw parse_failure{where(*n) + "policies must name at least one"};
    }
}

void read_churn(const toml::table& root, workload& w) {
    if (const toml::table* t = table_or_null(root, "irqbalance")) {
        reject_unknown_keys(*t, {"rate"}, "[irqbalance]");
        w.irqbalance_rate = get_or<double>(*t, "rate", 0.0);
    }
    if (const toml::table* t = table_or_null(root, "hotplug")) {
        reject_unknown_keys(*t, {"rate", "cpus", "mean_downtime"}, "[hotplug]");
        w.hotplug_rate = get_or<double>(*t, "rate", 0.0);
        w.hotplug_cpus = get_or<std::string>(*t, "cpus", "none");
        w.hotplug_mean_downtime = get_or<double>(*t, "mean_downtime", 0.0);
        if (const toml::node* n = t->get("cpus")) check_cpulist(w.hotplug_cpus, w.cpus, *n, "cpus");
    }
}

// The tables of an array of tables ([[key]]); none if the key is absent.
std::vector<std::reference_wrapper<const toml::table>> tables_of(const toml::table& root,
                                                                 std::string_view key) {
    std::vector<std::reference_wrapper<const toml::table>> out;
    const toml::node* n = root.get(key);
    if (!n) return out;
    const auto* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables())
        throw parse_failure{where(*n) + std::string(key) + " must be an array of tables ([[" +
                            std::string(key) + "]])"};
    for (const auto& e : *arr) out.push_back(*e.as_table());
    return out;
}

void read_devices(const toml::table& root, workload& w) {
    for (const toml::table& t : tables_of(root, "devices")) {
        reject_unknown_keys(t,
                            {"name", "kind", "vectors", "queues", "count", "arrival_rate",
                             "mean_lifetime", "affinity"},
                            "[[devices]]");
        device_class d;
        d.name = get_or<std::string>(t, "name", "");
        if (d.name.empty()) throw parse_failure{where(t) + "a device needs a name"};
        for (const auto& other : w.devices)
            if (other.name == d.name)
                throw parse_failure{where(t) + "device name '" + d.name + "' repeats"};
        const std::string kind = get_or<std::string>(t, "kind", "");
        if (kind == "msix")
            d.kind = device_kind::msix;
        else if (kind == "managed")
            d.kind = device_kind::managed;
        else if (kind == "multi_msi")
            d.kind = device_kind::multi_msi;
        else
            throw parse_failure{where(t) + "kind must be msix, managed or multi_msi"};
        if (d.kind == device_kind::managed) {
            d.vectors = get_or<unsigned>(t, "queues", 0u);
        } else {
            d.vectors = get_or<unsigned>(t, "vectors", 1u);
            if (d.kind == device_kind::msix && (d.vectors < 1 || d.vectors > 2048))
                throw parse_failure{where(t) + "an MSI-X device has 1..2048 vectors"};
            if (d.kind == device_kind::multi_msi &&
                (d.vectors < 2 || d.vectors > 32 || (d.vectors & (d.vectors - 1)) != 0))
                throw parse_failure{where(t) + "a multi-MSI device has 2, 4, 8, 16 or 32 vectors"};
        }
        d.count = get_or<unsigned>(t, "count", 0u);
        d.arrival_rate = get_or<double>(t, "arrival_rate", 0.0);
        d.mean_lifetime = get_or<double>(t, "mean_lifetime", 0.0);
        d.affinity = get_or<std::string>(t, "affinity", "all");
        if (const toml::node* a = t.get("affinity"))
            check_cpulist(d.affinity, w.cpus, *a, "affinity");
        w.devices.push_back(std::move(d));
    }
}

void read_events(const toml::table& root, workload& w) {
    for (const toml::table& t : tables_of(root, "events")) {
        reject_unknown_keys(t, {"at", "action", "cpus", "device"}, "[[events]]");
        scheduled_event ev;
        ev.at = get_or<double>(t, "at", 0.0);
        const std::string action = get_or<std::string>(t, "action", "");
        if (action == "offline")
            ev.what = scheduled_event::action::offline;
        else if (action == "online")
            ev.what = scheduled_event::action::online;
        else if (action == "reload")
            ev.what = scheduled_event::action::reload;
        else
            throw parse_failure{where(t) + "action must be offline, online or reload"};
        if (ev.what == scheduled_event::action::reload) {
            ev.device = get_or<std::string>(t, "device", "");
            const bool known =
                std::any_of(w.devices.begin(), w.devices.end(),
                            [&](const device_class& d) { return d.name == ev.device; });
            if (!known)
                throw parse_failure{where(t) + "reload names no device class '" + ev.device + "'"};
        } else {
            ev.cpus = get_or<std::string>(t, "cpus", "");
            const toml::node* c = t.get("cpus");
            if (!c || ev.cpus == "all")
                throw parse_failure{where(t) + "offline/online needs a cpus list"};
            check_cpulist(ev.cpus, w.cpus, *c, "cpus");
        }
        w.events.push_back(std::move(ev));
    }
}

}  // namespace

parsed_workload parse_workload(std::string_view toml_text, std::string_view base_dir) {
    parsed_workload out;
    try {
        const toml::table root = toml::parse(toml_text);
        reject_unknown_keys(root,
                            {"machine", "simulation", "irqbalance", "hotplug", "devices", "events"},
                            "the workload");
        workload w;
        read_machine(root, w, base_dir);
        read_simulation(root, w);
        read_churn(root, w);
        read_devices(root, w);
        read_events(root, w);
        out.value = std::move(w);
    } catch (const toml::parse_error& e) {
        out.error =
            "line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
    } catch (const parse_failure& e) {
        out.error = e.message;
    }
    return out;
}

}  // namespace irqmatrix::lab
