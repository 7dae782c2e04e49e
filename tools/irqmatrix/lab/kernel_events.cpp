// SPDX-License-Identifier: MIT
#include "lab/kernel_events.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

#include <irqmatrix/matrix.hpp>
#include <irqmatrix/trace.hpp>

namespace irqmatrix::lab {

namespace {

// ---- the events and their fields --------------------------------------------

// The fields each event prints, in order (docs/kernel-semantics.md 2.2 and
// the x86 irq_vectors events).
constexpr std::string_view global_fields[] = {"online_maps", "global_avl", "global_rsvd",
                                              "total_alloc"};
constexpr std::string_view cpu_fields[] = {"bit", "cpu", "online", "avl", "alloc", "managed"};

struct event_spec {
    std::string_view name;
    enum { global, global_update, per_cpu, block, vector } cls;
    std::vector<std::string_view> vector_fields;  // the irq_vectors events' own
};

// The kernel declares the irq_matrix events through three event classes
// (irq_matrix_global, irq_matrix_global_update, irq_matrix_cpu); an event's
// fields are its class's, so the events are listed by class.
struct matrix_event_class {
    decltype(event_spec::cls) cls;
    std::vector<std::string_view> events;
};

const std::vector<event_spec>& kinds() {
    static const std::vector<event_spec> k = [] {
        const matrix_event_class matrix_classes[] = {
            {event_spec::global,
             {"irq_matrix_online", "irq_matrix_offline", "irq_matrix_reserve",
              "irq_matrix_remove_reserved"}},
            {event_spec::global_update, {"irq_matrix_assign_system"}},
            // irq_matrix_alloc_reserved: declared by kernels before 2025,
            // never emitted by any of them.
            {event_spec::per_cpu,
             {"irq_matrix_reserve_managed", "irq_matrix_remove_managed", "irq_matrix_alloc_managed",
              "irq_matrix_assign", "irq_matrix_alloc", "irq_matrix_free",
              "irq_matrix_alloc_reserved"}},
            // The aligned blocks of the kernel port and the library: per CPU, plus order.
            {event_spec::block,
             {"irq_matrix_alloc_block", "irq_matrix_free_block", "irq_matrix_reserve_managed_block",
              "irq_matrix_remove_managed_block", "irq_matrix_alloc_managed_block"}},
        };
        std::vector<event_spec> all;
        for (const matrix_event_class& c : matrix_classes)
            for (const std::string_view name : c.events) all.push_back({name, c.cls, {}});
        const event_spec vector_events[] = {
            {"vector_config", event_spec::vector, {"irq", "vector", "cpu", "apicdest"}},
            {"vector_update",
             event_spec::vector,
             {"irq", "vector", "cpu", "prev_vector", "prev_cpu"}},
            {"vector_clear",
             event_spec::vector,
             {"irq", "vector", "cpu", "prev_vector", "prev_cpu"}},
            {"vector_reserve_managed", event_spec::vector, {"irq", "ret"}},
            {"vector_reserve", event_spec::vector, {"irq", "ret"}},
            {"vector_alloc", event_spec::vector, {"irq", "vector", "reserved", "ret"}},
            {"vector_alloc_managed", event_spec::vector, {"irq", "vector", "ret"}},
            // The fourth field is `reserve` before Linux 4.16's rework and `early` after.
            {"vector_activate", event_spec::vector, {"irq", "is_managed", "can_reserve"}},
            {"vector_deactivate", event_spec::vector, {"irq", "is_managed", "can_reserve"}},
            {"vector_teardown", event_spec::vector, {"irq", "is_managed", "has_reserved"}},
            {"vector_setup", event_spec::vector, {"irq", "is_legacy", "ret"}},
            {"vector_free_moved", event_spec::vector, {"irq", "cpu", "vector", "is_managed"}},
        };
        all.insert(all.end(), std::begin(vector_events), std::end(vector_events));
        return all;
    }();
    return k;
}

const event_spec* find_kind(std::string_view name) {
    for (const auto& k : kinds())
        if (k.name == name) return &k;
    return nullptr;
}

std::vector<std::string_view> required_fields(const event_spec& k) {
    std::vector<std::string_view> f;
    if (k.cls == event_spec::vector) return k.vector_fields;
    if (k.cls == event_spec::global_update) f.push_back("bit");
    if (k.cls == event_spec::per_cpu || k.cls == event_spec::block)
        f.assign(std::begin(cpu_fields), std::end(cpu_fields));
    f.insert(f.end(), std::begin(global_fields), std::end(global_fields));
    if (k.cls == event_spec::block) f.push_back("order");
    return f;
}

bool is_word_char(char c) { return (c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9'); }

// The event name at the start of a `NAME: fields` part of a line: where it
// starts and ends, or npos.
std::pair<std::size_t, std::size_t> find_event_name(std::string_view line) {
    for (const std::string_view prefix :
         {std::string_view("irq_matrix_"), std::string_view("vector_")}) {
        std::size_t from = 0;
        while (true) {
            const std::size_t at = line.find(prefix, from);
            if (at == std::string_view::npos) break;
            from = at + 1;
            if (at > 0 && line[at - 1] != ' ' && line[at - 1] != '\t' && line[at - 1] != ']')
                continue;
            std::size_t end = at;
            while (end < line.size() && is_word_char(line[end])) ++end;
            if (end < line.size() && line[end] == ':') return {at, end};
        }
    }
    return {std::string_view::npos, std::string_view::npos};
}

std::optional<std::int64_t> parse_value(std::string_view v) {
    if (v.empty()) return std::nullopt;
    std::int64_t out = 0;
    const char* first = v.data();
    const char* last = v.data() + v.size();
    std::from_chars_result r{};
    if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        std::uint64_t u = 0;
        r = std::from_chars(first + 2, last, u, 16);
        out = static_cast<std::int64_t>(u);
    } else {
        r = std::from_chars(first, last, out, 10);
    }
    if (r.ec != std::errc() || r.ptr != last) return std::nullopt;
    return out;
}

// Fields the kernel's events print from a bool.
bool is_flag_field(std::string_view key) {
    return key == "online" || key == "is_managed" || key == "can_reserve" || key == "reserve" ||
           key == "reserved";
}

// Small recognisers for the parts of a line around an event (no <regex>:
// these run on every line of a capture, and a fuzzer feeds them millions).
bool all_digits(std::string_view w) {
    return !w.empty() &&
           std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}
std::optional<unsigned> small_number(std::string_view w) {
    if (!all_digits(w) || w.size() > 5) return std::nullopt;
    unsigned v = 0;
    std::from_chars(w.data(), w.data() + w.size(), v);
    return v;
}
// "12.345678" (a trace or log time stamp)
bool is_seconds(std::string_view w) {
    const auto dot = w.find('.');
    return dot != std::string_view::npos && all_digits(w.substr(0, dot)) &&
           all_digits(w.substr(dot + 1));
}
// "[001]": the trace buffer's CPU column
std::optional<unsigned> bracketed_cpu(std::string_view w) {
    if (w.size() < 3 || w.front() != '[' || w.back() != ']') return std::nullopt;
    return small_number(w.substr(1, w.size() - 2));
}
// "comm-123": a task and its pid
bool is_task(std::string_view w) {
    const auto dash = w.rfind('-');
    return dash != std::string_view::npos && dash > 0 && all_digits(w.substr(dash + 1));
}

// The CPU that printed the line, from the prefix before the event name:
// "[001]" in the trace buffer ("comm-pid [cpu] flags seconds:"), "1d..2."
// before a "...us :" time in an ftrace_dump_on_oops dump. The kernel log's
// "[   12.345678]" is a time, not a CPU.
std::pair<std::optional<unsigned>, event_form> parse_prefix(std::string_view prefix) {
    const auto w = irqmatrix::detail::split_words(prefix);
    const std::size_t n = w.size();
    // ... [cpu] flags seconds:
    if (n >= 3 && w[n - 1].size() > 1 && w[n - 1].back() == ':' &&
        is_seconds(w[n - 1].substr(0, w[n - 1].size() - 1)))
        if (auto cpu = bracketed_cpu(w[n - 3])) return {cpu, event_form::trace_buffer};
    // ... cpu+flags 123us : (or "123us:")
    std::size_t t = n;  // the index of the "123us" word
    if (n >= 2 && w[n - 1] == ":")
        t = n - 2;
    else if (n >= 1 && w[n - 1].size() > 3 && w[n - 1].back() == ':')
        t = n - 1;  // "123us:" in one word
    if (t < n && t >= 1) {
        std::string_view time = w[t];
        if (time.back() == ':') time.remove_suffix(1);
        if (time.size() > 2 && time.substr(time.size() - 2) == "us" &&
            all_digits(time.substr(0, time.size() - 2))) {
            const std::string_view cf = w[t - 1];
            std::size_t d = 0;
            while (d < cf.size() && cf[d] >= '0' && cf[d] <= '9') ++d;
            const std::string_view flags = cf.substr(d);
            const bool flags_ok = flags.size() >= 4 && flags.size() <= 6 && flags[0] != '-' &&
                                  std::all_of(flags.begin(), flags.end(),
                                              [](char c) {
                                                  return c == '.' || (c >= 'a' && c <= 'z') ||
                                                         (c >= 'A' && c <= 'Z') ||
                                                         (c >= '0' && c <= '9');
                                              }) &&
                                  !(flags[0] >= '0' && flags[0] <= '9');
            if (d > 0 && flags_ok)
                if (auto cpu = small_number(cf.substr(0, d))) return {cpu, event_form::oops_dump};
        }
    }
    // [   12.345678], perhaps after a "<6>" level
    std::string_view p = prefix;
    while (!p.empty() && (p.front() == ' ' || p.front() == '\t')) p.remove_prefix(1);
    while (!p.empty() && (p.back() == ' ' || p.back() == '\t')) p.remove_suffix(1);
    if (p.size() >= 3 && p[0] == '<' && p[2] == '>') p.remove_prefix(3);
    if (p.size() >= 3 && p.front() == '[' && p.back() == ']') {
        std::string_view inside = p.substr(1, p.size() - 2);
        while (!inside.empty() && inside.front() == ' ') inside.remove_prefix(1);
        if (is_seconds(inside)) return {std::nullopt, event_form::kernel_log};
    }
    return {std::nullopt, event_form::unknown};
}

// The number right after `word ` in `line`, when `line` contains it.
std::optional<unsigned> number_after(std::string_view line, std::string_view word) {
    const auto at = line.find(word);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = line.substr(at + word.size());
    std::size_t d = 0;
    while (d < rest.size() && rest[d] >= '0' && rest[d] <= '9') ++d;
    return small_number(rest.substr(0, d));
}

// x86's own log lines of a CPU hotplug ("smpboot: CPU 3 is now offline",
// "smpboot: Booting Node 0 Processor 3 APIC 0x3"): they name the CPU that the
// kernel-log form of the irq_matrix events leaves out.
std::optional<kernel_event> hotplug_hint(std::string_view line) {
    kernel_event e;
    std::optional<unsigned> cpu;
    if (const auto at = line.find(" is now offline"); at != std::string_view::npos) {
        const auto cpu_at = line.substr(0, at).rfind("CPU ");
        if (cpu_at != std::string_view::npos && cpu_at + 4 < at)
            cpu = small_number(line.substr(cpu_at + 4, at - cpu_at - 4));
        e.name = "hint_cpu_offline";
    } else if (line.find("Booting Node") != std::string_view::npos &&
               line.find(" APIC") != std::string_view::npos) {
        cpu = number_after(line, "Processor ");
        e.name = "hint_cpu_online";
    }
    if (!cpu) return std::nullopt;
    e.fields.emplace_back("cpu", *cpu);
    return e;
}

// A trace-buffer line of some other event ("comm-pid [cpu] flags seconds: name:").
bool is_other_trace_event(std::string_view line) {
    const auto w = irqmatrix::detail::split_words(line);
    for (std::size_t i = 1; i + 3 < w.size(); ++i) {
        if (!bracketed_cpu(w[i]) || !is_task(w[i - 1])) continue;
        const std::string_view time = w[i + 2];
        const std::string_view name = w[i + 3];
        return time.size() > 1 && time.back() == ':' &&
               is_seconds(time.substr(0, time.size() - 1)) && name.size() > 1 && name.back() == ':';
    }
    return false;
}

}  // namespace

std::int64_t kernel_event::get(std::string_view key) const {
    for (const auto& [k, v] : fields)
        if (k == key) return v;
    return 0;
}

bool kernel_event::has(std::string_view key) const {
    return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
}

const char* form_name(event_form f) {
    switch (f) {
    case event_form::trace_buffer: return "trace buffer";
    case event_form::kernel_log: return "kernel log (tp_printk)";
    case event_form::oops_dump: return "ftrace_dump_on_oops";
    case event_form::unknown: break;
    }
    return "unknown";
}

std::string events_error::what() const {
    return file + ":" + std::to_string(line) + ": " + message;
}

std::optional<events_error> parse_kernel_events(std::string_view text, std::string_view file,
                                                parsed_events& into) {
    const std::size_t file_index = into.files.size();
    into.files.emplace_back(file);
    into.forms.push_back(event_form::unknown);
    unsigned number = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++number;
        ++into.lines;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const auto fail = [&](std::string message) {
            return events_error{std::string(file), number, std::move(message)};
        };
        const auto [at, name_end] = find_event_name(line);
        if (at == std::string_view::npos) {
            if (auto hint = hotplug_hint(line)) {
                hint->file = file_index;
                hint->line = number;
                into.events.push_back(std::move(*hint));
                continue;
            }
            if (is_other_trace_event(line))
                ++into.other_events;
            else
                ++into.other_lines;
            continue;
        }
        const std::string name(line.substr(at, name_end - at));
        const event_spec* kind = find_kind(name);
        if (!kind) {
            if (name.rfind("irq_matrix_", 0) == 0)
                return fail("unknown irq_matrix event '" + name + "'");
            ++into.other_events;  // another event whose name starts with vector_
            continue;
        }
        kernel_event ev;
        ev.file = file_index;
        ev.line = number;
        ev.name = name;
        const auto [cpu, form] = parse_prefix(line.substr(0, at));
        ev.exec_cpu = cpu;
        if (into.forms[file_index] == event_form::unknown) into.forms[file_index] = form;
        for (const auto word : irqmatrix::detail::split_words(line.substr(name_end + 1))) {
            std::string_view w = word;
            if (!w.empty() && w.back() == ',') w.remove_suffix(1);
            const auto eq = w.find('=');
            if (eq == std::string_view::npos || eq == 0)
                return fail(name + ": malformed field '" + std::string(word) + "'");
            const auto value = parse_value(w.substr(eq + 1));
            if (!value)
                return fail(name + ": field '" + std::string(w.substr(0, eq)) +
                            "' has no number: '" + std::string(w.substr(eq + 1)) + "'");
            ev.fields.emplace_back(std::string(w.substr(0, eq)), *value);
        }
        for (const auto need : required_fields(*kind)) {
            const bool present = std::any_of(ev.fields.begin(), ev.fields.end(),
                                             [&](const auto& f) { return f.first == need; });
            if (!present)
                return fail(name + " has no field '" + std::string(need) +
                            "' (a line cut short, or another kernel's format)");
        }
        for (const auto& [k, v] : ev.fields) {
            const bool may_be_negative = k == "bit" || k == "ret";
            if ((v < 0 && !may_be_negative) || v > 0xffffffffLL || v < -0x80000000LL)
                return fail(name + ": field '" + k + "' is out of range: " + std::to_string(v));
            // The kernel prints these from a bool: anything but 0 or 1 is a
            // damaged line, and would become an impossible expected result.
            if (is_flag_field(k) && v != 0 && v != 1)
                return fail(name + ": field '" + k + "' is a flag (0 or 1), not " +
                            std::to_string(v));
            if (k == "order" && v > 5)
                return fail(name + ": field 'order' is 0..5 (32 vectors at most), not " +
                            std::to_string(v));
        }
        into.events.push_back(std::move(ev));
    }
    return std::nullopt;
}

// ---- rebuilding the matrix ------------------------------------------------------

namespace {

constexpr unsigned none = ~0u;

struct counters {
    unsigned online_maps = 0, global_avl = 0, global_rsvd = 0, total_alloc = 0;
    bool operator==(const counters&) const = default;
};

counters event_globals(const kernel_event& e) {
    return {static_cast<unsigned>(e.get("online_maps")), static_cast<unsigned>(e.get("global_avl")),
            static_cast<unsigned>(e.get("global_rsvd")),
            static_cast<unsigned>(e.get("total_alloc"))};
}

bool per_cpu_event(const kernel_event& e) {
    const event_spec* k = find_kind(e.name);
    return k && (k->cls == event_spec::per_cpu || k->cls == event_spec::block);
}

// What the irq_vectors events say about one IRQ.
struct irq_info {
    unsigned cpu = none, vector = 0;            // the vector it uses now
    unsigned prev_cpu = none, prev_vector = 0;  // a vector it moved away from, not yet freed
    bool managed = false;
    std::vector<unsigned> managed_mask;  // where its managed reservations are
};

// One candidate history: the rebuilt matrix, the owners, and the trace text
// written so far for it.
template <class Matrix>
struct state {
    explicit state(Matrix matrix) : m(std::move(matrix)) {}
    Matrix m;
    std::map<unsigned, irq_info> irqs;
    std::vector<unsigned> pending_reservations;  // reserve_managed CPUs awaiting their IRQ
    std::string text;
    unsigned operations = 0;

    // Runs one trace operation, writes it with its result; the result.
    trace::outcome run(const std::string& op) {
        const trace::outcome r = trace::execute_words(m, trace::split_line(op).words);
        text += op + " => " + r.text() + "\n";
        ++operations;
        return r;
    }
    counters globals() const {
        const auto s = m.stats();
        return {s.online_maps, s.global_available, s.global_reserved, s.total_allocated};
    }
    std::vector<unsigned> online_cpus(unsigned except = none) const {
        std::vector<unsigned> out;
        for (unsigned c = 0; c < m.nr_cpus(); ++c)
            if (c != except && m.cpu_map(c).online) out.push_back(c);
        return out;
    }
};

std::string cpulist(const std::vector<unsigned>& cpus) {
    std::string out;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(cpus[i]);
        if (j > i) {
            // Appended piecewise: g++ 12 at -O2 warns falsely (-Wrestrict) on
            // "literal" + std::to_string(...).
            out += '-';
            out += std::to_string(cpus[j]);
        }
        i = j + 1;
    }
    return out.empty() ? "none" : out;
}

std::string describe(const kernel_event& e) {
    std::string out = e.name + ":";
    for (const auto& [k, v] : e.fields) out += " " + k + "=" + std::to_string(v);
    return out;
}

// The irq_vectors events: who owns what. Returns why the event cannot be
// recorded (a CPU or vector the rebuilt matrix does not have: a damaged line
// or another machine's capture), or "".
template <class Matrix>
std::string note_vector_event(state<Matrix>& s, const kernel_event& e) {
    for (const auto& [cpu_field, vector_field] :
         {std::pair{"cpu", "vector"}, std::pair{"prev_cpu", "prev_vector"}}) {
        const bool has_cpu = e.has(cpu_field);
        if (has_cpu && static_cast<std::uint64_t>(e.get(cpu_field)) >= s.m.nr_cpus())
            return std::string(cpu_field) + "=" + std::to_string(e.get(cpu_field)) +
                   " is not a CPU of the rebuilt matrix (" + std::to_string(s.m.nr_cpus()) +
                   " CPUs)";
        if (e.has(vector_field) && static_cast<std::uint64_t>(e.get(vector_field)) >= s.m.bits())
            return std::string(vector_field) + "=" + std::to_string(e.get(vector_field)) +
                   " is not a vector of the rebuilt matrix (" + std::to_string(s.m.bits()) +
                   " vectors)";
    }
    const auto irq = static_cast<unsigned>(e.get("irq"));
    if (e.name == "vector_reserve_managed") {
        if (e.get("ret") == 0) {
            auto& info = s.irqs[irq];
            info.managed = true;
            info.managed_mask = s.pending_reservations;
            std::sort(info.managed_mask.begin(), info.managed_mask.end());
        }
        s.pending_reservations.clear();
    } else if (e.name == "vector_config") {
        auto& info = s.irqs[irq];
        const auto cpu = static_cast<unsigned>(e.get("cpu"));
        const auto vector = static_cast<unsigned>(e.get("vector"));
        if (info.cpu != none && (info.cpu != cpu || info.vector != vector) &&
            s.m.cpu_map(info.cpu).alloc_map.test(info.vector)) {
            info.prev_cpu = info.cpu;  // freed later (vector_free_moved), or at once
            info.prev_vector = info.vector;
        }
        info.cpu = cpu;
        info.vector = vector;
    } else if (e.name == "vector_update") {
        auto& info = s.irqs[irq];
        if (e.get("prev_vector") != 0) {
            info.prev_cpu = static_cast<unsigned>(e.get("prev_cpu"));
            info.prev_vector = static_cast<unsigned>(e.get("prev_vector"));
        }
        if (e.get("vector") != 0) {
            info.cpu = static_cast<unsigned>(e.get("cpu"));
            info.vector = static_cast<unsigned>(e.get("vector"));
        }
    } else if (e.name == "vector_teardown") {
        s.irqs.erase(irq);
    }
    return {};
}

// After a free of (cpu, bit): no IRQ uses it any more.
template <class Matrix>
void forget_vector(state<Matrix>& s, unsigned cpu, unsigned bit) {
    for (auto& [irq, info] : s.irqs) {
        if (info.prev_cpu == cpu && info.prev_vector == bit) info.prev_cpu = none;
        if (info.cpu == cpu && info.vector == bit) info.cpu = none;
    }
}

// The trace operation an irq_matrix event is, in the state before it. For
// online and offline without a CPU column, `cpu` is the candidate.
template <class Matrix>
std::string operation_for(const state<Matrix>& s, const kernel_event& e, unsigned cpu) {
    const auto g = event_globals(e);
    const auto bit = e.get("bit");
    const auto ecpu = static_cast<unsigned>(e.get("cpu"));
    const std::string c = std::to_string(ecpu), b = std::to_string(bit);
    if (e.name == "irq_matrix_online") return "online " + std::to_string(cpu);
    if (e.name == "irq_matrix_offline") return "offline " + std::to_string(cpu);
    if (e.name == "irq_matrix_reserve") return "reserve";
    if (e.name == "irq_matrix_remove_reserved") return "remove_reserved";
    if (e.name == "irq_matrix_assign_system") {
        // A replace clears the bit on the one online CPU and lowers
        // total_allocated; otherwise nothing is allocated.
        const bool replace = g.total_alloc + 1 == s.m.stats().total_allocated;
        const auto online = s.online_cpus();
        const unsigned on =
            replace && online.size() == 1 ? online[0] : (e.exec_cpu ? *e.exec_cpu : 0);
        return "assign_system " + std::to_string(on) + " " + b + (replace ? " 1" : " 0");
    }
    if (e.name == "irq_matrix_reserve_managed") return "reserve_managed " + c;
    if (e.name == "irq_matrix_remove_managed") return "remove_managed " + c;
    if (e.name == "irq_matrix_alloc_managed") return "alloc_managed " + c;
    if (e.name == "irq_matrix_assign") return "assign " + c + " " + b;
    if (e.name == "irq_matrix_alloc" || e.name == "irq_matrix_alloc_reserved") {
        const bool reserved = g.global_rsvd + 1 == s.m.stats().global_reserved;
        return "alloc " + c + (reserved ? " 1" : " 0");
    }
    // A block event: the operation on the one CPU it names, base as bit.
    const std::string order = std::to_string(e.has("order") ? e.get("order") : 0);
    if (e.name == "irq_matrix_alloc_block") {
        // RESERVED: global_rsvd fell by the block's size.
        const auto size = std::int64_t{1} << (e.get("order") & 7);
        const bool reserved = g.global_rsvd + size == s.m.stats().global_reserved;
        return "alloc_block " + c + " " + order + (reserved ? " 1" : " 0");
    }
    if (e.name == "irq_matrix_alloc_managed_block") return "alloc_managed_block " + c + " " + order;
    if (e.name == "irq_matrix_reserve_managed_block")
        return "reserve_managed_block " + c + " " + order;
    if (e.name == "irq_matrix_remove_managed_block")
        return "remove_managed_block " + c + " " + order;
    // irq_matrix_free(_block): managed if the bit is a managed reservation there.
    const bool managed = ecpu < s.m.nr_cpus() && bit >= 0 &&
                         static_cast<unsigned>(bit) < s.m.bits() &&
                         s.m.cpu_map(ecpu).managed_map.test(static_cast<unsigned>(bit));
    if (e.name == "irq_matrix_free_block")
        return "free_block " + c + " " + b + " " + order + (managed ? " 1" : " 0");
    return "free " + c + " " + b + (managed ? " 1" : " 0");
}

// Why the state after an event disagrees with it, or "".
template <class Matrix>
std::string disagreement(const state<Matrix>& s, const kernel_event& e, const trace::outcome& r) {
    if (r.error) return "the operation failed (" + r.text() + ")";
    const auto ecpu = static_cast<unsigned>(e.get("cpu"));
    if (e.name == "irq_matrix_alloc" || e.name == "irq_matrix_alloc_managed" ||
        e.name == "irq_matrix_alloc_block" || e.name == "irq_matrix_alloc_managed_block") {
        if (r.values[0] != ecpu || r.values[1] != static_cast<unsigned>(e.get("bit")))
            return "the kernel's rule gives CPU " + std::to_string(r.values[0]) + " bit " +
                   std::to_string(r.values[1]);
    }
    // A managed block is reserved (or released) at the lowest aligned base:
    // the event's base must be the one the library took (or gave back).
    if ((e.name == "irq_matrix_reserve_managed_block" ||
         e.name == "irq_matrix_remove_managed_block") &&
        ecpu < s.m.nr_cpus() && e.get("bit") >= 0 &&
        static_cast<unsigned>(e.get("bit")) < s.m.bits() &&
        s.m.cpu_map(ecpu).managed_map.test(static_cast<unsigned>(e.get("bit"))) !=
            (e.name == "irq_matrix_reserve_managed_block"))
        return "the library's block on CPU " + std::to_string(ecpu) + " is not at bit " +
               std::to_string(e.get("bit"));
    const auto have = s.globals();
    const auto want = event_globals(e);
    if (!(have == want))
        return "the rebuilt matrix has online_maps=" + std::to_string(have.online_maps) +
               " global_avl=" + std::to_string(have.global_avl) +
               " global_rsvd=" + std::to_string(have.global_rsvd) +
               " total_alloc=" + std::to_string(have.total_alloc);
    if (per_cpu_event(e)) {
        const auto c = s.m.cpu(ecpu);
        if (!c) return "CPU " + std::to_string(ecpu) + " is out of range";
        if (c->online != (e.get("online") != 0) || c->available != e.get("avl") ||
            c->allocated != e.get("alloc") || c->managed != e.get("managed"))
            return "the rebuilt CPU " + std::to_string(ecpu) +
                   " has online=" + std::to_string(c->online ? 1 : 0) +
                   " avl=" + std::to_string(c->available) +
                   " alloc=" + std::to_string(c->allocated) +
                   " managed=" + std::to_string(c->managed);
    }
    return "";
}

// Applies one irq_matrix event (with `cpu` for online/offline); returns the
// disagreement, "" when the state now agrees with the event.
template <class Matrix>
std::string apply_event(state<Matrix>& s, const kernel_event& e, unsigned cpu) {
    const std::string op = operation_for(s, e, cpu);
    const trace::outcome r = s.run(op);
    const std::string why = disagreement(s, e, r);
    if (!why.empty()) return why;
    if (e.name == "irq_matrix_reserve_managed")
        s.pending_reservations.push_back(static_cast<unsigned>(e.get("cpu")));
    if (e.name == "irq_matrix_free")
        forget_vector(s, static_cast<unsigned>(e.get("cpu")), static_cast<unsigned>(e.get("bit")));
    if (e.name == "irq_matrix_free_block")
        for (unsigned k = 0; k < (1u << e.get("order")); ++k)
            forget_vector(s, static_cast<unsigned>(e.get("cpu")),
                          static_cast<unsigned>(e.get("bit")) + k);
    // The counters the event reported, as expectations.
    if (per_cpu_event(e)) {
        const auto c = s.m.cpu(static_cast<unsigned>(e.get("cpu")));
        s.text += "cpu " + std::to_string(e.get("cpu")) + " => " + std::to_string(e.get("online")) +
                  " " + std::to_string(e.get("avl")) + " " + std::to_string(e.get("alloc")) + " " +
                  std::to_string(e.get("managed")) + " " + std::to_string(c->managed_allocated) +
                  "\n";
    }
    const auto g = event_globals(e);
    s.text += "stats => " + std::to_string(g.online_maps) + " " + std::to_string(g.global_avl) +
              " " + std::to_string(g.global_rsvd) + " " + std::to_string(g.total_alloc) + "\n";
    return "";
}

// The kernel's CPU offline for `dying`, whose own events are not traced:
// each of its interrupts (in IRQ order) moves or, managed with no online CPU
// left in its mask, shuts down; then the CPU's map goes offline.
template <class Matrix>
bool offline_untraced(state<Matrix>& s, unsigned dying) {
    const std::string d = std::to_string(dying);
    for (auto& [irq, info] : s.irqs) {
        // A move still in progress to or from the dying CPU is completed
        // first: the previous vector is freed (the kernel warns "IRQ fixup:
        // irq N move in progress, old vector V").
        if (info.prev_cpu != none && (info.prev_cpu == dying || info.cpu == dying)) {
            const bool managed = s.m.cpu_map(info.prev_cpu).managed_map.test(info.prev_vector);
            s.text += "# irq " + std::to_string(irq) +
                      ": the move in progress completes, its old vector is freed\n";
            s.run("free " + std::to_string(info.prev_cpu) + " " + std::to_string(info.prev_vector) +
                  (managed ? " 1" : " 0"));
            info.prev_cpu = none;
        }
        if (info.cpu != dying) continue;
        const std::string old = std::to_string(info.vector);
        std::vector<unsigned> mask;
        if (info.managed) {
            for (unsigned c : info.managed_mask)
                if (c != dying && c < s.m.nr_cpus() && s.m.cpu_map(c).online) mask.push_back(c);
            if (mask.empty()) {
                s.text +=
                    "# irq " + std::to_string(irq) + ": managed, no online CPU left: shut down\n";
                s.run("free " + d + " " + old + " 1");
                info.cpu = none;
                continue;
            }
        } else {
            mask = s.online_cpus(dying);
        }
        s.text += "# irq " + std::to_string(irq) + ": moves off CPU " + d + "\n";
        const trace::outcome r = s.run(std::string(info.managed ? "alloc_managed " : "alloc ") +
                                       cpulist(mask) + (info.managed ? "" : " 0"));
        if (r.error) return false;
        s.run("free " + d + " " + old + (info.managed ? " 1" : " 0"));
        info.cpu = r.values[0];
        info.vector = r.values[1];
    }
    return !s.run("offline " + d).error;
}

// Every way to choose k of the CPUs, in lexicographic order, at most `limit`.
std::vector<std::vector<unsigned>> choose(const std::vector<unsigned>& cpus, unsigned k,
                                          std::size_t limit) {
    std::vector<std::vector<unsigned>> out;
    if (k == 0 || k > cpus.size()) return out;
    std::vector<std::size_t> idx(k);
    for (unsigned i = 0; i < k; ++i) idx[i] = i;
    while (out.size() < limit) {
        std::vector<unsigned> pick;
        for (auto i : idx) pick.push_back(cpus[i]);
        out.push_back(std::move(pick));
        int i = static_cast<int>(k) - 1;
        while (i >= 0 &&
               idx[static_cast<std::size_t>(i)] == cpus.size() - k + static_cast<std::size_t>(i))
            --i;
        if (i < 0) break;
        ++idx[static_cast<std::size_t>(i)];
        for (auto j = static_cast<std::size_t>(i) + 1; j < k; ++j) idx[j] = idx[j - 1] + 1;
    }
    return out;
}

template <class Matrix>
class rebuilder {
public:
    rebuilder(const parsed_events& p, Matrix m) : p_(p), s_(std::move(m)) {}

    std::optional<events_error> run(events_import& out) {
        const auto& ev = p_.events;
        for (std::size_t i = 0; i < ev.size(); ++i) {
            const kernel_event& e = ev[i];
            if (e.is_hint()) {
                s_.text +=
                    "# " + where(e) + " " + e.name + " cpu=" + std::to_string(e.get("cpu")) + "\n";
                if (e.name == "hint_cpu_offline")
                    offline_hints_.push_back(static_cast<unsigned>(e.get("cpu")));
                else
                    online_hint_ = static_cast<unsigned>(e.get("cpu"));
                ++out.hints;
                continue;
            }
            if (!e.is_matrix()) {
                s_.text += "# " + where(e) + " " + describe(e) + "\n";
                if (std::string bad = note_vector_event(s_, e); !bad.empty())
                    return error_at(e, e.name + ": " + bad);
                ++out.vector_events;
                continue;
            }
            ++out.matrix_events;
            s_.text += "# " + where(e) + " " + describe(e) + "\n";
            auto err = step(i, out);
            if (err) return err;
            offline_hints_.clear();  // a clue speaks of the events right after it
            online_hint_.reset();
        }
        out.trace += s_.text;
        out.inferred_operations = inferred_ops_;
        for (const auto& [irq, info] : s_.irqs)
            if (info.cpu != none && info.cpu < s_.m.nr_cpus() && info.vector < s_.m.bits() &&
                s_.m.cpu_map(info.cpu).alloc_map.test(info.vector))
                out.owners.push_back({irq, info.cpu, info.vector, info.managed});
            else if (info.managed)
                out.shut_down.push_back(irq);
        return std::nullopt;
    }

private:
    std::string where(const kernel_event& e) const {
        return p_.files[e.file] + ":" + std::to_string(e.line) + ":";
    }

    events_error error_at(const kernel_event& e, std::string message) const {
        return {p_.files[e.file], e.line, std::move(message)};
    }

    // The candidate histories for event i: which CPUs went down untraced
    // before it, and which CPU an online/offline without a CPU column is.
    struct candidate {
        std::vector<unsigned> died;
        unsigned cpu = none;
        std::string label;
        bool hinted = false;  // what the kernel's hotplug log lines say
    };

    std::vector<candidate> candidates(const kernel_event& e, unsigned lost) const {
        std::vector<unsigned> cpus{none};
        if (e.name == "irq_matrix_online" || e.name == "irq_matrix_offline") {
            const bool up = e.name == "irq_matrix_online";
            if (e.exec_cpu) {
                cpus = {*e.exec_cpu};
            } else {
                cpus.clear();
                for (unsigned c = 0; c < s_.m.nr_cpus(); ++c)
                    if (s_.m.cpu_map(c).online != up) cpus.push_back(c);
            }
        }
        std::vector<std::vector<unsigned>> deaths{{}};
        if (lost) {
            std::vector<unsigned> online;
            for (unsigned c : s_.online_cpus()) {
                // An event that shows its CPU online did not run on a dead one.
                if (per_cpu_event(e) && e.get("online") != 0 && c == e.get("cpu")) continue;
                online.push_back(c);
            }
            deaths = choose(online, lost, 4096);
            // The CPUs the log says went offline, first, in the order they
            // went (it decides where each one's interrupts could move).
            std::vector<unsigned> said = offline_hints_;
            std::sort(said.begin(), said.end());
            if (said.size() == lost &&
                std::includes(online.begin(), online.end(), said.begin(), said.end()))
                deaths.insert(deaths.begin(), offline_hints_);
        }

        std::vector<candidate> out;
        for (const auto& d : deaths) {
            // A CPU that went down untraced may be the one coming back.
            std::vector<unsigned> these = cpus;
            if (e.name == "irq_matrix_online" && !e.exec_cpu) {
                these.insert(these.end(), d.begin(), d.end());
                std::sort(these.begin(), these.end());
                these.erase(std::unique(these.begin(), these.end()), these.end());
                if (online_hint_) {  // the CPU the log names, first
                    const auto it = std::find(these.begin(), these.end(), *online_hint_);
                    if (it != these.end()) std::rotate(these.begin(), it, it + 1);
                }
            }
            if (e.name == "irq_matrix_offline")
                std::erase_if(
                    these, [&](unsigned c) { return std::find(d.begin(), d.end(), c) != d.end(); });
            for (unsigned c : these) {
                candidate k{d, c, "", false};
                const bool said_died =
                    !d.empty() && d.size() == offline_hints_.size() &&
                    std::is_permutation(d.begin(), d.end(), offline_hints_.begin());
                const bool said_online = online_hint_ && c == *online_hint_;
                k.hinted = (d.empty() || said_died) && (c == none || e.exec_cpu || said_online) &&
                           (said_died || said_online);
                if (!d.empty()) k.label = "CPU " + cpulist(d) + " went offline untraced";
                if (c != none && !e.exec_cpu) {
                    if (!k.label.empty()) k.label += "; ";
                    k.label += "the CPU " +
                               std::string(e.name == "irq_matrix_online" ? "coming online"
                                                                         : "going offline") +
                               " is " + std::to_string(c);
                }
                out.push_back(std::move(k));
            }
        }
        return out;
    }

    // Runs a candidate on a copy: "" and the copy when event i agrees.
    std::string try_candidate(state<Matrix>& copy, const candidate& k, const kernel_event& e) {
        for (unsigned d : k.died) {
            copy.text += "# inferred: CPU " + std::to_string(d) +
                         " went offline (its events are not traced)\n";
            if (!offline_untraced(copy, d))
                return "CPU " + std::to_string(d) + "'s interrupts have nowhere to go";
        }
        return apply_event(copy, e, k.cpu);
    }

    // How many of the next events (up to a limit, and not past the next
    // one that needs an inference) a candidate's state agrees with.
    unsigned lookahead(state<Matrix> copy, std::size_t i) const {
        unsigned agreed = 0;
        for (std::size_t j = i + 1; j < p_.events.size() && agreed < 256; ++j) {
            const kernel_event& e = p_.events[j];
            if (!e.is_matrix()) {
                if (!note_vector_event(copy, e).empty()) break;
                continue;
            }
            if (needs_inference(copy, e)) break;
            if (!apply_event(copy, e, e.exec_cpu.value_or(none)).empty()) break;
            ++agreed;
        }
        return agreed;
    }

    static unsigned expected_online_maps(const state<Matrix>& s, const kernel_event& e) {
        const unsigned now = s.m.stats().online_maps;
        if (e.name == "irq_matrix_online") return now + 1;
        if (e.name == "irq_matrix_offline") return now - 1;
        return now;
    }

    static bool needs_inference(const state<Matrix>& s, const kernel_event& e) {
        if ((e.name == "irq_matrix_online" || e.name == "irq_matrix_offline") && !e.exec_cpu)
            return true;
        return static_cast<unsigned>(e.get("online_maps")) != expected_online_maps(s, e);
    }

    std::optional<events_error> step(std::size_t i, events_import& out) {
        const kernel_event& e = p_.events[i];
        if (!needs_inference(s_, e)) {
            const std::string why = apply_event(s_, e, e.exec_cpu.value_or(none));
            if (!why.empty())
                return error_at(e,
                                "cannot reconcile " + e.name + " with the rebuilt matrix: " + why);
            return std::nullopt;
        }
        const unsigned want = static_cast<unsigned>(e.get("online_maps"));
        const unsigned expect = expected_online_maps(s_, e);
        if (want > expect)
            return error_at(
                e, "online_maps is " + std::to_string(want) + " where " + std::to_string(expect) +
                       " was expected: a CPU came online untraced (events are missing)");
        const unsigned lost = expect - want;
        std::vector<std::pair<candidate, state<Matrix>>> agreeing;
        std::string first_why;
        for (const auto& k : candidates(e, lost)) {
            state<Matrix> copy = s_;
            copy.text.clear();
            copy.operations = 0;
            const std::string why = try_candidate(copy, k, e);
            if (why.empty())
                agreeing.emplace_back(k, std::move(copy));
            else if (first_why.empty())
                first_why = (k.label.empty() ? "" : k.label + ": ") + why;
        }
        if (agreeing.empty())
            return error_at(
                e, "cannot reconcile " + e.name +
                       (lost ? " after " + std::to_string(lost) + " untraced CPU offline(s)" : "") +
                       ": " + (first_why.empty() ? "no candidate" : first_why));
        std::size_t best = 0;
        unsigned best_score = 0;
        const bool hinted = agreeing[0].first.hinted;
        if (agreeing.size() > 1 && !hinted) {
            for (std::size_t k = 0; k < agreeing.size(); ++k) {
                const unsigned score = lookahead(agreeing[k].second, i);
                if (k == 0 || score > best_score) {
                    best = k;
                    best_score = score;
                }
            }
        }
        auto& [k, chosen] = agreeing[best];
        std::string what = k.label;
        if (hinted)
            what += " (as the kernel's hotplug log lines say)";
        else if (agreeing.size() > 1)
            what += " (" + std::to_string(agreeing.size()) +
                    " candidates agreed with this event; chosen by the " +
                    std::to_string(best_score) + " events after it, lowest CPU first)";
        out.inferred.push_back({p_.files[e.file], e.line, what});
        // Operations other than the event's own are inferred.
        if (!k.died.empty()) inferred_ops_ += chosen.operations - 1;
        s_.m = std::move(chosen.m);
        s_.irqs = std::move(chosen.irqs);
        s_.pending_reservations = std::move(chosen.pending_reservations);
        s_.text += "# inferred: " + what + "\n" + chosen.text;
        return std::nullopt;
    }

    const parsed_events& p_;
    state<Matrix> s_;
    std::vector<unsigned> offline_hints_;  // "CPU n is now offline" since the last event
    std::optional<unsigned> online_hint_;  // "Booting ... Processor n" since the last event
    unsigned inferred_ops_ = 0;
};

// The window's end: the first irq_matrix_online's global_avl is the window
// size less the in-window assign_system calls before it (docs/kernel-semantics.md 1.4).
std::optional<unsigned> infer_alloc_end(const parsed_events& p, unsigned bits, unsigned start,
                                        std::string& how) {
    std::vector<unsigned> system_bits;
    for (const auto& e : p.events) {
        if (e.name == "irq_matrix_assign_system")
            system_bits.push_back(static_cast<unsigned>(e.get("bit")));
        if (e.name != "irq_matrix_online") continue;
        const auto avl = static_cast<unsigned>(e.get("global_avl"));
        for (unsigned end = start; end <= bits; ++end) {
            const auto in_window = static_cast<unsigned>(
                std::count_if(system_bits.begin(), system_bits.end(),
                              [&](unsigned b) { return b >= start && b < end; }));
            if (end - start >= in_window && end - start - in_window == avl) {
                how = "inferred from the first irq_matrix_online (" + p.files[e.file] + ":" +
                      std::to_string(e.line) + ", global_avl=" + std::to_string(avl) + ")";
                return end;
            }
        }
        return std::nullopt;
    }
    return std::nullopt;
}

template <class Matrix>
events_import_result rebuild(const parsed_events& p, events_import imp) {
    auto m = Matrix::create(imp.bits, imp.alloc_start, imp.alloc_end, imp.nr_cpus);
    if (!m)
        return {std::nullopt, {p.files.empty() ? "-" : p.files[0], 0, "the geometry is not valid"}};
    rebuilder<Matrix> r(p, std::move(*m));
    if (auto err = r.run(imp)) return {std::nullopt, *err};
    return {std::move(imp), {}};
}

}  // namespace

events_import_result import_events(const parsed_events& p, const event_import_options& opt) {
    const std::string first_file = p.files.empty() ? "-" : p.files[0];
    const kernel_event* first = nullptr;
    unsigned max_cpu = 0, max_bit = 0;
    for (const auto& e : p.events) {
        if (!e.is_matrix()) continue;
        if (!first) first = &e;
        if (per_cpu_event(e)) max_cpu = std::max(max_cpu, static_cast<unsigned>(e.get("cpu")));
        if (e.exec_cpu) max_cpu = std::max(max_cpu, *e.exec_cpu);
        if (e.get("online_maps") > 0)
            max_cpu = std::max(max_cpu, static_cast<unsigned>(e.get("online_maps")) - 1);
        if (e.get("bit") > 0) max_bit = std::max(max_bit, static_cast<unsigned>(e.get("bit")));
    }
    if (!first)
        return {std::nullopt,
                {first_file, 0, "no irq_matrix events (boot with trace_event=irq_matrix:*)"}};
    const auto g = event_globals(*first);
    if (g.online_maps != 0 || g.total_alloc != 0 || g.global_avl != 0) {
        return {
            std::nullopt,
            {p.files[first->file], first->line,
             "the capture starts after boot (the first irq_matrix event already has online_maps=" +
                 std::to_string(g.online_maps) + ", total_alloc=" + std::to_string(g.total_alloc) +
                 "): the matrix's state before it is unknown. Capture from boot: add "
                 "trace_event=irq_matrix:* to the kernel command line"}};
    }
    events_import imp;
    imp.bits = opt.bits.value_or(256);
    if (max_bit >= imp.bits)
        return {std::nullopt,
                {first_file, 0,
                 "bit " + std::to_string(max_bit) + " does not fit " + std::to_string(imp.bits) +
                     " vectors per CPU: give --bits"}};
    imp.alloc_start = opt.alloc_start.value_or(32);
    if (opt.alloc_end) {
        imp.alloc_end = *opt.alloc_end;
        imp.geometry_how = "given";
    } else {
        const auto end = infer_alloc_end(p, imp.bits, imp.alloc_start, imp.geometry_how);
        if (!end)
            return {std::nullopt,
                    {first_file, 0,
                     "cannot infer the allocation window's end (no irq_matrix_online, "
                     "or none fits): give --alloc-end"}};
        imp.alloc_end = *end;
    }
    imp.nr_cpus = opt.nr_cpus.value_or(max_cpu + 1);
    if (max_cpu >= imp.nr_cpus)
        return {std::nullopt,
                {first_file, 0,
                 "CPU " + std::to_string(max_cpu) + " is beyond --cpus " +
                     std::to_string(imp.nr_cpus)}};
    imp.trace = "# Rebuilt by irqmatrix import-events from the kernel's irq_matrix events:";
    for (const auto& f : p.files) imp.trace += " " + f;
    imp.trace += "\n# Each event is a comment, then its operation and the counters it reported.\n";
    imp.trace += "# Geometry: " + std::to_string(imp.bits) + " vectors, window [" +
                 std::to_string(imp.alloc_start) + "," + std::to_string(imp.alloc_end) + ") " +
                 imp.geometry_how + ", " + std::to_string(imp.nr_cpus) + " CPUs\n";
    imp.trace += "matrix " + std::to_string(imp.bits) + " " + std::to_string(imp.alloc_start) +
                 " " + std::to_string(imp.alloc_end) + " " + std::to_string(imp.nr_cpus) +
                 " => 0\n";
    if (imp.bits <= 256) return rebuild<basic_matrix<256>>(p, std::move(imp));
    return rebuild<basic_matrix<2048>>(p, std::move(imp));
}

namespace {
// A whole stream, in blocks (istreambuf_iterator makes g++ 12 report null
// dereferences inside <streambuf> at -O2).
std::string read_all(std::istream& in) {
    std::string text;
    char block[1 << 16];
    while (in.read(block, sizeof block) || in.gcount() > 0)
        text.append(block, static_cast<std::size_t>(in.gcount()));
    return text;
}
}  // namespace

int import_events_command(const std::vector<std::string>& files, const event_import_options& opt,
                          std::ostream& out, std::ostream& err) {
    parsed_events parsed;
    for (const auto& f : files) {
        std::string text;
        if (f == "-") {
            text = read_all(std::cin);
        } else {
            std::ifstream in(f, std::ios::binary);
            if (!in) {
                err << "irqmatrix: " << f << ": cannot be read\n";
                return 2;
            }
            text = read_all(in);
            if (in.bad()) {
                err << "irqmatrix: " << f << ": read error\n";
                return 2;
            }
        }
        if (opt.until) {
            const auto at = text.find(*opt.until);
            if (at != std::string::npos)
                text.erase(text.rfind('\n', at) == std::string::npos ? 0
                                                                     : text.rfind('\n', at) + 1);
        }
        if (auto e = parse_kernel_events(text, f, parsed)) {
            err << "irqmatrix: " << e->what() << '\n';
            return 2;
        }
    }
    const auto r = import_events(parsed, opt);
    if (!r) {
        err << "irqmatrix: " << r.error.what() << '\n';
        return 2;
    }
    const events_import& imp = *r.import;
    out << imp.trace;
    out << "# Final owners (irq: cpu vector):\n";
    for (const auto& o : imp.owners)
        out << "#   irq " << o.irq << ": " << o.cpu << " " << o.vector
            << (o.managed ? " managed" : "") << '\n';
    for (const unsigned irq : imp.shut_down)
        out << "#   irq " << irq << ": shut down (managed, no vector)\n";
    err << "irqmatrix import-events: " << parsed.lines << " lines read";
    for (std::size_t f = 0; f < parsed.files.size(); ++f)
        err << (f ? ", " : " (") << parsed.files[f] << ": " << form_name(parsed.forms[f]);
    err << ")\n  " << imp.matrix_events << " irq_matrix events mapped, " << imp.vector_events
        << " irq_vectors events kept as comments, " << imp.hints
        << " hotplug log lines used as clues\n  " << imp.inferred.size() << " inferences, "
        << imp.inferred_operations << " operations inferred\n  skipped: " << parsed.other_events
        << " lines of other events, " << parsed.other_lines
        << " other lines\n  geometry: " << imp.bits << " vectors, window [" << imp.alloc_start
        << "," << imp.alloc_end << ") " << imp.geometry_how << ", " << imp.nr_cpus << " CPUs\n";
    for (const auto& inf : imp.inferred)
        err << "  inferred at " << inf.file << ":" << inf.line << ": " << inf.what << '\n';
    return 0;
}

}  // namespace irqmatrix::lab
