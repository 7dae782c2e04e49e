#!/usr/bin/env bash
# Formats every tracked C and C++ file with clang-format 14: C++ (*.cpp,
# *.hpp) in the style of .clang-format, C (*.c, *.h) in the kernel's style,
# examples/kernel-port/.clang-format, wherever the file lives.
#
#   ./scripts/format.sh            reformat the files in place
#   ./scripts/format.sh --check    change nothing; name each file that is not
#                                  formatted and exit 1 (ctest `format` runs this)
#   ./scripts/format.sh [--check] FILE...   only these files
#
# The files are those git tracks (outside a git checkout: every C and C++
# file under include, src, tools, tests, benchmarks and examples). Another
# clang-format version can format differently: CLANG_FORMAT names the
# program to use (default: clang-format-14, else clang-format). Installs
# Debian's clang-format when run as root and it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
if [ "${1:-}" = --check ]; then
    check=1
    shift
fi

if [ -z "${CLANG_FORMAT:-}" ]; then
    if command -v clang-format-14 >/dev/null 2>&1; then
        CLANG_FORMAT=clang-format-14
    else
        . scripts/setup-deps.sh
        irqmatrix_need clang-format:clang-format
        irqmatrix_install_missing
        CLANG_FORMAT=clang-format
    fi
fi

if [ $# -gt 0 ]; then
    files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files -- '*.c' '*.h' '*.cpp' '*.hpp')
else
    mapfile -t files < <(find include src tools tests benchmarks examples -type f \
                             \( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) |
                         LC_ALL=C sort)
fi

# One clang-format run per style; with --dry-run -Werror it reports every
# line to change as FILE:LINE:COL: error: code should be clang-formatted, and
# goes on to the next file. A failure that reports no such line (a bad
# style file, an unknown option) is an error of its own.
c_files=()
cxx_files=()
for f in "${files[@]}"; do
    [ -f "$f" ] || { echo "irqmatrix: $f: no such file" >&2; exit 2; }
    case "$f" in
        *.c | *.h) c_files+=("$f") ;;
        *) cxx_files+=("$f") ;;
    esac
done
violation='^[^:]+:[0-9]+:[0-9]+: error: code should be clang-formatted'
report=$(mktemp)
trap 'rm -f "$report"' EXIT
run() {
    local style=$1
    shift
    [ $# -eq 0 ] && return 0
    if [ $check -eq 1 ]; then
        local out
        out=$(mktemp)
        if ! "$CLANG_FORMAT" --style="file:$style" --dry-run -Werror "$@" 2>"$out" &&
           ! grep -qE "$violation" "$out"; then
            cat "$out" >&2
            rm -f "$out"
            echo "irqmatrix: $CLANG_FORMAT failed with the style $style" >&2
            exit 2
        fi
        cat "$out" >>"$report"
        rm -f "$out"
    else
        "$CLANG_FORMAT" --style="file:$style" -i "$@"
    fi
}
run examples/kernel-port/.clang-format "${c_files[@]}"
run .clang-format "${cxx_files[@]}"

if [ $check -eq 1 ]; then
    mapfile -t unformatted < <(grep -E "$violation" "$report" | cut -d: -f1 | uniq)
    if [ ${#unformatted[@]} -gt 0 ]; then
        printf 'not formatted: %s\n' "${unformatted[@]}"
        echo "irqmatrix: ${#unformatted[@]} of ${#files[@]} files are not formatted; run ./scripts/format.sh" >&2
        exit 1
    fi
    echo "irqmatrix: all ${#files[@]} C and C++ files are formatted"
fi
