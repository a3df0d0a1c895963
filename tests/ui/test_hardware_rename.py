"""The Overview and Boot options pages of a shut-off guest: the name (renamed through the
daemon, then the rest applied), the machine type and the firmware are edited; a name that
breaks the rules or that another guest has is refused and changes nothing. The boot order
is a list of the guest's devices: a guest with <os><boot dev> shows it converted, and the
reordered list is written as <boot order='N'/> per device without <boot dev>."""

import os
import re
import subprocess

import hwtest as h
import uitest as u

GUEST = "hw-rename"
NEW_NAME = "hw-renamed"
OTHER = "hw-rename-other"


def define_guest():
    """The hardware tests' guest with a SATA CD-ROM (sda) and the old-style boot order
    <boot dev='cdrom'/><boot dev='hd'/>."""
    xml = h.guest_xml(GUEST)
    xml = xml.replace("</devices>", "  <disk type='file' device='cdrom'><target dev='sda' "
                      "bus='sata'/><readonly/></disk>\n  </devices>")
    xml = xml.replace("</os>", "  <boot dev='cdrom'/>\n    <boot dev='hd'/>\n  </os>")
    path = os.path.join(u.TMP, f"{GUEST}.xml")
    with open(path, "w") as f:
        f.write(xml)
    u.marinactl(h.SESSION, "define", path)
    other = os.path.join(u.TMP, f"{OTHER}.xml")
    with open(other, "w") as f:
        f.write(h.guest_xml(OTHER).replace(h.MAC, "52:54:00:a1:b2:c4"))
    u.marinactl(h.SESSION, "define", other)


def known(name):
    return subprocess.run(["marinactl", "-c", h.SESSION, "domstate", name],
                          capture_output=True).returncode == 0


def rename_checks(win, manager):
    h.select(win, "Overview")
    name = h.field(win, "Name", role="text")
    u.wait_for(lambda: u.text_of(name) == GUEST, 10, "the Name field to show the guest")

    # Refused on the page: the message names the field; nothing is sent.
    h.fill(win, "Name", "bad name", role="text")
    text = h.apply(win, expect=r"^Name: ")
    assert "a space" in text, text
    assert known(GUEST) and f"<name>{GUEST}</name>" in h.dumpxml(GUEST)

    # Refused by the daemon: another guest has the name; nothing changed.
    h.fill(win, "Name", OTHER, role="text")
    text = h.apply(win, expect=r"already exists")
    assert OTHER in text, text
    assert f"<name>{GUEST}</name>" in h.dumpxml(GUEST)
    assert f"<name>{OTHER}</name>" in h.dumpxml(OTHER)

    # Renamed, with the machine type and UEFI in the same Apply.
    h.fill(win, "Name", NEW_NAME, role="text")
    h.choose(win, "Machine type", "q35")
    h.choose(win, "Firmware", "UEFI (OVMF)")
    u.screenshot(os.path.join(u.LOGS, "hardware-overview.png"))
    h.apply(win)
    assert not known(GUEST), f"the old name {GUEST} is still known"
    xml = h.dumpxml(NEW_NAME)
    assert f"<name>{NEW_NAME}</name>" in xml, xml
    assert re.search(r"machine=.q35.", xml), xml
    assert re.search(r"<os firmware=.efi.>", xml), xml
    u.log(f"renamed to {NEW_NAME}, q35, UEFI")
    # The manager's list follows (the daemon's Name property change).
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    u.wait_for(lambda: tree.find_name(NEW_NAME), 10, f"the manager to list {NEW_NAME}")
    assert not tree.find_name(GUEST), f"the manager still lists {GUEST}"

    # And back to BIOS.
    h.choose(win, "Firmware", "BIOS")
    h.apply(win)
    xml = h.dumpxml(NEW_NAME)
    assert "firmware='efi'" not in xml and 'firmware="efi"' not in xml, xml


def boot_order_checks(win):
    h.select(win, "Boot options")
    lst = u.find(win, role="list box", name=re.compile("[Bb]oot"), timeout=10)
    labels = [lst.get_child_at_index(i).get_name() for i in range(lst.get_child_count())]
    u.log(f"boot list: {labels}")
    # <boot dev='cdrom'/><boot dev='hd'/> shown converted: CD-ROM, then the disk, both on.
    assert labels[:2] == ["CD-ROM sda", "Disk vda"], labels
    assert any(lbl.startswith("NIC ") for lbl in labels), labels
    for lbl in ("CD-ROM sda", "Disk vda"):
        box = h.field(win, f"Boot from {lbl}", role="check box")
        assert box.get_state_set().contains(u.Atspi.StateType.CHECKED), lbl

    # The disk first, the NIC third.
    disk = u.find(lst, role="list item", name="Disk vda")
    u.Atspi.Selection.select_child(lst, disk.get_index_in_parent())
    u.press(win, "Move boot device up")
    u.wait_for(lambda: lst.get_child_at_index(0).get_name() == "Disk vda", 10,
               "the disk to move up")
    h.toggle(win, f"Boot from NIC {h.MAC}")
    u.screenshot(os.path.join(u.LOGS, "hardware-boot-order.png"))
    h.apply(win)
    xml = h.dumpxml(NEW_NAME)
    assert "<boot dev=" not in xml, xml
    disk_xml = re.search(r"<disk [^>]*device=.disk.>.*?</disk>", xml, re.S).group(0)
    cdrom_xml = re.search(r"<disk [^>]*device=.cdrom.>.*?</disk>", xml, re.S).group(0)
    nic_xml = re.search(r"<interface .*?</interface>", xml, re.S).group(0)
    assert re.search(r"<boot order=.1./>", disk_xml), disk_xml
    assert re.search(r"<boot order=.2./>", cdrom_xml), cdrom_xml
    assert re.search(r"<boot order=.3./>", nic_xml), nic_xml
    u.log("boot order disk, CD-ROM, NIC written per device")


def checks(app, manager):
    define_guest()
    win = h.open_details(app, manager, GUEST)
    rename_checks(win, manager)
    boot_order_checks(win)


h.run(checks)
