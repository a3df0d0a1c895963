"""Add Hardware from the Details view: a new 1 GiB qcow2 disk image made in the
default pool for a shut-off guest (named beside an image already there), a user-mode e1000 NIC with a typed MAC, a
MAC already in use refused with the message and nothing added, and a disk
hot-plugged into a running guest (shown as its "VirtIO Disk 2" row, in the
running and the persistent definition), and a sound card added to the running
guest's definition for the next boot (PCI host devices refused in a session)."""

import os
import re

import hwtest as h
import uitest as u

GUEST = "hw-add"
LIVE_GUEST = "hw-add-live"
NEW_MAC = "52:54:00:ad:d0:01"


def open_dialog(app, win):
    u.press(win, "Add Hardware")
    dialog = u.window(app, name="Add New Virtual Hardware", timeout=15)
    finish = u.find(dialog, role="push button", name="Finish")
    u.wait_for(lambda: finish.get_state_set().contains(u.Atspi.StateType.SENSITIVE), 20,
               "Finish to be enabled (the guest's definition read)")
    return dialog


def choose_kind(dialog, label):
    kinds = u.find(dialog, role="list box", name="Hardware kinds")
    row = u.find(kinds, role="list item", name=label)
    if not u.Atspi.Selection.select_child(kinds, row.get_index_in_parent()):
        u.click(row)
    u.wait_for(lambda: row.get_state_set().contains(u.Atspi.StateType.SELECTED), 10,
               f"kind {label!r} to be selected")


def dialog_message(dialog):
    hits = u.find_all(dialog, role="label", name="Add Hardware message")
    return u.text_of(hits[0]) if hits else ""


def is_open(app):
    return any(w.get_name() == "Add New Virtual Hardware" for w in u.windows(app))


def finish(app, dialog):
    u.press(dialog, "Finish")
    u.wait_for(lambda: not is_open(app) or dialog_message(dialog), 90,
               "the dialog to close or say what went wrong")
    assert not is_open(app), f"the dialog stayed open: {dialog_message(dialog)!r}"


def wait_for_pool(dialog):
    """The default pool offered in the Storage pool list."""
    combo = h.field(dialog, "Storage pool", role="combo box")

    def listed():
        items = u.find_all(combo, role="menu item", showing=False)
        return [i for i in items if i.get_name().startswith("default")]
    u.wait_for(listed, 30, "the default pool to be offered")


def add_new_disk(app, win):
    dialog = open_dialog(app, win)
    wait_for_pool(dialog)
    h.fill(dialog, "Disk size (GiB)", "1")
    u.screenshot(os.path.join(u.LOGS, "add-hardware-storage.png"))
    finish(app, dialog)


def volume_of(xml, target):
    disk = re.search(r"<disk[^>]*>(?:(?!</disk>).)*<target dev=.%s.(?:(?!</disk>).)*</disk>"
                     % target, xml, re.S)
    assert disk, f"no disk {target} in\n{xml}"
    return re.search(r"<source file=.([^'\"]+).", disk.group(0)).group(1)


def shut_off_guest(app, manager):
    h.define(GUEST)
    # A disk image left behind by an earlier guest: the new one gets a name of its own.
    u.marinactl(h.SESSION, "vol-create-as", "default", f"{GUEST}-vdb.qcow2", "1M")
    win = h.open_details(app, manager, GUEST)

    add_new_disk(app, win)
    xml = h.dumpxml(GUEST)
    path = volume_of(xml, "vdb")
    assert path.endswith(f"{GUEST}-vdb-1.qcow2"), path
    assert re.search(r"<driver name=.qemu. type=.qcow2./>\s*<source file=.%s." % re.escape(path),
                     xml), xml
    info = u.marinactl(h.SESSION, "vol-info", "--pool", "default", f"{GUEST}-vdb-1.qcow2")
    assert re.search(r"Capacity:\s+1\.00 GiB", info), info
    u.wait_for(lambda: "VirtIO Disk 2" in h.rows(win), 20,
               lambda: f"a 'VirtIO Disk 2' row ({h.rows(win)})")
    u.log(f"new disk: {path}")

    dialog = open_dialog(app, win)
    choose_kind(dialog, "Network")
    h.choose(dialog, "Network source", "User-mode networking")
    h.choose(dialog, "Device model", "e1000")
    h.fill(dialog, "MAC address", NEW_MAC, role="text")
    finish(app, dialog)
    xml = h.dumpxml(GUEST)
    nic = re.search(r"<interface type=.user.>(?:(?!</interface>).)*%s(?:(?!</interface>).)*"
                    r"</interface>" % NEW_MAC, xml, re.S)
    assert nic and re.search(r"<model type=.e1000./>", nic.group(0)), xml
    u.wait_for(lambda: "NIC :ad:d0:01" in h.rows(win), 20,
               lambda: f"a 'NIC :ad:d0:01' row ({h.rows(win)})")
    u.log("NIC added")

    before = h.dumpxml(GUEST)
    dialog = open_dialog(app, win)
    choose_kind(dialog, "Network")
    h.choose(dialog, "Network source", "User-mode networking")
    h.fill(dialog, "MAC address", h.MAC, role="text")
    u.press(dialog, "Finish")
    text = u.wait_for(lambda: dialog_message(dialog), 20, "the duplicate MAC to be refused")
    u.log(f"refused: {text!r}")
    assert "MAC address" in text and h.MAC in text and "already used" in text, text
    assert is_open(app), "the dialog closed on a refused MAC"
    assert h.dumpxml(GUEST) == before, "the definition changed on a refused MAC"
    u.press(dialog, "Cancel")
    u.wait_for(lambda: not is_open(app), 10, "the dialog to close on Cancel")

    existing_volume(app, win)
    attach_refused(app, win)


def pick_volume(app, dialog, name):
    """Browse volumes → the picker → NAME chosen; returns its path."""
    u.press(dialog, "Browse volumes")
    picker = u.window(app, name="Choose a Volume", timeout=20)
    table = u.find(picker, role="table", name="Volumes")

    def row_of_volume():
        for r in range(u.Atspi.Table.get_n_rows(table)):
            cell = u.Atspi.Table.get_accessible_at(table, r, 1)
            if cell is not None and cell.get_name() == name:
                return r + 1
        return None
    row = u.wait_for(row_of_volume, 20, f"{name} in the volume list") - 1
    headers = u.GuestTree(table).headers()
    path = u.Atspi.Table.get_accessible_at(table, row, headers.index("Path")).get_name()
    if not u.Atspi.Table.add_row_selection(table, row):
        u.click(u.Atspi.Table.get_accessible_at(table, row, 1))
    u.press(picker, "Choose")
    return path


def existing_volume(app, win):
    """An existing volume chosen with the picker, on the SATA bus."""
    volume = f"{GUEST}-data.qcow2"
    u.marinactl(h.SESSION, "vol-create-as", "default", volume, "1M", "--format", "qcow2")
    dialog = open_dialog(app, win)
    u.do_action(h.field(dialog, "Use an existing file or volume", role="radio button"))
    path = pick_volume(app, dialog, volume)
    entry = h.field(dialog, "Disk path", role="text")
    u.wait_for(lambda: u.text_of(entry) == path, 10, "the chosen volume's path in Disk path")
    h.choose(dialog, "Bus", "SATA")
    finish(app, dialog)
    xml = h.dumpxml(GUEST)
    assert volume_of(xml, "sda") == path, xml
    assert re.search(r"<target dev=.sda. bus=.sata./>", xml), xml
    u.log(f"existing volume added as sda: {path}")


def define_live_guest():
    """hwtest's guest with a MAC of its own (MACs are unique across guests)."""
    path = os.path.join(u.TMP, f"{LIVE_GUEST}.xml")
    with open(path, "w") as f:
        f.write(h.guest_xml(LIVE_GUEST).replace(h.MAC, "52:54:00:ad:d0:99"))
    u.marinactl(h.SESSION, "define", path)


def attach_refused(app, win):
    """The definition changed behind the dialog (marinactl took vdc): the daemon
    refuses the device, and the disk image made for it is deleted again."""
    dialog = open_dialog(app, win)
    wait_for_pool(dialog)
    other = os.path.join(u.TMP, "other.img")
    with open(other, "wb") as f:
        f.truncate(1 << 20)
    u.marinactl(h.SESSION, "attach-disk", GUEST, other, "vdc", "--config")
    before = h.dumpxml(GUEST)
    h.fill(dialog, "Disk size (GiB)", "1")
    u.press(dialog, "Finish")
    text = u.wait_for(lambda: (lambda t: t if "deleted" in t else None)(dialog_message(dialog)),
                      60, lambda: f"the refusal and the image's deletion ({dialog_message(dialog)!r})")
    u.log(f"refused by the daemon: {text!r}")
    assert "vdc" in text and text.endswith("The new disk image was deleted again."), text
    assert h.dumpxml(GUEST) == before, "the definition changed on a refused device"
    volumes = u.marinactl(h.SESSION, "vol-list", "default")
    assert f"{GUEST}-vdc" not in volumes, f"the new image was left behind:\n{volumes}"
    u.press(dialog, "Cancel")
    u.wait_for(lambda: not is_open(app), 10, "the dialog to close on Cancel")


def running_guest(app, manager):
    define_live_guest()
    u.marinactl(h.SESSION, "start", LIVE_GUEST)
    u.wait_for(lambda: u.marinactl(h.SESSION, "domstate", LIVE_GUEST).strip() == "running", 30,
               f"{LIVE_GUEST} to run")
    win = h.open_details(app, manager, LIVE_GUEST)
    add_new_disk(app, win)
    live = h.dumpxml(LIVE_GUEST, inactive=False)
    inactive = h.dumpxml(LIVE_GUEST)
    vdb = re.compile(r"<target dev=.vdb. bus=.virtio./>")
    assert vdb.search(live), f"not plugged in:\n{live}"
    assert vdb.search(inactive), f"not in the definition:\n{inactive}"
    u.wait_for(lambda: "VirtIO Disk 2" in h.rows(win), 20,
               lambda: f"a 'VirtIO Disk 2' row ({h.rows(win)})")
    text = u.wait_for(lambda: h.message(win), 20, "the Details page to say it was added")
    assert text.startswith("Added") and "next boot" not in text, text
    u.log(f"hot-plugged: {text!r}")

    # QEMU plugs no sound card in: the definition takes it for the next boot.
    dialog = open_dialog(app, win)
    choose_kind(dialog, "PCI Host Device")
    u.find(dialog, role="label", name=re.compile("only on the system daemon"), timeout=20)
    choose_kind(dialog, "Sound")
    h.choose(dialog, "Sound model", "AC97")
    u.screenshot(os.path.join(u.LOGS, "add-hardware-sound.png"))
    finish(app, dialog)
    text = u.wait_for(lambda: (lambda t: t if "ac97" in t else None)(h.message(win)), 20,
                      lambda: f"the Details page to say the sound card was added "
                              f"({h.message(win)!r})")
    assert text.endswith("It takes effect at the next boot."), text
    ac97 = re.compile(r"<sound model=.ac97./>")
    assert ac97.search(h.dumpxml(LIVE_GUEST)), "the sound card is not in the definition"
    assert not ac97.search(h.dumpxml(LIVE_GUEST, inactive=False)), "the sound card went live"
    u.log(f"for the next boot: {text!r}")
    u.marinactl(h.SESSION, "destroy", LIVE_GUEST)


def checks(app, manager):
    shut_off_guest(app, manager)
    running_guest(app, manager)


h.run(checks)
