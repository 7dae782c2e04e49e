// SPDX-License-Identifier: MIT
#include "lab/json.hpp"

#include <cmath>
#include <cstdio>

namespace irqmatrix::lab {

void json_writer::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back()) out_ += ',';
        first_.back() = false;
    }
}

json_writer& json_writer::begin_object() {
    separate();
    out_ += '{';
    first_.push_back(true);
    return *this;
}

json_writer& json_writer::end_object() {
    first_.pop_back();
    out_ += '}';
    return *this;
}

json_writer& json_writer::begin_array() {
    separate();
    out_ += '[';
    first_.push_back(true);
    return *this;
}

json_writer& json_writer::end_array() {
    first_.pop_back();
    out_ += ']';
    return *this;
}

json_writer& json_writer::key(std::string_view k) {
    separate();
    out_ += quote(k);
    out_ += ':';
    after_key_ = true;
    return *this;
}

json_writer& json_writer::value(std::string_view s) {
    separate();
    out_ += quote(s);
    return *this;
}

json_writer& json_writer::value(std::int64_t v) {
    separate();
    out_ += std::to_string(v);
    return *this;
}

json_writer& json_writer::value(std::uint64_t v) {
    separate();
    out_ += std::to_string(v);
    return *this;
}

json_writer& json_writer::value(double v) {
    separate();
    if (!std::isfinite(v)) {
        out_ += "null";  // JSON has no NaN or infinity
        return *this;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    out_ += buf;
    return *this;
}

json_writer& json_writer::value(bool v) {
    separate();
    out_ += v ? "true" : "false";
    return *this;
}

std::string json_writer::quote(std::string_view s) {
    std::string q = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': q += "\\\""; break;
        case '\\': q += "\\\\"; break;
        case '\n': q += "\\n"; break;
        case '\t': q += "\\t"; break;
        case '\r': q += "\\r"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                q += buf;
            } else {
                q += ch;
            }
        }
    }
    q += '"';
    return q;
}

}  // namespace irqmatrix::lab
