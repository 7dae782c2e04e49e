# Sourced by the scripts: make sure the Debian packages a script needs are
# there. As root it installs what is missing; otherwise it prints the exact
# command and stops.
#   irqmatrix_need COMMAND:PACKAGE ...   a command that must be on PATH
#   irqmatrix_need_file FILE:PACKAGE ... a file (a header, a CMake package
#                                        config) that must exist
#   irqmatrix_need_catch2                Catch2 v3 if installed, else Debian's v2
#   irqmatrix_need_tool_libs             toml++, CLI11, nlohmann-json (the
#                                        lab's JSON) and fmt (numbers and
#                                        tables; the benchmarks use it too)
#   irqmatrix_need_test_libs             nlohmann-json (the tests read the
#                                        tool's JSON) and Google Benchmark
irqmatrix_missing=()

irqmatrix_need() {
    local spec cmd pkg
    for spec in "$@"; do
        cmd=${spec%%:*}
        pkg=${spec#*:}
        command -v "$cmd" >/dev/null 2>&1 || irqmatrix_missing+=("$pkg")
    done
}

irqmatrix_need_file() {
    local spec file pkg
    for spec in "$@"; do
        file=${spec%%:*}
        pkg=${spec#*:}
        ls $file >/dev/null 2>&1 || irqmatrix_missing+=("$pkg")
    done
}

irqmatrix_need_tool_libs() {
    irqmatrix_need_file \
        '/usr/lib/*/cmake/tomlplusplus/tomlplusplusConfig.cmake:libtomlplusplus-dev' \
        '/usr/share/cmake/CLI11/CLI11Config.cmake:libcli11-dev' \
        '/usr/share/cmake/nlohmann_json/nlohmann_jsonConfig.cmake:nlohmann-json3-dev' \
        '/usr/lib/*/cmake/fmt/fmt-config.cmake:libfmt-dev'
}

irqmatrix_need_test_libs() {
    irqmatrix_need_file \
        '/usr/share/cmake/nlohmann_json/nlohmann_jsonConfig.cmake:nlohmann-json3-dev' \
        '/usr/lib/*/cmake/benchmark/benchmarkConfig.cmake:libbenchmark-dev'
}

irqmatrix_need_catch2() {
    local d
    for d in /usr/lib/cmake/Catch2 /usr/local/lib/cmake/Catch2 /usr/lib/*/cmake/Catch2 \
             /usr/local/lib/*/cmake/Catch2 /usr/share/cmake/Catch2 /usr/local/share/cmake/Catch2; do
        [ -f "$d/Catch2Config.cmake" ] && return 0
    done
    irqmatrix_missing+=(catch2)
}

irqmatrix_install_missing() {
    [ ${#irqmatrix_missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "irqmatrix: installing missing Debian packages: ${irqmatrix_missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${irqmatrix_missing[@]}" >&2
    else
        echo "irqmatrix: missing Debian packages: ${irqmatrix_missing[*]}" >&2
        echo "Install them with:" >&2
        echo "  sudo apt-get install -y ${irqmatrix_missing[*]}" >&2
        exit 1
    fi
}
