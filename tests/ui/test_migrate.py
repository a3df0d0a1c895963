"""Live migration by right-click, between two hosts.

Two marinad daemons ("hosts" A and B, each with its own socket, state and
runtime directory, reached as marina+unix:// URIs) and the tiny test guest
running on A under real QEMU. Marina connects to both; the guest's VM window
is open. Right-click > Migrate… on the guest row:

- B is not connected yet: "Another host (URI)…" with A's own URI typed is
  refused at once; with B's URI typed, the dialog connects to B (it shows in
  the manager) -- where a guest of the same name already is: Migrate is
  refused with the destination daemon's own message, and the guest stays on A;
- with that guest gone, Migrate moves it: the dialog shows the stages and the
  figures and says it is complete; the guest is listed under B, not under A;
  the open VM window followed it (its title names B) and its serial console
  answers there;
- from the VM window's guest menu, Migrate… back to A with the bandwidth held
  to 1 MiB/s, then Cancel while it moves: the dialog says so and the guest
  goes on running on B; A lists nothing;
- shut off on B, its definition moves back to A (the window follows it);
- started on A again, it moves tunnelled and temporarily: B runs it, A keeps
  its definition shut off, and the window's console answers on B.
"""

import os
import re
import time

import uitest as u

GUEST = "ui-mig"
READY = "MARINA-GUEST-READY"
BOOT_TIMEOUT = 90  # TCG boot of the test guest on a loaded 2-core machine
MIGRATE_TIMEOUT = 120


class Host:
    def __init__(self, name):
        self.name = name
        self.root = os.path.join(u.TMP, f"host-{name}")
        self.state = os.path.join(self.root, "state")
        self.socket = os.path.join(self.root, "marinad.sock")
        self.uri = "marina+unix://" + self.socket
        os.makedirs(self.root, exist_ok=True)
        u.spawn([u.MARINAD, "--session", "--socket", self.socket, "--state-dir", self.state,
                 "--runtime-dir", os.path.join(self.root, "run"), "-v"],
                f"marinad-{name}.log")
        u.wait_for(lambda: u.uisession.socket_peer_pid(self.socket), 30,
                   f"host {name}'s daemon to listen on {self.socket}")

    def serial_log(self):
        return os.path.join(self.state, "log", f"{GUEST}-serial0.log")

    def ready_count(self):
        try:
            with open(self.serial_log(), "rb") as f:
                return f.read().count(READY.encode())
        except OSError:
            return 0

    def ctl(self, *args, check=True):
        return u.marinactl(self.uri, *args, check=check)

    def state_of(self, name):
        """The daemon's word for NAME's state, or None when it has no such guest."""
        out = self.ctl("list", "--all", check=False)
        for line in out.splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[1] == name:
                return " ".join(fields[2:])
        return None


# ---------------------------------------------------------------------------
# The manager's tree: connection rows, each followed by its guests


def guests_by_connection(tree):
    """{connection name: {guest name: state}} as the tree shows it now."""
    out = {}
    current = None
    for r in range(tree.n_rows()):
        name, state = tree.name_and_state(r)
        if tree.is_expandable(r):
            current = name
            out.setdefault(current, {})
        elif current is not None and name:
            out[current][name] = state
    return out


def listed(tree, host):
    return guests_by_connection(tree).get(host.uri, {})


def open_guest_menu(app, tree, item_name):
    """Right-click on the guest row and choose ITEM_NAME."""
    row = u.wait_for(lambda: tree.find_name(GUEST), 20, f"a row for {GUEST}")[0]
    tree.select_row(row)
    u.click(tree.cell(row, tree.name_col()), button=3)
    item = u.wait_for(lambda: next((i for i in u.find_all(app, name=item_name)
                                    if i.get_role_name() == "menu item"), None),
                      10, f"the context menu's {item_name!r} item")
    u.wait_for(lambda: item.get_state_set().contains(u.Atspi.StateType.SENSITIVE), 10,
               f"menu item {item_name!r} to be enabled")
    u.do_action(item)


# ---------------------------------------------------------------------------
# The Migrate dialog


def migrate_dialog(app):
    return u.window(app, name=f"Migrate “{GUEST}”", timeout=20)


def choose_destination(dialog, host):
    combo = u.find(dialog, role="combo box", name="Destination host")
    u.do_action(combo)
    item = u.find(combo, role="menu item", name=host.uri, timeout=10)
    u.do_action(item)
    u.wait_for(lambda: not item.get_state_set().contains(u.Atspi.StateType.SHOWING), 10,
               "the destination combo's menu to close")


def label_text(dialog, name):
    return u.text_of(u.find(dialog, name=name, timeout=5))


def wait_outcome(dialog, timeout=MIGRATE_TIMEOUT):
    """Waits for the dialog's final stage text; logs the figures seen meanwhile."""
    seen = set()

    def done():
        stage = label_text(dialog, "Migration stage")
        if stage not in seen:
            seen.add(stage)
            u.log(f"dialog: {stage!r}")
        if stage in ("Migration complete", "Migration failed", "Migration cancelled"):
            return stage
        return None
    stage = u.wait_for(done, timeout, lambda: f"the migration to end (stages {sorted(seen)})",
                       interval=0.2)
    return stage, label_text(dialog, "Migration result")


def figures(dialog):
    return {n: label_text(dialog, n) for n in ("Data sent", "Remaining", "Speed", "Dirty rate",
                                               "Expected downtime", "Downtime")}


def title(win):
    """The window's title now (libatspi keeps names it has read)."""
    win.clear_cache()
    return win.get_name()


def close_dialog(dialog):
    u.press(dialog, "Close")
    u.wait_for(lambda: u.is_gone(dialog), 10, "the Migrate dialog to close")


# ---------------------------------------------------------------------------
# The VM window's serial console


def serial_answers(win, word):
    own_line = re.compile(rf"^\s*{re.escape(word)}\s*$", re.M)

    def answered():
        term = u.show_serial_console(win)
        if own_line.search(u.text_of(term)):
            return True
        u.click(term)
        u.focus(term)
        time.sleep(0.3)
        u.type_text(f"echo {word}")
        u.press_key("Return")
        return u.wait_for(lambda: own_line.search(u.text_of(term)), 8,
                          f"'{word}' in the serial console")
    # The console may still be reconnecting to the new host: type again until it answers.
    u.wait_for(answered, 60, f"the serial console to answer 'echo {word}'", interval=1)
    u.log(f"serial console answered {word}")


# ---------------------------------------------------------------------------


def main():
    u.require_programs()
    a = Host("a")
    b = Host("b")
    xml = os.path.join(u.TMP, f"{GUEST}.xml")
    with open(xml, "w") as f:
        f.write(u.test_guest_xml(GUEST))
    a.ctl("define", xml)
    a.ctl("start", GUEST)
    u.wait_for(lambda: a.ready_count() > 0, BOOT_TIMEOUT,
               f"{GUEST} to print {READY} on host a ({a.serial_log()})", interval=0.5)
    u.log(f"{GUEST} runs on host a")
    # A guest of the same name on B: the destination refuses the first try.
    blocker = os.path.join(u.TMP, "blocker.xml")
    with open(blocker, "w") as f:
        f.write(u.test_guest_xml(GUEST))
    b.ctl("define", blocker)

    marina = u.spawn(u.desktop_exec_argv() + ["--connect", a.uri], "marina.log")
    app = u.application_of(marina.pid)
    try:
        run_checks(app, a, b)
    except BaseException:
        u.on_failure_dump(app)
        raise


def run_checks(app, a, b):
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    u.wait_for(lambda: listed(tree, a).get(GUEST) == "Running", 30,
               lambda: f"{GUEST} running under host a ({guests_by_connection(tree)})")

    # 1. Refused by the destination: its message, and the guest stays.
    open_guest_menu(app, tree, "Migrate…")
    dialog = migrate_dialog(app)
    u.screenshot(os.path.join(u.LOGS, "migrate-dialog.png"))
    assert label_text(dialog, "Guest") == GUEST
    assert label_text(dialog, "Current host") == a.uri, label_text(dialog, "Current host")
    live = u.find(dialog, name="Live")
    assert live.get_state_set().contains(u.Atspi.StateType.CHECKED), "Live is not the default"
    # Only B is not connected: the combo offers a URI to type.
    combo = u.find(dialog, role="combo box", name="Destination host")
    u.do_action(combo)
    u.do_action(u.find(combo, role="menu item", name="Another host (URI)…", timeout=10))
    uri_entry = u.find(dialog, role="text", name="Destination URI")
    u.set_text(uri_entry, a.uri)
    u.press(dialog, "Migrate")
    problem = u.wait_for(lambda: label_text(dialog, "Problem"), 10, "the form's problem")
    u.log(f"same host: {problem!r}")
    assert "already on" in problem and a.uri in problem, problem
    u.set_text(uri_entry, b.uri)
    u.press(dialog, "Migrate")
    stage, result = wait_outcome(dialog)
    u.log(f"refused: {result!r}")
    u.wait_for(lambda: GUEST in listed(tree, b), 20,
               lambda: f"host b, connected on demand, to list its {GUEST} "
                       f"({guests_by_connection(tree)})")
    assert stage == "Migration failed", f"{stage}: {result}"
    assert GUEST in result and re.search(r"already|exists|defined", result, re.I), \
        f"the dialog does not give the destination's reason: {result!r}"
    close_dialog(dialog)
    assert a.state_of(GUEST) == "running", f"on host a: {a.state_of(GUEST)!r}"
    b.ctl("undefine", GUEST)
    u.wait_for(lambda: GUEST not in listed(tree, b), 20, f"b to list no {GUEST}")

    # 2. The move, with the guest's VM window open. (The right-click comes
    # first: without a window manager the VM window would cover the row.)
    open_guest_menu(app, tree, "Migrate…")
    dialog = migrate_dialog(app)
    choose_destination(dialog, b)
    tree.select_row(tree.find_name(GUEST)[0])
    u.press(manager, "Open")
    win = u.window(app, name=re.compile("^" + re.escape(GUEST)), timeout=20)
    u.log(f"VM window {win.get_name()!r}")
    serial_answers(win, "marina-on-a")
    u.press(dialog, "Migrate")
    stage, result = wait_outcome(dialog)
    shown = figures(dialog)
    u.log(f"{stage}: {result!r}; figures {shown}")
    assert stage == "Migration complete", f"{stage}: {result}"
    assert b.uri in result, result
    assert shown["Data sent"] not in ("", "—"), shown
    close_dialog(dialog)
    u.wait_for(lambda: listed(tree, b).get(GUEST) == "Running" and GUEST not in listed(tree, a),
               30, lambda: f"{GUEST} running under b and gone from a "
                           f"({guests_by_connection(tree)})")
    assert a.state_of(GUEST) is None, f"host a still has {GUEST}: {a.state_of(GUEST)!r}"
    assert b.state_of(GUEST) == "running", f"on host b: {b.state_of(GUEST)!r}"

    # The window followed: its title names B, its console answers there.
    u.wait_for(lambda: title(win) == f"{GUEST} on {b.uri}", 30,
               lambda: f"the VM window's title to name host b (it is {title(win)!r})")
    u.log(f"VM window {title(win)!r}")
    serial_answers(win, "marina-on-b")
    u.screenshot(os.path.join(u.LOGS, "followed.png"))

    # 3. Cancel half-way, from the VM window's guest menu: it stays on B.
    u.open_menu_item(win, "Shut Down", "Migrate…")
    dialog = migrate_dialog(app)
    choose_destination(dialog, a)
    u.do_action(u.find(dialog, name="Advanced"))
    bandwidth = u.find(dialog, role="spin button", name="Bandwidth limit (MiB/s)")
    u.set_text(bandwidth, "1")
    u.press(dialog, "Migrate")
    # Half-way: some memory sent, most of it still to go at 1 MiB/s.
    u.wait_for(lambda: label_text(dialog, "Migration stage") == "Moving the guest…" and
               label_text(dialog, "Data sent") not in ("", "—", "0 bytes"), 60,
               lambda: f"the guest to be moving (figures {figures(dialog)})")
    u.log(f"moving: {figures(dialog)}")
    u.press(dialog, "Cancel")
    stage, result = wait_outcome(dialog)
    u.log(f"{stage}: {result!r}")
    assert stage == "Migration cancelled", f"{stage}: {result}"
    assert "goes on running on " + b.uri in result, result
    close_dialog(dialog)
    assert b.state_of(GUEST) == "running", f"on host b: {b.state_of(GUEST)!r}"
    assert a.state_of(GUEST) is None, f"host a kept {a.state_of(GUEST)!r}"
    u.wait_for(lambda: listed(tree, b).get(GUEST) == "Running" and GUEST not in listed(tree, a),
               20, lambda: f"{GUEST} still under b only ({guests_by_connection(tree)})")
    serial_answers(win, "marina-still-on-b")

    # 4. A shut-off guest: only its definition moves (no live options offered).
    b.ctl("destroy", GUEST)
    u.wait_for(lambda: listed(tree, b).get(GUEST) == "Shut off", 20, f"{GUEST} shut off on b")
    u.open_menu_item(win, "Shut Down", "Migrate…")
    dialog = migrate_dialog(app)
    live = u.find(dialog, name="Live")
    assert not live.get_state_set().contains(u.Atspi.StateType.SENSITIVE), \
        "Live/Offline are offered for a shut-off guest"
    choose_destination(dialog, a)
    u.press(dialog, "Migrate")
    stage, result = wait_outcome(dialog)
    u.log(f"{stage}: {result!r}")
    assert stage == "Migration complete", f"{stage}: {result}"
    assert result == f"“{GUEST}” is now defined on {a.uri} (shut off).", result
    close_dialog(dialog)
    u.wait_for(lambda: listed(tree, a).get(GUEST) == "Shut off" and GUEST not in listed(tree, b),
               20, lambda: f"{GUEST} shut off under a only ({guests_by_connection(tree)})")
    assert a.state_of(GUEST) == "shut off", f"on host a: {a.state_of(GUEST)!r}"
    assert b.state_of(GUEST) is None, f"host b kept {b.state_of(GUEST)!r}"
    u.wait_for(lambda: title(win) == f"{GUEST} on {a.uri}", 20,
               lambda: f"the VM window to follow it back to a (title {title(win)!r})")
    u.log(f"VM window {title(win)!r}")

    # 5. Tunnelled (through Marina's two connections) and temporary: B runs it
    # without keeping it, A keeps its definition (shut off).
    a.ctl("start", GUEST)
    u.wait_for(lambda: listed(tree, a).get(GUEST) == "Running", 30, f"{GUEST} running on a")
    u.open_menu_item(win, "Shut Down", "Migrate…")
    dialog = migrate_dialog(app)
    choose_destination(dialog, b)
    for name in ("Tunnelled", "Temporary move"):
        u.do_action(u.find(dialog, role="check box", name=name))
    u.press(dialog, "Migrate")
    stage, result = wait_outcome(dialog)
    u.log(f"{stage}: {result!r}")
    assert stage == "Migration complete", f"{stage}: {result}"
    close_dialog(dialog)
    u.wait_for(lambda: listed(tree, b).get(GUEST) == "Running" and
               listed(tree, a).get(GUEST) == "Shut off", 30,
               lambda: f"{GUEST} running on b and shut off on a ({guests_by_connection(tree)})")
    assert b.state_of(GUEST) == "running", f"on host b: {b.state_of(GUEST)!r}"
    assert a.state_of(GUEST) == "shut off", f"on host a: {a.state_of(GUEST)!r}"
    u.wait_for(lambda: title(win) == f"{GUEST} on {b.uri}", 20,
               lambda: f"the VM window to follow it to b again (title {title(win)!r})")
    serial_answers(win, "marina-tunnelled")


u.run(main)
