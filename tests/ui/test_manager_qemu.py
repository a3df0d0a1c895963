"""From the Applications menu to a real guest's screen.

The private session daemon (marina:///session, started by marinactl) holds
one real QEMU test guest. Marina, launched by its desktop file's Exec line,
lists it as Shut off; Run starts it; Open shows the VM window whose
graphical console draws the guest's screen and whose serial console shows
the ready line printed before the window opened and runs a command typed
into it; Pause/Resume and Force Off (with its confirmation) change the state
the manager shows; closing and reopening the window gives a working console.
"""

import os
import re
import shutil

import uitest as u

GUEST = "ui-guest"
SESSION = "marina:///session"
READY = "MARINA-GUEST-READY"
BOOT_TIMEOUT = 90  # TCG boot of the test guest on a loaded 2-core machine


def serial_log():
    """The daemon's log of the guest's first serial port (session state dir)."""
    return os.path.join(os.environ["XDG_DATA_HOME"], "marina", "log", f"{GUEST}-serial0.log")


def ready_count():
    try:
        with open(serial_log(), "rb") as f:
            return f.read().count(READY.encode())
    except OSError:
        return 0


def wait_guest_ready(before):
    """Waits until the guest printed its ready line once more than BEFORE
    times, as the daemon logged it: the line is out before any window opens."""
    u.wait_for(lambda: ready_count() > before, BOOT_TIMEOUT,
               f"{GUEST} to print {READY} (daemon log {serial_log()})", interval=0.5)
    u.log(f"{GUEST} printed {READY} (daemon's serial log)")


def manager_state(tree):
    return tree.state_of(GUEST)


def wait_state(tree, want, timeout=30):
    u.wait_for(lambda: manager_state(tree) == want, timeout,
               lambda: f"the manager to show {GUEST} as {want!r} (it shows {manager_state(tree)!r})")
    u.log(f"manager: {GUEST} is {want}")


def select_guest(tree):
    row = u.wait_for(lambda: tree.find_name(GUEST), 20, f"a row for {GUEST}")[0]
    tree.select_row(row)


def vm_window(app):
    return u.window(app, name=re.compile(re.escape(GUEST)), timeout=20)


def close_window(win):
    close = u.find(win, role="push button", name="Close", timeout=10)
    u.do_action(close)
    u.wait_for(lambda: u.is_gone(win), 10, "the VM window to close", interval=0.3)
    u.log("VM window closed")


def main():
    u.require_programs()
    for prog in ("import", "/usr/bin/convert"):
        if shutil.which(prog) is None:
            u.skip(f"{prog} (ImageMagick) is not installed: it takes the console's screenshot")
    xml = os.path.join(u.TMP, f"{GUEST}.xml")
    with open(xml, "w") as f:
        f.write(u.test_guest_xml(GUEST))
    # The real session daemon of this (private) user: marinactl starts it.
    u.marinactl(SESSION, "define", xml)
    pid = u.session_daemon_pid()
    assert pid, f"no session daemon listens on {u.session_socket()}"
    u.log(f"session daemon pid {pid}; {GUEST} defined")

    argv = u.desktop_exec_argv()
    marina = u.spawn(argv, "marina.log")
    app = u.application_of(marina.pid)
    try:
        run_checks(app)
    except BaseException:
        u.on_failure_dump(app)
        raise


def run_checks(app):
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    wait_state(tree, "Shut off")
    row = tree.find_name(GUEST)[0]
    conn_name, conn_state = tree.name_and_state(0)
    u.log(f"connection row: {conn_name!r} {conn_state!r}; guest row {row}")
    assert conn_state == "Connected", f"the session connection row says {conn_state!r}"

    select_guest(tree)
    u.press(manager, "Run")
    wait_state(tree, "Running")
    wait_guest_ready(0)

    select_guest(tree)
    u.press(manager, "Open")
    win = vm_window(app)
    u.log(f"VM window: {win.get_name()!r}")
    u.graphical_console_is_drawn(win)

    term = u.show_serial_console(win)
    u.check_serial(term, "marina-ok", READY)

    # Pause and Resume from the VM window; the manager follows.
    u.press(win, "Pause")
    wait_state(tree, "Paused")
    u.find(win, role="push button", name="Resume")
    u.find(manager, role="push button", name="Resume")  # the selected guest is paused
    u.press(win, "Resume")
    wait_state(tree, "Running")

    # Force Off asks first.
    u.open_menu_item(win, "Shut Down", "Force Off")
    dialog = u.window(app, role=re.compile("^(alert|dialog)$"), timeout=15)
    u.log(f"confirmation: {dialog.get_name()!r}")
    u.press(dialog, "Force Off")
    wait_state(tree, "Shut off")

    # Close the window, run the guest again and reopen: the console works again.
    close_window(win)
    before = ready_count()
    select_guest(tree)
    u.press(manager, "Run")
    wait_state(tree, "Running")
    wait_guest_ready(before)
    select_guest(tree)
    u.press(manager, "Open")
    win = vm_window(app)
    graphical_or_serial = u.find_all(win, role="terminal", name="Serial console")
    if not graphical_or_serial:
        u.graphical_console_is_drawn(win)
    term = u.show_serial_console(win)
    u.check_serial(term, "marina-again", READY)


u.run(main)
