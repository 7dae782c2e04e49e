// SPDX-License-Identifier: MIT
// Errors as values: the Linux errno numbers of the trace specification, and an
// expected-shaped result type. Nothing in the library throws.
#pragma once

#include <optional>
#include <type_traits>
#include <string_view>
#include <utility>

#include "config.hpp"
#include "version.hpp"

IRQMATRIX_BEGIN_NAMESPACE

/// Why an operation was refused. The values are the Linux errno numbers the
/// trace format uses, fixed here rather than taken from <cerrno> (which is
/// host dependent). A refused operation never changes the matrix.
enum class errc : int {
    not_found = 2,  ///< ENOENT: freeing something that is not allocated as stated
    busy = 16,      ///< EBUSY: state conflict (already online, nothing removable, ...)
    invalid = 22,   ///< EINVAL: argument out of range, empty CPU list, unaligned base
    no_space = 28,  ///< ENOSPC: no room
};

/// The negative errno a kernel function would return for `e`.
constexpr int to_errno(errc e) noexcept { return -static_cast<int>(e); }

constexpr std::string_view to_string(errc e) noexcept {
    switch (e) {
    case errc::not_found: return "ENOENT: not allocated as stated";
    case errc::busy: return "EBUSY: state conflict";
    case errc::invalid: return "EINVAL: invalid argument";
    case errc::no_space: return "ENOSPC: no room";
    }
    return "unknown error";
}

/// An error value, used to construct a failed result<T> of any T.
struct failure {
    errc code;
};
constexpr failure fail(errc e) noexcept { return failure{e}; }

/// result<T>: a T or an errc, shaped like std::expected so that a C++23 build
/// could alias it. [[nodiscard]]: a refusal must not be dropped silently.
template <class T>
class [[nodiscard]] result {
    // A small plain T (a placement, a count) is held as is, with errc{} (not
    // an errno) meaning "a value": two words the compiler keeps in registers,
    // where std::optional's flag byte made it spill and reload them. Other
    // types (cpu_set, a matrix) go in a std::optional.
    static constexpr bool plain =
        std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>;

public:
    constexpr result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)
        : value_(std::move(value)) {}
    constexpr result(failure f) noexcept : error_(f.code) {}

    constexpr bool has_value() const noexcept {
        if constexpr (plain)
            return error_ == errc{};
        else
            return value_.has_value();
    }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr const T& value() const& noexcept {
        IRQMATRIX_ASSERT(has_value(), "result::value() on an error");
        return get();
    }
    constexpr T& value() & noexcept {
        IRQMATRIX_ASSERT(has_value(), "result::value() on an error");
        return get();
    }
    constexpr T&& value() && noexcept {
        IRQMATRIX_ASSERT(has_value(), "result::value() on an error");
        return std::move(get());
    }
    constexpr const T& operator*() const& noexcept { return value(); }
    constexpr T& operator*() & noexcept { return value(); }
    constexpr const T* operator->() const noexcept { return &value(); }
    constexpr T* operator->() noexcept { return &value(); }

    constexpr errc error() const noexcept {
        IRQMATRIX_ASSERT(!has_value(), "result::error() on a value");
        return error_;
    }

private:
    constexpr T& get() noexcept {
        if constexpr (plain)
            return value_;
        else
            return *value_;
    }
    constexpr const T& get() const noexcept {
        if constexpr (plain)
            return value_;
        else
            return *value_;
    }

    std::conditional_t<plain, T, std::optional<T>> value_{};
    errc error_{};
};

/// result<void>: success or an errc.
template <>
class [[nodiscard]] result<void> {
public:
    constexpr result() noexcept = default;
    constexpr result(failure f) noexcept : error_(f.code), ok_(false) {}

    constexpr bool has_value() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }
    constexpr errc error() const noexcept {
        IRQMATRIX_ASSERT(!ok_, "result::error() on a value");
        return error_;
    }

private:
    errc error_{};
    bool ok_ = true;
};

using status = result<void>;

IRQMATRIX_END_NAMESPACE
