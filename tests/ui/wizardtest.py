"""Helpers for the new-guest wizard's UI tests (test_wizard_*.py): start
Marina on the private session daemon, open the wizard with New, fill its
pages through AT-SPI, read the inline messages, and check the new guest's
serial console in its VM window."""

import os
import re

import uitest as u

SESSION = "marina:///session"
READY = "MARINA-GUEST-READY"
BOOT_TIMEOUT = 120  # TCG boot of the test guest on a loaded 2-core machine
CMDLINE = "console=ttyS0 quiet panic=-1 acpi=noirq cryptomgr.notests"
WIZARD = "New Virtual Machine"


def guest_dir():
    d = os.environ.get("MARINA_TEST_GUEST_DIR", "")
    for f in ("vmlinuz", "initrd.img"):
        if not os.path.exists(os.path.join(d, f)):
            u.skip(f"the test guest is not built ({d}/{f}); run through meson test")
    return d


def start_marina():
    """Starts the session daemon (marinactl does) and Marina; returns (app, manager)."""
    u.require_programs()
    u.marinactl(SESSION, "list", "--all")
    marina = u.spawn(u.desktop_exec_argv(), "marina.log")
    app = u.application_of(marina.pid)
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    u.wait_for(lambda: tree.n_rows() > 0 and tree.name_and_state(0)[1] == "Connected", 30,
               lambda: f"the session connection to be Connected ({tree.name_and_state(0)!r})")
    tree.select_row(0)
    return app, manager


def open_wizard(app, manager):
    u.press(manager, "New")
    wiz = u.window(app, name=WIZARD, timeout=20)
    u.log("wizard open")
    return wiz


def step(wiz):
    return u.text_of(u.find(wiz, role="label", name="Step"))


def wait_step(wiz, n, timeout=30):
    want = f"Step {n} of 5"
    u.wait_for(lambda: step(wiz) == want, timeout,
               lambda: f"the wizard to show {want!r} (it shows {step(wiz)!r}; messages: "
                       f"{messages(wiz)})")
    u.log(want)


def direct_kernel_to_summary(app, manager, disk=False):
    """New → Direct kernel boot of the test guest with good answers on every
    page (generic OS, 256 MiB, a new 1 GiB disk or none); returns the wizard
    on its summary page."""
    d = guest_dir()
    wiz = open_wizard(app, manager)
    wait_step(wiz, 1)
    choose(wiz, "Direct kernel boot")
    fill(wiz, "Kernel path", os.path.join(d, "vmlinuz"))
    fill(wiz, "Initrd path", os.path.join(d, "initrd.img"))
    fill(wiz, "Kernel arguments", CMDLINE)
    forward(wiz)
    wait_step(wiz, 2)
    fill(wiz, "Operating system", "generic")
    forward(wiz)
    wait_step(wiz, 3)
    fill(wiz, "Memory (MiB)", "256", role="spin button")
    forward(wiz)
    wait_step(wiz, 4)
    if disk:
        choose(wiz, "Create a disk image")
        fill(wiz, "Disk size (GiB)", "1", role="spin button")
    else:
        uncheck(wiz, "Enable storage for this virtual machine")
    forward(wiz)
    wait_step(wiz, 5)
    return wiz


def messages(wiz):
    """Every showing inline error and warning, by accessible name."""
    out = {}
    for label in u.find_all(wiz, role="label", name=re.compile(r"(error|warning)$")):
        text = u.text_of(label)
        if text:
            out[label.get_name()] = text
    return out


def message(wiz, name):
    hits = u.find_all(wiz, role="label", name=name)
    return u.text_of(hits[0]) if hits else ""


def expect_message(wiz, name, pattern, timeout=60):
    """Waits until the label NAME shows text matching PATTERN (the reason a
    step refused); returns the text."""
    pat = re.compile(pattern)
    text = u.wait_for(lambda: (lambda t: t if pat.search(t) else None)(message(wiz, name)),
                      timeout, lambda: f"{name!r} to say /{pattern}/ (messages: {messages(wiz)})")
    u.log(f"{name}: {text!r}")
    return text


def choose(wiz, name, role="radio button"):
    button = u.find(wiz, role=role, name=name)
    if not button.get_state_set().contains(u.Atspi.StateType.CHECKED):
        u.do_action(button)
    u.wait_for(lambda: button.get_state_set().contains(u.Atspi.StateType.CHECKED), 10,
               f"{name!r} to be chosen")


def uncheck(wiz, name):
    box = u.find(wiz, role="check box", name=name)
    if box.get_state_set().contains(u.Atspi.StateType.CHECKED):
        u.do_action(box)
    u.wait_for(lambda: not box.get_state_set().contains(u.Atspi.StateType.CHECKED), 10,
               f"{name!r} to be unchecked")


def fill(wiz, name, text, role="text"):
    entry = u.find(wiz, role=role, name=name)
    u.set_text(entry, text)
    u.wait_for(lambda: u.text_of(entry) == text, 10, f"{name!r} to hold {text!r}")
    return entry


def forward(wiz):
    u.press(wiz, "Forward")


def finish(wiz):
    u.press(wiz, "Finish")


def finish_enabled(wiz):
    button = u.find(wiz, role="push button", name="Finish")
    return button.get_state_set().contains(u.Atspi.StateType.SENSITIVE)


def name_refused(wiz, name, pattern):
    fill(wiz, "Name", name)
    expect_message(wiz, "Name error", pattern, timeout=10)
    assert not finish_enabled(wiz), f"Finish is enabled with the name {name!r}"


def is_gone(win):
    try:
        return win.get_role_name() == "invalid" or not u._showing(win)
    except Exception:  # noqa: BLE001 (the accessible is gone with the window)
        return True


# ---------------------------------------------------------------- the guest


def serial_log(name):
    return os.path.join(os.environ["XDG_DATA_HOME"], "marina", "log", f"{name}-serial0.log")


def ready_in_log(name):
    try:
        with open(serial_log(name), "rb") as f:
            return READY.encode() in f.read()
    except OSError:
        return False


def open_menu_item(win, button_name, item_name):
    button = u.find(win, role=re.compile("^(toggle button|push button)$"), name=button_name)
    u.wait_for(lambda: button.get_state_set().contains(u.Atspi.StateType.SENSITIVE), 15,
               f"{button_name!r} to be enabled")
    u.do_action(button)
    item = u.wait_for(lambda: next((i for i in u.find_all(button, name=item_name, showing=False)
                                    if "menu item" in i.get_role_name()), None),
                      10, f"menu item {item_name!r} of {button_name!r}")
    u.wait_for(lambda: item.get_state_set().contains(u.Atspi.StateType.SENSITIVE), 10,
               f"menu item {item_name!r} to be enabled")
    u.do_action(item)


def wait_closed(wiz):
    u.wait_for(lambda: is_gone(wiz), 180,
               lambda: f"the wizard to close after Finish (messages: {messages(wiz)}; "
                       f"progress: {message(wiz, 'Install progress message')!r})", interval=0.5)
    u.log("wizard closed")


def check_guest_console(app, wiz, name):
    """After Finish: the wizard closes, the guest's VM window opens on its
    console, and its serial console shows the ready line."""
    wait_closed(wiz)
    win = u.window(app, name=re.compile(re.escape(name)), timeout=30)
    u.log(f"VM window {win.get_name()!r}")
    return check_serial(win, name)


def check_serial(win, name):
    """The guest runs and WIN's serial console shows the ready line."""
    # Finish returns once the guest runs; Begin Installation (customize) starts
    # it in the background, so give the start its time before judging.
    states = []

    def running():
        states.append(u.marinactl(SESSION, "domstate", name).strip())
        return states[-1].startswith("running")
    u.wait_for(running, 30, lambda: f"{name} to run (it is {states[-1]!r})", interval=0.2)
    u.wait_for(lambda: ready_in_log(name), BOOT_TIMEOUT,
               f"{name} to print {READY} (daemon log {serial_log(name)})", interval=0.5)
    u.log(f"{name} printed {READY} (daemon's serial log)")

    def terminal():
        hits = u.find_all(win, role="terminal", name="Serial console")
        return hits[0] if hits else None
    term = terminal()
    if term is None:
        open_menu_item(win, "Console View", re.compile(r"^Serial( console| 1)?$"))
        term = u.wait_for(terminal, 20, "the serial console to show")
    u.wait_for(lambda: READY in u.text_of(term), 30,
               lambda: f"{READY} in the serial console (it shows {u.text_of(term)[-300:]!r})")
    u.log(f"the VM window's serial console shows {READY}")
    return win


def remove_guest(name):
    u.marinactl(SESSION, "destroy", name, check=False)
    u.marinactl(SESSION, "undefine", name, check=False)


def volumes(pool="default"):
    return u.marinactl(SESSION, "vol-list", pool)


def guests():
    return u.marinactl(SESSION, "list", "--all")


def run(checks):
    """Runs CHECKS(app, manager) in a started Marina; dumps the accessible
    tree on failure."""
    def main():
        guest_dir()
        app, manager = start_marina()
        try:
            checks(app, manager)
        except BaseException:
            u.on_failure_dump(app)
            raise
    u.run(main)
