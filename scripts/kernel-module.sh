#!/usr/bin/env bash
# Builds the kernel port (examples/kernel-port/) as an out-of-tree module
# against the headers of the kernel the kernel lab boots, boots that kernel
# in QEMU on a busybox initramfs, loads the module (its self-test prints a
# KTAP report), replays the seeded block workload once more with the
# module's tracepoints on, dumps the trace buffer, and powers off. Then it
# checks the report and the kernel log (scripts/ktap-check.py) and, where
# the irqmatrix tool is built, imports the trace buffer and replays it
# against the library. See examples/kernel-port/README.md.
#
#   scripts/kernel-module.sh [OUTDIR]
#
# OUTDIR (default build/kernel-module/out) receives console.log, kernel.log
# (the console without the trace dump), ktap.txt (the report), trace.txt
# (the trace buffer), workload.trace and capture.trace (the compiled-in
# traces the library made), trace.import (trace.txt imported) and meta.txt.
# Environment: IRQMATRIX_BUILD (default build/dev) is where the tool and
# irqmatrix-port-diff are, or get built; KERNEL_LAB_ACCEL=kvm boots with KVM
# (default tcg); KERNEL_LAB_CACHE and KERNEL_LAB_PACKAGE as for
# scripts/kernel-lab.sh. Installs missing Debian packages (the kernel
# headers linux-headers-VERSION among them) when run as root; otherwise
# prints the command. Exits non-zero unless every KTAP case is ok, the log
# shows no WARN, BUG, KASAN or UBSAN report, and the capture replays.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
case ${1:-} in -h|--help) usage; exit 0 ;; esac
if [ $# -gt 1 ]; then usage >&2; exit 2; fi

. "$repo/scripts/setup-deps.sh"
irqmatrix_need qemu-system-x86_64:qemu-system-x86 cpio:cpio gzip:gzip python3:python3 \
    dpkg-deb:dpkg apt-get:apt timeout:coreutils make:make gcc:gcc cmake:cmake
irqmatrix_need_file /bin/busybox:busybox-static
irqmatrix_install_missing
. "$here/kernel-lab/kernel.sh"
kernel_lab_fetch
# The headers of exactly the kernel that boots: the module's vermagic and
# symbol versions must match it, or insmod refuses it. (A package cache
# older than the apt sources may name headers the mirror no longer has:
# delete build/kernel-lab/cache to move both to the current kernel.)
irqmatrix_need_file "/usr/src/linux-headers-$kver/Makefile:linux-headers-$kver"
irqmatrix_install_missing
headers=/usr/src/linux-headers-$kver

out=$(realpath -m "${1:-$lab/../kernel-module/out}")
build=$(realpath -m "${IRQMATRIX_BUILD:-$repo/build/dev}")
src="$out/module"
rm -rf "$src"
rm -f "$out"/{console.log,kernel.log,ktap.txt,trace.txt,workload.trace,capture.trace,trace.import,meta.txt}
mkdir -p "$src"

# ---- the expected results: the library's, through irqmatrix-port-diff
port_diff="$build/examples/kernel-port/irqmatrix-port-diff"
if [ ! -x "$port_diff" ]; then
    [ -f "$build/CMakeCache.txt" ] || (cd "$repo" && cmake --preset dev >&2)
    cmake --build "$build" --target irqmatrix-port-diff >&2
fi
# x86 geometries (before 6.10 with 8 CPUs, 6.10+ with 4): boot, then blocks,
# managed vectors and CPU hotplug in fill and drain phases. The self-test
# replays both; the capture is then replayed again with the tracepoints on,
# its CPUs' online and offline on those CPUs of the guest (4 vCPUs).
"$port_diff" --emit-trace x86-old --seed 0x5eed --ops 2000 > "$out/workload.trace"
"$port_diff" --emit-trace x86 --seed 0xb10c --ops 600 > "$out/capture.trace"

# ---- the module: the port's sources and the compiled-in traces
cp "$repo"/examples/kernel-port/{Kbuild,irq_matrix.h,irq_matrix_block.c,irq_matrix_selftest.c,irq_matrix_trace.h} "$src/"
traces=()
for t in "$repo"/tests/golden/*.trace; do traces+=("golden $(basename "$t" .trace)=$t"); done
traces+=("workload=$out/workload.trace" "capture=$out/capture.trace")
python3 "$repo/examples/kernel-port/gen_selftest_data.py" "$src/irq_matrix_selftest_data.h" "${traces[@]}"
start=$(date +%s.%N)
make -s -C "$headers" M="$src" modules 2>&1 | grep -v 'Skipping BTF generation' >&2 || true
build_seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[ -f "$src/irq_matrix_port.ko" ] || { echo "kernel-module: the module did not build" >&2; exit 1; }

# ---- the guest: busybox, the module, an init script
work=$(mktemp -d "${TMPDIR:-/tmp}/kernel-module.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin"
cp /bin/busybox "$work/root/bin/busybox"
ln -s busybox "$work/root/bin/sh"
cp "$src/irq_matrix_port.ko" "$work/root/"
cat > "$work/root/init" <<'INIT'
#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing
T=/sys/kernel/tracing
echo "irqmatrix-module: init started, uptime $(cut -d' ' -f1 /proc/uptime) s" > /dev/kmsg
insmod /irq_matrix_port.ko
echo "irqmatrix-module: insmod -> $?" > /dev/kmsg
# One ordered stream whatever CPU the replay runs on.
echo global > $T/trace_clock
echo 1 > $T/events/irq_matrix_port/enable
echo capture > /sys/module/irq_matrix_port/parameters/replay
echo "irqmatrix-module: replay -> $?" > /dev/kmsg
echo 0 > $T/events/irq_matrix_port/enable
echo "===== irqmatrix-module: begin trace ====="
cat $T/trace
echo "===== irqmatrix-module: end trace ====="
rmmod irq_matrix_port
echo "irqmatrix-module: rmmod -> $?" > /dev/kmsg
echo "===== irqmatrix-module: powering off ====="
poweroff -f
sleep 5
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet) | gzip -1 > "$work/initrd.gz"

case ${KERNEL_LAB_ACCEL:-tcg} in
    kvm) accel=(-accel kvm -cpu host,-arch-capabilities) ;;
    tcg) accel=(-accel tcg -cpu max) ;;
    *) echo "kernel-module: KERNEL_LAB_ACCEL must be kvm or tcg" >&2; exit 2 ;;
esac
# possible_cpus=16: the traces name up to 16 CPUs, and the port's matrices
# have one per-CPU map for each possible CPU of the running kernel; 4 of
# them are there, for the capture's CPUs.
cmdline="console=ttyS0 possible_cpus=16 trace_buf_size=8M panic=-1 nokaslr printk.devkmsg=on"
echo "kernel-module: booting $kver ($(basename "$deb")), module built in ${build_seconds}s" >&2
start=$(date +%s.%N)
rc=0
timeout --kill-after=10 240 qemu-system-x86_64 -machine q35 "${accel[@]}" -smp 4 -m 512M \
    -kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "$cmdline" \
    -display none -vga none -no-reboot -nodefaults -serial "file:$out/console.log" \
    </dev/null >"$work/qemu.out" 2>&1 || rc=$?
boot_seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[ -s "$work/qemu.out" ] && sed 's/^/qemu: /' "$work/qemu.out" >&2
tr -d '\r' < "$out/console.log" > "$work/console"
# The trace buffer as the guest printed it (kernel lines that cut in carry a
# "[ time]" prefix and are left out).
sed -n '/===== irqmatrix-module: begin trace =====/,/===== irqmatrix-module: end trace =====/p' \
    "$work/console" | sed '1d;$d' | grep -v '^\[ *[0-9]*\.[0-9]*\]' > "$out/trace.txt" || true
# The kernel log alone: the console without the dump.
sed '/===== irqmatrix-module: begin trace =====/,/===== irqmatrix-module: end trace =====/{/^\[ *[0-9]*\.[0-9]*\]/!d}' \
    "$work/console" > "$out/kernel.log"

status=ok
[ "$rc" -ne 0 ] && status="qemu exit status $rc"
grep -q 'irqmatrix-module: powering off' "$work/console" || status="guest did not finish"
ktap=0
python3 "$here/ktap-check.py" --extract "$out/ktap.txt" "$out/kernel.log" >&2 || ktap=$?
[ "$ktap" -ne 0 ] && [ "$status" = ok ] && status="KTAP report or kernel log failed"
replay="the irqmatrix tool is not built: not replayed"
tool="$build/tools/irqmatrix/irqmatrix"
if [ -x "$tool" ]; then
    replay="failed"
    if ! "$tool" import-events "$out/trace.txt" > "$out/trace.import" 2>"$work/import.err"; then
        cat "$work/import.err" >&2
    elif ! "$tool" replay --check "$out/trace.import" > "$work/replay.out" 2>&1; then
        cat "$work/replay.out" >&2
    else
        replay=$(tail -n 1 "$work/replay.out" | sed 's/^.*: \([0-9]* operations\)/\1/')
    fi
    [ "$replay" = failed ] && [ "$status" = ok ] && status="the capture does not replay"
fi
{
    echo "status: $status"
    echo "kernel_package: $(basename "$deb")"
    echo "kernel_version: $kver"
    echo "headers: $headers"
    echo "accel: ${KERNEL_LAB_ACCEL:-tcg}"
    echo "module_build_seconds: $build_seconds"
    echo "wall_seconds: $boot_seconds"
    echo "ktap: $(grep -m1 '^# irq_matrix_port: ' "$out/ktap.txt" 2>/dev/null || echo none)"
    echo "trace_events: $(grep -c 'irq_matrix_' "$out/trace.txt" || true)"
    echo "replay: $replay"
    echo "cmdline: $cmdline"
} > "$out/meta.txt"
cat "$out/meta.txt" >&2
echo "kernel-module: output in $out" >&2
[ "$status" = ok ]
