"""The new-guest wizard's customize step: with "Customize configuration
before install" checked, the summary page offers firmware (BIOS / UEFI),
chipset (i440FX / Q35) and architecture (what the host's QEMU runs); the
choices end up in the defined XML (<os firmware='efi'>, machine q35, arch).
The wizard's counted texts are plural forms in every catalog (ngettext).
"""

import gettext
import os
import re

import uitest as u
import wizardtest as w

GUEST = "polish-uefi"
LANGUAGES = ["ja", "zh_CN", "id"]
PLURALS = [("Step %d of %d", "Step %d of %d"), ("%u vCPU", "%u vCPUs"),
           ("A guest has between 1 and %d vCPU.", "A guest has between 1 and %d vCPUs.")]


def choose_in_combo(wiz, combo_name, item_name):
    combo = u.find(wiz, role="combo box", name=combo_name)
    u.do_action(combo)
    item = u.find(combo, role="menu item", name=item_name, showing=False, timeout=10)
    u.do_action(item)
    u.wait_for(lambda: not item.get_state_set().contains(u.Atspi.StateType.SHOWING), 10,
               f"the {combo_name} combo's menu to close")
    # (Which item a combo shows is not on AT-SPI: the defined XML tells.)
    u.log(f"{combo_name}: {item_name}")


def combo_items(wiz, combo_name):
    combo = u.find(wiz, role="combo box", name=combo_name)
    return [n.get_name() for n in u.find_all(combo, role="menu item", showing=False)]


def check_plurals():
    for lang in LANGUAGES:
        t = gettext.translation("marina", localedir=os.path.join(u.BUILD_ROOT, "po"),
                                languages=[lang])
        for singular, plural in PLURALS:
            # A plural entry (msgid_plural) in the catalog, with the forms the
            # language's Plural-Forms asks for (the translation may equal English).
            assert (singular, 0) in t._catalog, f"{lang}: {singular!r} is not a plural entry"
            for n in (1, 2, 5):
                assert t.ngettext(singular, plural, n), f"{lang}: {singular!r} for {n} is empty"
    u.log(f"plural forms translated in {', '.join(LANGUAGES)}")


def checks(app, manager):
    check_plurals()
    wiz = w.direct_kernel_to_summary(app, manager, disk=False)
    w.fill(wiz, "Name", GUEST)
    box = u.find(wiz, role="check box", name="Customize configuration before install")
    u.do_action(box)
    u.wait_for(lambda: box.get_state_set().contains(u.Atspi.StateType.CHECKED), 10,
               "Customize to be checked")
    archs = combo_items(wiz, "Architecture")
    u.log(f"architectures offered: {archs}")
    assert "x86_64" in archs and "i686" in archs, archs
    choose_in_combo(wiz, "Firmware", "UEFI (OVMF)")
    choose_in_combo(wiz, "Chipset", "Q35")
    u.screenshot(os.path.join(u.LOGS, "wizard-hardware.png"))
    w.finish(wiz)
    w.wait_closed(wiz)
    win = u.window(app, name=re.compile(re.escape(GUEST)), timeout=30)
    u.find(win, role="label", name="Customize message", timeout=20)

    xml = u.marinactl(w.SESSION, "dumpxml", "--inactive", GUEST)
    u.log("defined: " + " ".join(l.strip() for l in xml.splitlines() if "<os" in l or "<type" in l))
    assert re.search(r"<os[^>]*firmware=['\"]efi['\"]", xml), f"no UEFI firmware:\n{xml}"
    assert re.search(r"<type[^>]*machine=['\"]q35['\"]", xml), f"not a Q35 machine:\n{xml}"
    assert re.search(r"<type[^>]*arch=['\"]x86_64['\"]", xml), f"not x86_64:\n{xml}"

    u.press(win, "Cancel Installation")
    u.wait_for(lambda: GUEST not in w.guests(), 30, f"{GUEST} to be removed")


def run():
    try:
        w.run(checks)
    finally:
        w.remove_guest(GUEST)


run()
