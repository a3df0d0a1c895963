#!/bin/sh
# Build the tiny test guest booted by the integration tests:
#   OUTDIR/vmlinuz     Debian's linux-image-*-cloud-amd64 kernel
#   OUTDIR/initrd.img  BusyBox + /init + the few kernel modules a QEMU guest needs
#   OUTDIR/data.qcow2  an empty 64 MiB data disk
#
# Usage: tests/guest/build.sh OUTDIR
#
# Only Debian packages are used (apt-get download + dpkg-deb -x, no install, no root needed
# unless apt's package lists are empty).  Downloads are cached in
# ${XDG_CACHE_HOME:-$HOME/.cache}/marina-test-guest/ keyed by package version, and the outputs
# are rebuilt only when an input changed (kernel or busybox version, this script, init files).
set -eu

die() {
    echo "tests/guest/build.sh: $*" >&2
    exit 1
}

[ $# -eq 1 ] || die "usage: build.sh OUTDIR"
OUTDIR=$1
SRCDIR=$(cd "$(dirname "$0")" && pwd)
CACHE=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/marina-test-guest
KMETA=linux-image-cloud-amd64

# Kernel modules the guest loads, in the order given (dependencies are added and ordered
# automatically from each module's .modinfo).  Names use '_' (virtio-rng.ko is virtio_rng).
# Modules built into the kernel (modules.builtin) are skipped; 8250, i8042 and atkbd are
# built in, AHCI is not configured at all in the cloud kernel (no SATA disks).
# ata_piix comes first so that its probe of the IDE channels, which mostly sleeps (~0.2 s),
# overlaps with loading the rest (see /init).
MODULES="scsi_mod sd_mod cdrom sr_mod libata ata_piix
button evdev
virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
virtio_blk virtio_scsi failover net_failover virtio_net virtio_console virtio_balloon virtio_rng"

for tool in apt-cache apt-get dpkg-deb dpkg-query cpio gzip qemu-img; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "'$tool' is missing; install it with: apt-get install busybox-static cpio gzip qemu-utils"
done
BUSYBOX=/bin/busybox
if ! { [ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -qx acpid; }; then
    die "$BUSYBOX (a static BusyBox) is missing; install it with: apt-get install busybox-static"
fi

mkdir -p "$OUTDIR" "$CACHE"

# --- Resolve the kernel package: the metapackage depends on linux-image-<abi>-cloud-amd64 (= V).
# One apt-cache call (it costs ~0.7 s here): the exact version comes from that Depends field.
resolve_kernel() {
    apt-cache show --no-all-versions "$KMETA" 2>/dev/null | sed -n \
        's/^Depends:.*\(linux-image-[0-9][^ ,]*-cloud-amd64\) *(= *\([^ )]*\)).*/\1 \2/p' |
        head -n1
}
KDEP=$(resolve_kernel || true)
if [ -z "$KDEP" ] && [ "$(id -u)" = 0 ]; then
    echo "build.sh: apt knows no $KMETA, running apt-get update" >&2
    apt-get update -qq >&2 || true
    KDEP=$(resolve_kernel || true)
fi
KPKG=${KDEP%% *}
KVER=${KDEP#* }
if [ -n "$KPKG" ]; then
    DEB=$CACHE/${KPKG}_${KVER}_amd64.deb
else
    # Offline and apt knows nothing: fall back to the newest kernel already in the cache.
    # shellcheck disable=SC2012 # our own file names: no odd characters
    DEB=$(ls -t "$CACHE"/linux-image-*-cloud-amd64_*_amd64.deb 2>/dev/null | head -n1 || true)
    [ -n "$DEB" ] || die "cannot resolve $KMETA: apt-cache knows no such package; run" \
        "'apt-get update' as root (Debian bookworm main must be in /etc/apt/sources.list)"
    echo "build.sh: apt-cache cannot resolve $KMETA, using cached $DEB" >&2
fi

BBVER=$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || echo unknown)
LZ4=$(command -v lz4 || echo none)
KEY=$(printf '%s\n' "$(basename "$DEB")" "busybox-static $BBVER" "lz4 $LZ4" "$MODULES" |
    cat - "$0" "$SRCDIR/init" "$SRCDIR/profile" "$SRCDIR/acpi-power" | cksum)

# --- Up to date?  Then only make sure the data disk exists. ---
make_data_disk() {
    if [ ! -s "$OUTDIR/data.qcow2" ]; then
        qemu-img create -q -f qcow2 "$OUTDIR/data.qcow2.tmp" 64M
        mv -f "$OUTDIR/data.qcow2.tmp" "$OUTDIR/data.qcow2"
    fi
}
if [ -s "$OUTDIR/vmlinuz" ] && [ -s "$OUTDIR/initrd.img" ] &&
    [ "$(cat "$OUTDIR/.test-guest.stamp" 2>/dev/null || true)" = "$KEY" ]; then
    make_data_disk
    exit 0
fi

# --- Download (cached). ---
if [ ! -s "$DEB" ]; then
    echo "build.sh: downloading $KPKG $KVER" >&2
    DL=$(mktemp -d "$CACHE/dl.XXXXXX")
    # As root, apt would otherwise warn that its _apt sandbox user cannot write here.
    SANDBOX=
    [ "$(id -u)" = 0 ] && SANDBOX="-o APT::Sandbox::User=root"
    # shellcheck disable=SC2086
    (cd "$DL" && apt-get download -q $SANDBOX "$KPKG=$KVER" >&2) ||
        { rm -rf "$DL"; die "apt-get download $KPKG=$KVER failed (is the Debian mirror reachable?)"; }
    mv -f "$DL"/*.deb "$DEB"
    rmdir "$DL"
    # Drop older kernels: only the current one is ever used again.
    for old in "$CACHE"/linux-image-*-cloud-amd64_*_amd64.deb; do
        [ "$old" = "$DEB" ] || rm -f "$old"
    done
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/marina-test-guest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
dpkg-deb -x "$DEB" "$WORK/pkg"
set -- "$WORK"/pkg/boot/vmlinuz-*
VMLINUZ=$1
[ -f "$VMLINUZ" ] || die "$DEB has no boot/vmlinuz-*"
UNAME=${VMLINUZ##*/vmlinuz-}
MODDIR=$WORK/pkg/lib/modules/$UNAME
[ -d "$MODDIR" ] || die "$DEB has no lib/modules/$UNAME"

# --- The kernel image. ---
# Debian's bzImage decompresses itself (LZ4), which under TCG costs ~0.3 s of every boot. The
# kernel is built with CONFIG_PVH, so QEMU can boot the uncompressed ELF vmlinux inside it
# directly (-kernel accepts either). Fall back to the bzImage when lz4 is not installed.
extract_vmlinux() { # $1 bzImage, $2 output
    if command -v lz4 >/dev/null 2>&1 && grep -qx 'CONFIG_PVH=y' "$WORK"/pkg/boot/config-*; then
        # The payload is an LZ4 legacy frame (magic 02 21 4c 18) inside the bzImage. lz4 fails
        # on the bytes after the frame, so judge the result by its ELF header, not the status.
        off=$(LC_ALL=C grep -abo "$(printf '\002!L\030')" "$1" | head -n1 | cut -d: -f1)
        if [ -n "$off" ]; then
            tail -c +$((off + 1)) "$1" | lz4 -dc >"$2" 2>/dev/null || true
            if [ "$(head -c 4 "$2" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
                return 0
            fi
        fi
    fi
    echo "build.sh: lz4 missing or no LZ4 payload; using the compressed bzImage" \
        "(boots ~0.3 s slower)" >&2
    cp "$1" "$2"
}

# --- Pick the modules and order them after their dependencies. ---
# Index: "name path" for every module file, with '-' folded to '_' as the kernel does.
find "$MODDIR" -name '*.ko*' | while read -r f; do
    n=${f##*/}
    n=${n%%.ko*}
    printf '%s %s\n' "$(echo "$n" | tr - _)" "$f"
done >"$WORK/index"

ORDER=$WORK/order
: >"$ORDER"
mod_path() { awk -v n="$1" '$1 == n { print $2; exit }' "$WORK/index"; }
add_module() { # $1 name, $2 requested by (for messages)
    grep -qx "$1" "$ORDER" && return 0
    path=$(mod_path "$1")
    if [ -z "$path" ]; then
        if grep -q "/$1\.ko" "$MODDIR/modules.builtin" ||
            grep -q "/$(echo "$1" | tr _ -)\.ko" "$MODDIR/modules.builtin"; then
            return 0 # built in
        fi
        echo "build.sh: kernel $UNAME has no module '$1' (${2:-wanted}); skipping it" >&2
        return 0
    fi
    deps=$(uncompressed "$path" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1 | tr , ' ')
    for d in $deps; do
        add_module "$d" "$1" # recursion clobbers $path: it is not used after this loop
    done
    echo "$1" >>"$ORDER"
}
uncompressed() {
    case $1 in
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -dcq "$1" ;;
    *.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
    esac
}
for m in $MODULES; do
    add_module "$m" ""
done

# --- Assemble the initramfs tree. ---
ROOT=$WORK/root
mkdir -p "$ROOT/bin" "$ROOT/sbin" "$ROOT/etc/acpi/PWRF" "$ROOT/lib/modules" "$ROOT/proc" \
    "$ROOT/sys" "$ROOT/dev" "$ROOT/run" "$ROOT/tmp" "$ROOT/root" "$ROOT/var/log" "$ROOT/mnt"
ln -s ../run "$ROOT/var/run"
cp "$BUSYBOX" "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$ROOT/bin/$applet"
done
ln -s ../bin/busybox "$ROOT/sbin/init"
install -m 0755 "$SRCDIR/init" "$ROOT/init"
install -m 0644 "$SRCDIR/profile" "$ROOT/etc/profile"
install -m 0755 "$SRCDIR/acpi-power" "$ROOT/etc/acpi/PWRF/00000080"
cat >"$ROOT/etc/inittab" <<'EOF'
# BusyBox init: one root shell on the console, respawned when it exits.
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/bin/reboot
::shutdown:/bin/sync
EOF
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\n' >"$ROOT/etc/group"
cat >"$ROOT/etc/udhcpc.script" <<'EOF'
#!/bin/sh
# Minimal udhcpc hook: apply the lease to the interface.
case $1 in
deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew)
    ip -4 addr flush dev "$interface"
    ip -4 addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "${router:-}" ] && ip route replace default via "${router%% *}" dev "$interface"
    : >/etc/resolv.conf
    for d in ${dns:-}; do echo "nameserver $d" >>/etc/resolv.conf; done ;;
esac
exit 0
EOF
chmod 0755 "$ROOT/etc/udhcpc.script"

while read -r m; do
    src=$(mod_path "$m")
    uncompressed "$src" >"$ROOT/lib/modules/$m.ko"
done <"$ORDER"
cp "$ORDER" "$ROOT/lib/modules/load-order"
echo "$UNAME" >"$ROOT/etc/kernel-release"

# --- Pack: newc cpio (files owned by whoever builds; the kernel does not care), gzip. ---
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
    gzip -9n >"$OUTDIR/initrd.img.tmp"
extract_vmlinux "$VMLINUZ" "$OUTDIR/vmlinuz.tmp"
mv -f "$OUTDIR/vmlinuz.tmp" "$OUTDIR/vmlinuz"
mv -f "$OUTDIR/initrd.img.tmp" "$OUTDIR/initrd.img"
make_data_disk
echo "$KEY" >"$OUTDIR/.test-guest.stamp"
echo "build.sh: built test guest (kernel $UNAME, $(wc -l <"$ORDER") modules) in $OUTDIR" >&2
