"""The disk pages: a disk that is a volume of the default pool shows it and
grows it (Resize Volume) while the guest is shut off; a CD-ROM's media is
disconnected (the drive stays, empty) and connected again by typing a path."""

import os
import re

import hwtest as h
import uitest as u

GUEST = "hw-disk"
VOLUME = "hw-disk.qcow2"
CD_ROW = "SATA CD-ROM 1"


def volume_path():
    xml = u.marinactl(h.SESSION, "vol-dumpxml", "--pool", "default", VOLUME)
    return re.search(r"<path>([^<]+)</path>", xml).group(1)


def text(node):
    """The text of NODE with non-breaking spaces (sizes) as spaces."""
    return u.text_of(node).replace("\xa0", " ")


def capacity():
    info = u.marinactl(h.SESSION, "vol-info", "--pool", "default", VOLUME)
    return info


def checks(app, manager):
    iso = os.path.join(os.environ.get("MARINA_TEST_GUEST_DIR", ""), "marina-test.iso")
    if not os.path.exists(iso):
        u.skip(f"{iso} is not built (meson target test_iso)")
    u.marinactl(h.SESSION, "vol-create-as", "default", VOLUME, "1G")
    path = volume_path()
    xml = u.test_guest_xml(GUEST).replace(
        "<devices>",
        f"<devices>\n    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        f"<source file='{path}'/><target dev='vda' bus='virtio'/></disk>\n"
        f"    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
        f"<source file='{iso}'/><target dev='sda' bus='sata'/><readonly/></disk>", 1)
    with open(os.path.join(u.TMP, f"{GUEST}.xml"), "w") as f:
        f.write(xml)
    u.marinactl(h.SESSION, "define", os.path.join(u.TMP, f"{GUEST}.xml"))
    win = h.open_details(app, manager, GUEST)

    h.select(win, h.DISK_ROW)
    volume = h.field(win, "Storage volume", role="label")
    u.wait_for(lambda: text(volume).startswith(f"default/{VOLUME}, 1.0 GiB"), 20,
               lambda: f"the disk's volume to be shown ({u.text_of(volume)!r})")
    u.press(win, "Grow the disk")
    dialog = u.window(app, role=re.compile("^(dialog|frame)$"), name=re.compile("Resize"),
                      timeout=10)
    spin = u.find(dialog, role="spin button")
    u.set_text(spin, "2")
    u.press(dialog, "Resize")
    u.wait_for(lambda: text(volume).startswith(f"default/{VOLUME}, 2.0 GiB"), 30,
               lambda: f"the volume to show 2.0 GiB ({u.text_of(volume)!r})")
    u.log(f"grown: {capacity().strip()!r}")

    h.select(win, CD_ROW)
    source = h.field(win, "Disk source path", role="text")
    u.wait_for(lambda: u.text_of(source) == iso, 10, "the CD-ROM's media path")
    u.press(win, "Disconnect media")
    h.apply(win)
    xml = h.dumpxml(GUEST)
    cdrom = re.search(r"<disk[^>]*device=.cdrom.*?</disk>", xml, re.S).group(0)
    assert "<source" not in cdrom, f"the CD-ROM still has media:\n{cdrom}"
    u.log("media disconnected")
    u.set_text(source, iso)
    h.apply(win)
    assert iso in h.dumpxml(GUEST), "the media was not connected again"
    u.log("media connected again")


h.run(checks)
