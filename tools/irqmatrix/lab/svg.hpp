// SPDX-License-Identifier: MIT
// Dependency-free SVG plots for the lab's reports: a metric over time (line
// chart), the matrix itself (CPU x vector heatmap) and per-policy totals
// (grouped or stacked bars).
//
// Each render() returns a complete standalone SVG 1.1 document (XML prolog,
// xmlns, width/height and viewBox, a white background, sans-serif text), so
// the files open in a browser, convert with rsvg-convert and embed in
// Markdown as they are.
//
// The output is deterministic: the same input gives the same bytes on every
// host. Numbers go through std::to_chars, which ignores the C locale (printf
// would write "1,5" under a German LC_NUMERIC), coordinates are rounded to
// two decimals, and nothing depends on addresses or hash order. Plots can be
// committed and diffed.
//
// Nothing throws on odd data: an empty chart, zero rows, NaN or infinite
// values give a valid document with a "no data" note or gaps in the lines,
// and "nan"/"inf" never appear in the output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irqmatrix::lab::svg {

/// One line of a line_chart. Points pair x[i] with y[i]; if x is empty, y is
/// plotted against its index (0, 1, 2, ...); if both are given, the shorter
/// length wins. A NaN or infinite coordinate breaks the line (a gap); a point
/// with no neighbour is drawn as a dot.
struct series {
    std::string name;
    std::vector<double> x;
    std::vector<double> y;
};

/// Lines over a shared x axis, e.g. fragmentation over time, one per policy.
/// The y axis runs from min(0, data) to the data maximum, both rounded out to
/// a tick; y_min / y_max pin either end exactly (data beyond is clipped).
/// The x axis spans the data exactly. Ticks are 1, 2 or 5 x 10^n.
struct line_chart {
    std::string title;
    std::string x_label;
    std::string y_label;
    std::vector<series> lines;
    std::optional<double> y_min;
    std::optional<double> y_max;
    unsigned width = 800;   ///< pixels; at least 240
    unsigned height = 420;  ///< pixels; at least 160
};

/// Legend, axes with tick labels and grid lines, and one <path> per series
/// that has a drawable point, in the Okabe-Ito colour-blind-safe palette
/// (colours repeat with a dash pattern past eight series).
[[nodiscard]] std::string render(const line_chart& chart);

/// What one (CPU, vector) cell of the matrix holds. The order is the legend's.
enum class cell : std::uint8_t {
    offline,            ///< the CPU is offline
    outside_window,     ///< below or above the allocation window
    system,             ///< a system vector, on every CPU
    managed_reserved,   ///< reserved for a managed interrupt, not allocated
    managed_allocated,  ///< a managed interrupt's vector
    single,             ///< an allocated single vector
    block,              ///< part of an allocated multi-vector block
    free,               ///< allocatable
};
inline constexpr std::size_t cell_kinds = 8;

/// The legend's name for `c` ("managed allocated", ...); "?" outside the enum.
[[nodiscard]] std::string_view label(cell c) noexcept;

/// A snapshot of the matrix: rows are CPUs, columns are vectors.
struct heatmap {
    std::string title;
    unsigned rows = 0;
    unsigned cols = 0;
    std::vector<cell> cells;  ///< rows * cols, row-major (cells[row * cols + col])
    unsigned first_col = 0;   ///< the vector number of column 0, for the labels
    std::string row_label = "CPU";
    std::string col_label = "vector";
};

/// A grid of coloured cells with a legend that counts each category, and
/// row/column labels thinned out so they do not overlap. The size follows the
/// grid: 512 CPUs x 256 vectors fit in about 1170 x 890 px. Equal neighbours
/// are merged into one rect (runs along a row, then identical runs in the
/// rows below), which keeps a 512-CPU file small. A cell count that is not
/// rows * cols, or a value outside the enum, gives the "no data" document.
[[nodiscard]] std::string render(const heatmap& map);

/// Bars per group and category, e.g. failures per policy and cause.
/// Grouped (side by side) by default; stacked sums each group's categories in
/// one bar, positives up and negatives down from zero.
struct bar_group_chart {
    std::string title;
    std::string y_label;
    std::vector<std::string> groups;          ///< along the x axis, e.g. policies
    std::vector<std::string> categories;      ///< the legend, e.g. failure causes
    std::vector<std::vector<double>> values;  ///< [group][category]; missing or NaN: no bar
    bool stacked = false;
    unsigned width = 800;   ///< pixels; at least 240
    unsigned height = 420;  ///< pixels; at least 160
};

/// Bars with a legend, y axis and value labels (left out where they would
/// not fit); group names turn diagonal when they are wider than their slot.
[[nodiscard]] std::string render(const bar_group_chart& chart);

/// `text` made safe for XML character data and quoted attributes: & < > " '
/// become entities, and what XML 1.0 cannot hold at all (control characters
/// other than tab/newline/CR, malformed UTF-8) becomes U+FFFD.
[[nodiscard]] std::string escape(std::string_view text);

}  // namespace irqmatrix::lab::svg
