"""Helpers of the hardware editor's UI tests (Details of the VM window):
a test guest with a disk, a NIC and a sound card in the private session
daemon, its VM window on Details, rows, fields, Apply and the message."""

import os
import re

import uitest as u

SESSION = "marina:///session"
MAC = "52:54:00:a1:b2:c3"
NIC_ROW = "NIC :a1:b2:c3"
DISK_ROW = "VirtIO Disk 1"


def disk_path(name):
    return os.path.join(u.TMP, f"{name}.img")


def guest_xml(name, balloon=False, max_vcpus=1, cdrom=False, tpm=False):
    """The UI tests' guest with a 1 MiB raw disk (vda), a user-mode NIC and a sound card;
    BALLOON: with a virtio balloon (its memory can change while it runs); MAX_VCPUS: the
    maximum for hot-plug (one vCPU runs); CDROM: with an empty IDE CD-ROM drive; TPM: with
    an emulated TPM 2.0."""
    disk = disk_path(name)
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    devices = (f"<devices>\n"
               f"    <disk type='file' device='disk'><driver name='qemu' type='raw'/>"
               f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>\n"
               f"    <interface type='user'><mac address='{MAC}'/><model type='virtio'/>"
               f"</interface>\n"
               f"    <sound model='ich9'/>")
    xml = u.test_guest_xml(name).replace("<devices>", devices, 1)
    if balloon:
        xml = xml.replace("<memballoon model='none'/>", "<memballoon model='virtio'/>")
    if tpm:
        xml = xml.replace("</devices>", "  <tpm model='tpm-tis'><backend type='emulator' "
                          "version='2.0'/></tpm>\n  </devices>")
    if cdrom:
        xml = xml.replace("</devices>", "  <disk type='file' device='cdrom'><target dev='hdc' "
                          "bus='ide'/><readonly/></disk>\n  </devices>")
    if max_vcpus > 1:
        xml = xml.replace("<vcpu>1</vcpu>", f"<vcpu current='1'>{max_vcpus}</vcpu>")
    return xml


def define(name, balloon=False, max_vcpus=1, cdrom=False, tpm=False):
    path = os.path.join(u.TMP, f"{name}.xml")
    with open(path, "w") as f:
        f.write(guest_xml(name, balloon, max_vcpus, cdrom, tpm))
    u.marinactl(SESSION, "define", path)
    u.log(f"{name} defined")


def serial_log(name):
    """The daemon's log of the guest's first serial port (session state dir)."""
    return os.path.join(os.environ["XDG_DATA_HOME"], "marina", "log", f"{name}-serial0.log")


def dumpxml(name, inactive=True):
    return u.marinactl(SESSION, "dumpxml", name, *(["--inactive"] if inactive else []))


def start_marina():
    marina = u.spawn(u.desktop_exec_argv(), "marina.log")
    app = u.application_of(marina.pid)
    manager = u.window(app, name="Marina")
    return app, manager


def open_details(app, manager, name):
    """Opens NAME's VM window on Details; returns the window."""
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    row = u.wait_for(lambda: tree.find_name(name), 30, f"a row for {name}")[0]
    tree.select_row(row)
    u.press(manager, "Open")
    win = u.window(app, name=re.compile(re.escape(name)), timeout=20)
    switch = u.find(win, role=re.compile("^(radio button|toggle button|push button)$"),
                    name="Details")
    u.do_action(switch)
    hardware_list(win)
    u.log(f"{name}: Details shown")
    return win


def hardware_list(win):
    return u.find(win, role="list box", name="Hardware", timeout=20)


def select(win, label):
    """Selects the hardware row LABEL (as a click does); waits until it is selected."""
    lst = hardware_list(win)
    row = u.find(lst, role="list item", name=label, timeout=20)
    if not u.Atspi.Selection.select_child(lst, row.get_index_in_parent()):
        u.click(row)
    u.wait_for(lambda: row.get_state_set().contains(u.Atspi.StateType.SELECTED), 10,
               f"row {label!r} to be selected")
    u.log(f"row {label!r} selected")
    return row


def rows(win):
    lst = hardware_list(win)
    return [lst.get_child_at_index(i).get_name() for i in range(lst.get_child_count())]


def message(win):
    hits = u.find_all(win, role="label", name="Hardware message")
    return u.text_of(hits[0]) if hits else ""


def field(win, name, role="spin button"):
    return u.find(win, role=role, name=name, timeout=10)


def fill(win, name, text, role="spin button"):
    u.set_text(field(win, name, role), text)


def value(win, name, role="spin button"):
    return u.text_of(field(win, name, role))


def toggle(win, name):
    box = field(win, name, role="check box")
    before = box.get_state_set().contains(u.Atspi.StateType.CHECKED)
    u.do_action(box)
    u.wait_for(lambda: box.get_state_set().contains(u.Atspi.StateType.CHECKED) != before, 10,
               f"{name!r} to toggle")
    return not before


def choose(win, name, label):
    """Chooses LABEL in the combo box NAME as a person does: pop it up, click the item."""
    combo = field(win, name, role="combo box")
    u.do_action(combo)
    item = u.find(combo, role="menu item", name=label, timeout=10)
    u.do_action(item)
    u.wait_for(lambda: not item.get_state_set().contains(u.Atspi.StateType.SHOWING), 10,
               "the combo's menu to close")


def apply(win, expect=r"^Applied\.", timeout=30):
    """Presses Apply; returns the message once it matches EXPECT."""
    u.press(win, "Apply")
    pat = re.compile(expect)
    text = u.wait_for(lambda: (lambda t: t if pat.search(t) else None)(message(win)), timeout,
                      lambda: f"the message to say {expect!r} (it says {message(win)!r})")
    u.log(f"message: {text!r}")
    return text


def apply_sensitive(win):
    return u.find(win, role="push button", name="Apply").get_state_set().contains(
        u.Atspi.StateType.SENSITIVE)


def run(checks):
    """Runs CHECKS(app, manager) in a started Marina; dumps the accessible tree on failure."""
    def main():
        u.require_programs()
        u.test_guest_xml("probe")  # skips when the test guest is not built
        u.marinactl(SESSION, "list", "--all")
        checks_app = start_marina()
        try:
            checks(*checks_app)
        except BaseException:
            u.on_failure_dump(checks_app[0])
            raise
    u.run(main)
