#!/bin/sh
# Make a bootable live CD of the tiny test guest: ISOLINUX (El Torito, no emulation; isohybrid
# MBR too, so the image also boots as a disk) starts the guest's kernel and initramfs at once,
# on the serial console, with the kernel command line the integration tests use.
#
# Usage: tests/guest/make-iso.sh OUTPUT.iso VMLINUZ INITRD
#   VMLINUZ, INITRD: the outputs of tests/guest/build.sh (target test-guest)
#
# Volume id MARINA_TEST_LIVE. Only Debian packages: xorriso, isolinux, syslinux-common.
#
# ISOLINUX can only load a bzImage. build.sh's vmlinuz is usually the uncompressed ELF vmlinux
# (QEMU boots it directly through PVH); then the bzImage comes from the same kernel package,
# which build.sh keeps in its download cache (fetched again with apt-get download if it is gone).
set -eu

die() {
    echo "tests/guest/make-iso.sh: $*" >&2
    exit 1
}

[ $# -eq 3 ] || die "usage: make-iso.sh OUTPUT.iso VMLINUZ INITRD"
OUTPUT=$1
VMLINUZ=$2
INITRD=$3
CACHE=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/marina-test-guest
ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
ISOHYBRID_MBR=/usr/lib/ISOLINUX/isohdpfx.bin
LDLINUX=/usr/lib/syslinux/modules/bios/ldlinux.c32
CMDLINE='console=ttyS0 quiet panic=-1 acpi=noirq cryptomgr.notests'

command -v xorriso >/dev/null 2>&1 || die "'xorriso' is missing; install it with: apt-get install xorriso"
[ -f "$ISOLINUX_BIN" ] || die "$ISOLINUX_BIN is missing; install it with: apt-get install isolinux"
[ -f "$LDLINUX" ] || die "$LDLINUX is missing; install it with: apt-get install syslinux-common"
[ -s "$VMLINUZ" ] || die "$VMLINUZ is missing: build the test guest first (tests/guest/build.sh)"
[ -s "$INITRD" ] || die "$INITRD is missing: build the test guest first (tests/guest/build.sh)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/marina-test-iso.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
STAGE=$WORK/iso
mkdir -p "$STAGE/isolinux" "$STAGE/boot"

# A bzImage has the boot protocol's "HdrS" magic at offset 0x202.
is_bzimage() { [ "$(dd if="$1" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ]; }

if is_bzimage "$VMLINUZ"; then
    cp "$VMLINUZ" "$STAGE/boot/vmlinuz"
else
    # The kernel release the initramfs' modules were built for (build.sh records it).
    UNAME=$(gzip -dc "$INITRD" | (cd "$WORK" && cpio -i --quiet --to-stdout etc/kernel-release))
    [ -n "$UNAME" ] || die "$INITRD does not say its kernel release (etc/kernel-release)"
    set -- "$CACHE/linux-image-${UNAME}_"*_amd64.deb
    DEB=$1
    if [ ! -s "$DEB" ]; then
        echo "make-iso.sh: linux-image-$UNAME is not in $CACHE; downloading it" >&2
        SANDBOX=
        [ "$(id -u)" = 0 ] && SANDBOX="-o APT::Sandbox::User=root"
        # shellcheck disable=SC2086
        (cd "$WORK" && apt-get download -q $SANDBOX "linux-image-$UNAME" >&2) ||
            die "apt-get download linux-image-$UNAME failed (is the Debian mirror reachable?)"
        set -- "$WORK"/linux-image-*.deb
        DEB=$1
    fi
    dpkg-deb --fsys-tarfile "$DEB" | tar -xO "./boot/vmlinuz-$UNAME" >"$STAGE/boot/vmlinuz" ||
        die "$DEB has no boot/vmlinuz-$UNAME"
    is_bzimage "$STAGE/boot/vmlinuz" || die "boot/vmlinuz-$UNAME in $DEB is not a bzImage"
fi
cp "$INITRD" "$STAGE/boot/initrd.img"
cp "$ISOLINUX_BIN" "$LDLINUX" "$STAGE/isolinux/"

# No prompt, no menu, no timeout: straight into the guest. The loader talks on the serial port
# too, so a failing boot leaves a trace on the console the tests read.
cat >"$STAGE/isolinux/isolinux.cfg" <<EOF
serial 0 115200
prompt 0
timeout 0
default marina
label marina
  linux /boot/vmlinuz
  initrd /boot/initrd.img
  append $CMDLINE
EOF

HYBRID=
[ -f "$ISOHYBRID_MBR" ] && HYBRID="-isohybrid-mbr $ISOHYBRID_MBR"
# shellcheck disable=SC2086
xorriso -as mkisofs -o "$OUTPUT.tmp" \
    -V MARINA_TEST_LIVE -sysid LINUX -publisher 'MARINA PROJECT' -A 'MARINA TEST GUEST' \
    -R -J $HYBRID \
    -c isolinux/boot.cat -b isolinux/isolinux.bin \
    -no-emul-boot -boot-load-size 4 -boot-info-table \
    "$STAGE" 2>"$WORK/xorriso.log" || { cat "$WORK/xorriso.log" >&2; die "xorriso failed"; }
mv -f "$OUTPUT.tmp" "$OUTPUT"
echo "make-iso.sh: wrote $OUTPUT ($(du -k "$OUTPUT" | cut -f1) KiB)" >&2
