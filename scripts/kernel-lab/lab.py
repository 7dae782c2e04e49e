#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Helper of scripts/kernel-lab.sh (see docs/kernel-lab.md).

  lab.py prepare SCENARIO MODROOT WORKDIR
      Reads the scenario (TOML), writes WORKDIR/root/ (the initramfs tree
      without busybox: /init and the kernel modules the steps load, with
      their dependencies), WORKDIR/qemu-devices.args (one QEMU argument a
      line), WORKDIR/hotplug.json (the monitor commands of hotplug steps) and
      WORKDIR/settings.json (vcpus, memory, timeout, accel, extra cmdline).
  lab.py monitor CONSOLE SOCKET HOTPLUG_JSON
      Runs beside QEMU: whenever the guest prints a hotplug request marker on
      the console, sends the matching commands to the QEMU monitor.
  lab.py extract CONSOLE OUTDIR
      Cuts interrupts.txt and affinity.txt out of the console capture, writes
      gaps.txt, and prints the event counts as shell assignments (x_...).

Needs only the Python 3.11 standard library (tomllib).
"""
import json
import lzma
import os
import re
import shlex
import socket
import struct
import sys
import time
import tomllib

MARK = "irqmatrix-lab"

# Bus drivers a device driver needs but does not depend on by symbol: loading
# the key loads the value first (only if it is not loaded yet).
SOFT_DEPS = {
    "virtio_net": ["virtio_pci"],
    "virtio_blk": ["virtio_pci"],
    "virtio_scsi": ["virtio_pci"],
    "virtio_console": ["virtio_pci"],
    "virtio_balloon": ["virtio_pci"],
    "virtio_rng": ["virtio_pci"],
}

DEVICE_KEYS = {"nvme", "virtio_blk", "virtio_net", "e1000e", "e1000", "virtio_scsi", "extra"}
STEP_KEYS = {"load", "unload", "up", "down", "affinity", "offline", "online",
             "sleep", "wait_irq", "shell", "device_add", "device_del", "label"}
TOP_KEYS = {"name", "description", "vcpus", "memory", "timeout", "accel", "cmdline",
            "settle", "machine", "trace_events", "devices", "steps"}

# The kernel's trace_event= parameter takes system:event with no globbing
# inside a name, so the vector-domain events of irq_vectors are listed one by
# one: "irq_vectors:*" would also print local_timer_entry/exit,
# reschedule_entry/exit, ... for every interrupt taken, thousands a second.
VECTOR_EVENTS = ["vector_config", "vector_update", "vector_clear", "vector_reserve_managed",
                 "vector_reserve", "vector_alloc", "vector_alloc_managed", "vector_activate",
                 "vector_deactivate", "vector_teardown", "vector_setup", "vector_free_moved"]
DEFAULT_EVENTS = ",".join(["irq_matrix:*"] + [f"irq_vectors:{e}" for e in VECTOR_EVENTS])


class ScenarioError(Exception):
    pass


def die(msg):
    print(f"kernel-lab: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- modules

def modinfo(path):
    """Key/value pairs of a module's .modinfo section (plain or .xz)."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        data = lzma.decompress(data)
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ScenarioError(f"{path}: not a little-endian ELF64 module")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def section(i):
        base = shoff + i * shentsize
        name, _typ, _flags, _addr, off, size = struct.unpack_from("<IIQQQQ", data, base)
        return name, off, size

    _, stroff, _ = section(shstrndx)
    info = {}
    for i in range(shnum):
        name, off, size = section(i)
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end] == b".modinfo":
            for item in data[off:off + size].split(b"\0"):
                if b"=" in item:
                    k, v = item.decode(errors="replace").split("=", 1)
                    info.setdefault(k, v)
    return info


def norm(name):
    return name.replace("-", "_")


class ModuleTree:
    def __init__(self, root):
        self.root = root
        self.paths = {}
        for d, _dirs, files in os.walk(root):
            for f in files:
                m = re.match(r"(.+)\.ko(\.xz)?$", f)
                if m:
                    self.paths[norm(m.group(1))] = os.path.join(d, f)
        if not self.paths:
            raise ScenarioError(f"no kernel modules under {root}")
        self.builtin = set()
        bfile = os.path.join(os.path.dirname(root.rstrip("/")), "modules.builtin")
        if os.path.exists(bfile):
            for line in open(bfile):
                self.builtin.add(norm(os.path.basename(line.strip()).split(".ko")[0]))

    def deps(self, name):
        path = self.paths[name]
        dep = modinfo(path).get("depends", "")
        return [norm(d) for d in dep.split(",") if d]

    def closure(self, name, order, seen, stack=()):
        """Appends name and everything it needs to order, dependencies first."""
        name = norm(name)
        if name in seen:
            return
        if name in stack:
            raise ScenarioError(f"module dependency cycle at {name}")
        if name not in self.paths:
            if name in self.builtin:
                seen.add(name)
                return
            raise ScenarioError(f"module {name!r} is not in the kernel package")
        for d in SOFT_DEPS.get(name, []) + self.deps(name):
            self.closure(d, order, seen, stack + (name,))
        seen.add(name)
        order.append(name)


# ---------------------------------------------------------------- scenario

def as_list(v, what):
    if isinstance(v, list):
        return v
    if isinstance(v, (str, int)):
        return [v]
    raise ScenarioError(f"{what}: expected a value or a list, got {v!r}")


def device_entries(devices, key):
    """A device key is a count or a list of tables of options."""
    v = devices.get(key, 0)
    if isinstance(v, bool):
        raise ScenarioError(f"devices.{key}: expected a count or a list of tables")
    if isinstance(v, int):
        if v < 0:
            raise ScenarioError(f"devices.{key}: negative count")
        return [{} for _ in range(v)]
    if isinstance(v, dict):
        return [v]
    if isinstance(v, list) and all(isinstance(e, dict) for e in v):
        return v
    raise ScenarioError(f"devices.{key}: expected a count or a list of tables")


def qemu_opts(opts, allowed, what):
    out = []
    for k, val in opts.items():
        if k not in allowed:
            raise ScenarioError(f"{what}: unknown option {k!r} (allowed: {', '.join(sorted(allowed))})")
        if isinstance(val, bool):
            val = "on" if val else "off"
        out.append(f"{allowed[k]}={val}")
    return out


def device_args(devices):
    """QEMU arguments for the [devices] table, and hotplug-able templates."""
    unknown = set(devices) - DEVICE_KEYS
    if unknown:
        raise ScenarioError(f"devices: unknown key(s) {', '.join(sorted(unknown))}")
    args = []
    n_blk = 0
    n_net = 0
    for i, d in enumerate(device_entries(devices, "nvme")):
        node = f"nvme{i}"
        size = d.get("size", 64 << 20)
        args += ["-blockdev", f"driver=null-co,node-name={node},size={size},read-zeroes=on"]
        extra = qemu_opts({k: v for k, v in d.items() if k != "size"},
                          {"max_ioqpairs": "max_ioqpairs", "msix_qsize": "msix_qsize",
                           "queues": "max_ioqpairs"}, f"devices.nvme[{i}]")
        args += ["-device", ",".join([f"nvme,serial=lab{i}", f"drive={node}", f"id=dev-{node}"] + extra)]
    for i, d in enumerate(device_entries(devices, "virtio_blk")):
        node = f"vblk{i}"
        size = d.get("size", 64 << 20)
        args += ["-blockdev", f"driver=null-co,node-name={node},size={size},read-zeroes=on"]
        extra = qemu_opts({k: v for k, v in d.items() if k != "size"},
                          {"queues": "num-queues", "num_queues": "num-queues", "num-queues": "num-queues",
                           "vectors": "vectors"}, f"devices.virtio_blk[{i}]")
        args += ["-device", ",".join(["virtio-blk-pci", f"drive={node}", f"id=dev-{node}"] + extra)]
        n_blk += 1
    for i, d in enumerate(device_entries(devices, "virtio_scsi")):
        extra = qemu_opts(d, {"queues": "num_queues", "num_queues": "num_queues", "vectors": "vectors"},
                          f"devices.virtio_scsi[{i}]")
        args += ["-device", ",".join(["virtio-scsi-pci", f"id=dev-vscsi{i}"] + extra)]
    for key, model in (("virtio_net", "virtio-net-pci"), ("e1000e", "e1000e"), ("e1000", "e1000")):
        for i, d in enumerate(device_entries(devices, key)):
            nd = f"net{n_net}"
            n_net += 1
            args += ["-netdev", f"user,id={nd}"]
            extra = qemu_opts(d, {"vectors": "vectors"} if key == "virtio_net" else {},
                              f"devices.{key}[{i}]")
            args += ["-device", ",".join([model, f"netdev={nd}", f"id=dev-{nd}"] + extra)]
    for i, e in enumerate(as_list(devices.get("extra", []), "devices.extra")):
        if not isinstance(e, str):
            raise ScenarioError("devices.extra: expected QEMU -device strings")
        args += ["-device", e]
    return args


def sh(s):
    return shlex.quote(str(s))


def step_script(idx, step, modules, hotplug, backends):
    """Shell lines for one step, and its one-line description."""
    if not isinstance(step, dict):
        raise ScenarioError(f"steps[{idx}]: expected a table")
    unknown = set(step) - STEP_KEYS
    if unknown:
        raise ScenarioError(f"steps[{idx}]: unknown key(s) {', '.join(sorted(unknown))}")
    actions = [k for k in step if k != "label"]
    if len(actions) != 1:
        raise ScenarioError(f"steps[{idx}]: exactly one action key expected, got {actions or 'none'}")
    key = actions[0]
    v = step[key]
    n = idx + 1
    lines = []
    if key == "load":
        names = [norm(x) for x in as_list(v, f"steps[{idx}].load")]
        desc = "load " + " ".join(names)
        order, seen = [], set()
        for name in names:
            modules.closure(name, order, seen)
        for m in order:
            lines.append(f"lab_insmod {sh(m)}")
    elif key == "unload":
        names = [norm(x) for x in as_list(v, f"steps[{idx}].unload")]
        desc = "unload " + " ".join(names)
        for m in names:
            lines.append(f"lab_run rmmod {sh(m)}")
    elif key in ("up", "down"):
        ifs = as_list(v, f"steps[{idx}].{key}")
        desc = f"{key} " + " ".join(map(str, ifs))
        for i in ifs:
            lines.append(f"lab_run ip link set {sh(i)} {key}")
    elif key in ("offline", "online"):
        cpus = as_list(v, f"steps[{idx}].{key}")
        desc = f"{key} cpu " + " ".join(map(str, cpus))
        bit = 0 if key == "offline" else 1
        for c in cpus:
            if not isinstance(c, int) or c < 1:
                raise ScenarioError(f"steps[{idx}].{key}: CPU numbers must be integers >= 1 (CPU 0 cannot go offline)")
            lines.append(f"lab_write {bit} /sys/devices/system/cpu/cpu{c}/online")
    elif key == "affinity":
        if not isinstance(v, dict) or "cpus" not in v or len(set(v) & {"irq", "match", "regex"}) != 1 \
                or set(v) - {"irq", "match", "regex", "cpus"}:
            raise ScenarioError(f"steps[{idx}].affinity: expected {{ irq = N | match = \"name\" | "
                                f"regex = \"ERE\", cpus = \"list\" }}")
        cpus = str(v["cpus"])
        if "irq" in v:
            desc = f"affinity irq {v['irq']} -> {cpus}"
            lines.append(f"lab_affinity {sh(v['irq'])} {sh(cpus)}")
        elif "match" in v:
            desc = f"affinity {v['match']} -> {cpus}"
            lines.append(f"lab_affinity_match {sh(v['match'])} {sh(cpus)} exact")
        else:
            desc = f"affinity /{v['regex']}/ -> {cpus}"
            lines.append(f"lab_affinity_match {sh(v['regex'])} {sh(cpus)} regex")
    elif key == "sleep":
        if not isinstance(v, (int, float)) or v < 0:
            raise ScenarioError(f"steps[{idx}].sleep: seconds expected")
        desc = f"sleep {v}"
        lines.append(f"sleep {v}")
    elif key == "wait_irq":
        if isinstance(v, str):
            v = {"name": v}
        if not isinstance(v, dict) or "name" not in v or set(v) - {"name", "timeout"}:
            raise ScenarioError(f"steps[{idx}].wait_irq: expected \"name\" or {{ name = \"...\", timeout = s }}")
        desc = f"wait for irq {v['name']}"
        lines.append(f"lab_wait_irq {sh(v['name'])} {int(v.get('timeout', 20))}")
    elif key == "shell":
        desc = f"shell {v}"
        lines.append(f"lab_run sh -c {sh(v)}")
    elif key in ("device_add", "device_del"):
        if key == "device_add":
            if not isinstance(v, dict) or "driver" not in v or "id" not in v:
                raise ScenarioError(f"steps[{idx}].device_add: expected {{ driver = \"...\", id = \"...\", ... }}")
            props = dict(v)
            cmds = []
            # The backend of a hot-added drive or NIC exists from the start
            # (HMP has no blockdev-add); only the PCI device comes and goes.
            if props.get("driver") in ("nvme", "virtio-blk-pci") and "drive" not in props:
                node = f"hp-{props['id']}"
                backends += ["-blockdev", f"driver=null-co,node-name={node},size=67108864,read-zeroes=on"]
                props["drive"] = node
                if props["driver"] == "nvme":
                    props.setdefault("serial", props["id"])
            if props.get("driver") in ("virtio-net-pci", "e1000e", "e1000") and "netdev" not in props:
                node = f"hp-{props['id']}"
                backends += ["-netdev", f"user,id={node}"]
                props["netdev"] = node
            opts = ",".join([props.pop("driver")] + [f"{k}={val}" for k, val in props.items()])
            cmds.append(f"device_add {opts}")
            desc = f"device_add {opts}"
        else:
            cmds = [f"device_del {v}"]
            desc = f"device_del {v}"
        hotplug[str(n)] = cmds
        lines.append(f"lab_hotplug {n}")
    else:  # pragma: no cover
        raise ScenarioError(key)
    label = step.get("label")
    if label:
        desc += f" ({label})"
    return desc, lines


INIT_HEAD = r'''#!/bin/sh
# Generated by scripts/kernel-lab/lab.py from scenario @NAME@. Do not edit.
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
M=@MARK@
# Markers go through /dev/kmsg (printk.devkmsg=on), so they sit in the same
# ordered stream as the trace events that tp_printk prints.
mark() { echo "$M: $*" > /dev/kmsg; }
note() { echo "$M:   $*" > /dev/kmsg; }
lab_run() {
    out=$("$@" 2>&1); rc=$?
    [ -n "$out" ] && echo "$out" | while IFS= read -r l; do note "| $l"; done
    note "$* -> rc=$rc"
}
errtext() { [ -s /tmp/err ] && echo " $(cat /tmp/err)"; }
lab_write() {
    echo "$1" > "$2" 2>/tmp/err; rc=$?
    note "echo $1 > $2 -> rc=$rc$(errtext)"
}
lab_insmod() {
    if [ -d "/sys/module/$1" ] && [ -e "/sys/module/$1/initstate" ]; then
        note "$1 already loaded"; return
    fi
    lab_run insmod "/lib/modules/$1.ko"
}
lab_irqs_named() {   # $1 name, $2 exact|regex: IRQ numbers whose action matches
    awk -v pat="$1" -v how="$2" -F: '
        $1 ~ /^ *[0-9]+$/ {
            n = $1 + 0; rest = $0; sub(/^[^:]*:/, "", rest);
            k = split(rest, f, " "); name = f[k];
            if ((how == "exact" && name == pat) || (how == "regex" && name ~ pat)) print n
        }' /proc/interrupts
}
lab_affinity() {
    before=$(cat /proc/irq/$1/effective_affinity_list 2>/dev/null)
    echo "$2" > /proc/irq/$1/smp_affinity_list 2>/tmp/err; rc=$?
    after=$(cat /proc/irq/$1/effective_affinity_list 2>/dev/null)
    note "irq $1 smp_affinity_list=$2 -> rc=$rc$(errtext), effective $before -> $after"
}
lab_affinity_match() {
    irqs=$(lab_irqs_named "$1" "$3")
    [ -z "$irqs" ] && { note "no irq matches $1 ($3)"; return; }
    for i in $irqs; do lab_affinity "$i" "$2"; done
}
lab_wait_irq() {
    t=0
    while [ -z "$(lab_irqs_named "$1" exact)" ]; do
        t=$((t + 1)); [ $t -gt $(($2 * 10)) ] && { note "timed out waiting for irq $1"; return; }
        sleep 0.1
    done
    note "irq $1 is $(lab_irqs_named "$1" exact)"
}
lab_hotplug() {
    # The host watches the console for this line and talks to the QEMU monitor,
    # then the guest waits for the done line's effect by polling the PCI bus.
    before=$(ls /sys/bus/pci/devices | wc -l)
    echo "$M: hotplug request $1" > /dev/console
    t=0
    while [ "$(ls /sys/bus/pci/devices | wc -l)" = "$before" ] && [ $t -lt 200 ]; do sleep 0.1; t=$((t + 1)); done
    note "pci devices $before -> $(ls /sys/bus/pci/devices | wc -l)"
}
mark "init started, uptime $(cut -d' ' -f1 /proc/uptime) s, $(nproc) CPUs online"
'''

INIT_TAIL = r'''mark "steps done"
sleep 1
# The dumps go to the console tty directly; kernel lines that might cut in
# carry a "[ time]" prefix and are dropped by the extractor.
echo "===== $M: begin interrupts ====="
cat /proc/interrupts
echo "===== $M: end interrupts ====="
echo "===== $M: begin affinity ====="
echo "# irq effective_affinity_list smp_affinity_list actions"
for n in $(ls /proc/irq | grep -E '^[0-9]+$' | sort -n); do
    acts=$(for a in /proc/irq/$n/*/; do [ -d "$a" ] && basename "$a"; done | tr '\n' ',' | sed 's/,$//')
    eff=$(cat /proc/irq/$n/effective_affinity_list 2>/dev/null)
    aff=$(cat /proc/irq/$n/smp_affinity_list 2>/dev/null)
    echo "$n ${eff:--} ${aff:--} ${acts:--}"
done
echo "===== $M: end affinity ====="
echo "===== $M: powering off ====="
poweroff -f
sleep 5
'''


def shell_vars(prefix, d):
    """Assignments for the shell script to source (lists space-joined,
    tables as JSON)."""
    out = []
    for k, v in d.items():
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            v = " ".join(v)
        elif isinstance(v, (dict, list)):
            v = json.dumps(v)
        elif v is None:
            v = ""
        out.append(f"{prefix}{k}={shlex.quote(str(v))}\n")
    return "".join(out)


def prepare(scenario_path, modroot, work):
    try:
        with open(scenario_path, "rb") as f:
            sc = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{scenario_path}: {e}")
    unknown = set(sc) - TOP_KEYS
    if unknown:
        raise ScenarioError(f"unknown top-level key(s) {', '.join(sorted(unknown))}")
    name = sc.get("name") or os.path.splitext(os.path.basename(scenario_path))[0]
    vcpus = sc.get("vcpus", 2)
    if not isinstance(vcpus, int) or not 1 <= vcpus <= 255:
        raise ScenarioError("vcpus: an integer 1..255 expected")
    memory = sc.get("memory", "512M")
    if isinstance(memory, int):
        memory = f"{memory}M"
    settle = sc.get("settle", 0.5)
    if not isinstance(settle, (int, float)) or settle < 0:
        raise ScenarioError("settle: seconds expected")
    accel = sc.get("accel", "auto")
    if accel not in ("auto", "kvm", "tcg"):
        raise ScenarioError("accel: auto, kvm or tcg")
    machine = sc.get("machine", "q35")
    settings = {
        "name": name,
        "description": sc.get("description", ""),
        "vcpus": vcpus,
        "memory": str(memory),
        "timeout": int(sc.get("timeout", 300)),
        "accel": accel,
        "machine": machine,
        "cmdline": sc.get("cmdline", ""),
        "trace_events": sc.get("trace_events", DEFAULT_EVENTS),
    }
    if not isinstance(settings["trace_events"], str) or " " in settings["trace_events"]:
        raise ScenarioError("trace_events: a comma-separated list without spaces expected")
    qargs = device_args(sc.get("devices", {}))
    modules = ModuleTree(modroot)
    body = []
    hotplug = {}
    needed = []
    steps = sc.get("steps", [])
    if not isinstance(steps, list):
        raise ScenarioError("steps: expected an array of tables ([[steps]])")
    for i, st in enumerate(steps):
        desc, lines = step_script(i, st, modules, hotplug, qargs)
        body.append(f"mark {sh(f'step {i + 1}: {desc}')}")
        body += lines
        if settle:
            body.append(f"sleep {settle}")
        for ln in lines:
            if ln.startswith("lab_insmod "):
                needed.append(shlex.split(ln)[1])
    root = os.path.join(work, "root")
    os.makedirs(os.path.join(root, "lib", "modules"), exist_ok=True)
    for m in dict.fromkeys(needed):
        src = modules.paths[m]
        with open(src, "rb") as f:
            data = f.read()
        if src.endswith(".xz"):
            data = lzma.decompress(data)
        with open(os.path.join(root, "lib", "modules", f"{m}.ko"), "wb") as f:
            f.write(data)
    init = INIT_HEAD.replace("@NAME@", name).replace("@MARK@", MARK) + "\n".join(body) + "\n" + INIT_TAIL
    with open(os.path.join(root, "init"), "w") as f:
        f.write(init)
    os.chmod(os.path.join(root, "init"), 0o755)
    with open(os.path.join(work, "qemu-devices.args"), "w") as f:
        f.write("".join(a + "\n" for a in qargs))
    with open(os.path.join(work, "hotplug.json"), "w") as f:
        json.dump(hotplug, f)
    settings["modules"] = list(dict.fromkeys(needed))
    settings["steps"] = len(steps)
    with open(os.path.join(work, "settings.json"), "w") as f:
        json.dump(settings, f, indent=1)
    with open(os.path.join(work, "settings.sh"), "w") as f:
        f.write(shell_vars("s_", settings))


# ---------------------------------------------------------------- monitor

def monitor(console, sock_path, hotplug_json):
    with open(hotplug_json) as f:
        hotplug = json.load(f)
    if not hotplug:
        return
    for _ in range(100):
        if os.path.exists(sock_path):
            break
        time.sleep(0.1)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.settimeout(0.2)
    done = set()
    sent = []
    pos = 0
    pat = re.compile(MARK + r": hotplug request (\d+)")
    while len(done) < len(hotplug):
        try:
            with open(console, "rb") as f:
                f.seek(pos)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        if chunk:
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                text = chunk[:nl].decode(errors="replace")
                pos += nl + 1
                for m in pat.finditer(text):
                    k = m.group(1)
                    if k in hotplug and k not in done:
                        done.add(k)
                        for cmd in hotplug[k]:
                            sys.stderr.write(f"sent: {cmd}\n")
                            sent.append(cmd)
                            s.sendall((cmd + "\n").encode())
                            time.sleep(0.3)
        try:
            reply = s.recv(65536)
            if not reply:
                return
            # HMP echoes every keystroke with cursor movements; keep only
            # the lines that say something (errors), without the echo.
            text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", reply.decode(errors="replace"))
            for ln in text.replace("\r", "\n").split("\n"):
                ln = ln.strip()
                if ln and not ln.startswith("(qemu)") and not ln.startswith("QEMU ") \
                        and not any(ln.endswith(c) for c in sent):
                    sys.stderr.write(f"qemu monitor: {ln}\n")
        except socket.timeout:
            pass
        except OSError:
            return
        time.sleep(0.1)


# ---------------------------------------------------------------- extract

TS = re.compile(r"^\[\s*\d+\.\d+\] ")


def section(lines, what):
    begin = f"===== {MARK}: begin {what} ====="
    end = f"===== {MARK}: end {what} ====="
    out, inside = [], False
    for ln in lines:
        s = ln.rstrip("\r\n").lstrip("\0")
        if s == begin:
            inside, out = True, []
        elif s == end:
            inside = False
        elif inside and not TS.match(s):
            out.append(s)
    return out


CPU_EV = re.compile(r"irq_matrix_(\w+): bit=(-?\d+) cpu=(\d+) online=(\d) avl=(\d+) alloc=(\d+) "
                    r"managed=(\d+) online_maps=(\d+) global_avl=(\d+), global_rsvd=(\d+), total_alloc=(\d+)")
GLOBAL_EV = re.compile(r"irq_matrix_(\w+): (?:bit=(-?\d+) )?online_maps=(-?\d+) global_avl=(\d+), "
                       r"global_rsvd=(\d+), total_alloc=(\d+)")
STEP = re.compile(MARK + r": (step \d+: .*|init started.*|steps done)")
# Change of the per-CPU "alloc" counter each per-CPU event implies
# (assign: the calling CPU).
ALLOC_DELTA = {"alloc": 1, "alloc_managed": 1, "assign": 1, "free": -1,
               "reserve_managed": 0, "remove_managed": 0, "alloc_reserved": 1}


def gaps(lines):
    """Changes of the matrix that no traced event explains.

    Every irq_matrix event prints counters after its change. Follows the
    per-CPU allocated count and total_alloc from event to event; where an
    event's values do not follow from the previous ones plus its own change,
    something changed the matrix without a trace line (for instance on a CPU
    going down, where tracepoints do not fire)."""
    cpu_alloc = {}
    total = None
    where = "boot"
    out = []
    for n, ln in enumerate(lines, 1):
        m = STEP.search(ln)
        if m:
            where = m.group(1)
            continue
        m = CPU_EV.search(ln)
        if m:
            ev, cpu, alloc, tot = m.group(1), int(m.group(3)), int(m.group(6)), int(m.group(11))
            online = m.group(4) == "1"
            d = ALLOC_DELTA.get(ev, 0)
            if cpu in cpu_alloc and cpu_alloc[cpu][0] + d != alloc:
                was, pn, pwhere = cpu_alloc[cpu]
                out.append(f"line {n} ({where}): cpu {cpu} alloc={alloc} after {ev}, expected "
                           f"{was + d}: {was} at line {pn} ({pwhere})")
            cpu_alloc[cpu] = (alloc, n, where)
            td = d if (online or ev != "free") else 0
            if total is not None and total[0] + td != tot:
                out.append(f"line {n} ({where}): total_alloc={tot} after {ev}, expected "
                           f"{total[0] + td}: {total[0]} at line {total[1]} ({total[2]})")
            total = (tot, n, where)
            continue
        m = GLOBAL_EV.search(ln)
        if m:
            ev, tot = m.group(1), int(m.group(6))
            ok = {tot} if ev != "assign_system" else {tot, tot + 1}  # replace frees one
            if total is not None and total[0] not in ok:
                out.append(f"line {n} ({where}): total_alloc={tot} after {ev}, expected "
                           f"{total[0]}: {total[0]} at line {total[1]} ({total[2]})")
            total = (tot, n, where)
    return out


def extract(console, outdir):
    with open(console, "rb") as f:
        text = f.read().decode(errors="replace")
    lines = text.splitlines()
    for what in ("interrupts", "affinity"):
        sec = section(lines, what)
        with open(os.path.join(outdir, f"{what}.txt"), "w") as f:
            f.write("".join(s + "\n" for s in sec))
    counts = {}
    ev = re.compile(r"\b(irq_matrix_[a-z_]+|vector_[a-z_]+): ")
    first_ts = None
    for ln in lines:
        m = ev.search(ln)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
            if first_ts is None:
                t = TS.match(ln)
                first_ts = ln[1:t.end() - 2].strip() if t else None
    def ts_of(pattern):
        for ln in lines:
            if pattern in ln:
                t = TS.match(ln)
                return float(ln[1:t.end() - 2]) if t else None
        return None
    gap_list = gaps(lines)
    with open(os.path.join(outdir, "gaps.txt"), "w") as f:
        f.write("".join(g + "\n" for g in gap_list))
    res = {
        "untraced_changes": len(gap_list),
        "irq_matrix_offline_events": counts.get("irq_matrix_offline", 0),
        "irq_matrix_events": sum(v for k, v in counts.items() if k.startswith("irq_matrix_")),
        "irq_vectors_events": sum(v for k, v in counts.items() if k.startswith("vector_")),
        "events": dict(sorted(counts.items())),
        "init_started_s": ts_of(f"{MARK}: init started"),
        "steps_done_s": ts_of(f"{MARK}: steps done"),
        "printk_dropped_lines": json.dumps([ln.strip() for ln in lines if "printk messages dropped" in ln
                                            or "callbacks suppressed" in ln or "messages suppressed" in ln]),
        "powered_off": any(f"{MARK}: powering off" in ln for ln in lines),
        "kernel_version": next((ln.split("Linux version ", 1)[1].strip() for ln in lines
                                if "Linux version " in ln), None),
        "interrupts_lines": len(section(lines, "interrupts")),
        "affinity_lines": len(section(lines, "affinity")),
    }
    print(shell_vars("x_", res), end="")


def main(argv):
    try:
        if len(argv) == 5 and argv[1] == "prepare":
            prepare(argv[2], argv[3], argv[4])
        elif len(argv) == 5 and argv[1] == "monitor":
            monitor(argv[2], argv[3], argv[4])
        elif len(argv) == 4 and argv[1] == "extract":
            extract(argv[2], argv[3])
        else:
            die("usage: lab.py prepare SCENARIO MODROOT WORKDIR | monitor CONSOLE SOCKET HOTPLUG_JSON "
                "| extract CONSOLE OUTDIR")
    except ScenarioError as e:
        die(str(e))


if __name__ == "__main__":
    main(sys.argv)
