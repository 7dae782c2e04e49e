// SPDX-License-Identifier: MIT
// Building a machine snapshot from its files: see snapshot.hpp.
#include "lab/snapshot.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lab/irq_debugfs.hpp"
#include "lab/procfs.hpp"

namespace irqmatrix::lab {

std::string snapshot_irq::label() const {
    std::string what = device;
    if (!names.empty()) what += (what.empty() ? "" : " ") + names;
    return "IRQ " + std::to_string(irq) + (what.empty() ? "" : " (" + what + ")");
}

const snapshot_irq* snapshot::find(unsigned irq) const {
    const auto it = std::lower_bound(irqs.begin(), irqs.end(), irq,
                                     [](const snapshot_irq& i, unsigned n) { return i.irq < n; });
    return it != irqs.end() && it->irq == irq ? &*it : nullptr;
}

namespace {

/// The first line of a text that is not blank or a comment (1-based).
unsigned first_content_line(std::string_view text) {
    unsigned first = 1;
    for_each_content_line(text, [&first](unsigned n, std::string_view) {
        first = n;
        return false;
    });
    return first;
}

/// An irq_matrix event line outside a '#' comment (a VECTOR table has none).
bool looks_like_event_capture(std::string_view text) {
    for (const auto line : split_lines(text)) {
        const std::size_t at = line.find("irq_matrix_");
        if (at != std::string_view::npos && line.substr(0, at).find('#') == std::string_view::npos)
            return true;
    }
    return false;
}

struct parsed_inputs {
    std::vector<std::pair<std::string, irq_debugfs_result>> debugfs;
    std::vector<std::pair<std::string, proc_interrupts>> interrupts;
    std::vector<std::pair<std::string, proc_irq_affinity_result>> affinity;
};

void add_from(snapshot_irq& i, const std::string& file) {
    if (i.from.find(file) != std::string::npos) return;
    i.from += (i.from.empty() ? "" : ", ") + file;
}

void merge_debugfs(std::map<unsigned, snapshot_irq>& irqs, const std::string& file,
                   const std::vector<irq_record>& recs) {
    for (const auto& r : recs) {
        snapshot_irq& i = irqs[r.irq];
        i.irq = r.irq;
        add_from(i, file);
        if (!r.device.empty()) i.device = r.device;
        if (!r.domains.empty()) i.chip = r.chip_domain();
        if (!r.states.empty()) i.started = r.has_state("IRQD_IRQ_STARTED");
        i.managed = r.is_managed || r.has_state("IRQD_AFFINITY_MANAGED");
        i.managed_known = true;
        if (r.affinity) {
            i.affinity = *r.affinity;
            i.affinity_known = true;
        }
        if (r.effective) i.effective = *r.effective;
        if (r.has_vector_record && !r.vector_not_assigned) {
            i.vector_known = true;
            i.vector = r.vector;
            i.legacy = r.legacy_pic;
            i.has_reserved = r.has_reserved;
            if (!r.legacy_pic) {
                i.cpu_known = true;
                i.cpu = r.target;
            }
            if (r.prev_vector && r.prev_target) i.previous = {{*r.prev_target, *r.prev_vector}};
        }
    }
}

}  // namespace

snapshot_result build_snapshot(const std::vector<snapshot_input>& inputs, const import_options& opt,
                               const event_import_options& events) {
    snapshot_result res;
    snapshot s;
    parsed_inputs p;
    std::optional<events_import> captured;
    for (const auto& in : inputs) {
        const std::string& file = in.name;
        // One of the machine's own files: parse(text), and if it parses,
        // keep(result), which says what it held with describe(); false (the
        // error named by file and line) if it does not.
        const auto describe = [&]<class... N>(fmt::format_string<N...> what, N&&... n) {
            s.sources.push_back(file + ": " + fmt::format(what, std::forward<N>(n)...));
        };
        const auto read_as = [&](auto&& parse, auto&& keep) {
            auto r = parse(in.text);
            if (r.error) {
                res.error = file + ": " + r.error->what();
                return false;
            }
            keep(std::move(r));
            return true;
        };
        // The same for a file of per-IRQ records, kept with its name.
        const auto read_irqs = [&](auto&& parse, const char* what, auto& kept) {
            return read_as(parse, [&](auto r) {
                describe("{}, {} IRQs", what, r.irqs.size());
                kept.emplace_back(file, std::move(r));
            });
        };
        const bool dump = looks_like_dump(in.text);
        if ((dump || looks_like_event_capture(in.text)) && !s.table_file.empty()) {
            res.error = file + ": line " + std::to_string(first_content_line(in.text)) +
                        ": a second matrix source (the snapshot already has " + s.table_file +
                        "'s)";
            return res;
        }
        if (!dump && looks_like_event_capture(in.text)) {
            std::string_view text = in.text;
            if (events.until) {
                // As import-events --until: the lines before the first that
                // holds the text.
                const auto at = text.find(*events.until);
                if (at == std::string_view::npos) {
                    res.error = file + ": --until: '" + *events.until + "' is in no line";
                    return res;
                }
                const auto nl = text.rfind('\n', at);
                text = text.substr(0, nl == std::string_view::npos ? 0 : nl + 1);
            }
            parsed_events parsed;
            if (auto e = parse_kernel_events(text, file, parsed)) {
                res.error = e->what();
                return res;
            }
            auto imported = import_events(parsed, events);
            if (!imported) {
                res.error = imported.error.what();
                return res;
            }
            s.table_file = file;
            s.matrix_trace = imported.import->trace;
            s.sources.push_back(fmt::format(
                "{}: kernel events, {} irq_matrix and {} irq_vectors events{}, {} operations "
                "inferred",
                file, imported.import->matrix_events, imported.import->vector_events,
                events.until ? " up to '" + *events.until + "'" : std::string(),
                imported.import->inferred_operations));
            captured = std::move(imported.import);
        } else if (dump) {
            auto imported = import_dump(in.text, opt, file);
            if (!imported) {
                res.error = file + ": " + imported.error.what();
                return res;
            }
            s.table = std::move(*imported.state);
            s.table_file = file;
            s.matrix_trace = s.table->trace;
            s.matrix_table = s.table->table;
            s.sources.push_back(fmt::format(
                "{}: VECTOR table {} of {}, {} CPU rows, window [{},{}) ({})", file,
                s.table->table.index + 1, s.table->tables_in_text, s.table->table.rows.size(),
                s.table->window.start, s.table->window.end, s.table->window.how));
        } else if (looks_like_irq_debugfs(in.text)) {
            if (!read_irqs(parse_irq_debugfs, "per-IRQ debugfs files", p.debugfs)) return res;
        } else if (looks_like_proc_interrupts(in.text)) {
            if (!read_as(parse_proc_interrupts, [&](auto r) {
                    describe("/proc/interrupts, {} online CPUs, {} IRQs", r.value->online.size(),
                             r.value->rows.size());
                    p.interrupts.emplace_back(file, std::move(*r.value));
                }))
                return res;
        } else if (looks_like_proc_irq_affinity(in.text)) {
            if (!read_irqs(parse_proc_irq_affinity, "/proc/irq affinity lists", p.affinity))
                return res;
        } else if (looks_like_lspci(in.text)) {
            if (!read_as(parse_lspci, [&](auto r) {
                    describe("lspci, {} PCI functions", r.functions.size());
                    for (auto& f : r.functions) s.pci.push_back(std::move(f));
                }))
                return res;
        } else {
            res.error = file + ": line " + std::to_string(first_content_line(in.text)) +
                        ": not an input the snapshot reads (a debugfs VECTOR table, grep -r of "
                        "/sys/kernel/debug/irq/irqs/, /proc/interrupts, grep of "
                        "/proc/irq/*/*affinity_list, lspci -vv, or irq_matrix trace events)";
            return res;
        }
    }

    // A guess made `n` times (for so many IRQs), said once if made at all.
    const auto guessed = [&](unsigned n, fmt::format_string<unsigned> what) {
        if (n) s.guesses.push_back(fmt::format(what, unsigned{n}));
    };
    // Merge: the per-IRQ debugfs files first (they say the most), then the
    // affinity lists and /proc/interrupts fill in what is still unknown.
    std::map<unsigned, snapshot_irq> irqs;
    for (const auto& [file, r] : p.debugfs) merge_debugfs(irqs, file, r.irqs);
    if (captured) {
        // The vector events name each vector's owner and whether it is managed;
        // what the per-IRQ files say, if given too, is kept.
        for (const auto& o : captured->owners) {
            snapshot_irq& i = irqs[o.irq];
            i.irq = o.irq;
            add_from(i, s.table_file);
            if (i.vector_known) continue;
            i.vector_known = i.cpu_known = i.managed_known = true;
            i.vector = o.vector;
            i.cpu = o.cpu;
            i.managed = o.managed;
        }
        for (unsigned irq : captured->shut_down) {
            snapshot_irq& i = irqs[irq];
            i.irq = irq;
            add_from(i, s.table_file);
            i.managed = i.managed_known = true;
        }
    }
    unsigned disagree = 0;
    for (const auto& [file, r] : p.affinity) {
        for (const auto& a : r.irqs) {
            snapshot_irq& i = irqs[a.irq];
            i.irq = a.irq;
            add_from(i, file);
            if (a.smp_affinity) {
                if (i.affinity_known && i.affinity != *a.smp_affinity) ++disagree;
                if (!i.affinity_known) {
                    i.affinity = *a.smp_affinity;
                    i.affinity_known = true;
                }
            }
            if (a.effective && i.effective.empty()) i.effective = *a.effective;
        }
    }
    guessed(disagree,
            "{} IRQ(s) have an smp_affinity_list unlike the debugfs affinity; the debugfs one "
            "is used (the files were not read at the same moment)");
    unsigned decoded = 0;
    for (const auto& [file, r] : p.interrupts) {
        if (!s.online_known) {
            s.online = r.online;
            s.online_known = true;
        }
        for (const auto& row : r.rows) {
            snapshot_irq& i = irqs[row.irq];
            i.irq = row.irq;
            add_from(i, file);
            if (i.names.empty()) i.names = row.actions;
            if (i.chip.empty()) i.chip = row.chip;
            if (i.device.empty() && !row.device.empty()) {
                i.device = row.device;
                decoded += row.device_from_hwirq ? 1u : 0u;
            }
        }
    }
    guessed(decoded,
            "{} IRQ(s) have their PCI device decoded from the PCI-MSI hardware IRQ number of "
            "/proc/interrupts (domain << 27 | bus << 19 | devfn << 11 | entry)");
    // Without the VECTOR record, a single-CPU effective mask still says the CPU.
    unsigned cpu_from_effective = 0;
    for (auto& [n, i] : irqs) {
        if (!i.cpu_known && i.effective.size() == 1) {
            i.cpu_known = true;
            i.cpu = i.effective.front();
            ++cpu_from_effective;
        }
    }
    guessed(cpu_from_effective,
            "{} IRQ(s) have no VECTOR record: their CPU is their effective affinity, their "
            "vector unknown");

    if (s.table) {
        std::vector<unsigned> rows;
        for (const auto& r : s.table->table.rows) rows.push_back(r.cpu);
        if (s.online_known && rows != s.online)
            s.guesses.push_back("/proc/interrupts lists online CPUs " + cpu_list_text(s.online) +
                                ", the VECTOR table " + cpu_list_text(rows) +
                                "; the table's are used");
        s.online = rows;
        s.online_known = true;
        s.guesses.push_back("the VECTOR table's allocation window: " + s.table->window.how);
        bool any_managed = false;
        for (const auto& r : s.table->table.rows) any_managed = any_managed || r.man > 0;
        if (any_managed)
            s.guesses.push_back(
                "which vectors of the VECTOR table are managed reservations is not in the table: "
                "the import puts each CPU's managed-allocated vectors lowest and its free "
                "reservations just above them (machine_state.hpp)");
        for (const auto& d : s.table->drift)
            s.guesses.push_back(s.table_file + ": drift: " + d.text());
    }
    if (p.debugfs.empty() && !captured && s.table)
        s.guesses.push_back(
            "no per-IRQ debugfs files: no vector has a known owner; each allocated vector is "
            "taken as one IRQ affine to every online CPU, each managed one as a managed IRQ "
            "affine to its own CPU only");
    unsigned no_mask = 0, managed_no_mask = 0;
    for (auto& [n, i] : irqs) {
        if (i.affinity_known || !i.cpu_known) continue;
        ++(i.managed ? managed_no_mask : no_mask);
    }
    guessed(no_mask, "{} IRQ(s) with a CPU have no affinity mask: taken as every online CPU");
    guessed(managed_no_mask,
            "{} managed IRQ(s) have no affinity mask: taken as their "
            "own CPU alone (shut down when it goes offline)");

    if (captured) {
        for (const auto& inf : captured->inferred)
            s.guesses.push_back(fmt::format("{}: line {}: {}", inf.file, inf.line, inf.what));
        std::string error;
        if (const auto session = snapshot_session(s, error))
            s.matrix_table =
                session->visit([](const auto& m) { return dump_table_of(m, 1); }, dump_table{});
        s.online.clear();
        if (s.matrix_table)
            for (const auto& r : s.matrix_table->rows) s.online.push_back(r.cpu);
        s.online_known = true;
    }
    for (auto& [n, i] : irqs) s.irqs.push_back(std::move(i));
    for (std::size_t k = 0; k < s.irqs.size(); ++k) {
        const auto& i = s.irqs[k];
        if (i.holds_vector()) s.owner[{i.cpu, i.vector}] = k;
        if (i.previous) s.owner[*i.previous] = k;
    }
    res.value = std::move(s);
    return res;
}

namespace {

std::optional<std::string> read_input(const std::string& path, std::string& error) {
    std::ostringstream buffer;
    if (path == "-") {
        buffer << std::cin.rdbuf();
        if (std::cin.bad()) {
            error = "-: read error";
            return std::nullopt;
        }
        return std::move(buffer).str();
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        error = path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    if (file.peek() != std::ifstream::traits_type::eof()) buffer << file.rdbuf();
    if (file.bad()) {
        error = path + ": read error";
        return std::nullopt;
    }
    return std::move(buffer).str();
}

}  // namespace

snapshot_result load_snapshot(const std::vector<std::string>& files, const import_options& opt,
                              const event_import_options& events) {
    std::vector<snapshot_input> inputs;
    for (const auto& f : files) {
        snapshot_result res;
        auto text = read_input(f, res.error);
        if (!text) return res;
        inputs.push_back({f, std::move(*text)});
    }
    return build_snapshot(inputs, opt, events);
}

std::optional<trace::session> snapshot_session(const snapshot& s, std::string& error) {
    if (s.matrix_trace.empty()) {
        error =
            "no VECTOR table among the inputs (cat /sys/kernel/debug/irq/domains/VECTOR) "
            "and no capture of irq_matrix events";
        return std::nullopt;
    }
    trace::session session;
    if (std::string bad = build_session(s.matrix_trace, session); !bad.empty()) {
        error = s.table_file + ": " + bad;
        return std::nullopt;
    }
    return session;
}

std::string format_snapshot(const snapshot& s) {
    std::string out = "inputs:\n";
    for (const auto& src : s.sources) out += "  " + src + "\n";
    unsigned holding = 0, managed = 0, started = 0;
    for (const auto& i : s.irqs) {
        holding += i.holds_vector() ? 1u : 0u;
        managed += i.managed ? 1u : 0u;
        started += i.started ? 1u : 0u;
    }
    out += fmt::format("online CPUs: {}\n",
                       s.online_known ? cpu_list_text(s.online) : std::string("unknown"));
    out += fmt::format("IRQs: {} ({} holding a vector, {} managed, {} started)\n", s.irqs.size(),
                       holding, managed, started);
    if (s.matrix_table) {
        out += "\n  CPU   avl   man   mac   act  owned  owners (IRQ numbers)\n";
        for (const auto& r : s.matrix_table->rows) {
            std::vector<unsigned> owners;
            for (const auto& [key, k] : s.owner)
                if (key.first == r.cpu) owners.push_back(s.irqs[k].irq);
            std::sort(owners.begin(), owners.end());
            owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
            unsigned owned = 0;
            for (unsigned v : r.vectors) owned += s.owner.count({r.cpu, v}) ? 1u : 0u;
            out += fmt::format("{:5} {:5} {:5} {:5} {:5} {:6}  {}\n", r.cpu, r.avl, r.man, r.mac,
                               r.act, owned, owners.empty() ? "-" : cpu_list_text(owners));
        }
    }
    std::vector<const pci_function*> multi;
    for (const auto& f : s.pci)
        if (f.multi_msi()) multi.push_back(&f);
    if (!multi.empty()) {
        out += "\nmulti-MSI capable PCI functions (MSI granted/capable):\n";
        for (const auto* f : multi)
            out += fmt::format("  {}  MSI {} {}/{}{}  {}\n", f->address,
                               f->msi->enabled ? "on " : "off", f->msi->granted, f->msi->capable,
                               f->msix ? fmt::format(", MSI-X {}", f->msix->count) : "",
                               f->description);
    }
    if (!s.guesses.empty()) {
        out += "\nassumed (not in the inputs):\n";
        for (const auto& g : s.guesses) out += "  - " + g + "\n";
    }
    return out;
}

std::string snapshot_json(const snapshot& s) {
    using json = nlohmann::ordered_json;
    json j;
    j["inputs"] = s.sources;
    j["online"] = s.online_known ? json(s.online) : json(nullptr);
    json irqs = json::array();
    for (const auto& i : s.irqs) {
        json x;
        x["irq"] = i.irq;
        x["device"] = i.device;
        x["names"] = i.names;
        x["chip"] = i.chip;
        x["vector"] = i.vector_known ? json(i.vector) : json(nullptr);
        x["cpu"] = i.cpu_known ? json(i.cpu) : json(nullptr);
        if (i.previous)
            x["previous"] = {{"cpu", i.previous->first}, {"vector", i.previous->second}};
        x["managed"] = i.managed_known ? json(i.managed) : json(nullptr);
        x["has_reserved"] = i.has_reserved;
        x["started"] = i.started;
        x["legacy_pic"] = i.legacy;
        x["affinity"] = i.affinity_known ? json(cpu_list_text(i.affinity)) : json(nullptr);
        x["effective"] = cpu_list_text(i.effective);
        x["from"] = i.from;
        irqs.push_back(std::move(x));
    }
    j["irqs"] = std::move(irqs);
    if (s.matrix_table) {
        json cpus = json::array();
        for (const auto& r : s.matrix_table->rows) {
            json unowned = json::array();
            for (unsigned v : r.vectors)
                if (!s.owner.count({r.cpu, v})) unowned.push_back(v);
            cpus.push_back({{"cpu", r.cpu},
                            {"avl", r.avl},
                            {"man", r.man},
                            {"mac", r.mac},
                            {"act", r.act},
                            {"vectors", r.vectors},
                            {"unowned", std::move(unowned)}});
        }
        j["vector_table"] = {{"file", s.table_file}, {"cpus", std::move(cpus)}};
    }
    json pci = json::array();
    for (const auto& f : s.pci) {
        json x{{"address", f.address}, {"description", f.description}, {"driver", f.driver}};
        if (f.msi)
            x["msi"] = {{"enabled", f.msi->enabled},
                        {"granted", f.msi->granted},
                        {"capable", f.msi->capable}};
        if (f.msix) x["msix"] = {{"enabled", f.msix->enabled}, {"count", f.msix->count}};
        pci.push_back(std::move(x));
    }
    j["pci"] = std::move(pci);
    j["assumed"] = s.guesses;
    return j.dump(2) + "\n";
}

int snapshot_command(const std::vector<std::string>& files, const import_options& opt,
                     const event_import_options& events, bool json, std::ostream& out,
                     std::ostream& err) {
    const auto r = load_snapshot(files, opt, events);
    if (!r.value) {
        err << "irqmatrix: " << r.error << '\n';
        return 2;
    }
    out << (json ? snapshot_json(*r.value) : format_snapshot(*r.value));
    return 0;
}

}  // namespace irqmatrix::lab
