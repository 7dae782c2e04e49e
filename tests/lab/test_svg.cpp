// SPDX-License-Identifier: MIT
// The SVG plots are checked by parsing them back: a small XML reader below
// (tags balance, attributes quoted and unique, entities known, one <svg>
// root) builds a tree, and the tests ask it what was drawn.
#include "support/catch.hpp"

#include "lab/svg.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace svg = irqmatrix::lab::svg;

namespace {

struct node {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attrs;
    std::vector<node> children;
    std::string text;  // character data directly inside, entities decoded

    std::string attr(std::string_view key) const {
        for (const auto& [k, v] : attrs)
            if (k == key) return v;
        return {};
    }
};

// Just enough XML 1.0 to reject what a browser or rsvg-convert would reject
// in the documents we generate (no DTDs, CDATA or processing instructions
// beyond the prolog).
class xml_reader {
public:
    explicit xml_reader(std::string_view s) : s_(s) {}

    // The root element, or an empty name with error() saying why.
    node parse() {
        node root;
        if (starts("<?xml")) {
            const auto end = s_.find("?>", i_);
            if (end == std::string_view::npos) return fail("unterminated prolog"), node{};
            i_ = end + 2;
        }
        misc();
        if (!element(root)) return node{};
        misc();
        if (i_ != s_.size()) return fail("content after the root element"), node{};
        return root;
    }
    const std::string& error() const { return err_; }

private:
    bool starts(std::string_view p) const { return s_.substr(i_, p.size()) == p; }
    bool fail(const std::string& msg) {
        if (err_.empty()) err_ = msg + " at offset " + std::to_string(i_);
        return false;
    }
    void space() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
            ++i_;
    }
    // Whitespace and comments, as allowed around the root.
    void misc() {
        for (;;) {
            space();
            if (!starts("<!--")) return;
            const auto end = s_.find("-->", i_);
            i_ = end == std::string_view::npos ? s_.size() : end + 3;
        }
    }
    bool name(std::string& out) {
        const auto first = i_;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
                                  s_[i_] == '-' || s_[i_] == '_' || s_[i_] == ':' || s_[i_] == '.'))
            ++i_;
        if (i_ == first || std::isdigit(static_cast<unsigned char>(s_[first])) || s_[first] == '-')
            return fail("bad name");
        out = std::string(s_.substr(first, i_ - first));
        return true;
    }
    // Character data up to `stop`, entity references decoded.
    bool chars(char stop, std::string& out) {
        while (i_ < s_.size() && s_[i_] != stop) {
            const char c = s_[i_];
            if (c == '<') return fail("raw '<' in character data");
            if (c != '&') {
                out += c;
                ++i_;
                continue;
            }
            const auto semi = s_.find(';', i_);
            if (semi == std::string_view::npos) return fail("unterminated entity");
            const std::string_view ent = s_.substr(i_ + 1, semi - i_ - 1);
            if (ent == "amp")
                out += '&';
            else if (ent == "lt")
                out += '<';
            else if (ent == "gt")
                out += '>';
            else if (ent == "quot")
                out += '"';
            else if (ent == "apos")
                out += '\'';
            else if (ent.size() > 1 && ent[0] == '#') {
                const bool hex = ent[1] == 'x';
                unsigned cp = 0;
                const auto digits = ent.substr(hex ? 2 : 1);
                const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), cp,
                                               hex ? 16 : 10);
                if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || cp == 0)
                    return fail("bad character reference");
                out += cp < 0x80 ? static_cast<char>(cp) : '?';
            } else {
                return fail("unknown entity &" + std::string(ent) + ";");
            }
            i_ = semi + 1;
        }
        return true;
    }
    bool element(node& out) {
        if (!starts("<")) return fail("expected an element");
        ++i_;
        if (!name(out.name)) return false;
        for (;;) {
            const auto before = i_;
            space();
            if (starts("/>")) {
                i_ += 2;
                return true;
            }
            if (starts(">")) {
                ++i_;
                break;
            }
            if (i_ == before) return fail("attributes must be separated by space");
            std::string key;
            if (!name(key)) return false;
            space();
            if (!starts("=")) return fail("attribute without '='");
            ++i_;
            space();
            if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\''))
                return fail("unquoted attribute");
            const char quote = s_[i_++];
            std::string value;
            if (!chars(quote, value)) return false;
            if (i_ >= s_.size()) return fail("unterminated attribute");
            ++i_;
            if (std::any_of(out.attrs.begin(), out.attrs.end(),
                            [&](const auto& a) { return a.first == key; }))
                return fail("duplicate attribute " + key);
            out.attrs.emplace_back(std::move(key), std::move(value));
        }
        for (;;) {
            if (i_ >= s_.size()) return fail("unclosed <" + out.name + ">");
            if (starts("</")) {
                i_ += 2;
                std::string end;
                if (!name(end)) return false;
                if (end != out.name) return fail("</" + end + "> closes <" + out.name + ">");
                space();
                if (!starts(">")) return fail("bad end tag");
                ++i_;
                return true;
            }
            if (starts("<!--")) {
                const auto end = s_.find("-->", i_);
                if (end == std::string_view::npos) return fail("unterminated comment");
                i_ = end + 3;
            } else if (starts("<")) {
                out.children.emplace_back();
                if (!element(out.children.back())) return false;
            } else if (!chars('<', out.text)) {
                return false;
            }
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
    std::string err_;
};

// Parses `doc` and checks what every generated document must be.
node checked(const std::string& doc) {
    xml_reader r(doc);
    node root = r.parse();
    INFO(r.error());
    REQUIRE(r.error().empty());
    REQUIRE(root.name == "svg");
    CHECK(root.attr("xmlns") == "http://www.w3.org/2000/svg");
    CHECK(root.attr("version") == "1.1");
    CHECK(!root.attr("viewBox").empty());
    CHECK(!root.attr("width").empty());
    CHECK(!root.attr("height").empty());
    CHECK(root.attr("font-family").find("sans-serif") != std::string::npos);
    // A white background first: viewers with dark themes otherwise show
    // black text on black.
    const auto bg = std::find_if(root.children.begin(), root.children.end(),
                                 [](const node& n) { return n.name == "rect"; });
    REQUIRE(bg != root.children.end());
    CHECK(bg->attr("fill") == "#FFFFFF");
    CHECK(bg->attr("width") == root.attr("width"));
    std::string lower(doc);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    CHECK(lower.find("nan") == std::string::npos);
    CHECK(lower.find("inf") == std::string::npos);
    return root;
}

void collect(const node& n, std::string_view name, std::vector<const node*>& out) {
    if (n.name == name) out.push_back(&n);
    for (const node& c : n.children) collect(c, name, out);
}
std::vector<const node*> all(const node& n, std::string_view name) {
    std::vector<const node*> out;
    collect(n, name, out);
    return out;
}
const node* by_class(const node& n, std::string_view cls) {
    if (n.attr("class") == cls) return &n;
    for (const node& c : n.children)
        if (const node* f = by_class(c, cls)) return f;
    return nullptr;
}
std::vector<std::string> texts(const node& n) {
    std::vector<std::string> out;
    for (const node* t : all(n, "text")) out.push_back(t->text);
    return out;
}
double number(const std::string& s) {
    double v = std::numeric_limits<double>::quiet_NaN();
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}
// A tick label's value: "2.5k" is 2500.
double tick_value(std::string s) {
    double mult = 1;
    if (!s.empty() && (s.back() == 'k' || s.back() == 'M' || s.back() == 'G')) {
        mult = s.back() == 'k' ? 1e3 : s.back() == 'M' ? 1e6 : 1e9;
        s.pop_back();
    }
    return number(s) * mult;
}
bool has_note(const node& root, std::string_view what) {
    const node* n = by_class(root, "note");
    return n != nullptr && n->text.find(what) != std::string::npos;
}

// Checks the labels are equally spaced multiples of a 1/2/5 x 10^n step and
// returns them.
std::vector<double> nice_ticks(const node& group) {
    std::vector<double> v;
    for (const std::string& t : texts(group)) v.push_back(tick_value(t));
    REQUIRE(v.size() >= 2);
    const double step = v[1] - v[0];
    REQUIRE(step > 0);
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    INFO("step " << step);
    CHECK((std::fabs(mantissa - 1) < 1e-6 || std::fabs(mantissa - 2) < 1e-6 ||
           std::fabs(mantissa - 5) < 1e-6));
    for (std::size_t i = 0; i < v.size(); ++i) {
        CHECK(std::fabs(v[i] - v[0] - step * static_cast<double>(i)) <= step * 1e-6);
        CHECK(std::fabs(v[i] / step - std::round(v[i] / step)) < 1e-6);
    }
    return v;
}

svg::line_chart sample_lines() {
    svg::line_chart c;
    c.title = "Fragmentation over time";
    c.x_label = "operations";
    c.y_label = "external fragmentation (%)";
    const char* names[] = {"first-fit", "best-fit-aligned", "spread", "kernel default"};
    for (int s = 0; s < 4; ++s) {
        svg::series ser{names[s], {}, {}};
        for (int i = 0; i <= 200; ++i) {
            const double t = i * 10.0;
            ser.x.push_back(t);
            ser.y.push_back(10 + s * 12 + 25 * (1 - std::exp(-t / (300.0 + 150 * s))) +
                            3 * std::sin(t / (40.0 + s * 7)));
        }
        c.lines.push_back(std::move(ser));
    }
    for (int i = 90; i < 110; ++i)
        c.lines[2].y[static_cast<std::size_t>(i)] = std::nan("");  // a gap
    return c;
}

// A 512-CPU matrix shaped like x86: vectors 0-31 below the window, system
// vectors at 128 and 236-255, some CPUs offline, allocations that thin out
// towards the higher CPUs. Built from a fixed-seed mt19937 (whose output the
// standard pins) so the picture is the same everywhere.
svg::heatmap sample_heatmap(unsigned rows, unsigned cols, unsigned first_col = 0) {
    svg::heatmap h;
    h.first_col = first_col;
    h.title = "Vector matrix after 10000 operations (best-fit-aligned)";
    h.rows = rows;
    h.cols = cols;
    std::mt19937 rng(42);
    const auto system = [&](unsigned c) { return first_col + c == 128 || first_col + c >= 236; };
    for (unsigned r = 0; r < rows; ++r) {
        const bool offline = rows > 16 && r >= rows - rows / 32;
        const unsigned fill = 100 - 80 * r / rows;  // percent of the window in use
        for (unsigned c = 0; c < cols;) {
            svg::cell k = svg::cell::free;
            unsigned len = 1;
            if (offline)
                k = svg::cell::offline;
            else if (first_col + c < 32)
                k = svg::cell::outside_window;
            else if (system(c))
                k = svg::cell::system;
            else if (rng() % 100 < fill / 2) {
                const unsigned pick = static_cast<unsigned>(rng() % 10);
                if (pick < 4)
                    k = svg::cell::single;
                else if (pick < 6)
                    k = svg::cell::managed_reserved;
                else if (pick < 7)
                    k = svg::cell::managed_allocated;
                else {
                    k = svg::cell::block;
                    len = 1U << (rng() % 4);
                }
            }
            for (unsigned i = 0; i < len && c < cols; ++i, ++c) {
                if (k == svg::cell::block && system(c))
                    h.cells.push_back(svg::cell::system);
                else
                    h.cells.push_back(k);
            }
        }
    }
    return h;
}

svg::bar_group_chart sample_bars(bool stacked) {
    svg::bar_group_chart b;
    b.title = stacked ? "Failed allocations by cause (stacked)" : "Failed allocations by cause";
    b.y_label = "failed allocations";
    b.groups = {"first-fit", "best-fit-aligned", "spread", "kernel default"};
    b.categories = {"capacity failures", "fragmentation failures"};
    b.values = {{120, 340}, {118, 95}, {131, 512.5}, {120, 301}};
    b.stacked = stacked;
    return b;
}

std::size_t rect_count(const node& root) {
    const node* cells = by_class(root, "cells");
    REQUIRE(cells != nullptr);
    return all(*cells, "rect").size();
}

}  // namespace

TEST_CASE("svg::escape turns markup characters into entities", "[lab][svg]") {
    CHECK(svg::escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
    CHECK(svg::escape("plain text 123") == "plain text 123");
    CHECK(svg::escape("") == "");
    // UTF-8 passes through; what XML cannot hold becomes U+FFFD.
    CHECK(svg::escape("\xC2\xB5s \xE2\x80\xA6 \xF0\x9F\x98\x80") ==
          "\xC2\xB5s \xE2\x80\xA6 \xF0\x9F\x98\x80");
    CHECK(svg::escape("a\x01z") == "a\xEF\xBF\xBDz");
    CHECK(svg::escape("tab\tnl\n") == "tab\tnl\n");
    CHECK(svg::escape("\xFF") == "\xEF\xBF\xBD");                  // not UTF-8 at all
    CHECK(svg::escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
    CHECK(svg::escape("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    CHECK(svg::escape("\xE2\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // truncated
}

TEST_CASE("svg: hostile titles and names come back unchanged through a parser", "[lab][svg]") {
    const std::string nasty = "<script>&amp; \"q\" 'a' </svg>";

    svg::line_chart c = sample_lines();
    c.title = nasty;
    c.x_label = nasty + "x";
    c.y_label = nasty + "y";
    c.lines[0].name = nasty + "0";
    const node lines = checked(svg::render(c));
    REQUIRE(!all(lines, "title").empty());
    CHECK(all(lines, "title")[0]->text == nasty);
    const auto shown = texts(lines);
    CHECK(std::count(shown.begin(), shown.end(), nasty) == 1);
    CHECK(std::count(shown.begin(), shown.end(), nasty + "0") == 1);
    CHECK(std::count(shown.begin(), shown.end(), nasty + "x") == 1);
    CHECK(std::count(shown.begin(), shown.end(), nasty + "y") == 1);

    svg::heatmap h = sample_heatmap(4, 16);
    h.title = nasty;
    h.row_label = nasty;
    const node map = checked(svg::render(h));
    CHECK(all(map, "title")[0]->text == nasty);

    svg::bar_group_chart b = sample_bars(false);
    b.title = nasty;
    b.groups[1] = "<g>";
    b.categories[0] = "a&b";
    const node bars = checked(svg::render(b));
    const auto bar_text = texts(bars);
    CHECK(std::count(bar_text.begin(), bar_text.end(), "<g>") == 1);
    CHECK(std::count(bar_text.begin(), bar_text.end(), "a&b") == 1);
}

TEST_CASE("svg line chart: one path per series with a drawable point", "[lab][svg]") {
    svg::line_chart c;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    c.lines.push_back({"full", {0, 1, 2, 3}, {1, 4, 2, 8}});
    c.lines.push_back({"empty", {}, {}});
    c.lines.push_back({"gaps", {0, 1, 2, 3, 4}, {1, nan, 3, inf, 5}});
    c.lines.push_back({"all missing", {0, 1}, {nan, nan}});
    c.lines.push_back({"index as x", {}, {2, 3, 1}});
    c.lines.push_back({"one point", {1.5}, {6}});
    c.lines.push_back({"shorter x", {0, 1}, {7, 7, 7, 7}});
    const node root = checked(svg::render(c));
    const auto paths = all(root, "path");
    CHECK(paths.size() == 5);
    // The lone points of "gaps" and "one point" are dots as well.
    CHECK(all(root, "circle").size() == 4);
    // Every series is in the legend; those without a point say so.
    const auto legend = texts(*by_class(root, "legend"));
    REQUIRE(legend.size() == c.lines.size());
    CHECK(legend[1] == "empty (no data)");
    CHECK(legend[3] == "all missing (no data)");
    // Distinct colours from the palette.
    std::vector<std::string> colours;
    for (const node* p : paths) colours.push_back(p->attr("stroke"));
    std::sort(colours.begin(), colours.end());
    CHECK(std::unique(colours.begin(), colours.end()) == colours.end());

    SECTION("past eight series the colours repeat with a dash pattern") {
        svg::line_chart many;
        for (int s = 0; s < 10; ++s)
            many.lines.push_back({"s" + std::to_string(s), {}, {0.0, s + 1.0}});
        const node r = checked(svg::render(many));
        const auto p = all(r, "path");
        REQUIRE(p.size() == 10);
        CHECK(p[8]->attr("stroke") == p[0]->attr("stroke"));
        CHECK(p[0]->attr("stroke-dasharray").empty());
        CHECK(!p[8]->attr("stroke-dasharray").empty());
    }
}

TEST_CASE("svg line chart: tick labels are nice numbers covering the data", "[lab][svg]") {
    const double top = GENERATE(3.0, 0.07, 97.0, 1234.0, 123456.0, 7.5e6, 1.0);
    const double bottom = GENERATE(0.0, -0.3);
    INFO("data " << bottom * top << " .. " << top);
    svg::line_chart c;
    c.lines.push_back({"a", {1, 2, 3, 1013}, {bottom * top, top / 2, top, top / 3}});
    const node root = checked(svg::render(c));
    const auto y = nice_ticks(*by_class(root, "y-ticks"));
    CHECK(y.front() <= std::min(0.0, bottom * top));
    CHECK(y.front() > std::min(0.0, bottom * top) - (y[1] - y[0]) * 1.000001);
    CHECK(y.back() >= top * (1 - 1e-9));
    CHECK(y.back() < top + (y[1] - y[0]) * 1.000001);
    CHECK(y.size() <= 12);
    // x spans the data exactly: ticks inside it.
    const auto x = nice_ticks(*by_class(root, "x-ticks"));
    CHECK(x.front() >= 1);
    CHECK(x.back() <= 1013);
}

TEST_CASE("svg line chart: pinned y range, single point, constant values", "[lab][svg]") {
    SECTION("pinned ends are kept exactly") {
        svg::line_chart c;
        c.lines.push_back({"a", {0, 1, 2}, {20, 150, 60}});
        c.y_min = 10;
        c.y_max = 100;
        const node root = checked(svg::render(c));
        const auto y = nice_ticks(*by_class(root, "y-ticks"));
        CHECK(y.front() >= 10);
        CHECK(y.back() <= 100);
        const std::string clip = by_class(root, "lines")->attr("clip-path");
        REQUIRE(clip.size() > 6);
        const auto clips = all(root, "clipPath");
        REQUIRE(clips.size() == 1);
        CHECK(clip == "url(#" + clips[0]->attr("id") + ")");
    }
    SECTION("a single point") {
        svg::line_chart c;
        c.lines.push_back({"p", {5}, {3}});
        const node root = checked(svg::render(c));
        CHECK(all(root, "path").size() == 1);
        CHECK(nice_ticks(*by_class(root, "y-ticks")).back() >= 3);
    }
    SECTION("all values equal") {
        const double v = GENERATE(0.0, 5.0, -2.0);
        svg::line_chart c;
        c.lines.push_back({"flat", {0, 1, 2}, {v, v, v}});
        const node root = checked(svg::render(c));
        const auto y = nice_ticks(*by_class(root, "y-ticks"));
        CHECK(y.front() <= std::min(v, 0.0));
        CHECK(y.back() >= std::max(v, 0.0));
        CHECK(y.back() > y.front());
    }
    SECTION("huge and tiny magnitudes print no exponent soup") {
        svg::line_chart c;
        c.lines.push_back({"big", {0, 1}, {1e200, 3e200}});
        c.lines.push_back({"bad", {0, 1}, {1e308 * 10, -1e305}});
        checked(svg::render(c));
        c.lines = {{"tiny", {0, 1}, {1e-12, 3e-12}}};
        const auto y = nice_ticks(*by_class(checked(svg::render(c)), "y-ticks"));
        CHECK(y.back() >= 3e-12);
    }
}

TEST_CASE("svg heatmap: the legend counts every cell", "[lab][svg]") {
    const svg::heatmap h = sample_heatmap(64, 256);
    std::map<std::string, std::size_t> expected;
    for (std::size_t k = 0; k < svg::cell_kinds; ++k)
        expected[std::string(svg::label(static_cast<svg::cell>(k)))] = 0;
    for (const svg::cell c : h.cells) ++expected[std::string(svg::label(c))];
    const node root = checked(svg::render(h));
    std::map<std::string, std::size_t> shown;
    for (const std::string& t : texts(*by_class(root, "legend"))) {
        const auto open = t.rfind(" (");
        REQUIRE(open != std::string::npos);
        REQUIRE(t.back() == ')');
        shown[t.substr(0, open)] =
            static_cast<std::size_t>(number(t.substr(open + 2, t.size() - open - 3)));
    }
    CHECK(shown == expected);
    CHECK(svg::label(static_cast<svg::cell>(200)) == "?");
}

TEST_CASE("svg heatmap: equal runs merge into one rect", "[lab][svg]") {
    using svg::cell;
    svg::heatmap h;
    h.rows = 1;
    h.cols = 256;
    h.cells.assign(256, cell::free);
    CHECK(rect_count(checked(svg::render(h))) == 1);

    h.cells[10] = cell::single;
    h.cells[11] = cell::single;
    h.cells[40] = cell::block;
    CHECK(rect_count(checked(svg::render(h))) == 5);

    // Identical rows grow the same rects downwards.
    h.rows = 4;
    const std::vector<cell> first_row = h.cells;
    for (int i = 0; i < 3; ++i) h.cells.insert(h.cells.end(), first_row.begin(), first_row.end());
    CHECK(rect_count(checked(svg::render(h))) == 5);
    h.cells[256 * 2 + 100] = cell::system;  // splits a run in row 2 only
    CHECK(rect_count(checked(svg::render(h))) == 5 + 4);

    SECTION("the rects tile the grid exactly once") {
        const svg::heatmap big = sample_heatmap(96, 256);
        const node root = checked(svg::render(big));
        // Rects are in cell units: each cell is covered once, by the rect of its kind.
        std::vector<int> cover(big.cells.size());
        for (const node& group : by_class(root, "cells")->children) {
            for (const node& r : group.children) {
                const auto x = static_cast<std::size_t>(number(r.attr("x")));
                const auto y = static_cast<std::size_t>(number(r.attr("y")));
                const auto w = static_cast<std::size_t>(number(r.attr("width")));
                const auto ht = static_cast<std::size_t>(number(r.attr("height")));
                for (std::size_t row = y; row < y + ht; ++row) {
                    for (std::size_t col = x; col < x + w; ++col) {
                        REQUIRE(row * 256 + col < cover.size());
                        ++cover[row * 256 + col];
                        CHECK(group.attr("class") == "cell-" + std::to_string(static_cast<int>(
                                                                   big.cells[row * 256 + col])));
                    }
                }
            }
        }
        CHECK(std::all_of(cover.begin(), cover.end(), [](int n) { return n == 1; }));
        // Fewer rects than row runs: the window edges and system columns merge downwards.
        std::size_t runs = 0;
        for (std::size_t i = 0; i < big.cells.size(); ++i)
            runs += i % 256 == 0 || big.cells[i] != big.cells[i - 1];
        CHECK(rect_count(root) < runs);
    }
}

TEST_CASE("svg heatmap: 512 x 256 fits the page and its labels do not overlap", "[lab][svg]") {
    const svg::heatmap h = sample_heatmap(512, 256);
    const std::string doc = svg::render(h);
    const node root = checked(doc);
    CHECK(number(root.attr("width")) <= 1200);
    CHECK(number(root.attr("height")) <= 900);
    CHECK(doc.size() < 2'000'000);

    std::vector<double> ys;
    for (const node* t : all(*by_class(root, "row-ticks"), "text"))
        ys.push_back(number(t->attr("y")));
    REQUIRE(ys.size() >= 10);
    for (std::size_t i = 1; i < ys.size(); ++i) CHECK(ys[i] - ys[i - 1] >= 12);
    std::vector<double> xs;
    for (const node* t : all(*by_class(root, "col-ticks"), "text"))
        xs.push_back(number(t->attr("x")));
    REQUIRE(xs.size() >= 8);
    for (std::size_t i = 1; i < xs.size(); ++i) CHECK(xs[i] - xs[i - 1] >= 3 * 11 * 0.6 + 4);
    // Labels name vectors (first_col added) at round numbers.
    const svg::heatmap shifted = sample_heatmap(8, 64, 32);
    const auto cols = texts(*by_class(checked(svg::render(shifted)), "col-ticks"));
    REQUIRE(cols.size() >= 2);
    CHECK(number(cols.front()) >= 32);
    const auto every = static_cast<long>(number(cols[1]) - number(cols[0]));
    CHECK((every == 1 || every == 2 || every == 5 || every == 10 || every == 20));
    for (const std::string& c : cols) CHECK(static_cast<long>(number(c)) % every == 0);
}

TEST_CASE("svg bar chart: a bar per value, legend, value labels", "[lab][svg]") {
    const bool stacked = GENERATE(false, true);
    svg::bar_group_chart b = sample_bars(stacked);
    b.values[3].pop_back();                                     // missing: no bar
    b.values[2][0] = std::numeric_limits<double>::quiet_NaN();  // no bar
    const node root = checked(svg::render(b));
    CHECK(all(*by_class(root, "bars"), "rect").size() == 6);
    CHECK(texts(*by_class(root, "legend")) == b.categories);
    CHECK(texts(*by_class(root, "groups")) == b.groups);
    const auto values = texts(*by_class(root, "values"));
    CHECK(std::count(values.begin(), values.end(), "340") == 1);
    if (stacked) CHECK(std::count(values.begin(), values.end(), "460") == 1);  // a group total
    nice_ticks(*by_class(root, "y-ticks"));

    SECTION("negative values and long group names") {
        b.values[0][0] = -40;
        b.groups[0] = "a rather long policy name that cannot fit";
        const node r = checked(svg::render(b));
        CHECK(nice_ticks(*by_class(r, "y-ticks")).front() <= -40);
        CHECK(by_class(r, "groups")->attr("text-anchor") == "end");  // slanted
    }
}

TEST_CASE("svg: output is deterministic", "[lab][svg]") {
    CHECK(svg::render(sample_lines()) == svg::render(sample_lines()));
    CHECK(svg::render(sample_heatmap(32, 64)) == svg::render(sample_heatmap(32, 64)));
    CHECK(svg::render(sample_bars(true)) == svg::render(sample_bars(true)));
    // Coordinates have at most two decimals.
    const std::string doc = svg::render(sample_lines());
    const auto d = doc.find(" d=\"M");
    REQUIRE(d != std::string::npos);
    const std::string path = doc.substr(d, doc.find('"', d + 4) - d);
    const auto dot = path.find('.');
    REQUIRE(dot != std::string::npos);
    CHECK(path.find_first_not_of("0123456789", dot + 1) <= dot + 3);
}

TEST_CASE("svg: degenerate input gives a valid document with a note", "[lab][svg]") {
    SECTION("no series") {
        svg::line_chart c;
        c.title = "empty";
        CHECK(has_note(checked(svg::render(c)), "no data"));
        c.lines.push_back({"nothing", {}, {}});
        c.lines.push_back({"nan", {}, {std::nan(""), std::nan("")}});
        CHECK(has_note(checked(svg::render(c)), "no data"));
        c.width = 0;
        c.height = 0;
        const node root = checked(svg::render(c));
        CHECK(number(root.attr("width")) > 0);
    }
    SECTION("no rows, or cells that do not match the shape") {
        svg::heatmap h;
        CHECK(has_note(checked(svg::render(h)), "no data"));
        h.rows = 2;
        h.cols = 3;
        h.cells.assign(5, svg::cell::free);
        CHECK(has_note(checked(svg::render(h)), "5 cells for 2 x 3"));
        h.cells.assign(6, static_cast<svg::cell>(99));
        CHECK(has_note(checked(svg::render(h)), "no data"));
    }
    SECTION("no bars") {
        svg::bar_group_chart b;
        CHECK(has_note(checked(svg::render(b)), "no data"));
        b.groups = {"a"};
        b.categories = {"x"};
        CHECK(has_note(checked(svg::render(b)), "no data"));  // no values
        b.values = {{0}};
        checked(svg::render(b));  // an all-zero chart still has an axis
    }
}

// Not run by default: writes one example of each plot to the current
// directory, to look at (rsvg-convert -o x.png x.svg).
//   irqmatrix-lab-tests "[.svg-examples]"
TEST_CASE("svg: write example plots", "[.svg-examples]") {
    const std::pair<const char*, std::string> files[] = {
        {"svg-example-lines.svg", svg::render(sample_lines())},
        {"svg-example-heatmap.svg", svg::render(sample_heatmap(512, 256))},
        {"svg-example-heatmap-small.svg",
         [] {
             svg::heatmap h = sample_heatmap(8, 64, 32);
             h.title = "8 CPUs, vectors 32-95";
             return svg::render(h);
         }()},
        {"svg-example-bars.svg", svg::render(sample_bars(false))},
        {"svg-example-bars-stacked.svg", svg::render(sample_bars(true))},
        {"svg-example-empty.svg", svg::render(svg::line_chart{})},
    };
    for (const auto& [name, doc] : files) {
        checked(doc);
        std::ofstream(name, std::ios::binary) << doc;
        std::cout << "wrote " << name << " (" << doc.size() << " bytes)\n";
    }
}
