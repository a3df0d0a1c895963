"""Refused values and the page's own ways back: memory of 0 MiB and 0 vCPUs
are refused with a message naming the field and the defined XML stays as it
was; Revert shows the stored values again; leaving a page with changes asks
Apply / Discard / Cancel; a CRB TPM of version 1.2 and a 9-character VNC password are refused; Remove (confirmed) takes the sound card out of the
shut-off guest's definition."""

import os
import re

import hwtest as h
import uitest as u

GUEST = "hw-invalid"


def checks(app, manager):
    h.define(GUEST, tpm=True)
    before = h.dumpxml(GUEST)
    win = h.open_details(app, manager, GUEST)

    h.select(win, "Memory")
    u.wait_for(lambda: h.value(win, "Current memory") == "128", 10, "the memory page to show 128")
    h.fill(win, "Current memory", "0")
    text = h.apply(win, expect=r"Memory")
    assert text == "Memory: 0 MiB is not allowed; give at least 16 MiB.", text
    assert h.dumpxml(GUEST) == before, "a refused memory value changed the definition"

    # Revert: the stored value again, nothing left to apply.
    u.press(win, "Revert")
    u.wait_for(lambda: h.value(win, "Current memory") == "128", 10,
               lambda: f"Revert to show 128 MiB again (it shows {h.value(win, 'Current memory')})")
    u.wait_for(lambda: not h.apply_sensitive(win), 10, "Apply to be disabled after Revert")

    h.select(win, "CPUs")
    h.fill(win, "vCPU allocation", "0")
    text = h.apply(win, expect=r"vCPU")
    assert re.match(r"vCPU allocation: 0 is not allowed", text), text
    h.fill(win, "vCPU allocation", "3")
    text = h.apply(win, expect=r"vCPU allocation: 3 vCPUs are more than the maximum")
    assert h.dumpxml(GUEST) == before, "a refused vCPU count changed the definition"

    # Leaving the page with changes asks first; Cancel stays, Discard drops them.
    lst = h.hardware_list(win)
    memory_row = u.find(lst, role="list item", name="Memory")
    u.Atspi.Selection.select_child(lst, memory_row.get_index_in_parent())
    dialog = u.window(app, role=re.compile("^(alert|dialog)$"), timeout=10)
    u.log(f"leaving asks: {dialog.get_name()!r}")
    u.press(dialog, "Cancel")
    u.wait_for(lambda: u.is_gone(dialog), 10, "the question to close")
    assert h.value(win, "vCPU allocation") == "3", "Cancel lost the edit"
    u.Atspi.Selection.select_child(lst, memory_row.get_index_in_parent())
    dialog = u.window(app, role=re.compile("^(alert|dialog)$"), timeout=10)
    u.press(dialog, "Discard")
    u.wait_for(lambda: memory_row.get_state_set().contains(u.Atspi.StateType.SELECTED), 10,
               "the Memory page after Discard")
    assert h.dumpxml(GUEST) == before, "Discard changed the definition"

    # A TPM model that cannot take the version is refused; a right pair applies.
    h.select(win, "TPM v2.0")
    h.choose(win, "TPM model", "CRB (tpm-crb)")
    h.choose(win, "TPM version", "1.2")
    text = h.apply(win, expect=r"^TPM model: ")
    assert "CRB works with TPM 2.0 only" in text, text
    assert h.dumpxml(GUEST) == before, "a refused TPM changed the definition"
    h.choose(win, "TPM version", "2.0")
    h.apply(win)
    assert re.search(r"<tpm model=.tpm-crb.", h.dumpxml(GUEST)), h.dumpxml(GUEST)
    u.log("TPM: CRB with 1.2 refused, CRB with 2.0 applied")

    # The display: a password VNC would cut is refused; a fixed port on loopback applies.
    h.select(win, "Display VNC")
    h.fill(win, "Password", "123456789", role="password text")
    text = h.apply(win, expect=r"^Password: ")
    assert "at most 8 characters" in text, text
    h.fill(win, "Password", "secret", role="password text")
    h.toggle(win, "Automatic port")
    h.fill(win, "Port", "5907")
    h.apply(win)
    xml = h.dumpxml(GUEST)
    graphics = re.search(r"<graphics[^>]*>", xml).group(0)
    for want in (r"port=.5907.", r"passwd=.secret.", r"listen=.127\.0\.0\.1."):
        assert re.search(want, graphics), f"{want} not in {graphics}"
    u.log(f"display: {graphics}")

    # Remove the sound card, confirmed.
    h.select(win, "Sound ich9")
    u.press(win, "Remove device")
    dialog = u.window(app, role=re.compile("^(alert|dialog)$"), timeout=10)
    u.log(f"remove asks: {dialog.get_name()!r}")
    u.press(dialog, "Remove")
    u.wait_for(lambda: "Sound ich9" not in h.rows(win), 20,
               lambda: f"the sound row to go (rows {h.rows(win)})")
    xml = h.dumpxml(GUEST)
    assert "<sound" not in xml, f"the sound card is still defined:\n{xml}"
    u.log("sound card removed")
    u.screenshot(os.path.join(u.LOGS, "hardware-invalid.png"))


h.run(checks)
