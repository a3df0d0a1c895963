"""A change on a running guest that QEMU cannot make live: Apply stores it in
the persistent definition, says it takes effect at the next boot, and the
field is marked as waiting for it; the running definition is unchanged."""

import re

import hwtest as h
import uitest as u

GUEST = "hw-running"
PENDING = "Changed: takes effect at the next boot"


def checks(app, manager):
    h.define(GUEST)
    u.marinactl(h.SESSION, "start", GUEST)
    u.wait_for(lambda: u.marinactl(h.SESSION, "domstate", GUEST).strip() == "running", 30,
               f"{GUEST} to run")
    win = h.open_details(app, manager, GUEST)

    h.select(win, "Boot options")
    h.fill(win, "Kernel arguments", "console=ttyS0 quiet panic=-1 acpi=noirq marina=next",
           role="text")
    text = h.apply(win)
    assert text == "Applied. The change takes effect at the next boot.", text
    inactive = h.dumpxml(GUEST)
    live = h.dumpxml(GUEST, inactive=False)
    assert "marina=next" in inactive, f"the definition lacks the new arguments:\n{inactive}"
    assert "marina=next" not in live, f"the running definition changed:\n{live}"

    h.select(win, "Memory")
    h.fill(win, "Maximum memory", "160")
    text = h.apply(win)
    assert text == "Applied. The change takes effect at the next boot.", text
    inactive = h.dumpxml(GUEST)
    assert re.search(r"<memory unit=.KiB.>163840</memory>", inactive), inactive
    spin = h.field(win, "Maximum memory")
    u.wait_for(lambda: spin.get_description() == PENDING, 20,
               lambda: f"the maximum memory to be marked for the next boot "
                       f"({spin.get_description()!r})")
    u.log("maximum memory marked as waiting for the next boot")

    # The graphs are a page of the list too.
    h.select(win, "Performance")
    for graph in ("CPU usage graph", "Memory usage graph", "Disk I/O graph", "Network I/O graph"):
        u.find(win, name=graph, timeout=10)
    u.marinactl(h.SESSION, "destroy", GUEST)


h.run(checks)
