"""The manager's rough edges, finished:
- the session connection is called "QEMU/KVM user session", its URI in the
  row's tooltip, and Reconnect is disabled while it is connected;
- a paused guest shows one Run/Resume button (Resume), in the manager and in
  its VM window, and its state reads "Paused" in the list;
- the Delete dialog of that paused guest says it is paused, lists both disks
  with a check box each (the writable pool volume checked, the read-only one
  not), and deletes only the checked one after forcing the guest off;
- Connection Details closes with Esc and with Ctrl+W.
"""

import os
import re

import uitest as u

SESSION = "marina:///session"
GUEST = "polish-del"
WRITABLE = "polish-del-a.qcow2"
READONLY = "polish-del-b.qcow2"
DIALOG = re.compile(r"^(dialog|alert|frame|window)$")


def sensitive(node):
    return node.get_state_set().contains(u.Atspi.StateType.SENSITIVE)


def checked(node):
    return node.get_state_set().contains(u.Atspi.StateType.CHECKED)


def vol_path(name):
    info = u.marinactl(SESSION, "vol-info", "--pool", "default", name)
    return re.search(r"^Path:\s+(\S+)$", info, re.M).group(1)


def volumes():
    return u.marinactl(SESSION, "vol-list", "default")


def define_guest():
    """GUEST with two disks: vda a writable pool volume, vdb a read-only one."""
    for name in (WRITABLE, READONLY):
        u.marinactl(SESSION, "vol-create-as", "default", name, "16M")
    disks = (f"    <disk type='file' device='disk'>\n"
             f"      <driver name='qemu' type='qcow2'/>\n"
             f"      <source file='{vol_path(WRITABLE)}'/>\n"
             f"      <target dev='vda' bus='virtio'/>\n"
             f"    </disk>\n"
             f"    <disk type='file' device='disk'>\n"
             f"      <driver name='qemu' type='qcow2'/>\n"
             f"      <source file='{vol_path(READONLY)}'/>\n"
             f"      <target dev='vdb' bus='virtio'/>\n"
             f"      <readonly/>\n"
             f"    </disk>\n")
    xml = u.test_guest_xml(GUEST).replace("  </devices>", disks + "  </devices>")
    path = os.path.join(u.TMP, f"{GUEST}.xml")
    with open(path, "w") as f:
        f.write(xml)
    u.marinactl(SESSION, "define", path)


def main():
    u.require_programs()
    u.marinactl(SESSION, "pool-info", "default")  # starts the daemon and its pool
    define_guest()
    u.marinactl(SESSION, "start", GUEST)
    u.marinactl(SESSION, "suspend", GUEST)
    u.log("guests: " + " / ".join(u.marinactl(SESSION, "list", "--all").split("\n")[2:]))
    env = dict(os.environ, G_MESSAGES_DEBUG="marina-guest-view")
    marina = u.spawn(u.desktop_exec_argv(), "marina.log", env=env)
    app = u.application_of(marina.pid)
    try:
        run_checks(app)
    except BaseException:
        u.on_failure_dump(app)
        raise
    finally:
        u.marinactl(SESSION, "destroy", GUEST, check=False)
        u.marinactl(SESSION, "undefine", GUEST, check=False)
        for name in (WRITABLE, READONLY):
            u.marinactl(SESSION, "vol-delete", "--pool", "default", name, check=False)


def tooltip_logged():
    """The text of the last connection-row tooltip marina showed (GTK tooltips
    are not on AT-SPI; marina logs them for its debug domain), or None."""
    try:
        with open(os.path.join(u.LOGS, "marina.log"), errors="replace") as f:
            hits = re.findall(r"connection row tooltip: (.*)", f.read())
    except OSError:
        return None
    return hits[-1] if hits else None


def tooltip_box(x, y):
    """Whether a tooltip (a dark box, Adwaita's) shows just below and right of (X, Y)."""
    shot = u.screenshot(os.path.join(u.LOGS, "tooltip.png"))
    hist = u.colour_histogram(shot, (x, y + 12, 60, 30))
    dark = sum(n for c, n in hist.items()
               if all(int(v) < 80 for v in re.findall(r"\d+", c)[:3]))
    return dark > 600


def check_connection_row(app, manager, tree):
    row = u.wait_for(lambda: tree.find_name("QEMU/KVM user session"), 30,
                     lambda: f"a connection row called 'QEMU/KVM user session' ({tree.names()})")[0]
    u.wait_for(lambda: tree.name_and_state(row)[1] == "Connected", 30,
               "the session connection row to say Connected")
    u.log(f"connection row {row}: {tree.name_and_state(row)}")

    # The URI is in the row's tooltip.
    cell = tree.cell(row, tree.name_col())
    x, y, w, h = u.extents(cell)
    u.rawinput.absoluteMotion(x + 20, y + h // 2)
    u.rawinput.absoluteMotion(x + 24, y + h // 2)
    u.wait_for(lambda: tooltip_box(x + 24, y + h // 2), 10, "a tooltip to show over the row")
    text = u.wait_for(tooltip_logged, 10, "the connection row's tooltip text in marina.log")
    u.log(f"tooltip: {text!r}")
    assert text == SESSION, f"the tooltip does not name {SESSION}: {text!r}"
    u.rawinput.absoluteMotion(5, 5)

    # Reconnect is disabled while connected; Disconnect is not.
    tree.select_row(row)
    u.click(cell, button=3)
    reconnect = u.wait_for(lambda: next((i for i in u.find_all(app, name="Reconnect")
                                         if i.get_role_name() == "menu item"), None),
                           10, "the connection menu's Reconnect")
    disconnect = u.find(app, role="menu item", name="Disconnect")
    assert not sensitive(reconnect), "Reconnect is enabled while connected"
    assert sensitive(disconnect), "Disconnect is disabled while connected"
    u.log("connection menu: Reconnect disabled, Disconnect enabled while connected")
    u.press_key("Escape")
    return row


def run_or_resume_buttons(win):
    return [b for b in u.find_all(win, role="push button", name=re.compile(r"^(Run|Resume)$"))]


def check_one_resume_button(win, where):
    buttons = u.wait_for(lambda: (lambda b: b if len(b) == 1 else None)(run_or_resume_buttons(win)),
                         10, lambda: f"one Run/Resume button in the {where} "
                                     f"({[b.get_name() for b in run_or_resume_buttons(win)]})")
    assert buttons[0].get_name() == "Resume", buttons[0].get_name()
    assert sensitive(buttons[0]), f"Resume is disabled in the {where}"
    u.log(f"{where}: one button, Resume")


def check_delete_dialog(app, manager, tree):
    tree.select_row(tree.find_name(GUEST)[0])
    u.press(manager, "Delete")
    dialog = u.window(app, name=f"Delete '{GUEST}'?", role=DIALOG, timeout=20)
    state = u.text_of(u.find(dialog, role="label", name="Guest state"))
    u.log(f"delete dialog: {state!r}")
    assert f"“{GUEST}” is paused." in state, state
    assert "running" not in state, state
    # Header bar style: the buttons are in the title bar, above the content.
    delete = u.find(dialog, role="push button", name="Delete")
    label = u.find(dialog, role="label", name="Guest state")
    assert u.extents(delete)[1] < u.extents(label)[1], "the Delete button is not in a header bar"

    a = u.find(dialog, role="check box", name=f"Delete vda ({vol_path(WRITABLE)})")
    b = u.find(dialog, role="check box", name=f"Delete vdb ({vol_path(READONLY)})")
    u.screenshot(os.path.join(u.LOGS, "delete-dialog.png"))
    assert checked(a), "the writable pool volume is not checked by default"
    assert not checked(b), "the read-only disk is checked by default"
    assert sensitive(b), "the read-only disk cannot be chosen"
    u.log("vda checked, vdb (read-only) unchecked")
    u.do_action(delete)
    u.wait_for(lambda: GUEST not in u.marinactl(SESSION, "list", "--all"), 30,
               f"{GUEST} to be deleted")
    u.wait_for(lambda: WRITABLE not in volumes(), 20, f"the checked disk {WRITABLE} to go")
    assert READONLY in volumes(), f"the unchecked disk {READONLY} was deleted"
    u.log(f"{GUEST} deleted with {WRITABLE}; {READONLY} kept")


def check_details_keys(app, manager, tree, row):
    for key in ("Escape", "ctrl-w"):
        tree.select_row(row)
        u.click(tree.cell(row, tree.name_col()), button=3)
        item = u.wait_for(lambda: next((i for i in u.find_all(app, name="Details")
                                        if i.get_role_name() == "menu item"), None),
                          10, "the connection menu's Details")
        u.do_action(item)
        win = u.window(app, name=re.compile(r"Connection Details$"), timeout=20)
        u.focus(u.find(win, role="page tab list"))
        if key == "Escape":
            u.press_key("Escape")
        else:
            u.rawinput.keyCombo("<Control>w")
        u.wait_for(lambda: u.is_gone(win), 10, f"{key} to close Connection Details")
        u.log(f"{key} closed Connection Details")


def run_checks(app):
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    row = check_connection_row(app, manager, tree)

    u.wait_for(lambda: tree.state_of(GUEST) == "Paused", 30,
               lambda: f"{GUEST} to be listed as Paused ({tree.state_of(GUEST)!r})")
    tree.select_row(tree.find_name(GUEST)[0])
    check_one_resume_button(manager, "manager's toolbar")
    u.press(manager, "Open")
    win = u.window(app, name=re.compile(re.escape(GUEST)), timeout=20)
    check_one_resume_button(win, "VM window's header bar")
    u.screenshot(os.path.join(u.LOGS, "paused-vm-window.png"))

    check_delete_dialog(app, manager, tree)
    check_details_keys(app, manager, tree, row)


u.run(main)
