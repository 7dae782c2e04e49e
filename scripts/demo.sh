#!/usr/bin/env bash
# Builds the irqmatrix tool (Release) and runs its demo: the built-in x86
# scenario replayed operation by operation, then the kernel's debugfs table.
# Installs missing Debian packages when run as root; otherwise prints the
# command to install them. Extra arguments go to `irqmatrix demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-deps.sh
irqmatrix_need cmake:cmake make:make g++:g++
irqmatrix_need_tool_libs
irqmatrix_install_missing

cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
      -DIRQMATRIX_BUILD_TESTS=OFF -DIRQMATRIX_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/demo --target irqmatrix-tool -j 2 >/dev/null
exec build/demo/tools/irqmatrix/irqmatrix demo "$@"
