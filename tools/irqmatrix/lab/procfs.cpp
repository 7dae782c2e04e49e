// SPDX-License-Identifier: MIT
// Parsing /proc/interrupts and /proc/irq/N/*_affinity_list: see procfs.hpp.
#include "lab/procfs.hpp"

#include <charconv>
#include <map>

#include <fmt/format.h>

namespace irqmatrix::lab {

namespace {

constexpr unsigned max_irq = 1u << 24;

std::optional<std::uint64_t> count_of(std::string_view w) {
    if (w.empty() || w.size() > 20) return std::nullopt;
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc{} || p != w.data() + w.size()) return std::nullopt;
    return v;
}

/// "CPU12" -> 12.
std::optional<unsigned> header_cpu(std::string_view w) {
    if (!w.starts_with("CPU")) return std::nullopt;
    return detail::parse_decimal(w.substr(3), max_cpu_number);
}

/// The PCI address at the end of a per-device MSI chip name
/// ("IR-PCI-MSIX-0000:02:00.0" -> "0000:02:00.0"), or "".
std::string device_in_chip(std::string_view chip) {
    for (std::string_view kind : {"PCI-MSIX-", "PCI-MSI-"}) {
        const std::size_t at = chip.find(kind);
        if (at == std::string_view::npos) continue;
        const std::string_view dev = chip.substr(at + kind.size());
        // DDDD:BB:DD.F
        if (dev.size() == 12 && dev[4] == ':' && dev[7] == ':' && dev[10] == '.')
            return std::string(dev);
    }
    return {};
}

bool is_old_pci_msi_chip(std::string_view chip) {
    return chip == "PCI-MSI" || chip == "IR-PCI-MSI" || chip == "PCI-MSIX" || chip == "IR-PCI-MSIX";
}

}  // namespace

std::string device_of_msi_hwirq(std::uint64_t hwirq) {
    const auto domain = static_cast<unsigned>((hwirq >> 27) & 0xffffffffu);
    const auto bus = static_cast<unsigned>((hwirq >> 19) & 0xff);
    const auto devfn = static_cast<unsigned>((hwirq >> 11) & 0xff);
    return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, devfn >> 3, devfn & 7);
}

bool looks_like_proc_interrupts(std::string_view text) {
    const auto line = first_content(text);
    if (!line) return false;
    const auto words = detail::split_words(*line);
    for (const auto w : words)
        if (!header_cpu(w)) return false;
    return !words.empty();
}

proc_interrupts_result parse_proc_interrupts(std::string_view text) {
    proc_interrupts_result out;
    proc_interrupts p;
    bool have_header = false;
    unsigned number = 0;
    for (const auto line : split_lines(text)) {
        ++number;
        if (is_comment_or_blank(line)) continue;
        const auto words = detail::split_words(line);
        if (!have_header) {
            for (const auto w : words) {
                const auto cpu = header_cpu(w);
                if (!cpu) {
                    out.error = input_error{number,
                                            "expected the header of /proc/interrupts "
                                            "('CPU0 CPU1 ...'), found " +
                                                quote(w)};
                    return out;
                }
                if (!p.online.empty() && *cpu <= p.online.back()) {
                    out.error = input_error{number, "header CPUs do not ascend at " + quote(w)};
                    return out;
                }
                p.online.push_back(*cpu);
            }
            have_header = true;
            continue;
        }
        const std::string_view label = words[0];
        if (label.back() != ':') {
            out.error =
                input_error{number, "expected 'IRQ:' or 'NAME:' first, found " + quote(label)};
            return out;
        }
        const auto irq = detail::parse_decimal(label.substr(0, label.size() - 1), max_irq);
        if (!irq) continue;  // NMI:, LOC:, ERR:... are not device IRQs
        proc_irq_row r;
        r.irq = *irq;
        r.line = number;
        std::size_t i = 1;
        for (; i < words.size() && r.counts.size() < p.online.size(); ++i) {
            const auto c = count_of(words[i]);
            if (!c) break;
            r.counts.push_back(*c);
        }
        if (r.counts.size() != p.online.size()) {
            out.error =
                input_error{number, fmt::format("IRQ {}: {} count columns for the header's {} CPUs",
                                                r.irq, r.counts.size(), p.online.size())};
            return out;
        }
        if (!p.rows.empty() && r.irq <= p.rows.back().irq) {
            out.error = input_error{number, fmt::format("IRQ {} after IRQ {}: rows must ascend",
                                                        r.irq, p.rows.back().irq)};
            return out;
        }
        if (i < words.size()) r.chip = words[i++];
        // "524288-edge": the hardware IRQ number and the trigger.
        if (i < words.size()) {
            const std::string_view w = words[i];
            const std::size_t dash = w.find('-');
            if (dash != std::string_view::npos && dash > 0) {
                if (const auto h = count_of(w.substr(0, dash))) {
                    r.hwirq = *h;
                    r.trigger = w.substr(dash + 1);
                    ++i;
                }
            }
        }
        // The actions: the rest of the line as printed (names may hold blanks).
        if (i < words.size()) {
            const char* from = words[i].data();
            const char* to = words.back().data() + words.back().size();
            r.actions.assign(from, static_cast<std::size_t>(to - from));
        }
        r.device = device_in_chip(r.chip);
        if (!r.device.empty()) {
            if (r.hwirq && *r.hwirq <= 0xffffffffu) r.msi_entry = static_cast<unsigned>(*r.hwirq);
        } else if (is_old_pci_msi_chip(r.chip) && r.hwirq) {
            r.device = device_of_msi_hwirq(*r.hwirq);
            r.device_from_hwirq = true;
            r.msi_entry = static_cast<unsigned>(*r.hwirq & 0x7ff);
        }
        p.rows.push_back(std::move(r));
    }
    if (!have_header) {
        out.error = input_error{number + 1, "no header line ('CPU0 CPU1 ...') found"};
        return out;
    }
    out.value = std::move(p);
    return out;
}

namespace {

struct affinity_line {
    std::optional<unsigned> irq;
    std::string_view file;
    std::string_view value;
};

/// "/proc/irq/24/smp_affinity_list:0-3" -> 24, "smp_affinity_list", "0-3".
affinity_line split_affinity(std::string_view line) {
    affinity_line a;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return a;
    std::string_view path = line.substr(0, colon);
    a.value = trim(line.substr(colon + 1));
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return a;
    a.file = path.substr(slash + 1);
    path = path.substr(0, slash);
    const std::size_t dir = path.rfind('/');
    a.irq =
        detail::parse_decimal(dir == std::string_view::npos ? path : path.substr(dir + 1), max_irq);
    return a;
}

}  // namespace

bool looks_like_proc_irq_affinity(std::string_view text) {
    const auto line = first_content(text);
    if (!line) return false;
    const auto a = split_affinity(*line);
    return a.irq && a.file.find("affinity") != std::string_view::npos;
}

proc_irq_affinity_result parse_proc_irq_affinity(std::string_view text) {
    return parse_by_irq<proc_irq_affinity_result, proc_irq_affinity>(
        text, "no smp_affinity_list or effective_affinity_list line found",
        [](unsigned number, std::string_view line,
           const auto& record) -> std::optional<input_error> {
            // /proc/irq/default_smp_affinity has no IRQ directory above it.
            if (line.find("default_smp_affinity") != std::string_view::npos) return std::nullopt;
            const auto a = split_affinity(line);
            if (!a.irq) {
                return input_error{number,
                                   "expected 'PATH/IRQ/FILE:VALUE' as grep . "
                                   "/proc/irq/*/smp_affinity_list prints it, found " +
                                       quote(line)};
            }
            const bool smp = a.file == "smp_affinity_list";
            if (!smp && a.file != "effective_affinity_list") return std::nullopt;
            proc_irq_affinity& r = record(*a.irq);
            std::vector<unsigned> cpus;
            if (auto e = parse_cpu_list(a.value, cpus); !e.empty())
                return input_error{number, fmt::format("IRQ {}: {}: {}", *a.irq, a.file, e)};
            (smp ? r.smp_affinity : r.effective) = std::move(cpus);
            return std::nullopt;
        });
}

}  // namespace irqmatrix::lab
