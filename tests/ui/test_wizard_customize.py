""""Customize configuration before install": Finish prepares the guest
without starting it and opens its VM window on the Details page with an info
bar. "Cancel Installation" removes the prepared guest and its new disk;
for a second guest the XML tab edits the definition (Apply redefines it),
then "Begin Installation" boots it to the ready line on its serial console.
"""

import re

import uitest as u
import wizardtest as w

ABANDONED = "wiz-abandon"
GUEST = "wiz-custom"


def prepare(app, manager, name, disk):
    wiz = w.direct_kernel_to_summary(app, manager, disk)
    w.fill(wiz, "Name", name)
    box = u.find(wiz, role="check box", name="Customize configuration before install")
    u.do_action(box)
    u.wait_for(lambda: box.get_state_set().contains(u.Atspi.StateType.CHECKED), 10,
               "Customize to be checked")
    w.finish(wiz)
    w.wait_closed(wiz)
    win = u.window(app, name=re.compile(re.escape(name)), timeout=30)
    bar = u.find(win, role="label", name="Customize message", timeout=20)
    u.log(f"{name}: {u.text_of(bar)!r}")
    assert "begin the installation" in u.text_of(bar), u.text_of(bar)
    state = u.marinactl(w.SESSION, "domstate", name).strip()
    assert state.startswith("shut off"), f"{name} is {state!r} while being customized"
    return win


def checks(app, manager):
    # Cancel Installation: the prepared guest and its disk go away.
    win = prepare(app, manager, ABANDONED, disk=True)
    assert f"{ABANDONED}.qcow2" in w.volumes(), "the prepared guest has no new disk"
    u.press(win, "Cancel Installation")
    u.wait_for(lambda: ABANDONED not in w.guests(), 30, f"{ABANDONED} to be removed")
    u.wait_for(lambda: ABANDONED not in w.volumes(), 30, f"the disk of {ABANDONED} to go")
    u.wait_for(lambda: w.is_gone(win), 20, "its VM window to close")
    u.log(f"{ABANDONED}: removed with its disk, window closed")

    # The XML tab, then Begin Installation.
    win = prepare(app, manager, GUEST, disk=False)
    view = u.find(win, role="text", name="Guest XML", timeout=20)
    u.wait_for(lambda: f"<name>{GUEST}</name>" in u.text_of(view), 20,
               lambda: f"the definition in the XML tab ({u.text_of(view)[:200]!r})")
    u.wait_for(lambda: view.get_state_set().contains(u.Atspi.StateType.EDITABLE), 10,
               "the XML to be editable while the guest is shut off")
    xml = u.text_of(view)
    edited = xml.replace(f"<name>{GUEST}</name>",
                         f"<name>{GUEST}</name>\n  <description>customized in the wizard"
                         f"</description>", 1)
    u.set_text(view, edited)
    u.press(win, "Apply XML")
    text = u.wait_for(lambda: (lambda t: t if t.startswith("Applied") else None)(
        u.text_of(u.find(win, role="label", name="XML message"))), 30, "Applied.")
    u.log(f"XML message: {text!r}")
    dumped = u.marinactl(w.SESSION, "dumpxml", GUEST)
    assert "customized in the wizard" in dumped, f"the edit was not applied:\n{dumped}"

    u.press(win, "Begin Installation")
    w.check_serial(win, GUEST)
    w.remove_guest(GUEST)


w.run(checks)
