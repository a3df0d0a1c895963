"""New → Direct kernel boot of the test guest, through every page of the
wizard, ending at the guest's serial console printing the ready line.

Wrong inputs first, each refused with its reason shown under the field: a
relative kernel path, a kernel file that does not exist, memory 0 and more
memory than the host has, an invalid name and a name already taken.
"""

import os

import uitest as u
import wizardtest as w

GUEST = "wiz-kernel"
TAKEN = "wiz-taken"


def checks(app, manager):
    d = w.guest_dir()
    xml = os.path.join(u.TMP, f"{TAKEN}.xml")
    with open(xml, "w") as f:
        f.write(u.test_guest_xml(TAKEN))
    u.marinactl(w.SESSION, "define", xml)

    wiz = w.open_wizard(app, manager)
    w.wait_step(wiz, 1)
    w.choose(wiz, "Direct kernel boot")

    # Step 1: the kernel path must be absolute, and the file must exist.
    w.fill(wiz, "Kernel path", "vmlinuz")
    w.forward(wiz)
    w.expect_message(wiz, "Install source error", r"not absolute")
    w.fill(wiz, "Kernel path", os.path.join(d, "no-such-vmlinuz"))
    w.forward(wiz)
    w.expect_message(wiz, "Install source error", r"does not exist")
    u.screenshot(os.path.join(u.LOGS, "wizard-step1.png"))
    assert w.step(wiz) == "Step 1 of 5", f"the wizard moved on: {w.step(wiz)!r}"
    w.fill(wiz, "Kernel path", os.path.join(d, "vmlinuz"))
    w.fill(wiz, "Initrd path", os.path.join(d, "initrd.img"))
    w.fill(wiz, "Kernel arguments", w.CMDLINE)
    w.forward(wiz)
    w.wait_step(wiz, 2)

    # Step 2: an OS name Marina does not know is refused; generic is fine.
    w.fill(wiz, "Operating system", "No Such OS 3000")
    w.forward(wiz)
    w.expect_message(wiz, "Operating system error", r"not an operating system")
    w.fill(wiz, "Operating system", "generic")
    w.forward(wiz)
    w.wait_step(wiz, 3)

    # Step 3: memory 0 and more than the host has are refused.
    w.fill(wiz, "Memory (MiB)", "0", role="spin button")
    w.forward(wiz)
    w.expect_message(wiz, "Memory and vCPUs error", r"too little memory")
    w.fill(wiz, "Memory (MiB)", "9999999", role="spin button")
    w.forward(wiz)
    w.expect_message(wiz, "Memory and vCPUs error", r"more memory than the host has")
    u.screenshot(os.path.join(u.LOGS, "wizard-step3.png"))
    assert w.step(wiz) == "Step 3 of 5", f"the wizard moved on: {w.step(wiz)!r}"
    w.fill(wiz, "Memory (MiB)", "256", role="spin button")
    w.fill(wiz, "vCPUs", "1", role="spin button")
    u.wait_for(lambda: not w.message(wiz, "Memory and vCPUs error"), 10,
               "the memory error to go once the memory is right")
    w.forward(wiz)
    w.wait_step(wiz, 4)

    # Step 4: no disk.
    w.uncheck(wiz, "Enable storage for this virtual machine")
    w.forward(wiz)
    w.wait_step(wiz, 5)

    # Back keeps what was entered.
    u.press(wiz, "Back")
    w.wait_step(wiz, 4)
    u.press(wiz, "Back")
    w.wait_step(wiz, 3)
    memory = u.text_of(u.find(wiz, role="spin button", name="Memory (MiB)"))
    assert memory == "256", f"Back lost the memory: {memory!r}"
    w.forward(wiz)
    w.wait_step(wiz, 4)
    w.forward(wiz)
    w.wait_step(wiz, 5)

    # Step 5: the name is checked as it is typed.
    summary = u.text_of(u.find(wiz, role="label", name="Summary: install"))
    assert "vmlinuz" in summary, f"the summary's install line says {summary!r}"
    w.name_refused(wiz, "bad name!", r"The domain name 'bad name!' contains a space, which is not "
                                      r"allowed")
    w.name_refused(wiz, TAKEN, rf"A guest named '{TAKEN}' already exists")
    u.screenshot(os.path.join(u.LOGS, "wizard-step5.png"))
    w.fill(wiz, "Name", GUEST)
    u.wait_for(lambda: w.finish_enabled(wiz), 10, "Finish to be enabled for a good name")
    w.finish(wiz)
    w.check_guest_console(app, wiz, GUEST)
    xml = u.marinactl(w.SESSION, "dumpxml", GUEST)
    assert "<kernel>" in xml and "vmlinuz" in xml, f"the definition has no kernel: {xml}"
    w.remove_guest(GUEST)
    w.remove_guest(TAKEN)


w.run(checks)
