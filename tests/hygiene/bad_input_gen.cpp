// SPDX-License-Identifier: MIT
// Writes the large and binary inputs of the cli-bad-input test
// (tests/cli/bad_input.cmake) into the build tree at test time, so that none
// is committed. CMake strings cannot hold a NUL byte, hence a program; a fixed
// seed makes every run see the same bytes, so a failure reproduces.
//
//   irqmatrix-bad-input-gen binary FILE   a header line, then 256 KiB of
//                                          pseudo-random bytes (every value,
//                                          NULs and newlines included)
//   irqmatrix-bad-input-gen huge FILE     a trace of three 10 MB lines, each
//                                          carrying its expected result, for
//                                          replay --check
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "irqmatrix_common/seeded_rng.hpp"

namespace {

// The header, so that the garbage that follows lands on a live matrix with
// both CPUs online.
constexpr const char* header = "matrix 64 0 64 2 => 0\nonline 0 => 0\nonline 1 => 0\n";

bool write_binary(std::FILE* f) {
    if (std::fputs(header, f) < 0) return false;
    irqmatrix_common::seeded_rng rng(0x1badb002u);
    std::string bytes(256 * 1024, '\0');
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
        const std::uint64_t r = rng.next();
        for (unsigned k = 0; k < 8; ++k)  // byte by byte: the same on any endianness
            bytes[i + k] = static_cast<char>(static_cast<unsigned char>(r >> (8 * k)));
    }
    return std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
}

bool write_huge(std::FILE* f) {
    constexpr std::size_t ten_mb = 10u * 1000u * 1000u;
    std::string text = header;
    // A 10 MB CPU list naming CPUs 0 and 1 over and over: it parses, and the
    // allocation lands where the short list "0-1" would put it.
    text += "alloc ";
    for (std::size_t i = 0; i < ten_mb / 4; ++i) text += "0,1,";
    text += "1 0 => 0 0\n";
    // A 10 MB word with no blank: no such operation.
    text.append(ten_mb, 'x');
    text += " => -22\n";
    // A 10 MB number that is 1 with leading zeros: CPU 1, already online.
    text += "online ";
    text.append(ten_mb, '0');
    text += "1 => -16\n";
    text += "stats => 2 127 0 1\n";
    return std::fwrite(text.data(), 1, text.size(), f) == text.size();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "binary") != 0 && std::strcmp(argv[1], "huge") != 0)) {
        std::fputs("usage: irqmatrix-bad-input-gen binary|huge FILE\n", stderr);
        return 2;
    }
    std::FILE* f = std::fopen(argv[2], "wb");
    if (f == nullptr) {
        std::perror(argv[2]);
        return 1;
    }
    const bool written = std::strcmp(argv[1], "binary") == 0 ? write_binary(f) : write_huge(f);
    if (std::fclose(f) != 0 || !written) {
        std::perror(argv[2]);
        return 1;
    }
    return 0;
}
