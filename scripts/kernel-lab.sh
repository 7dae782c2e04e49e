#!/usr/bin/env bash
# Boots Debian 12's distribution kernel (linux-image-amd64) in QEMU on a
# busybox initramfs, runs the steps of a scenario file (load and unload
# drivers, interfaces up and down, affinity changes, CPU hotplug, PCI
# hotplug), and captures the kernel's own irq_matrix and irq_vectors trace
# events from the serial console. See docs/kernel-lab.md.
#
#   scripts/kernel-lab.sh SCENARIO.toml [OUTDIR]
#
# OUTDIR defaults to build/kernel-lab/out/<scenario name>. It receives
# console.log, scenario.toml, interrupts.txt, affinity.txt, gaps.txt and
# meta.txt.
# Environment: KERNEL_LAB_ACCEL=kvm|tcg overrides the scenario's accel;
# KERNEL_LAB_CACHE (default build/kernel-lab/cache) keeps the kernel package;
# KERNEL_LAB_PACKAGE names another Debian kernel image package.
# Installs missing Debian packages when run as root; otherwise prints the
# command to install them. Exits non-zero when the guest did not power off
# cleanly (timeout, panic) or no irq_matrix event was captured.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
case ${1:-} in -h|--help) usage; exit 0 ;; esac
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage >&2; exit 2; fi
scenario=$(realpath "$1")
[ -f "$scenario" ] || { echo "kernel-lab: no such scenario: $1" >&2; exit 2; }

. "$repo/scripts/setup-deps.sh"
irqmatrix_need qemu-system-x86_64:qemu-system-x86 cpio:cpio gzip:gzip python3:python3 \
    dpkg-deb:dpkg apt-get:apt timeout:coreutils
irqmatrix_need_file /bin/busybox:busybox-static
irqmatrix_install_missing
# A dynamically linked busybox (package busybox) does not run in the initramfs.
bb_ldd=$(LC_ALL=C ldd /bin/busybox 2>&1 || true)
if [[ $bb_ldd != *"not a dynamic executable"* ]]; then
    irqmatrix_missing=(busybox-static)
    irqmatrix_install_missing
fi
python3 -c 'import tomllib' 2>/dev/null || {
    echo "kernel-lab: python3 >= 3.11 (tomllib) needed" >&2; exit 1; }

# ---- the kernel: a Debian package unpacked under build/, never installed
. "$here/kernel-lab/kernel.sh"
kernel_lab_fetch
modroot="$kdir/lib/modules/$kver/kernel"

# ---- the scenario: init script, module set, QEMU devices
work=$(mktemp -d "${TMPDIR:-/tmp}/kernel-lab.XXXXXX")
mpid=
cleanup() {
    [ -n "$mpid" ] && kill "$mpid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
python3 "$here/kernel-lab/lab.py" prepare "$scenario" "$modroot" "$work"
# s_name, s_vcpus, s_memory, s_timeout, s_accel, s_machine, s_cmdline,
# s_trace_events, s_modules
. "$work/settings.sh"
accel=${KERNEL_LAB_ACCEL:-$s_accel}
out=$(realpath -m "${2:-$lab/out/$s_name}")
mkdir -p "$out"
rm -f "$out/console.log" "$out/interrupts.txt" "$out/affinity.txt" "$out/gaps.txt" "$out/meta.txt"
cp "$scenario" "$out/scenario.toml"

# ---- initramfs: static busybox plus the generated /init and modules
mkdir -p "$work/root/bin" "$work/root/sbin"
cp /bin/busybox "$work/root/bin/busybox"
ln -s busybox "$work/root/bin/sh"
(cd "$work/root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet) | gzip -1 > "$work/initrd.gz"

if [ "$accel" = auto ]; then
    # /dev/kvm alone is not enough: on a nested host without vmx/svm in its
    # CPU flags, KVM guests hang in early boot (seen on this project's CI).
    if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && \
       python3 -c 'import os; os.close(os.open("/dev/kvm", os.O_RDWR))' 2>/dev/null; then
        accel=kvm
    else
        accel=tcg
    fi
fi
case $accel in
    kvm) accel_args=(-accel kvm -cpu host,-arch-capabilities) ;;
    tcg) accel_args=(-accel tcg -cpu max) ;;
    *) echo "kernel-lab: accel must be auto, kvm or tcg" >&2; exit 2 ;;
esac

cmdline="console=ttyS0 trace_event=$s_trace_events tp_printk printk.devkmsg=on"
cmdline+=" log_buf_len=16M trace_buf_size=1M panic=-1 nokaslr"
[ -n "$s_cmdline" ] && cmdline+=" $s_cmdline"

mapfile -t devargs < "$work/qemu-devices.args"
qemu=(qemu-system-x86_64 -machine "$s_machine" "${accel_args[@]}" -smp "$s_vcpus" -m "$s_memory"
      -kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "$cmdline"
      -display none -vga none -no-reboot -nodefaults
      -serial "file:$out/console.log"
      -monitor "unix:$work/monitor.sock,server,nowait"
      "${devargs[@]}")

echo "kernel-lab: $s_name: $s_vcpus vCPUs, $s_memory, $accel, kernel $kver, timeout ${s_timeout}s" >&2
python3 "$here/kernel-lab/lab.py" monitor "$out/console.log" "$work/monitor.sock" "$work/hotplug.json" \
    2>"$work/monitor.log" &
mpid=$!
start=$(date +%s.%N)
rc=0
timeout --kill-after=10 "$s_timeout" "${qemu[@]}" </dev/null >"$work/qemu.out" 2>&1 || rc=$?
end=$(date +%s.%N)
kill "$mpid" 2>/dev/null || true
wait "$mpid" 2>/dev/null || true
mpid=
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
[ -s "$work/qemu.out" ] && sed 's/^/qemu: /' "$work/qemu.out" >&2
touch "$out/console.log"

# x_irq_matrix_events, x_irq_vectors_events, x_events, x_init_started_s,
# x_steps_done_s, x_printk_dropped_lines, x_powered_off, x_kernel_version,
# x_untraced_changes, x_irq_matrix_offline_events, x_interrupts_lines, ...
eval "$(python3 "$here/kernel-lab/lab.py" extract "$out/console.log" "$out")"
status=ok
[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && status="timeout after ${s_timeout}s"
[ "$rc" -ne 0 ] && [ "$status" = ok ] && status="qemu exit status $rc"
[ "$x_powered_off" = True ] || { [ "$status" = ok ] && status="guest did not finish (no power-off marker)"; }
{
    echo "scenario: $s_name"
    echo "status: $status"
    echo "kernel_package: $(basename "$deb")"
    echo "kernel_version: $x_kernel_version"
    echo "accel: $accel"
    echo "vcpus: $s_vcpus"
    echo "memory: $s_memory"
    echo "wall_seconds: $seconds"
    echo "init_started_at: $x_init_started_s"
    echo "steps_done_at: $x_steps_done_s"
    echo "irq_matrix_events: $x_irq_matrix_events"
    echo "irq_vectors_events: $x_irq_vectors_events"
    echo "events: $x_events"
    echo "printk_drop_lines: $x_printk_dropped_lines"
    echo "irq_matrix_offline_events: $x_irq_matrix_offline_events"
    echo "untraced_changes: $x_untraced_changes (see gaps.txt)"
    echo "interrupts_lines: $x_interrupts_lines"
    echo "affinity_lines: $x_affinity_lines"
    echo "modules: $s_modules"
    echo "cmdline: $cmdline"
    printf 'qemu:'
    for a in "${qemu[@]}"; do
        a=${a//$work/WORK}
        a=${a//$repo/REPO}
        case $a in
            ""|*[!A-Za-z0-9_./=:,+-]*) printf " '%s'" "$a" ;;
            *) printf ' %s' "$a" ;;
        esac
    done
    echo
} > "$out/meta.txt"
if [ -s "$work/monitor.log" ]; then
    sed 's/^/monitor: /' "$work/monitor.log" | grep -v '^monitor: *$' >> "$out/meta.txt" || true
fi
grep -E '^(scenario|status|kernel_version|accel|wall_seconds|init_started_at|irq_matrix_events|irq_vectors_events|printk_drop_lines|untraced_changes):' "$out/meta.txt" >&2
echo "kernel-lab: output in $out" >&2
[ "$status" = ok ] && [ "$x_irq_matrix_events" -gt 0 ]
