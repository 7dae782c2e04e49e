// SPDX-License-Identifier: MIT
// Layout is computed top-down: title, legend (full width, wrapped into rows so
// it never covers data), then the plot area takes what is left and the axes
// are fitted to it. Text cannot be measured without the font, so widths are
// estimated from the number of code points (see text_width); the estimate
// errs wide, which only costs a little space.
#include "lab/svg.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <system_error>
#include <tuple>
#include <utility>

#include "irqmatrix_common/format.hpp"

namespace irqmatrix::lab::svg {
namespace {

// Okabe & Ito, "Color Universal Design" (2008): colours that stay apart under
// the common colour-vision deficiencies. Yellow goes last: it is faint on white.
constexpr std::array<std::string_view, 8> palette = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                     "#E69F00", "#56B4E9", "#000000", "#F0E442"};
// Past eight lines the colours come round again, with a dash pattern.
constexpr std::array<std::string_view, 3> dash_patterns = {"", "8 4", "2 3"};

// The heatmap's colours, indexed by cell. Used vectors get the strong colours
// (managed in blues, single orange, blocks green); what cannot be allocated is
// grey, darker for a whole offline CPU; free cells are white, so occupancy
// stands out.
constexpr std::array<std::string_view, cell_kinds> cell_colours = {
    "#5A5A5A", "#D4D4D4", "#CC79A7", "#56B4E9", "#0072B2", "#E69F00", "#009E73", "#FFFFFF"};
constexpr std::array<std::string_view, cell_kinds> cell_names = {
    "offline",           "outside window", "system", "managed reserved",
    "managed allocated", "single",         "block",  "free"};

constexpr std::string_view font_family = "DejaVu Sans, Arial, Helvetica, sans-serif";
constexpr double base_font = 12;
constexpr double tick_font = 11;
constexpr double title_font = 16;
constexpr double value_font = 10;
constexpr double legend_row = 18;
constexpr std::string_view grid_colour = "#E3E3E3";
constexpr std::string_view axis_colour = "#444444";
constexpr std::string_view ink = "#222222";

// Values this large are treated as missing: any range over them would
// overflow, and nobody plots 1e300 interrupts.
constexpr double max_magnitude = 1e300;

bool usable(double v) noexcept { return std::isfinite(v) && std::fabs(v) <= max_magnitude; }

// DejaVu Sans (the usual sans-serif on Linux) averages about 0.6 em per
// character for digits and lower case; Arial is narrower.
double text_width(std::string_view s, double size) noexcept {
    std::size_t points = 0;
    for (const char ch : s)
        if ((static_cast<unsigned char>(ch) & 0xC0U) != 0x80U) ++points;
    return static_cast<double>(points) * size * 0.6;
}

// `s` cut at a code point boundary, with an ellipsis, to fit `max_px`.
std::string ellipsize(std::string_view s, double max_px, double size) {
    if (text_width(s, size) <= max_px) return std::string(s);
    const double keep = std::floor(max_px / (size * 0.6)) - 1;
    std::size_t i = 0;
    for (double n = 0; n < keep && i < s.size(); ++n) {
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0U) == 0x80U) ++i;
    }
    return std::string(s.substr(0, i)) + "\u2026";
}

// Fixed-point text (format.hpp); trailing zeros trimmed unless `keep`.
std::string fixed(double v, int decimals, bool keep = false) {
    if (!std::isfinite(v)) v = 0;  // callers filter first; this only keeps "nan" out
    std::string s = irqmatrix_common::fixed(v, decimals);
    if (s.size() > 64) s = irqmatrix_common::general(v);  // absurd magnitudes: not a wall of digits
    if (!keep && s.find('.') != std::string::npos && s.find('e') == std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    if (s.find_first_not_of("-0.") == std::string::npos) s = keep ? s.substr(s[0] == '-') : "0";
    return s;
}

// A pixel coordinate. Clamped so that a point far outside a pinned y range
// (clipped anyway) cannot turn into a hundred-digit number.
std::string px(double v) { return fixed(std::clamp(v, -1e6, 1e6), 2); }

// A data value for a label: read, not computed with, and 6172.5 would not
// fit its bar; format.hpp's reading() decimals, trailing zeros trimmed.
std::string value_text(double v) { return fixed(v, irqmatrix_common::reading_decimals(v)); }

// The smallest 1, 2 or 5 x 10^n that is at least `raw`.
double nice_step(double raw) {
    if (!(raw > 0) || !std::isfinite(raw)) return 1;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0})
        if (raw <= m * p * (1 + 1e-9)) return m * p;
    return 10 * p;
}

// An axis: [lo, hi] maps onto the pixels, ticks at the multiples of `step`.
struct scale {
    double lo = 0;
    double hi = 1;
    double step = 1;

    std::vector<double> ticks() const {
        std::vector<double> out;
        const double first = std::ceil(lo / step - 1e-7);
        const double last = std::floor(hi / step + 1e-7);
        // The count cap also ends the loop if k stops changing (huge lo/step).
        for (double k = first; k <= last && out.size() < 100; k += 1) {
            const double v = k * step;
            out.push_back(v == 0 ? 0.0 : v);  // no "-0"
        }
        return out;
    }
};

// A degenerate range (all values equal) opened up so the axis has a length.
// Upwards from lo unless the top is pinned; `both` widens symmetrically.
std::pair<double, double> widen(double lo, double hi, bool top_pinned, bool both) {
    const double mag = std::max(std::fabs(lo), std::fabs(hi));
    if (hi - lo > 1e-9 * mag) return {lo, hi};
    const double d = mag > 0 ? mag * (both ? 0.1 : 1.0) : 1.0;
    if (both) return {lo - d, hi + d};
    return top_pinned ? std::pair{hi - d, hi} : std::pair{lo, lo + d};
}

// Ticks share a format: one divisor/suffix (k, M, G) and one number of decimals.
struct tick_format {
    double divisor = 1;
    std::string_view suffix;
    int decimals = 0;

    explicit tick_format(const scale& s) {
        const double mag = std::max(std::fabs(s.lo), std::fabs(s.hi));
        if (mag >= 1e10 && s.step >= 1e9) {
            divisor = 1e9;
            suffix = "G";
        } else if (mag >= 1e7 && s.step >= 1e6) {
            divisor = 1e6;
            suffix = "M";
        } else if (mag >= 1e4 && s.step >= 1e3) {
            divisor = 1e3;
            suffix = "k";
        }
        const double st = s.step / divisor;
        decimals = st >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(st) - 1e-9));
    }
    std::string operator()(double v) const {
        if (v == 0 && !suffix.empty()) return "0";  // not "0k"
        const double d = v / divisor;
        // Past these, fixed notation is a wall of digits: 1.5e-09, 2e+20.
        if (decimals > 6 || std::fabs(d) >= 1e15) return irqmatrix_common::general(d);
        return fixed(d, decimals, true) + std::string(suffix);
    }
};

double widest_tick(const scale& s) {
    const tick_format f(s);
    double w = 0;
    for (const double t : s.ticks()) w = std::max(w, text_width(f(t), tick_font));
    return w;
}

// A value axis over `pixels`: from min(0, data) unless pinned, both ends
// rounded out to a tick unless pinned, about one tick per 45 px.
scale value_scale(double dlo, double dhi, std::optional<double> pin_lo,
                  std::optional<double> pin_hi, double pixels) {
    if (pin_lo && !usable(*pin_lo)) pin_lo.reset();
    if (pin_hi && !usable(*pin_hi)) pin_hi.reset();
    double lo = pin_lo.value_or(std::min(0.0, dlo));
    double hi = pin_hi.value_or(std::max(0.0, dhi));
    if (pin_lo && !pin_hi) hi = std::max(hi, lo);
    if (pin_hi && !pin_lo) lo = std::min(lo, hi);
    if (hi < lo) std::swap(lo, hi);
    std::tie(lo, hi) = widen(lo, hi, pin_hi && !pin_lo, false);
    const auto rounded = [&](double step) {
        scale s{lo, hi, step};
        if (!pin_lo) s.lo = std::floor(lo / step + 1e-9) * step;
        if (!pin_hi) s.hi = std::ceil(hi / step - 1e-9) * step;
        return s;
    };
    // About one tick per 45 px; but rounding out to a coarse step can waste a
    // third of the plot (-330..10300 becomes -5k..15k), so the next finer
    // step wins if it is tighter and its ticks stay at least 32 px apart.
    const double target = std::clamp(std::floor(pixels / 45), 2.0, 10.0);
    const scale coarse = rounded(nice_step((hi - lo) / target));
    const double m = coarse.step / std::pow(10.0, std::floor(std::log10(coarse.step) + 1e-9));
    const scale fine = rounded(coarse.step / (m > 4 ? 2.5 : 2));
    const double fine_ticks = (fine.hi - fine.lo) / fine.step;
    if (fine.hi - fine.lo < (coarse.hi - coarse.lo) * (1 - 1e-9) &&
        fine_ticks <= std::floor(pixels / 32))
        return fine;
    return coarse;
}

// The x axis of a line chart: the data range exactly, with as many ticks as
// fit without their labels touching.
scale position_scale(double dlo, double dhi, double pixels) {
    const auto [lo, hi] = widen(dlo, dhi, false, true);
    for (double target = std::clamp(std::floor(pixels / 90), 2.0, 12.0);; target -= 1) {
        const scale s{lo, hi, nice_step((hi - lo) / target)};
        const double spacing = s.step / (hi - lo) * pixels;
        if (target <= 1 || widest_tick(s) + 12 <= spacing) return s;
    }
}

// Document assembly. Attribute values that come from the caller are escaped;
// everything else is generated here and needs no escaping.
class doc {
public:
    doc(double w, double h, std::string_view title) {
        out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        out_ += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + px(w) +
                "\" height=\"" + px(h) + "\" viewBox=\"0 0 " + px(w) + ' ' + px(h) +
                "\" font-family=\"" + std::string(font_family) + "\" font-size=\"" + px(base_font) +
                "\" fill=\"" + std::string(ink) + "\">\n";
        if (!title.empty()) out_ += "<title>" + escape(title) + "</title>\n";
        out_ += "<rect x=\"0\" y=\"0\" width=\"" + px(w) + "\" height=\"" + px(h) +
                "\" fill=\"#FFFFFF\"/>\n";
        if (!title.empty()) {
            const double size = text_width(title, title_font) <= w - 20 ? title_font : base_font;
            text(w / 2, 24, ellipsize(title, w - 20, size),
                 "class=\"title\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"" +
                     px(size) + '"');
        }
    }

    // Where content may start below the title.
    static double top(std::string_view title) noexcept { return title.empty() ? 14 : 40; }

    void raw(std::string_view s) { out_ += s; }

    void text(double x, double y, std::string_view s, std::string_view attrs = {}) {
        out_ += "<text x=\"" + px(x) + "\" y=\"" + px(y) + '"';
        if (!attrs.empty()) {
            out_ += ' ';
            out_ += attrs;
        }
        out_ += '>';
        out_ += escape(s);
        out_ += "</text>\n";
    }

    // Text rotated a quarter turn anticlockwise, centred on (x, y): y labels.
    void vertical_text(double x, double y, std::string_view s, double max_len) {
        out_ += "<text class=\"axis-label\" x=\"" + px(x) + "\" y=\"" + px(y) +
                "\" text-anchor=\"middle\" transform=\"rotate(-90 " + px(x) + ' ' + px(y) + ")\">" +
                escape(ellipsize(s, max_len, base_font)) + "</text>\n";
    }

    void line(double x1, double y1, double x2, double y2, std::string_view stroke) {
        out_ += "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" +
                px(y2) + "\" stroke=\"" + std::string(stroke) + "\"/>\n";
    }

    void rect(double x, double y, double w, double h, std::string_view attrs) {
        out_ += "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(w) + "\" height=\"" +
                px(h) + "\" " + std::string(attrs) + "/>\n";
    }

    // The "no data" note, centred in the given box.
    void note(double x, double y, double w, double h, std::string_view s) {
        text(x + w / 2, y + h / 2, ellipsize(s, w - 10, base_font),
             "class=\"note\" text-anchor=\"middle\" fill=\"#777777\"");
    }

    std::string finish() {
        out_ += "</svg>\n";
        return std::move(out_);
    }

private:
    std::string out_;
};

struct legend_entry {
    std::string text;
    std::string_view colour;
    std::string_view dash;  // line swatches only
    bool line = false;      // a line swatch (line charts) or a box (bars, cells)
};

struct legend_slot {
    double x, mid;  // swatch's left edge and the row's centre line
    std::string text;
};

// Entries left to right from x0, wrapping before x1; `height` is what the rows use.
struct legend_layout {
    std::vector<legend_slot> slots;
    double height = 0;

    legend_layout(const std::vector<legend_entry>& entries, double x0, double x1, double top) {
        if (entries.empty()) return;
        double x = x0;
        double mid = top + legend_row / 2;
        for (const legend_entry& e : entries) {
            const double swatch = e.line ? 24 : 12;
            std::string t = ellipsize(e.text, x1 - x0 - swatch - 6, base_font);
            const double w = swatch + 6 + text_width(t, base_font);
            if (x > x0 && x + w > x1) {
                x = x0;
                mid += legend_row;
            }
            slots.push_back({x, mid, std::move(t)});
            x += w + 18;
        }
        height = mid + legend_row / 2 - top;
    }
};

// Draws the legend and returns its height.
double put_legend(doc& d, const std::vector<legend_entry>& entries, double x0, double x1,
                  double top) {
    const legend_layout lay(entries, x0, x1, top);
    if (entries.empty()) return 0;
    d.raw("<g class=\"legend\">\n");
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const legend_entry& e = entries[i];
        const legend_slot& s = lay.slots[i];
        const double swatch = e.line ? 24 : 12;
        if (e.line) {
            std::string attrs = "stroke=\"" + std::string(e.colour) + "\" stroke-width=\"2.5\"";
            if (!e.dash.empty()) attrs += " stroke-dasharray=\"" + std::string(e.dash) + '"';
            d.raw("<line x1=\"" + px(s.x) + "\" y1=\"" + px(s.mid) + "\" x2=\"" + px(s.x + swatch) +
                  "\" y2=\"" + px(s.mid) + "\" " + attrs + "/>\n");
        } else {
            // The outline keeps white (free) visible against the background.
            d.rect(
                s.x, s.mid - 6, 12, 12,
                "fill=\"" + std::string(e.colour) + "\" stroke=\"#888888\" stroke-width=\"0.5\"");
        }
        d.text(s.x + swatch + 6, s.mid + 4.2, s.text);
    }
    d.raw("</g>\n");
    return lay.height;
}

std::string no_data(std::string_view title, double w, double h, std::string_view why) {
    doc d(w, h, title);
    const double top = doc::top(title);
    d.rect(10, top, w - 20, h - top - 10, "fill=\"none\" stroke=\"#CCCCCC\"");
    d.note(10, top, w - 20, h - top - 10, why);
    return d.finish();
}

// The y axis of a chart: grid lines across [x0, x1], tick labels to the left.
void put_value_axis(doc& d, const scale& s, double x0, double x1, double y0, double y1) {
    const tick_format f(s);
    const auto map = [&](double v) { return y1 - (v - s.lo) / (s.hi - s.lo) * (y1 - y0); };
    d.raw("<g class=\"y-ticks\" font-size=\"" + px(tick_font) + "\" text-anchor=\"end\">\n");
    for (const double t : s.ticks()) {
        const double y = map(t);
        d.line(x0, y, x1, y, grid_colour);
        d.text(x0 - 6, y + 0.35 * tick_font, f(t));
    }
    d.raw("</g>\n");
}

// Perceived brightness of "#RRGGBB" (0..255), to pick white or black for
// labels drawn on a bar.
double luminance(std::string_view hex) {
    const auto channel = [&](std::size_t i) {
        unsigned v = 0;
        std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
        return static_cast<double>(v);
    };
    return 0.299 * channel(1) + 0.587 * channel(3) + 0.114 * channel(5);
}

}  // namespace

std::string_view label(cell c) noexcept {
    const auto i = static_cast<std::size_t>(c);
    return i < cell_kinds ? cell_names[i] : "?";
}

std::string escape(std::string_view text) {
    static constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            case '\t':
            case '\n':
            case '\r': out += static_cast<char>(c); break;
            default:
                // XML 1.0 has no way to write other C0 controls, not even as &#...;
                if (c < 0x20)
                    out += replacement;
                else
                    out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        // A multi-byte sequence is copied only if it is well-formed UTF-8 and
        // an XML character: no overlong forms, surrogates, U+FFFE/U+FFFF, or
        // code points past U+10FFFF. Anything else would make the file unreadable.
        const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        bool ok = len != 0 && c <= 0xF4 && i + len <= text.size();
        for (std::size_t k = 1; ok && k < len; ++k)
            ok = (static_cast<unsigned char>(text[i + k]) & 0xC0U) == 0x80U;
        if (ok && len >= 3) {
            const auto c1 = static_cast<unsigned char>(text[i + 1]);
            if (c == 0xE0)
                ok = c1 >= 0xA0;
            else if (c == 0xED)
                ok = c1 < 0xA0;
            else if (c == 0xF0)
                ok = c1 >= 0x90;
            else if (c == 0xF4)
                ok = c1 < 0x90;
            if (ok && c == 0xEF && c1 == 0xBF) ok = static_cast<unsigned char>(text[i + 2]) < 0xBE;
        }
        if (ok) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out += replacement;
            ++i;
        }
    }
    return out;
}

std::string render(const line_chart& chart) {
    const double w = std::max(chart.width, 240U);
    const double h = std::max(chart.height, 160U);

    // Runs of consecutive usable points per series; a NaN or infinity ends a run.
    struct point {
        double x, y;
    };
    std::vector<std::vector<std::vector<point>>> runs(chart.lines.size());
    double xlo = std::numeric_limits<double>::infinity();
    double xhi = -xlo;
    double ylo = xlo;
    double yhi = -xlo;
    for (std::size_t s = 0; s < chart.lines.size(); ++s) {
        const series& ser = chart.lines[s];
        const std::size_t n = ser.x.empty() ? ser.y.size() : std::min(ser.x.size(), ser.y.size());
        bool in_run = false;
        for (std::size_t i = 0; i < n; ++i) {
            const double x = ser.x.empty() ? static_cast<double>(i) : ser.x[i];
            const double y = ser.y[i];
            if (!usable(x) || !usable(y)) {
                in_run = false;
                continue;
            }
            if (!in_run) runs[s].emplace_back();
            in_run = true;
            runs[s].back().push_back({x, y});
            xlo = std::min(xlo, x);
            xhi = std::max(xhi, x);
            ylo = std::min(ylo, y);
            yhi = std::max(yhi, y);
        }
    }
    if (!(xlo <= xhi)) return no_data(chart.title, w, h, "no data");

    doc d(w, h, chart.title);
    std::vector<legend_entry> entries;
    for (std::size_t s = 0; s < chart.lines.size(); ++s) {
        std::string name =
            chart.lines[s].name.empty() ? "series " + std::to_string(s + 1) : chart.lines[s].name;
        if (runs[s].empty()) name += " (no data)";
        entries.push_back({std::move(name), palette[s % palette.size()],
                           dash_patterns[s / palette.size() % dash_patterns.size()], true});
    }
    const double legend_top = doc::top(chart.title);
    const double legend_h = put_legend(d, entries, 16, w - 16, legend_top);

    const double y0 = legend_top + legend_h + 12;
    const double y1 = h - (chart.x_label.empty() ? 30 : 48);
    const double plot_h = std::max(y1 - y0, 20.0);
    const scale ys = value_scale(ylo, yhi, chart.y_min, chart.y_max, plot_h);
    const double x0 = 10 + (chart.y_label.empty() ? 0 : 22) + widest_tick(ys) + 8;
    const double x1 = w - 24;  // room for half of the last x tick label
    const scale xs = position_scale(xlo, xhi, x1 - x0);
    const auto map_x = [&](double v) { return x0 + (v - xs.lo) / (xs.hi - xs.lo) * (x1 - x0); };
    const auto map_y = [&](double v) { return y1 - (v - ys.lo) / (ys.hi - ys.lo) * (y1 - y0); };

    put_value_axis(d, ys, x0, x1, y0, y1);
    const tick_format xf(xs);
    d.raw("<g class=\"x-ticks\" font-size=\"" + px(tick_font) + "\" text-anchor=\"middle\">\n");
    for (const double t : xs.ticks()) {
        const double x = map_x(t);
        d.line(x, y0, x, y1, grid_colour);
        d.text(x, y1 + 16, xf(t));
    }
    d.raw("</g>\n");
    d.rect(x0, y0, x1 - x0, y1 - y0, "fill=\"none\" stroke=\"" + std::string(axis_colour) + '"');
    if (!chart.x_label.empty())
        d.text((x0 + x1) / 2, h - 12, ellipsize(chart.x_label, w - 20, base_font),
               "class=\"axis-label\" text-anchor=\"middle\"");
    if (!chart.y_label.empty()) d.vertical_text(16, (y0 + y1) / 2, chart.y_label, y1 - y0);

    // Lines are clipped to the plot area: a pinned y range may cut the data.
    // The id is named after the clip rect, so charts inlined into one HTML
    // page cannot pick up each other's clip (equal ids mean equal rects).
    const std::string clip_rect = "x=\"" + px(x0) + "\" y=\"" + px(y0) + "\" width=\"" +
                                  px(x1 - x0) + "\" height=\"" + px(y1 - y0) + '"';
    std::uint32_t hash = 2166136261U;  // FNV-1a
    for (const char ch : clip_rect) hash = (hash ^ static_cast<unsigned char>(ch)) * 16777619U;
    char clip_id[24];
    const auto id_end = std::to_chars(clip_id, clip_id + sizeof clip_id, hash, 16).ptr;
    const std::string id = "plot-" + std::string(clip_id, id_end);
    d.raw("<defs><clipPath id=\"" + id + "\"><rect " + clip_rect + "/></clipPath></defs>\n");
    d.raw("<g class=\"lines\" clip-path=\"url(#" + id +
          ")\" fill=\"none\" stroke-width=\"2\" "
          "stroke-linejoin=\"round\" stroke-linecap=\"round\">\n");
    for (std::size_t s = 0; s < runs.size(); ++s) {
        if (runs[s].empty()) continue;
        const std::string_view colour = entries[s].colour;
        std::string path;
        std::string dots;
        for (const auto& run : runs[s]) {
            // Points that land on the same rounded pixel add bytes, not detail.
            std::string last;
            std::size_t drawn = 0;
            for (const point& p : run) {
                std::string xy = px(map_x(p.x)) + ' ' + px(map_y(p.y));
                if (xy == last) continue;
                path += (drawn == 0 ? 'M' : 'L') + xy;
                last = std::move(xy);
                ++drawn;
            }
            if (drawn == 1) {
                // A lone point: a zero-length segment (a round cap) plus a dot.
                path += "h0";
                dots += "<circle cx=\"" + px(map_x(run.front().x)) + "\" cy=\"" +
                        px(map_y(run.front().y)) + "\" r=\"3\" fill=\"" + std::string(colour) +
                        "\" stroke=\"none\"/>\n";
            }
        }
        std::string attrs = "class=\"series\" stroke=\"" + std::string(colour) + '"';
        if (!entries[s].dash.empty())
            attrs += " stroke-dasharray=\"" + std::string(entries[s].dash) + '"';
        d.raw("<path " + attrs + " d=\"" + path + "\"><title>" + escape(entries[s].text) +
              "</title></path>\n" + dots);
    }
    d.raw("</g>\n");
    return d.finish();
}

std::string render(const heatmap& map) {
    const std::size_t rows = map.rows;
    const std::size_t cols = map.cols;
    if (rows == 0 || cols == 0) return no_data(map.title, 640, 200, "no data");
    if (map.cells.size() != rows * cols)
        return no_data(map.title, 640, 200,
                       "no data: " + std::to_string(map.cells.size()) + " cells for " +
                           std::to_string(rows) + " x " + std::to_string(cols));
    std::array<std::size_t, cell_kinds> counts{};
    for (const cell c : map.cells) {
        const auto k = static_cast<std::size_t>(c);
        if (k >= cell_kinds) return no_data(map.title, 640, 200, "no data: invalid cell value");
        ++counts[k];
    }

    // Cells are at most 24 px, and the grid at most 1100 x 760 px, which puts
    // 512 x 256 at about 4.3 x 1.5 px per cell inside 1200 x 900.
    const double cw = std::min(1100.0 / static_cast<double>(cols), 24.0);
    const double ch = std::min(760.0 / static_cast<double>(rows), 24.0);
    const double grid_w = cw * static_cast<double>(cols);
    const double grid_h = ch * static_cast<double>(rows);

    // Label every N rows/columns, N a 1/2/5 step, so that neighbouring labels
    // are a line and a half apart (rows; closer reads as a solid column of
    // digits) or a label width apart (columns).
    const auto every = [](double min_px, double cell_px) {
        return static_cast<std::size_t>(std::max(1.0, nice_step(min_px / cell_px)));
    };
    const std::size_t row_step = every(tick_font * 1.6, ch);
    const std::size_t last_col = map.first_col + cols - 1;
    const std::size_t col_step = every(text_width(std::to_string(last_col), tick_font) + 8, cw);

    const double row_label_w = text_width(std::to_string(rows - 1), tick_font);
    const double margin = 10 + (map.row_label.empty() ? 0 : 22) + row_label_w + 10;
    const double w = std::max(margin + grid_w + 16, 560.0);
    // A small grid (few vectors) is centred under the legend and title.
    const double x0 = std::max(margin, (w - grid_w) / 2);

    // The legend's height decides where the grid starts, and so the height.
    std::vector<legend_entry> entries;
    for (std::size_t k = 0; k < cell_kinds; ++k)
        entries.push_back({std::string(cell_names[k]) + " (" + std::to_string(counts[k]) + ")",
                           cell_colours[k],
                           {},
                           false});
    const double legend_h = legend_layout(entries, 16, w - 16, 0).height;
    const double y0 = doc::top(map.title) + legend_h + 12;
    const double h = y0 + grid_h + (map.col_label.empty() ? 30 : 48);

    doc d(w, h, map.title);
    put_legend(d, entries, 16, w - 16, doc::top(map.title));

    // Equal neighbours along a row become one rect; a rect whose run repeats
    // exactly in the next row grows down instead of starting a new one. With
    // 512 CPUs that are mostly alike, this is what keeps the file small.
    struct area {
        std::size_t row, col, nrows, ncols, kind;
    };
    std::array<std::vector<area>, cell_kinds> done;
    std::vector<area> open;
    std::vector<area> next;
    for (std::size_t r = 0; r < rows; ++r) {
        next.clear();
        std::size_t oi = 0;
        const cell* row = map.cells.data() + r * cols;
        for (std::size_t c = 0; c < cols;) {
            std::size_t e = c + 1;
            while (e < cols && row[e] == row[c]) ++e;
            const auto k = static_cast<std::size_t>(row[c]);
            while (oi < open.size() && open[oi].col < c) {
                done[open[oi].kind].push_back(open[oi]);
                ++oi;
            }
            if (oi < open.size() && open[oi].col == c && open[oi].ncols == e - c &&
                open[oi].kind == k) {
                ++open[oi].nrows;
                next.push_back(open[oi++]);
            } else {
                next.push_back({r, c, 1, e - c, k});
            }
            c = e;
        }
        for (; oi < open.size(); ++oi) done[open[oi].kind].push_back(open[oi]);
        std::swap(open, next);
    }
    for (const area& a : open) done[a.kind].push_back(a);

    // Rects are in cell units under one scale transform: integers are
    // shorter than pixel coordinates, and 512 CPUs make tens of thousands of
    // rects. One group per category carries the fill; crispEdges stops
    // anti-aliased seams between neighbouring rects at fractional cell sizes.
    d.raw("<g class=\"cells\" shape-rendering=\"crispEdges\" transform=\"translate(" + px(x0) +
          ' ' + px(y0) + ") scale(" + fixed(cw, 4) + ' ' + fixed(ch, 4) + ")\">\n");
    for (std::size_t k = 0; k < cell_kinds; ++k) {
        if (done[k].empty()) continue;
        std::sort(done[k].begin(), done[k].end(), [](const area& a, const area& b) {
            return std::pair{a.row, a.col} < std::pair{b.row, b.col};
        });
        d.raw("<g class=\"cell-" + std::to_string(k) + "\" fill=\"" + std::string(cell_colours[k]) +
              "\">\n");
        for (const area& a : done[k])
            d.raw("<rect x=\"" + std::to_string(a.col) + "\" y=\"" + std::to_string(a.row) +
                  "\" width=\"" + std::to_string(a.ncols) + "\" height=\"" +
                  std::to_string(a.nrows) + "\"/>\n");
        d.raw("</g>\n");
    }
    d.raw("</g>\n");
    d.rect(x0, y0, grid_w, grid_h, "fill=\"none\" stroke=\"" + std::string(axis_colour) + '"');

    const double y1 = y0 + grid_h;
    d.raw("<g class=\"row-ticks\" font-size=\"" + px(tick_font) + "\" text-anchor=\"end\">\n");
    for (std::size_t r = 0; r < rows; r += row_step) {
        const double y = y0 + ch * (static_cast<double>(r) + 0.5);
        d.line(x0 - 4, y, x0, y, axis_colour);
        d.text(x0 - 6, y + 0.35 * tick_font, std::to_string(r));
    }
    d.raw("</g>\n");
    d.raw("<g class=\"col-ticks\" font-size=\"" + px(tick_font) + "\" text-anchor=\"middle\">\n");
    for (std::size_t c = (col_step - map.first_col % col_step) % col_step; c < cols;
         c += col_step) {
        const double x = x0 + cw * (static_cast<double>(c) + 0.5);
        d.line(x, y1, x, y1 + 4, axis_colour);
        d.text(x, y1 + 16, std::to_string(map.first_col + c));
    }
    d.raw("</g>\n");
    if (!map.col_label.empty())
        d.text(x0 + grid_w / 2, h - 12, ellipsize(map.col_label, w - 20, base_font),
               "class=\"axis-label\" text-anchor=\"middle\"");
    if (!map.row_label.empty())
        d.vertical_text(x0 - margin + 16, y0 + grid_h / 2, map.row_label, std::max(grid_h, 40.0));
    return d.finish();
}

std::string render(const bar_group_chart& chart) {
    const double w = std::max(chart.width, 240U);
    const double h = std::max(chart.height, 160U);
    const std::size_t ng = chart.groups.size();
    const std::size_t nc = chart.categories.size();
    const auto value = [&](std::size_t g, std::size_t k) {
        if (g < chart.values.size() && k < chart.values[g].size() && usable(chart.values[g][k]))
            return chart.values[g][k];
        return std::numeric_limits<double>::quiet_NaN();
    };

    double lo = 0;
    double hi = 0;
    bool any = false;
    for (std::size_t g = 0; g < ng; ++g) {
        double up = 0;
        double down = 0;
        for (std::size_t k = 0; k < nc; ++k) {
            const double v = value(g, k);
            if (std::isnan(v)) continue;
            any = true;
            if (chart.stacked) (v >= 0 ? up : down) += v;
            lo = std::min(lo, chart.stacked ? down : v);
            hi = std::max(hi, chart.stacked ? up : v);
        }
    }
    if (!any) return no_data(chart.title, w, h, "no data");

    doc d(w, h, chart.title);
    std::vector<legend_entry> entries;
    for (std::size_t k = 0; k < nc; ++k)
        entries.push_back({chart.categories[k], palette[k % palette.size()], {}, false});
    const double legend_top = doc::top(chart.title);
    const double legend_h = put_legend(d, entries, 16, w - 16, legend_top);
    const double y0 = legend_top + legend_h + 20;  // headroom for the tallest bar's label

    // Group names: horizontal if each fits its slot, else at 35 degrees with
    // the bottom margin grown to hold them (up to a third of the height).
    // The slot width needs x0, which needs the y axis, which needs the bottom
    // margin: the y axis's label width is estimated from a first fit.
    const scale first = value_scale(lo, hi, {}, {}, h / 2);
    const double x0 = 10 + (chart.y_label.empty() ? 0 : 22) + widest_tick(first) + 8;
    const double x1 = w - 16;
    const double slot = (x1 - x0) / static_cast<double>(ng);
    double name_w = 0;
    for (const std::string& g : chart.groups) name_w = std::max(name_w, text_width(g, base_font));
    const bool slanted = name_w > slot - 8;
    constexpr double sin35 = 0.573576, cos35 = 0.819152;
    const double bottom = slanted ? std::min(name_w * sin35 + base_font * cos35 + 14, h / 3) : 30;
    const double name_max = slanted ? (bottom - 14 - base_font * cos35) / sin35 : slot - 4;
    const double y1 = h - bottom;

    const scale ys = value_scale(lo, hi, {}, {}, std::max(y1 - y0, 20.0));
    const auto map_y = [&](double v) { return y1 - (v - ys.lo) / (ys.hi - ys.lo) * (y1 - y0); };
    put_value_axis(d, ys, x0, x1, y0, y1);
    if (!chart.y_label.empty()) d.vertical_text(16, (y0 + y1) / 2, chart.y_label, y1 - y0);

    // Bars are at most 64 px wide and centred in their slot, so two groups do
    // not turn into two walls.
    const double cluster = slot * 0.8;
    const double bar_w = chart.stacked ? std::min(cluster * 0.6, 64.0)
                                       : std::min(cluster / static_cast<double>(nc), 64.0);
    const double zero = map_y(0);
    std::string labels;
    const auto label_at = [&](double x, double y, double v, std::string_view fill) {
        labels += "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\"";
        if (!fill.empty()) labels += " fill=\"" + std::string(fill) + '"';
        labels += '>' + value_text(v) + "</text>\n";
    };
    d.raw("<g class=\"bars\">\n");
    for (std::size_t g = 0; g < ng; ++g) {
        const double cx = x0 + slot * (static_cast<double>(g) + 0.5);
        const double left =
            chart.stacked ? cx - bar_w / 2 : cx - bar_w * static_cast<double>(nc) / 2;
        double up = 0;
        double down = 0;
        bool any_in_group = false;
        for (std::size_t k = 0; k < nc; ++k) {
            const double v = value(g, k);
            if (std::isnan(v)) continue;
            any_in_group = true;
            const double bx = chart.stacked ? left : left + bar_w * static_cast<double>(k);
            const double from = chart.stacked ? (v >= 0 ? up : down) : 0;
            const double to = from + v;
            if (chart.stacked) (v >= 0 ? up : down) = to;
            const double top = std::min(map_y(from), map_y(to));
            const double len = std::fabs(map_y(from) - map_y(to));
            const double inner_w =
                chart.stacked ? bar_w : bar_w * 0.9;  // a hair between neighbours
            const std::string_view colour = palette[k % palette.size()];
            d.raw("<rect x=\"" + px(bx) + "\" y=\"" + px(top) + "\" width=\"" + px(inner_w) +
                  "\" height=\"" + px(len) + "\" fill=\"" + std::string(colour) + "\"><title>" +
                  escape(chart.groups[g]) + " / " + escape(chart.categories[k]) + ": " +
                  fixed(v, 4) + "</title></rect>\n");
            const double tw = text_width(value_text(v), value_font);
            if (!chart.stacked) {
                if (tw <= bar_w + 4)
                    label_at(bx + inner_w / 2, v >= 0 ? top - 3 : top + len + value_font, v, {});
            } else if (len >= value_font + 3 && tw <= bar_w - 4 && v != 0) {
                label_at(bx + bar_w / 2, top + len / 2 + 0.35 * value_font, v,
                         luminance(colour) < 140 ? "#FFFFFF" : "#000000");
            }
        }
        if (chart.stacked && any_in_group && nc > 1) {
            if (text_width(value_text(up + down), value_font) <= slot)
                label_at(cx, up > 0 || down == 0 ? map_y(up) - 3 : map_y(down) + value_font,
                         up + down, {});
        }
    }
    d.raw("</g>\n");
    d.raw("<g class=\"values\" font-size=\"" + px(value_font) + "\" text-anchor=\"middle\">\n" +
          labels + "</g>\n");
    if (ys.lo < 0) d.line(x0, zero, x1, zero, axis_colour);
    d.rect(x0, y0, x1 - x0, y1 - y0, "fill=\"none\" stroke=\"" + std::string(axis_colour) + '"');

    d.raw("<g class=\"groups\"" +
          std::string(slanted ? " text-anchor=\"end\"" : " text-anchor=\"middle\"") + ">\n");
    for (std::size_t g = 0; g < ng; ++g) {
        const double cx = x0 + slot * (static_cast<double>(g) + 0.5);
        const std::string name = ellipsize(chart.groups[g], name_max, base_font);
        if (slanted)
            d.text(cx, y1 + 14, name,
                   "transform=\"rotate(-35 " + px(cx) + ' ' + px(y1 + 14) + ")\"");
        else
            d.text(cx, y1 + 18, name);
    }
    d.raw("</g>\n");
    return d.finish();
}

}  // namespace irqmatrix::lab::svg
