// SPDX-License-Identifier: MIT
// A minimal JSON writer for the lab's reports: objects, arrays, strings
// (escaped), integers and finite doubles. Writing only; no parser needed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace irqmatrix::lab {

class json_writer {
public:
    json_writer& begin_object();
    json_writer& end_object();
    json_writer& begin_array();
    json_writer& end_array();
    json_writer& key(std::string_view k);
    json_writer& value(std::string_view s);
    json_writer& value(const char* s) { return value(std::string_view(s)); }
    json_writer& value(std::int64_t v);
    json_writer& value(std::uint64_t v);
    json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
    json_writer& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
    json_writer& value(double v);
    json_writer& value(bool v);

    const std::string& str() const noexcept { return out_; }

    /// `s` as a JSON string literal, quotes included.
    static std::string quote(std::string_view s);

private:
    void separate();
    std::string out_;
    std::vector<bool> first_;  // per open container: no element written yet
    bool after_key_ = false;
};

}  // namespace irqmatrix::lab
