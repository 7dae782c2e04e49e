# Sourced by scripts/kernel-lab.sh and scripts/kernel-module.sh: the lab's
# kernel, Debian's linux-image-amd64 (or KERNEL_LAB_PACKAGE) downloaded into
# the cache and unpacked under build/kernel-lab/kernel/, never installed.
# Later runs use the cached package, so the kernel stays the same until the
# cache is deleted (docs/kernel-lab.md).
#   kernel_lab_fetch   needs $repo; sets lab, cache, deb, kdir, vmlinuz, kver
kernel_lab_fetch() {
    lab="$repo/build/kernel-lab"
    cache=${KERNEL_LAB_CACHE:-$lab/cache}
    mkdir -p "$cache"
    local pkg=${KERNEL_LAB_PACKAGE:-linux-image-amd64} real dep
    deb=$(ls "$cache"/linux-image-[0-9]*.deb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$deb" ] || [ -n "${KERNEL_LAB_PACKAGE:-}" ]; then
        real=$pkg
        # linux-image-amd64 is a meta package: follow it to the versioned image.
        dep=$(apt-cache depends "$pkg" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
        if [ -z "$dep" ] && ! apt-cache show "$pkg" >/dev/null 2>&1; then
            [ "$(id -u)" -eq 0 ] && apt-get update -qq
            dep=$(apt-cache depends "$pkg" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
        fi
        [ -n "$dep" ] && real=$dep
        echo "kernel-lab: downloading $real" >&2
        (cd "$cache" && apt-get download "$real" 2>&1 | grep -v 'unsandboxed' >&2 || true)
        deb=$(ls "$cache"/"$real"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
        [ -n "$deb" ] || { echo "kernel-lab: could not download $real" >&2; exit 1; }
    fi
    kdir="$lab/kernel/$(basename "$deb" .deb)"
    if [ ! -f "$kdir/.unpacked" ]; then
        rm -rf "$kdir"; mkdir -p "$kdir"
        dpkg-deb -x "$deb" "$kdir"
        touch "$kdir/.unpacked"
    fi
    vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | head -n 1)
    kver=${vmlinuz##*/vmlinuz-}
}
