// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include "lab/json.hpp"

#include <limits>

using irqmatrix::lab::json_writer;

TEST_CASE("json_writer nests containers with commas in the right places", "[lab][json]") {
    json_writer w;
    w.begin_object().key("a").value(1).key("b").begin_array().value("x").value(2.5).value(true)
        .end_array().key("c").begin_object().end_object().end_object();
    CHECK(w.str() == R"({"a":1,"b":["x",2.5,true],"c":{}})");
}

TEST_CASE("json_writer escapes strings and refuses non-finite numbers", "[lab][json]") {
    CHECK(json_writer::quote("a\"b\\c\nd\x01") == R"("a\"b\\c\nd\u0001")");
    json_writer w;
    w.begin_array().value(std::numeric_limits<double>::quiet_NaN()).end_array();
    CHECK(w.str() == "[null]");
}
