"""The hardware editor on a shut-off guest: Memory, CPUs, Boot options, the
NIC's model and network, the disk's cache and the OS are edited and applied page by page, and
the defined XML (marinactl dumpxml) has each change; Apply is enabled only
once something changed."""

import os
import re

import hwtest as h
import uitest as u

GUEST = "hw-edit"


def checks(app, manager):
    h.define(GUEST)
    win = h.open_details(app, manager, GUEST)
    names = h.rows(win)
    u.log(f"hardware rows: {names}")
    for want in ("Overview", "OS information", "Performance", "CPUs", "Memory", "Boot options",
                 h.DISK_ROW, h.NIC_ROW, "Display VNC", "Sound ich9", "Serial 1", "Console",
                 "Video VGA", "XML"):
        assert want in names, f"no row {want!r} in the hardware list: {names}"

    h.select(win, "Memory")
    u.wait_for(lambda: h.value(win, "Current memory") == "128", 10, "the memory page to show 128")
    assert not h.apply_sensitive(win), "Apply is enabled before anything changed"
    h.fill(win, "Maximum memory", "256")
    h.fill(win, "Current memory", "192")
    u.wait_for(lambda: h.apply_sensitive(win), 10, "Apply to be enabled after an edit")
    assert h.apply(win) == "Applied.", h.message(win)
    xml = h.dumpxml(GUEST)
    assert re.search(r"<memory unit=.KiB.>262144</memory>", xml), xml
    assert re.search(r"<currentMemory unit=.KiB.>196608</currentMemory>", xml), xml

    h.select(win, "CPUs")
    h.fill(win, "Maximum vCPUs", "4")
    h.fill(win, "vCPU allocation", "2")
    h.apply(win)
    xml = h.dumpxml(GUEST)
    assert re.search(r"<vcpu[^>]*current=.2.[^>]*>4</vcpu>", xml), xml

    h.select(win, "Boot options")
    h.toggle(win, "Boot menu")
    u.screenshot(os.path.join(u.LOGS, "hardware-boot.png"))
    h.apply(win)
    xml = h.dumpxml(GUEST)
    assert re.search(r"<bootmenu enable=.yes./>", xml), xml

    h.select(win, h.NIC_ROW)
    h.choose(win, "Device model", "e1000")
    h.apply(win)
    xml = h.dumpxml(GUEST)
    assert re.search(r"<model type=.e1000./>", xml), xml

    # On the host's virtual network 'default', chosen from the list the daemon gives.
    h.choose(win, "Network source", "Virtual network")
    h.choose(win, "Network or bridge name", "default")
    h.apply(win)
    xml = h.dumpxml(GUEST)
    assert re.search(r"<interface type=.network.>", xml), xml
    assert re.search(r"<source network=.default./>", xml), xml
    u.log("NIC on the virtual network 'default'")

    h.select(win, h.DISK_ROW)
    h.choose(win, "Cache mode", "writeback")
    u.screenshot(os.path.join(u.LOGS, "hardware-disk.png"))
    h.apply(win)
    xml = h.dumpxml(GUEST)
    assert re.search(r"<driver [^>]*cache=.writeback.", xml), xml
    u.log("memory, vCPUs, boot menu, NIC model and disk cache applied")

    # The OS from the libosinfo database, recorded in the metadata.
    h.select(win, "OS information")
    h.fill(win, "Operating system", "no such system", role="text")
    text = h.apply(win, expect=r"^Operating system: ")
    assert "is not in the libosinfo database" in text, text
    h.fill(win, "Operating system", "debian11", role="text")
    family = h.field(win, "Operating system family", role="label")
    u.wait_for(lambda: u.text_of(family) == "linux", 30,
               lambda: f"the page to know debian11 (family {u.text_of(family)!r})")
    h.apply(win)
    xml = h.dumpxml(GUEST)
    assert re.search(r"<libosinfo:os id=.http://debian.org/debian/11./>", xml), xml
    u.log("OS recorded as Debian 11")


h.run(checks)
