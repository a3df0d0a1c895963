"""A failure at Finish leaves nothing behind.

Direct kernel boot with a kernel that exists while step 1 checks it and is
deleted before Finish, plus a new disk in the pool 'default': the guest
cannot start, the wizard stays open on its summary with the reason shown,
and afterwards neither the guest nor the new volume exists.
"""

import os
import re
import shutil

import uitest as u
import wizardtest as w

GUEST = "wiz-rollback"


def checks(app, manager):
    d = w.guest_dir()
    kernel = os.path.join(u.TMP, "vmlinuz-soon-gone")
    shutil.copy(os.path.join(d, "vmlinuz"), kernel)

    wiz = w.open_wizard(app, manager)
    w.wait_step(wiz, 1)
    w.choose(wiz, "Direct kernel boot")
    w.fill(wiz, "Kernel path", kernel)
    w.fill(wiz, "Initrd path", os.path.join(d, "initrd.img"))
    w.fill(wiz, "Kernel arguments", w.CMDLINE)
    w.forward(wiz)
    w.wait_step(wiz, 2)
    os.unlink(kernel)
    u.log(f"deleted {kernel} after step 1 checked it")
    w.fill(wiz, "Operating system", "generic")
    w.forward(wiz)
    w.wait_step(wiz, 3)
    w.fill(wiz, "Memory (MiB)", "256", role="spin button")
    w.forward(wiz)
    w.wait_step(wiz, 4)
    w.choose(wiz, "Create a disk image")
    w.fill(wiz, "Disk size (GiB)", "1", role="spin button")
    w.forward(wiz)
    w.wait_step(wiz, 5)
    w.fill(wiz, "Name", GUEST)
    u.wait_for(lambda: w.finish_enabled(wiz), 10, "Finish to be enabled")
    w.finish(wiz)

    # The daemon's refusal (qemu-vm.c, check_guest_file): it names the missing kernel.
    text = w.expect_message(wiz, "Finish error",
                            rf"cannot start: its kernel {re.escape(kernel)} does not exist",
                            timeout=120)
    assert w.step(wiz) == "Step 5 of 5", f"the wizard left the summary: {w.step(wiz)!r}"
    assert not w.is_gone(wiz), "the wizard closed after a failed Finish"
    u.log(f"Finish failed as it should: {text!r}")
    u.wait_for(lambda: w.finish_enabled(wiz), 30, "Finish to be enabled again")

    listed = w.guests()
    assert GUEST not in listed, f"{GUEST} was left behind:\n{listed}"
    vols = w.volumes()
    assert GUEST not in vols, f"a volume of {GUEST} was left behind:\n{vols}"
    u.log("nothing was left behind: no guest, no volume")
    u.press(wiz, "Cancel")
    u.wait_for(lambda: w.is_gone(wiz), 10, "Cancel to close the wizard")


w.run(checks)
