"""Changes QEMU makes in a running guest: the memory balloon, the NIC's
link state, a hot-plugged vCPU and CD-ROM media are applied to the running guest and its definition at once
("Applied.", no field waits for the next boot), and Remove unplugs the
NIC from the running guest as well as from the definition; its disk grows
while it runs."""

import os
import re

import hwtest as h
import uitest as u

GUEST = "hw-live"
READY = "MARINA-GUEST-READY"


def live_xml():
    return h.dumpxml(GUEST, inactive=False)


def checks(app, manager):
    h.define(GUEST, balloon=True, max_vcpus=2, cdrom=True)
    u.marinactl(h.SESSION, "start", GUEST)
    win = h.open_details(app, manager, GUEST)

    h.select(win, "Memory")
    u.wait_for(lambda: h.value(win, "Current memory") == "128", 10, "the memory page to show 128")
    h.fill(win, "Current memory", "96")
    text = h.apply(win)
    assert text == "Applied.", f"the balloon change says {text!r}"
    u.wait_for(lambda: re.search(r"<currentMemory unit=.KiB.>98304</currentMemory>", live_xml()),
               20, lambda: f"the running guest to have 96 MiB:\n{live_xml()}")
    assert re.search(r"<currentMemory unit=.KiB.>98304</currentMemory>", h.dumpxml(GUEST))
    u.log("memory ballooned to 96 MiB, running and defined")

    h.select(win, h.NIC_ROW)
    h.toggle(win, "Link up")
    text = h.apply(win)
    assert text == "Applied.", f"the link change says {text!r}"
    u.wait_for(lambda: re.search(r"<link state=.down./>", live_xml()), 20,
               lambda: f"the running NIC's link to be down:\n{live_xml()}")
    assert re.search(r"<link state=.down./>", h.dumpxml(GUEST)), h.dumpxml(GUEST)
    u.log("link down, running and defined")

    # Hot-unplug needs the guest's ACPI: wait until it has booted.
    u.wait_for(lambda: READY in open(h.serial_log(GUEST), errors="replace").read(), 90,
               f"{GUEST} to boot", interval=0.5)

    # A second vCPU plugged in (up to the maximum the guest started with).
    h.select(win, "CPUs")
    h.fill(win, "vCPU allocation", "2")
    text = h.apply(win, timeout=60)
    assert text == "Applied.", f"the vCPU hot-plug says {text!r}"
    # Two of two online: no current attribute, or current='2'.
    u.wait_for(lambda: re.search(r"<vcpu(?![^>]*current=.1.)[^>]*>2</vcpu>", live_xml()), 30,
               lambda: f"the running guest to have 2 vCPUs:\n{live_xml()}")
    u.log("second vCPU plugged in")

    # The disk grows while the guest runs (QEMU's block_resize).
    h.select(win, h.DISK_ROW)
    u.press(win, "Grow the disk")
    dialog = u.window(app, role=re.compile("^(dialog|frame)$"), name="Grow Disk 'vda'",
                      timeout=10)
    u.set_text(u.find(dialog, role="spin button", name="New disk size"), "0.5")
    u.press(dialog, "Grow")
    u.wait_for(lambda: u.is_gone(dialog), 30,
               lambda: f"the grow dialog to close ({u.text_of(u.find(dialog, name='Grow disk error'))!r})")
    u.wait_for(lambda: os.path.getsize(h.disk_path(GUEST)) == 512 << 20, 10,
               lambda: f"the image to be 512 MiB ({os.path.getsize(h.disk_path(GUEST))})")
    u.log("disk grown to 512 MiB while running")

    # CD-ROM media inserted into and ejected from the running guest's drive.
    iso = os.path.join(os.environ.get("MARINA_TEST_GUEST_DIR", ""), "marina-test.iso")
    if os.path.exists(iso):
        h.select(win, "IDE CD-ROM 1")
        h.fill(win, "Disk source path", iso, role="text")
        assert h.apply(win) == "Applied.", h.message(win)
        u.wait_for(lambda: iso in live_xml(), 20, lambda: f"the medium in the guest:\n{live_xml()}")
        u.press(win, "Disconnect media")
        assert h.apply(win) == "Applied.", h.message(win)
        u.wait_for(lambda: iso not in live_xml(), 20, lambda: f"the medium out:\n{live_xml()}")
        assert iso not in h.dumpxml(GUEST), "the definition still has the medium"
        u.log("CD-ROM media inserted and ejected live")

    h.select(win, h.NIC_ROW)
    u.press(win, "Remove device")
    dialog = u.window(app, role=re.compile("^(alert|dialog)$"), timeout=10)
    u.press(dialog, "Remove")
    text = u.wait_for(lambda: (lambda t: t if t.startswith(("Removed", "Applied")) else None)(
        h.message(win)), 60, lambda: f"the removal's outcome ({h.message(win)!r})")
    u.log(f"remove: {text!r}")
    assert text == "Removed from the running guest and its definition.", text
    assert "<interface" not in h.dumpxml(GUEST), "the NIC is still defined"
    assert "<interface" not in live_xml(), "the NIC is still in the running guest"
    u.marinactl(h.SESSION, "destroy", GUEST)


h.run(checks)
