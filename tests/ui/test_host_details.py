"""Connection Details of the session connection, as a user drives it.

Opened from the connection row's context menu (and again from the main
menu: the same window comes back), its Overview shows the host's name and
the accelerator (TCG under the tests) with live host CPU and memory graphs.
The Storage tab lists the `default` pool with its usage; a qcow2 volume is
created (marinactl vol-info agrees), resized from 1 to 2 GiB, and deleted;
a `dir` pool is added on a temporary directory (listed, active) and deleted.
Used By: a guest defined with the volume as a disk shows in the volume's
Used By column (without a refresh: the window follows guest events); while
that guest runs, deleting the volume is refused with the daemon's reason in
the info bar; shut off, the confirmation names the guest and the delete goes
through.
Wrong inputs are refused with the reason shown: a bad volume name, a size
above the pool's free space, shrinking on resize, a pool name already taken.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time

import uitest as u

SESSION = "marina:///session"
VOLUME = "ui-vol"
POOL = "ui-pool"
GUEST = "ui-user"
DIALOG = re.compile("^(dialog|alert)$")


class Table(u.GuestTree):
    """A flat tree view (pools, volumes) read through AT-SPI's Table."""

    def row_texts(self, row):
        # Sizes come with a no-break space ("1.0\u00a0GiB").
        return [t.replace("\u00a0", " ") for t in super().row_texts(row)]

    def names(self):
        return [(self._cell_texts(self.cell(r, self.name_col())) or [None])[0]
                for r in range(self.n_rows())]

    def row_of(self, name):
        for r, n in enumerate(self.names()):
            if n == name:
                return r
        return None

    def texts_of(self, name):
        r = self.row_of(name)
        return self.row_texts(r) if r is not None else None


def gone(node):
    try:
        return node.get_role_name() == "invalid" or not u._showing(node)
    except Exception:  # noqa: BLE001 (the accessible went with the window)
        return True


def checked(node):
    return node.get_state_set().contains(u.Atspi.StateType.CHECKED)


def sensitive(node):
    return node.get_state_set().contains(u.Atspi.StateType.SENSITIVE)


def menu_item(button, name):
    return u.wait_for(lambda: next((i for i in u.find_all(button, name=name, showing=False)
                                    if "menu item" in i.get_role_name()), None),
                      10, f"menu item {name!r}")


def details_windows(app):
    return [w for w in u.windows(app) if (w.get_name() or "").endswith("Connection Details")]


def open_tab(win, name):
    tab = u.find(win, role="page tab", name=name)
    u.click(tab)
    u.wait_for(lambda: tab.get_state_set().contains(u.Atspi.StateType.SELECTED), 10,
               f"the {name} tab to show")


def wait_error(dialog, pattern, what):
    label = u.find(dialog, role="label", name=re.compile(pattern), timeout=10)
    u.log(f"{what}: refused with {label.get_name()!r}")
    return label


def vol_info(name, check=True):
    return u.marinactl(SESSION, "vol-info", "--pool", "default", name, check=check)


def define_user_of(volume_path):
    """Defines GUEST (the test guest) with VOLUME as its disk."""
    disk = (f"    <disk type='file' device='disk'>\n"
            f"      <driver name='qemu' type='qcow2'/>\n"
            f"      <source file='{volume_path}'/>\n"
            f"      <target dev='vda' bus='virtio'/>\n"
            f"    </disk>\n")
    xml = u.test_guest_xml(GUEST).replace("  </devices>", disk + "  </devices>")
    path = os.path.join(u.TMP, f"{GUEST}.xml")
    with open(path, "w") as f:
        f.write(xml)
    u.marinactl(SESSION, "define", path)


def main():
    u.require_programs()
    # Starts the session daemon, which creates its default pool.
    hostname = u.marinactl(SESSION, "hostname").strip()
    u.marinactl(SESSION, "pool-info", "default")
    target = tempfile.mkdtemp(prefix="ui-pool-", dir=u.TMP)
    u.log(f"host {hostname!r}; new pool target {target}")

    marina = u.spawn(u.desktop_exec_argv(), "marina.log")
    app = u.application_of(marina.pid)
    try:
        run_checks(app, hostname, target)
    except BaseException:
        u.on_failure_dump(app)
        raise
    finally:
        # Whatever a failure left behind.
        u.marinactl(SESSION, "destroy", GUEST, check=False)
        u.marinactl(SESSION, "undefine", GUEST, check=False)
        u.marinactl(SESSION, "vol-delete", "--pool", "default", VOLUME, check=False)
        u.marinactl(SESSION, "pool-destroy", POOL, check=False)
        u.marinactl(SESSION, "pool-undefine", POOL, check=False)
        shutil.rmtree(target, ignore_errors=True)


def run_checks(app, hostname, target):
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    u.wait_for(lambda: tree.n_rows() > 0 and tree.name_and_state(0)[1] == "Connected", 30,
               "the session connection row to say Connected")
    tree.select_row(0)

    # The connection row's context menu > Details.
    u.click(tree.cell(0, tree.name_col()), button=3)
    details = u.wait_for(lambda: next((i for i in u.find_all(app, name="Details", showing=True)
                                       if i.get_role_name() == "menu item"), None),
                         10, "the context menu's Details item")
    u.do_action(details)
    win = u.window(app, name=re.compile(r"Connection Details$"), timeout=20)
    title = win.get_name()
    u.log(f"window {title!r}")
    assert title == "QEMU/KVM user session – Connection Details", title

    # Overview.
    u.find(win, role="label", name=hostname, timeout=15)
    accel = u.find(win, role="label", name=re.compile(r"^TCG"), timeout=15)
    u.log(f"overview: host {hostname!r}, accelerator {accel.get_name()!r}")
    for graph in ("Host CPU usage graph", "Host memory usage graph"):
        node = u.find(win, name=graph)
        assert u.extents(node)[2] > 50, f"{graph} has no width"
    # A few statistics intervals, so the graphs have something to draw.
    time.sleep(3)
    u.screenshot(os.path.join(u.LOGS, "overview.png"))
    autoconnect = u.find(win, role="check box", name="Connect automatically")
    assert checked(autoconnect), "the session connection autoconnects by default"

    # Main menu > Connection Details finds the same window.
    menu_button = u.find(manager, role="toggle button", name="Main Menu")
    item = menu_item(menu_button, "Connection Details")
    u.do_action(menu_button)
    u.wait_for(lambda: sensitive(item), 10, "'Connection Details' to be enabled")
    u.do_action(item)
    u.wait_for(lambda: len(details_windows(app)) == 1, 5, "one Connection Details window")
    u.log("main menu > Connection Details: the same window")

    # Networks: the daemon's default network (test_networks drives the tab).
    open_tab(win, "Virtual Networks")
    networks = Table(u.find(win, role="table", name="Virtual networks"))
    u.wait_for(lambda: networks.row_of("default") is not None, 15, "the default network")

    # Storage: the default pool with its usage.
    open_tab(win, "Storage")
    pools = Table(u.find(win, role="table", name="Storage pools"))
    u.wait_for(lambda: pools.row_of("default") is not None, 15, "the default pool")
    texts = pools.texts_of("default")
    assert any(re.match(r"^\d[\d.,]* \S+ of \d[\d.,]* \S+ used$", t) for t in texts), texts
    assert "Active" in texts, texts
    u.log(f"pool list: default {texts}")
    pools.select_row(pools.row_of("default"))
    volumes = Table(u.find(win, role="table", name="Volumes"))

    # New volume: wrong names and sizes are refused, then ui-vol is made.
    u.press(win, "New Volume")
    dialog = u.window(app, name="New Storage Volume", role=DIALOG)
    name = u.find(dialog, role="text", name="Volume name")
    create = u.find(dialog, role="push button", name="Create")
    u.set_text(name, "bad/name")
    wait_error(dialog, r"The volume name 'bad/name' contains a character that is not allowed",
               "volume name 'bad/name'")
    assert not sensitive(create), "Create is enabled for a bad name"
    u.set_text(name, VOLUME)
    capacity = u.find(dialog, role="spin button", name="Capacity in GiB")
    allocate = u.find(dialog, role="check box", name="Allocate entire volume now")
    u.do_action(allocate)
    u.wait_for(lambda: checked(allocate), 5, "'Allocate entire volume now' to be checked")
    u.set_text(capacity, "900000")
    wait_error(dialog, r"Pool 'default' has only .* free, not the .* to allocate now",
               "900000 GiB allocated now")
    assert not sensitive(create), "Create is enabled for a size above the free space"
    u.do_action(allocate)
    u.wait_for(lambda: not checked(allocate), 5, "'Allocate entire volume now' to be cleared")
    u.set_text(capacity, "1")
    u.wait_for(lambda: sensitive(create), 5, "Create to be enabled")
    u.do_action(create)
    u.wait_for(lambda: gone(dialog), 60, "the New Volume dialog to close")
    u.wait_for(lambda: volumes.texts_of(VOLUME), 15, f"{VOLUME} in the volume list")
    texts = volumes.texts_of(VOLUME)
    assert "1.0 GiB" in texts and "qcow2" in texts, texts
    info = vol_info(VOLUME)
    assert re.search(r"qcow2", info) and re.search(r"1\.00 GiB|1073741824", info), info
    u.log(f"created {VOLUME}: {texts}")

    # Resize: shrinking is refused, growing to 2 GiB works.
    volumes.select_row(volumes.row_of(VOLUME))
    u.press(win, "Resize Volume")
    dialog = u.window(app, name=f"Resize Volume '{VOLUME}'", role=DIALOG)
    size = u.find(dialog, role="spin button", name="New capacity in GiB")
    u.set_text(size, "0.5")
    u.press(dialog, "Resize")
    wait_error(dialog, rf"Volume '{VOLUME}' is .*\. Volumes can only grow", "resize to 0.5 GiB")
    u.set_text(size, "2")
    u.press(dialog, "Resize")
    u.wait_for(lambda: gone(dialog), 30, "the Resize dialog to close")
    u.wait_for(lambda: "2.0 GiB" in (volumes.texts_of(VOLUME) or []), 15,
               lambda: f"{VOLUME} to show 2.0 GiB (it shows {volumes.texts_of(VOLUME)})")
    info = vol_info(VOLUME)
    assert re.search(r"2\.00 GiB|2147483648", info), info
    u.log(f"resized {VOLUME} to 2 GiB")

    # Used By: a guest defined now shows up without a refresh.
    assert "Used By" in volumes.headers(), volumes.headers()
    assert GUEST not in volumes.texts_of(VOLUME), volumes.texts_of(VOLUME)
    volume_path = re.search(r"^Path:\s+(\S+)$", info, re.M).group(1)
    define_user_of(volume_path)
    u.wait_for(lambda: GUEST in (volumes.texts_of(VOLUME) or []), 15,
               lambda: f"{VOLUME} to be used by {GUEST} (it shows {volumes.texts_of(VOLUME)})")
    u.log(f"{VOLUME} used by {GUEST}: {volumes.texts_of(VOLUME)}")
    u.screenshot(os.path.join(u.LOGS, "storage.png"))

    # Add a dir pool; a taken name is refused first.
    u.press(win, "Add Pool")
    dialog = u.window(app, name="Add Storage Pool", role=DIALOG)
    name = u.find(dialog, role="text", name="Pool name")
    u.set_text(name, "default")
    wait_error(dialog, r"A pool called 'default' already exists", "pool name 'default'")
    assert not sensitive(u.find(dialog, role="push button", name="Add"))
    u.set_text(name, POOL)
    u.set_text(u.find(dialog, role="text", name="Target path"), target)
    u.press(dialog, "Add")
    u.wait_for(lambda: gone(dialog), 30, "the Add Pool dialog to close")
    u.wait_for(lambda: "Active" in (pools.texts_of(POOL) or []), 15,
               lambda: f"{POOL} listed as active (it shows {pools.texts_of(POOL)})")
    u.log(f"added {POOL}: {pools.texts_of(POOL)}")
    info = u.marinactl(SESSION, "pool-info", POOL)
    assert re.search(r"^State:\s+running", info, re.M), info
    xml = u.marinactl(SESSION, "pool-dumpxml", POOL)
    assert f"<path>{target}</path>" in xml and "type='dir'" in xml.replace('"', "'"), xml

    # Delete the volume, then the pool (both ask first). While its guest
    # runs, the daemon refuses and the info bar says why.
    pools.select_row(pools.row_of("default"))
    u.wait_for(lambda: volumes.row_of(VOLUME) is not None, 15, f"{VOLUME} listed again")
    u.marinactl(SESSION, "start", GUEST)
    volumes.select_row(volumes.row_of(VOLUME))
    u.press(win, "Delete Volume")
    confirm = u.window(app, role="alert", timeout=10)
    u.find(confirm, role="label", name=re.compile(f"used by guest {GUEST}\\."))
    u.press(confirm, "Delete")
    refused = u.find(win, role="label",
                     name=re.compile(f"in use by running guest '{GUEST}'. Shut the guest down"),
                     timeout=15)
    u.log(f"delete while {GUEST} runs: {refused.get_name()!r}")
    assert vol_info(VOLUME), f"{VOLUME} is gone although {GUEST} runs"
    u.marinactl(SESSION, "destroy", GUEST)
    volumes.select_row(volumes.row_of(VOLUME))
    u.press(win, "Delete Volume")
    confirm = u.window(app, role="alert", timeout=10)
    warning = u.find(confirm, role="label",
                     name=re.compile(f"used by guest {GUEST}. It will no longer start"))
    u.log(f"confirmation: {warning.get_name()!r}")
    u.press(confirm, "Delete")
    u.wait_for(lambda: volumes.row_of(VOLUME) is None, 15, f"{VOLUME} to leave the list")
    r = subprocess.run([u.MARINACTL, "-c", SESSION, "vol-info", "--pool", "default", VOLUME],
                         capture_output=True, text=True)
    assert r.returncode != 0, f"{VOLUME} still exists: {r.stdout}"
    u.log(f"deleted {VOLUME}")
    u.marinactl(SESSION, "undefine", GUEST)

    pools.select_row(pools.row_of(POOL))
    u.press(win, "Delete Pool")
    confirm = u.window(app, role="alert", timeout=10)
    u.press(confirm, "Delete")
    u.wait_for(lambda: pools.row_of(POOL) is None, 15, f"{POOL} to leave the list")
    r = subprocess.run([u.MARINACTL, "-c", SESSION, "pool-info", POOL],
                         capture_output=True, text=True)
    assert r.returncode != 0, f"{POOL} still exists: {r.stdout}"
    u.log(f"deleted {POOL}")


u.run(main)
