// SPDX-License-Identifier: MIT
// Parsing lspci -vv: see lspci.hpp.
#include "lab/lspci.hpp"

namespace irqmatrix::lab {

namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool hex_run(std::string_view s, std::size_t n) {
    if (s.size() != n) return false;
    for (char c : s)
        if (!is_hex(c)) return false;
    return true;
}

/// "02:00.0" or "0000:02:00.0" -> "0000:02:00.0"; "" if it is not one.
std::string pci_address(std::string_view w) {
    std::string_view domain = "0000";
    if (w.size() == 12) {
        domain = w.substr(0, 4);
        if (!hex_run(domain, 4) || w[4] != ':') return {};
        w.remove_prefix(5);
    }
    if (w.size() != 7 || w[2] != ':' || w[5] != '.' || !hex_run(w.substr(0, 2), 2) ||
        !hex_run(w.substr(3, 2), 2) || w[6] < '0' || w[6] > '7')
        return {};
    return std::string(domain) + ":" + std::string(w);
}

/// A line of the -xxx hex dump: "00: 86 80 ..." or "ff0: 00 ...".
bool is_hex_dump(std::string_view line) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon < 2 || colon > 3) return false;
    for (std::size_t i = 0; i < colon; ++i)
        if (!is_hex(line[i])) return false;
    return colon + 1 == line.size() || line[colon + 1] == ' ';
}

/// Noise real captures carry between devices: lspci's own warnings
/// ("pcilib: sysfs_read_vpd: read failed"), the rest of a hex dump line they
/// interrupted ("00 00 00 00"), and separator lines ("----").
bool is_noise(std::string_view line) {
    const auto t = trim(line);
    if (t.starts_with("pcilib:")) return true;
    if (t.find_first_not_of('-') == std::string_view::npos) return true;
    for (const auto w : detail::split_words(t))
        if (!hex_run(w, 2)) return false;
    return true;
}

bool power_of_two(unsigned v) { return v != 0 && (v & (v - 1)) == 0; }

/// The value after "NAME=" among the words, or "".
std::string_view field(const std::vector<std::string_view>& words, std::string_view name) {
    for (const auto w : words)
        if (w.size() > name.size() && w.starts_with(name) && w[name.size()] == '=')
            return w.substr(name.size() + 1);
    return {};
}

bool flag(const std::vector<std::string_view>& words, std::string_view name) {
    for (const auto w : words)
        if (w.size() == name.size() + 1 && w.starts_with(name) && w.back() == '+') return true;
    return false;
}

}  // namespace

bool looks_like_lspci(std::string_view text) {
    const auto line = first_content(text);
    if (!line || detail::is_blank(line->front())) return false;
    const auto words = detail::split_words(*line);
    return !pci_address(words[0]).empty();
}

lspci_result parse_lspci(std::string_view text) {
    lspci_result out;
    unsigned number = 0;
    for (const auto line : split_lines(text)) {
        ++number;
        if (is_comment_or_blank(line)) continue;
        const auto fail = [&](std::string message) {
            out.error = input_error{number, std::move(message)};
            return out;
        };
        if (!detail::is_blank(line.front())) {
            if (is_hex_dump(line) || is_noise(line)) continue;
            const std::size_t space = line.find(' ');
            const std::string address = pci_address(line.substr(0, space));
            if (address.empty())
                return fail(
                    "expected a device line ('02:00.0 Class: Name') or an indented one, "
                    "found " +
                    quote(line));
            pci_function f;
            f.address = address;
            f.line = number;
            if (space != std::string_view::npos) f.description = trim(line.substr(space + 1));
            out.functions.push_back(std::move(f));
            continue;
        }
        if (out.functions.empty()) return fail("an indented line before any device line");
        pci_function& f = out.functions.back();
        const auto t = trim(line);
        if (t.starts_with("Kernel driver in use:")) {
            f.driver = trim(t.substr(21));
            continue;
        }
        if (!t.starts_with("Capabilities:")) continue;
        const std::size_t msix = t.find("] MSI-X:");
        const std::size_t msi = t.find("] MSI:");
        if (msix == std::string_view::npos && msi == std::string_view::npos) continue;
        const auto words = detail::split_words(t);
        const std::string_view count = field(words, "Count");
        if (msix != std::string_view::npos) {
            const auto n = detail::parse_decimal(count, 2048);
            if (!n || *n == 0)
                return fail("MSI-X: expected Count=N (1 to 2048), found " + quote(t));
            f.msix = pci_msix_cap{flag(words, "Enable"), *n};
            continue;
        }
        const std::size_t slash = count.find('/');
        const auto granted = slash == std::string_view::npos
                                 ? std::nullopt
                                 : detail::parse_decimal(count.substr(0, slash), 128);
        const auto capable = slash == std::string_view::npos
                                 ? std::nullopt
                                 : detail::parse_decimal(count.substr(slash + 1), 128);
        if (!granted || !capable || !power_of_two(*granted) || !power_of_two(*capable))
            return fail("MSI: expected Count=GRANTED/CAPABLE (powers of two up to 128), found " +
                        quote(t));
        f.msi = pci_msi_cap{flag(words, "Enable"), *granted, *capable, flag(words, "Maskable")};
    }
    if (out.functions.empty())
        out.error = input_error{number + 1, "no PCI device line found (expected lspci -vv output)"};
    return out;
}

}  // namespace irqmatrix::lab
