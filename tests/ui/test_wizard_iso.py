"""New → Local install media: the test guest's live CD (marina-test.iso,
ISOLINUX + the test kernel and initrd) with a new 1 GiB qcow2 disk in the
pool 'default', ending at the guest's serial console printing the ready line.

Wrong input first: a file that is not an ISO image is refused with
Host.InspectMedia's reason. The OS detection says it could not detect the
test CD, so generic is chosen by hand.
"""

import os

import uitest as u
import wizardtest as w

GUEST = "wiz-iso"


def pick_volume_for_import(app, manager):
    """Import → Browse Volumes… lists the pools' volumes with the guests that
    use them; choosing one puts its path on the host into the disk image entry."""
    wiz = w.open_wizard(app, manager)
    w.choose(wiz, "Import existing disk image")
    u.press(wiz, "Browse Volumes…")
    dialog = u.window(app, name="Choose a Volume", timeout=20)
    table = u.find(dialog, role="table", name="Volumes")

    def row_of_volume():
        for r in range(u.Atspi.Table.get_n_rows(table)):
            cell = u.Atspi.Table.get_accessible_at(table, r, 1)
            if cell is not None and cell.get_name() == f"{GUEST}.qcow2":
                return r + 1  # 0 is a valid row: say "found" with r + 1
        return None
    row = u.wait_for(row_of_volume, 20, f"{GUEST}.qcow2 in the volume list") - 1
    headers = u.GuestTree(table).headers()
    path = u.Atspi.Table.get_accessible_at(table, row, headers.index("Path")).get_name()
    used_by = u.Atspi.Table.get_accessible_at(table, row, headers.index("Used By")).get_name()
    assert used_by == GUEST, f"{GUEST}.qcow2 is used by {used_by!r}"
    if not u.Atspi.Table.add_row_selection(table, row):
        u.click(u.Atspi.Table.get_accessible_at(table, row, 1))
    u.press(dialog, "Choose")
    entry = u.find(wiz, role="text", name="Disk image path")
    u.wait_for(lambda: u.text_of(entry) == path, 10,
               lambda: f"the disk image entry to hold {path!r} ({u.text_of(entry)!r})")
    assert path.endswith(f"/{GUEST}.qcow2"), f"the volume's path is {path!r}"
    u.log(f"Browse Volumes… chose {path}")
    u.press(wiz, "Cancel")
    u.wait_for(lambda: w.is_gone(wiz), 10, "Cancel to close the wizard")


def checks(app, manager):
    iso = os.path.join(w.guest_dir(), "marina-test.iso")
    if not os.path.exists(iso):
        u.skip(f"{iso} is not built (meson target test_iso)")
    before = w.volumes()
    assert f"{GUEST}.qcow2" not in before, f"a volume {GUEST}.qcow2 exists already:\n{before}"

    wiz = w.open_wizard(app, manager)
    w.wait_step(wiz, 1)
    w.choose(wiz, "Local install media (ISO image or CD-ROM)")
    w.fill(wiz, "ISO image path", "/etc/hostname")
    w.forward(wiz)
    w.expect_message(wiz, "Install source error", r"/etc/hostname is not an ISO 9660 CD/DVD image")
    assert w.step(wiz) == "Step 1 of 5", f"the wizard moved on: {w.step(wiz)!r}"
    w.fill(wiz, "ISO image path", iso)
    w.forward(wiz)
    w.wait_step(wiz, 2)

    detected = u.find(wiz, role="label", name="Detected operating system")
    u.wait_for(lambda: "Could not detect" in u.text_of(detected), 30,
               lambda: f"the wizard to say it could not detect the OS ({u.text_of(detected)!r})")
    u.log(f"detection: {u.text_of(detected)!r}")
    u.press(wiz, "Generic")
    w.forward(wiz)
    w.wait_step(wiz, 3)
    w.fill(wiz, "Memory (MiB)", "256", role="spin button")
    w.fill(wiz, "vCPUs", "1", role="spin button")
    w.forward(wiz)
    w.wait_step(wiz, 4)

    # A new 1 GiB qcow2 disk in the pool 'default' (preselected), allocated as it fills.
    w.choose(wiz, "Create a disk image")
    pool = u.find(wiz, role="combo box", name="Storage pool")
    u.wait_for(lambda: "default" in (pool.get_name() and u.text_of(pool) or "") or
               any("default" in (c.get_name() or "") for c in u.find_all(pool, showing=False)),
               30, "the pool 'default' in the Storage pool combo")
    w.fill(wiz, "Disk size (GiB)", "1", role="spin button")
    u.wait_for(lambda: not w.message(wiz, "Storage error"), 10,
               lambda: f"no storage error ({w.messages(wiz)})")
    w.forward(wiz)
    w.wait_step(wiz, 5)
    storage = u.text_of(u.find(wiz, role="label", name="Summary: storage"))
    assert "1.0 GiB qcow2" in storage and "default" in storage, f"summary storage: {storage!r}"

    w.fill(wiz, "Name", GUEST)
    u.wait_for(lambda: w.finish_enabled(wiz), 10, "Finish to be enabled")
    w.finish(wiz)
    w.check_guest_console(app, wiz, GUEST)

    after = w.volumes()
    assert f"{GUEST}.qcow2" in after, f"no volume {GUEST}.qcow2 in pool default:\n{after}"
    u.log(f"pool default holds {GUEST}.qcow2")
    pick_volume_for_import(app, manager)
    w.remove_guest(GUEST)
    u.marinactl(w.SESSION, "vol-delete", f"{GUEST}.qcow2", "--pool", "default", check=False)


w.run(checks)
