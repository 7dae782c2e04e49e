// SPDX-License-Identifier: MIT
// Parsing the per-IRQ debugfs files: see irq_debugfs.hpp.
#include "lab/irq_debugfs.hpp"

#include <map>

namespace irqmatrix::lab {

namespace {

/// IRQ numbers above this are refused (Linux's NR_IRQS is far below it).
constexpr unsigned max_irq = 1u << 24;

struct split_prefix {
    std::optional<unsigned> irq;
    std::string_view content;  ///< the file's line after "N:"
    bool has_colon = false;
};

/// "PATH/124:handler:  handle_edge_irq" -> 124 and "handler:  handle_edge_irq".
split_prefix split(std::string_view line) {
    split_prefix s;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return s;
    s.has_colon = true;
    std::string_view path = line.substr(0, colon);
    if (const std::size_t slash = path.rfind('/'); slash != std::string_view::npos)
        path.remove_prefix(slash + 1);
    s.irq = detail::parse_decimal(path, max_irq);
    s.content = line.substr(colon + 1);
    return s;
}

std::optional<unsigned> number(std::string_view v, unsigned limit) {
    return detail::parse_decimal(trim(v), limit);
}

/// Applies one labelled line to the record; an error message or "".
std::string apply(irq_record& r, std::string_view key, std::string_view value) {
    const auto flag = [&](bool& out) -> std::string {
        if (value == "0" || value == "1") {
            out = value == "1";
            return {};
        }
        return std::string(key) + ": expected 0 or 1, found " + quote(value);
    };
    const auto cpus = [&](std::optional<std::vector<unsigned>>& out) -> std::string {
        std::vector<unsigned> list;
        if (auto e = parse_cpu_list(value, list); !e.empty()) return std::string(key) + ": " + e;
        out = std::move(list);
        return {};
    };
    if (key == "handler") {
        r.handler = value;
    } else if (key == "device") {
        r.device = value == "(null)" ? std::string() : std::string(value);
    } else if (key == "node") {
        if (value == "-1") {
            r.node = -1;
        } else if (const auto n = number(value, max_cpu_number)) {
            r.node = static_cast<int>(*n);
        } else {
            return "node: expected a number or -1, found " + quote(value);
        }
    } else if (key == "affinity") {
        return cpus(r.affinity);
    } else if (key == "effectiv" || key == "effective") {
        return cpus(r.effective);
    } else if (key == "pending") {
        std::vector<unsigned> ignored;
        if (auto e = parse_cpu_list(value, ignored); !e.empty()) return "pending: " + e;
    } else if (key == "domain") {
        r.domains.emplace_back(value);
    } else if (key == "chip") {
        r.chips.emplace_back(value);
    } else if (key == "Vector") {
        r.has_vector_record = true;
        if (value == "Not assigned") {
            r.vector_not_assigned = true;
        } else if (const auto v = number(value, detail::dump::max_vector)) {
            r.vector = *v;
        } else {
            return "Vector: expected a vector number or 'Not assigned', found " + quote(value);
        }
    } else if (key == "Target") {
        if (value == "Legacy PIC all CPUs") {
            r.legacy_pic = true;
        } else if (const auto c = number(value, max_cpu_number)) {
            r.target = *c;
        } else {
            return "Target: expected a CPU number, found " + quote(value);
        }
    } else if (key == "Previous vector") {
        r.prev_vector = number(value, detail::dump::max_vector);
        if (!r.prev_vector) return "Previous vector: expected a number, found " + quote(value);
    } else if (key == "Previous target") {
        r.prev_target = number(value, max_cpu_number);
        if (!r.prev_target) return "Previous target: expected a CPU, found " + quote(value);
    } else if (key == "move_in_progress") {
        return flag(r.move_in_progress);
    } else if (key == "is_managed") {
        return flag(r.is_managed);
    } else if (key == "can_reserve") {
        return flag(r.can_reserve);
    } else if (key == "has_reserved") {
        return flag(r.has_reserved);
    } else if (key == "cleanup_pending") {
        return flag(r.cleanup_pending);
    }
    // status, istate, ddepth, wdepth, dstate, hwirq, flags, parent, and a
    // domain's own lines: nothing the snapshot needs.
    return {};
}

}  // namespace

bool looks_like_irq_debugfs(std::string_view text) {
    const auto line = first_content(text);
    if (!line) return false;
    const auto s = split(*line);
    const auto c = trim(s.content);
    return s.irq && (c.starts_with("handler:") || c.starts_with("device:"));
}

irq_debugfs_result parse_irq_debugfs(std::string_view text) {
    return parse_by_irq<irq_debugfs_result, irq_record>(
        text, "no IRQ found (expected grep -r . /sys/kernel/debug/irq/irqs/ output)",
        [](unsigned number, std::string_view line,
           const auto& record) -> std::optional<input_error> {
            const auto s = split(line);
            if (!s.irq)
                return input_error{
                    number,
                    "expected an IRQ's line as grep -r . /sys/kernel/debug/irq/irqs/ "
                    "prints it ('[PATH/]N:LABEL: VALUE'), found " +
                        quote(line)};
            irq_record& r = record(*s.irq);
            const auto content = trim(s.content);
            if (content.empty()) return std::nullopt;
            const std::size_t colon = content.find(':');
            if (colon == std::string_view::npos) {
                // A flag name under dstate: (IRQD_*) or a chip's flags (IRQCHIP_*).
                if (content.starts_with("IRQD_")) r.states.emplace_back(content);
                return std::nullopt;
            }
            if (auto e = apply(r, trim(content.substr(0, colon)), trim(content.substr(colon + 1)));
                !e.empty())
                return input_error{number, "IRQ " + std::to_string(r.irq) + ": " + e};
            return std::nullopt;
        });
}

}  // namespace irqmatrix::lab
