// SPDX-License-Identifier: MIT
// Runs a fuzz target as an ordinary test, with any compiler and no libFuzzer:
// LLVMFuzzerTestOneInput on every file of each directory given (a corpus
// directory that is missing or empty fails: it would pass vacuously), and on
// each file given, so that `fuzz-ops-corpus crash-1234` reproduces a crash
// found by the fuzzer in a g++ or debugger build.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "corpus: cannot read %s\n", file.string().c_str());
        return false;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    std::fprintf(stderr, "corpus: %s (%zu bytes)\n", file.string().c_str(), bytes.size());
    // A copy of exactly the file's size, as libFuzzer passes it, so that
    // AddressSanitizer sees a read past the end.
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    static const std::uint8_t none = 0;  // libFuzzer never passes a null pointer
    const std::uint8_t* p = data.empty() ? &none : data.data();
    return LLVMFuzzerTestOneInput(p, data.size()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
        return 2;
    }
    unsigned runs = 0, failed = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg(argv[i]);
        std::error_code ec;
        if (fs::is_regular_file(arg, ec)) {
            ++runs;
            failed += run_file(arg) ? 0u : 1u;
            continue;
        }
        if (!fs::is_directory(arg, ec)) {
            std::fprintf(stderr, "corpus: %s is missing\n", argv[i]);
            return 1;
        }
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(arg, ec))
            if (entry.is_regular_file()) files.push_back(entry.path());
        if (ec || files.empty()) {
            std::fprintf(stderr, "corpus: %s is empty or unreadable\n", argv[i]);
            return 1;
        }
        std::sort(files.begin(), files.end());  // a stable order, for the log
        for (const auto& f : files) {
            ++runs;
            failed += run_file(f) ? 0u : 1u;
        }
    }
    std::printf("corpus: %u inputs run, %u failed\n", runs, failed);
    return failed == 0 ? 0 : 1;
}
