"""The VM window, finished:
- Console View offers the graphical console's scaling (Scale to fit window,
  100 %, Resize guest to window) as radio items; each window keeps its own
  choice, and the last choice is the default of the next window opened;
- Screenshot and Fullscreen are disabled while no graphical console is shown
  (the serial console is), enabled again with the graphical console;
- the XML editor (GtkSourceView, line numbers) edits the definition of a
  RUNNING guest: Apply redefines it and says the change takes effect at the
  next boot; invalid XML is refused with the parser's message and the
  definition stays; the running configuration can be shown, read-only.
"""

import os
import re

import uitest as u

SESSION = "marina:///session"
GUEST = "polish-vm"
OTHER = "polish-vm2"
ITEMS = ("Scale to fit window", "100 %", "Resize guest to window")


def sensitive(node):
    return node.get_state_set().contains(u.Atspi.StateType.SENSITIVE)


def checked(node):
    return node.get_state_set().contains(u.Atspi.StateType.CHECKED)


def define(name):
    path = os.path.join(u.TMP, f"{name}.xml")
    with open(path, "w") as f:
        f.write(u.test_guest_xml(name))
    u.marinactl(SESSION, "define", path)


def main():
    u.require_programs()
    define(GUEST)
    define(OTHER)
    u.marinactl(SESSION, "start", GUEST)
    marina = u.spawn(u.desktop_exec_argv(), "marina.log")
    app = u.application_of(marina.pid)
    try:
        run_checks(app)
    except BaseException:
        u.on_failure_dump(app)
        raise
    finally:
        for name in (GUEST, OTHER):
            u.marinactl(SESSION, "destroy", name, check=False)
            u.marinactl(SESSION, "undefine", name, check=False)


def open_window(app, manager, tree, name):
    u.wait_for(lambda: tree.find_name(name), 30, f"a row for {name}")
    tree.select_row(tree.find_name(name)[0])
    u.press(manager, "Open")
    return u.window(app, name=re.compile(r"^" + re.escape(name)), timeout=20)


def scaling_items(win):
    """The scaling radio items of WIN's Console View menu, by label."""
    button = u.find(win, role=re.compile("^(toggle button|push button)$"), name="Console View")
    out = {}
    for name in ITEMS:
        out[name] = u.wait_for(
            lambda: next((i for i in u.find_all(button, name=name, showing=False)
                          if "menu item" in i.get_role_name()), None),
            10, f"the Console View menu's {name!r}")
    return out


def chosen_scaling(win):
    items = scaling_items(win)
    chosen = [name for name, item in items.items() if checked(item)]
    assert len(chosen) == 1, f"scaling items checked: {chosen}"
    return chosen[0]


def choose_scaling(win, name):
    u.open_menu_item(win, "Console View", name)
    u.wait_for(lambda: chosen_scaling(win) == name, 10, f"{name!r} to be chosen")
    u.press_key("Escape")
    u.log(f"{win.get_name()}: scaling {name!r}")


def lit_pixels(win, shot):
    """Pixels of the graphical console that are not its background: the guest's
    text, larger when scaled to a window bigger than the guest's screen."""
    console = u.find(win, role=re.compile(r"^(?!.*menu)"), name="Graphical console")
    x, y, w, h = u.extents(console)
    hist = u.colour_histogram(u.screenshot(os.path.join(u.LOGS, shot)),
                              (x + 2, y + 2, w - 4, h - 4))
    return sum(hist.values()) - max(hist.values())


def check_scaling(app, manager, tree, win):
    first = chosen_scaling(win)
    u.log(f"a new window's scaling: {first!r}")
    lit = {}
    for name in ITEMS:
        choose_scaling(win, name)
        u.wait_for(lambda: lit_pixels(win, f"scaling-{ITEMS.index(name)}.png") > 0, 10,
                   f"the guest's screen to show with {name!r}")
        lit[name] = lit_pixels(win, f"scaling-{ITEMS.index(name)}.png")
    u.log(f"lit pixels of the guest's screen by scaling: {lit}")
    # The window is larger than the guest's 720x400 text screen: scaled to fit,
    # its text is drawn larger than at 100 %.
    assert lit["Scale to fit window"] > 1.2 * lit["100 %"], lit
    choose_scaling(win, "Scale to fit window")

    # The next window starts with the last choice, then keeps its own.
    other = open_window(app, manager, tree, OTHER)
    assert chosen_scaling(other) == "Scale to fit window", chosen_scaling(other)
    u.log("a second window starts with the last choice, Scale to fit window")
    choose_scaling(other, "100 %")
    assert chosen_scaling(win) == "Scale to fit window", \
        f"the first window follows the second: {chosen_scaling(win)!r}"
    u.log("each window keeps its own scaling")
    u.press(other, "Close")
    u.wait_for(lambda: u.is_gone(other), 10, f"the window of {OTHER} to close")


def check_screenshot_fullscreen(win):
    shot = u.find(win, role="push button", name="Screenshot")
    full = u.find(win, role="toggle button", name="Fullscreen")
    u.wait_for(lambda: sensitive(shot) and sensitive(full), 20,
               "Screenshot and Fullscreen to be enabled with the graphical console")
    u.show_serial_console(win)
    u.wait_for(lambda: not sensitive(shot) and not sensitive(full), 10,
               "Screenshot and Fullscreen to be disabled while the serial console shows")
    u.log("serial console shown: Screenshot and Fullscreen disabled")
    u.open_menu_item(win, "Console View", "Graphical console")
    u.wait_for(lambda: sensitive(shot) and sensitive(full), 20,
               "Screenshot and Fullscreen to be enabled again with the graphical console")
    u.log("graphical console shown: Screenshot and Fullscreen enabled")


def show_xml(win):
    details = u.find(win, role=re.compile("^(radio button|toggle button|push button)$"),
                     name="Details")
    u.do_action(details)
    xml = u.wait_for(lambda: next((n for n in u.find_all(win, name="XML")
                                   if n.get_role_name() in ("list item", "table cell",
                                                            "page tab", "push button",
                                                            "radio button", "label")), None),
                     15, "the Details page's XML entry")
    u.click(xml)
    return u.find(win, role="text", name="Guest XML", timeout=15)


def message(win):
    hits = u.find_all(win, role="label", name="XML message")
    return u.text_of(hits[0]) if hits else ""


def check_xml_editor(win):
    view = show_xml(win)
    u.wait_for(lambda: f"<name>{GUEST}</name>" in u.text_of(view), 20,
               lambda: f"the definition in the XML tab ({u.text_of(view)[:200]!r})")
    u.wait_for(lambda: view.get_state_set().contains(u.Atspi.StateType.EDITABLE), 10,
               "the definition to be editable while the guest runs")
    u.screenshot(os.path.join(u.LOGS, "xml-editor.png"))
    xml = u.text_of(view)

    # Invalid XML: refused with the parser's message, the definition unchanged.
    before = u.marinactl(SESSION, "dumpxml", "--inactive", GUEST)
    u.set_text(view, xml.replace("</domain>", "</domian>"))
    u.press(win, "Apply XML")
    text = u.wait_for(lambda: (lambda t: t if t.startswith("Not applied") else None)(message(win)),
                      15, lambda: f"'Not applied' (the message says {message(win)!r})")
    u.log(f"invalid XML: {text!r}")
    assert u.marinactl(SESSION, "dumpxml", "--inactive", GUEST) == before, \
        "invalid XML changed the definition"
    u.press(win, "Revert XML")
    u.wait_for(lambda: "</domian>" not in u.text_of(view), 15, "Revert to restore the text")

    # Another UUID would define a second guest: refused, nothing defined.
    other_uuid = re.sub(r"<uuid>[^<]*</uuid>", "<uuid>0badc0de-0000-4000-8000-000000000001</uuid>",
                        u.text_of(view))
    u.set_text(view, other_uuid)
    u.press(win, "Apply XML")
    text = u.wait_for(lambda: (lambda t: t if "another guest" in t else None)(message(win)),
                      15, lambda: f"'another guest' (the message says {message(win)!r})")
    u.log(f"another UUID: {text!r}")
    assert u.marinactl(SESSION, "dumpxml", "--inactive", GUEST) == before
    assert "0badc0de" not in u.marinactl(SESSION, "list", "--all", "--uuid", check=False)
    u.press(win, "Revert XML")
    u.wait_for(lambda: "0badc0de" not in u.text_of(view), 15, "Revert to restore the text")

    # A valid change while it runs: applied to the definition, for the next boot.
    edited = u.text_of(view).replace(
        f"<name>{GUEST}</name>",
        f"<name>{GUEST}</name>\n  <description>edited while running</description>", 1)
    u.set_text(view, edited)
    u.press(win, "Apply XML")
    text = u.wait_for(lambda: (lambda t: t if t.startswith("Applied") else None)(message(win)),
                      30, lambda: f"'Applied' (the message says {message(win)!r})")
    u.log(f"applied: {text!r}")
    assert "next time it boots" in text, text
    assert "edited while running" in u.marinactl(SESSION, "dumpxml", "--inactive", GUEST)
    assert "edited while running" not in u.marinactl(SESSION, "dumpxml", GUEST), \
        "the running configuration changed"
    assert u.marinactl(SESSION, "domstate", GUEST).startswith("running")

    # The running configuration, read-only, and said so.
    live = u.find(win, role="radio button", name="Show the running configuration")
    u.do_action(live)
    u.wait_for(lambda: "edited while running" not in u.text_of(view) and
               f"<name>{GUEST}</name>" in u.text_of(view), 15,
               "the running configuration to show")
    u.wait_for(lambda: not view.get_state_set().contains(u.Atspi.StateType.EDITABLE), 10,
               "the running configuration to be read-only")
    assert "read-only" in message(win), message(win)
    u.log(f"running configuration shown read-only: {message(win)!r}")
    u.do_action(u.find(win, role="radio button", name="Show the definition"))
    u.wait_for(lambda: "edited while running" in u.text_of(view), 15,
               "the definition to show again")


def run_checks(app):
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    u.wait_for(lambda: tree.state_of(GUEST) == "Running", 30, f"{GUEST} to be Running")
    win = open_window(app, manager, tree, GUEST)
    u.graphical_console_is_drawn(win)
    check_screenshot_fullscreen(win)
    check_scaling(app, manager, tree, win)
    check_xml_editor(win)


u.run(main)
