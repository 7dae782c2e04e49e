#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plot time per operation against CPU count, library vs kernel baseline.

Reads the JSON that `irqmatrix-scale --benchmark_format=json` prints (or
writes with --benchmark_out=FILE --benchmark_out_format=json), or with
`--program plan` irqmatrix-plan's (the planner against its previous
algorithms, `before`), and draws an
SVG with matplotlib (Debian: python3-matplotlib): log-scale CPU time per
iteration (one round trip: alloc + free; CPU time, as irqmatrix-scale's
summary table, so that other jobs on a shared machine do not count) against log-scale CPU count, one solid line
per family for the library and a dashed one for the baseline, at one fill
level. With repetitions, the medians are plotted.

    irqmatrix-scale --benchmark_format=json > scale.json
    benchmarks/plot_scaling.py scale.json -o docs/perf-scaling.svg [--fill 50]
    benchmarks/plot_scaling.py scale.json --markdown tables.md   # the tables too

--markdown writes the results as Markdown tables (CPU time per iteration in
ns for the library and the baseline, and baseline / lib, for every fill
level), the form docs/performance.md quotes them in.
"""
import argparse
import json
import re
import sys

# (family stem, extra parameter filter, legend text, colour)
SCALE_SERIES = [
    ("alloc_free", {}, "alloc + free, all-CPU mask", "#1f77b4"),
    ("managed_alloc_free", {}, "managed alloc + free, all-CPU mask", "#2ca02c"),
    ("alloc_block", {"order": "5"}, "order-5 block alloc + free, all-CPU mask", "#d62728"),
    ("alloc_free_mask", {"mask": "one"}, "alloc + free, one-CPU mask", "#9467bd"),
]
PLAN_SERIES = [
    ("reserve_block", {}, "reserve_block + remove_reserved_block", "#1f77b4"),
    ("can_offline", {}, "can_offline (a CPU holding ~100 vectors at 50%)", "#2ca02c"),
    ("evacuate", {}, "evacuate (the same CPU)", "#d62728"),
    ("move_block", {}, "move_block of one vector and back", "#9467bd"),
    ("alloc_free", {"outstanding": "1"}, "alloc + free, one reservation outstanding", "#ff7f0e"),
]
# Per program: its series, the partner's name in the benchmark names and in
# the legend, and the y-axis label.
PROGRAMS = {
    "scale": (SCALE_SERIES, "baseline", "kernel baseline", "time per alloc + free round trip"),
    "plan": (PLAN_SERIES, "before", "previous planner", "time per operation or round trip"),
}
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def parse_name(name):
    """'alloc_block/cpus:64/order:5/fill:50/lib/min_time:0.200' ->
    ('alloc_block', {'cpus': '64', 'order': '5', 'fill': '50'}, 'lib')."""
    name = re.sub(r"/(min_time|repeats|iterations):[^/]*", "", name)
    parts = name.split("/")
    family, impl = parts[0], parts[-1]
    params = dict(p.split(":", 1) for p in parts[1:-1] if ":" in p)
    return family, params, impl


def load(path):
    with (sys.stdin if path == "-" else open(path)) as f:
        data = json.load(f)
    rows = data.get("benchmarks", [])
    has_aggregates = any(r.get("run_type") == "aggregate" for r in rows)
    points = {}  # (family, frozenset(params), impl) -> ns
    refused = set()  # (family, frozenset(params)) of rows that time an ENOSPC (found = 0)
    for r in rows:
        if r.get("error_occurred"):
            continue
        if has_aggregates:
            if r.get("run_type") != "aggregate" or r.get("aggregate_name") != "median":
                continue
            name = r.get("run_name", r["name"])
        else:
            name = r["name"]
        family, params, impl = parse_name(name)
        ns = r["cpu_time"] * UNIT_NS.get(r.get("time_unit", "ns"), 1.0)
        points[(family, frozenset(params.items()), impl)] = ns
        if r.get("found") == 0:
            refused.add((family, frozenset(params.items())))
    return data.get("context", {}), points, refused


def series_points(points, family, extra, impl, fill):
    out = []
    for (fam, params, imp), ns in points.items():
        p = dict(params)
        if fam != family or imp != impl or p.get("fill") != fill or "cpus" not in p:
            continue
        if any(p.get(k) != v for k, v in extra.items()):
            continue
        out.append((int(p["cpus"]), ns))
    return sorted(out)


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:g} µs"
    return f"{ns:g} ns"


def svg(context, points, fill, title, note_text="", program="scale"):
    """The plot as SVG text, drawn by matplotlib (Debian: python3-matplotlib)."""
    try:
        import io
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
    except ImportError:
        raise SystemExit("plot_scaling.py: the plot needs matplotlib "
                         "(Debian: apt-get install python3-matplotlib)")
    series, partner, partner_label, ylabel = PROGRAMS[program]
    lines = []
    for family, extra, label, colour in series:
        for impl, dashed in (("lib", False), (partner, True)):
            pts = series_points(points, family, extra, impl, fill)
            if pts:
                lines.append((f"{'library' if impl == 'lib' else partner_label}\n{label}",
                              colour, dashed, pts))
    if not lines:
        raise SystemExit(f"plot_scaling.py: no matching benchmarks at fill {fill}")
    xs = sorted({c for *_, pts in lines for c, _ in pts})
    matplotlib.rcParams["svg.hashsalt"] = "irqmatrix"  # the same file for the same figures
    fig, ax = plt.subplots(figsize=(8.2, 5.2))
    for label, colour, dashed, pts in lines:
        ax.plot([c for c, _ in pts], [ns for _, ns in pts], label=label, color=colour,
                linestyle="--" if dashed else "-", linewidth=2,
                marker="s" if dashed else "o", markersize=5,
                markerfacecolor="white" if dashed else colour)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator(xs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda c, _: f"{c:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda ns, _: fmt_ns(ns)))
    ax.grid(True, which="major", color="#dddddd")
    ax.set_xlabel("CPUs (log scale)")
    ax.set_ylabel(f"{ylabel} (log scale)")
    ax.set_title(title, fontweight="bold")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=9, frameon=False,
              labelspacing=1.0)
    # Where the figures come from.
    note = (f"fill {fill}%; {note_text + '; ' if note_text else ''}{context.get('num_cpus', '')} CPUs "
            f"at {context.get('mhz_per_cpu', '')} MHz; {context.get('date', '')} "
            f"{context.get('host_name', '')}")
    fig.text(0.01, 0.01, note, color="#777777", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)
    prolog, _, body = out.getvalue().partition("\n")  # the comment goes after <?xml ...?>
    return (prolog + "\n<!-- Generated by benchmarks/plot_scaling.py (matplotlib) from "
            f"irqmatrix-{program}'s JSON. -->\n" + body)


FAMILIES = [
    ("alloc_free", [], "Single vector, all-CPU mask: alloc + free"),
    ("managed_alloc_free", [], "Managed vector, all-CPU mask: alloc_managed + free"),
    ("managed_cycle", [], "Managed life cycle on one CPU: reserve, alloc, free, remove"),
    ("alloc_block", ["order"], "Aligned block, all-CPU mask: alloc_block + free_block"),
    ("alloc_free_mask", ["mask"], "Single vector, other masks: alloc + free"),
    ("search", ["order"], "Aligned block search alone (ns per search)"),
]


def fmt_cell(ns):
    if ns is None:
        return "–"
    if ns >= 1000:
        return f"{ns:,.0f}"
    return f"{ns:.1f}" if ns >= 10 else f"{ns:.2f}"


def fmt_ratio(lib, base):
    if lib is None or base is None or lib <= 0:
        return "–"
    r = base / lib
    return f"**{r:,.0f}×**" if r >= 100 else f"**{r:.1f}×**" if r >= 10 else f"**{r:.2f}×**"


def markdown(points, refused):
    fills = sorted({dict(p).get("fill") for (_, p, _) in points if dict(p).get("fill")}, key=int)
    out = []
    for family, keys, title in FAMILIES:
        rows = {}
        for (fam, params, impl), ns in points.items():
            if fam != family:
                continue
            p = dict(params)
            row = tuple(p.get(k, "") for k in keys) + (int(p.get("cpus", 0)),)
            rows.setdefault(row, {})[(p.get("fill"), impl)] = ns
            if (fam, params) in refused:
                rows[row][(p.get("fill"), "refused")] = True
        if not rows:
            continue
        out.append(f"#### {title}\n")
        head = [k for k in keys] + (["CPUs"] if family != "search" else [])
        cols = []
        for f in fills:
            cols += [f"lib {f}%", f"baseline {f}%", f"ratio {f}%"]
        out.append("| " + " | ".join(head + cols) + " |")
        out.append("|" + "---|" * len(head) + "---:|" * len(cols))
        order = {"all": 0, "half": 1, "node": 2, "one": 3}
        for row in sorted(rows, key=lambda r: tuple(order.get(x, x) if isinstance(x, str) and not x.isdigit()
                                                    else int(x) for x in r)):
            cells = [str(x) for x in row[:len(keys)]]
            if family != "search":
                cells.append(str(row[-1]))
            for f in fills:
                lib = rows[row].get((f, "lib"))
                base = rows[row].get((f, "baseline"))
                mark = " †" if rows[row].get((f, "refused")) else ""
                cells += [fmt_cell(lib) + mark, fmt_cell(base) + mark, fmt_ratio(lib, base)]
            out.append("| " + " | ".join(cells) + " |")
        if any(k[1] == "refused" for r in rows.values() for k in r):
            out.append("\n† no CPU has a free aligned block of the order: the row times the "
                       "refusal (ENOSPC), not an allocation.")
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", help="Google Benchmark JSON from irqmatrix-scale ('-': stdin)")
    ap.add_argument("-o", "--output", default="-", help="SVG file to write ('-': stdout)")
    ap.add_argument("--fill", default="50", help="fill level to plot: 10, 50 or 90 (default 50)")
    ap.add_argument("--title", default="irqmatrix: time per operation against CPU count")
    ap.add_argument("--markdown", metavar="FILE", help="also write the results as Markdown tables")
    ap.add_argument("--note", default="", help="text for the footer (e.g. the library's commit)")
    ap.add_argument("--program", choices=sorted(PROGRAMS), default="scale",
                    help="whose JSON: irqmatrix-scale (default) or irqmatrix-plan")
    args = ap.parse_args()
    context, points, refused = load(args.json)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(points, refused))
    text = svg(context, points, args.fill, args.title, args.note, args.program)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
