"""The wizard on a system daemon offers the host's bridges as networks.

A system marinad runs in a private network namespace that holds one bridge,
br-marina0, on sockets of its own; Marina connects to it with --connect. New
→ Direct kernel boot → ... → the Network combo lists "Bridge br-marina0
(host device)"; choosing it and finishing defines and starts a guest whose
interface joins that bridge: the daemon made a tap device on it. A typed
bridge name that is not a valid device name is refused.
"""

import os
import subprocess

import uitest as u
import wizardtest as w

GUEST = "wiz-system"
BRIDGE = "br-marina0"


def start_system_daemon():
    if os.getuid() != 0:
        u.skip("a system daemon and a network namespace need root")
    root = os.path.join(u.TMP, "sys")
    os.makedirs(root, exist_ok=True)
    rw = os.path.join(root, "rw.sock")
    conf = os.path.join(root, "marinad.conf")
    with open(conf, "w") as f:
        f.write(f"[marinad]\nunix-socket-path={rw}\n"
                f"unix-socket-ro-path={os.path.join(root, 'ro.sock')}\n")
    # The namespaces die with the daemon: nothing to clean up on the host. sysfs
    # shows the network namespace it was mounted in, so the daemon gets its own.
    script = (f"mount -t sysfs sysfs /sys && ip link add {BRIDGE} type bridge && "
              f"exec {u.MARINAD} --system --config {conf} "
              f"--state-dir {os.path.join(root, 'state')} --runtime-dir {os.path.join(root, 'run')}")
    daemon = u.spawn(["unshare", "--net", "--mount", "sh", "-c", script], "marinad-system.log")
    u.wait_for(lambda: os.path.exists(rw), 30, "the system daemon's socket")
    return "marina+unix://" + rw, daemon.pid


def bridge_ports(pid):
    """The devices on BRIDGE inside the daemon's network namespace."""
    r = subprocess.run(["nsenter", "-t", str(pid), "-n", "ip", "-o", "link", "show", "master",
                        BRIDGE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return r.stdout if r.returncode == 0 else ""


def combo_items(combo):
    """The labels of a GtkComboBox's items (its menu is built when it first pops up)."""
    return [c.get_name() for c in u.find_all(combo, role="menu item", showing=False)]


def select_combo_item(combo, label):
    """Chooses the item LABEL of a GtkComboBox as a person does: pop it up, click the item."""
    u.do_action(combo)
    item = u.find(combo, role="menu item", name=label, timeout=10)
    u.do_action(item)
    u.wait_for(lambda: not item.get_state_set().contains(u.Atspi.StateType.SHOWING), 10,
               "the combo's menu to close")


def main():
    u.require_programs()
    uri, daemon_pid = start_system_daemon()
    marina = u.spawn(u.desktop_exec_argv() + ["--connect", uri], "marina.log")
    marina_pid.append(marina.pid)
    app = u.application_of(marina.pid)
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    # (a list, so that row 0 counts as found)
    rows = u.wait_for(lambda: [r for r in range(tree.n_rows())
                               if tree.name_and_state(r)[1] == "Connected" and
                               "rw.sock" in tree.row_text(r)], 30,
                      lambda: f"the system connection to be Connected ({tree.rows()})")
    tree.select_row(rows[0])

    wiz = w.direct_kernel_to_summary(app, manager)
    w.fill(wiz, "Name", GUEST)

    network = u.find(wiz, role="combo box", name="Network")
    u.wait_for(lambda: f"Bridge {BRIDGE} (host device)" in combo_items(network), 30,
               lambda: f"the host bridge {BRIDGE} in the Network combo ({combo_items(network)})")
    # A typed name that no bridge can have is refused.
    select_combo_item(network, "Specify bridge device…")
    w.fill(wiz, "Bridge device", "no such bridge!")
    w.finish(wiz)
    w.expect_message(wiz, "Network error", r"name of a bridge device", timeout=10)
    # The host's bridge, listed by the daemon.
    select_combo_item(network, f"Bridge {BRIDGE} (host device)")
    u.screenshot(os.path.join(u.LOGS, "wizard-system-network.png"))
    u.wait_for(lambda: w.finish_enabled(wiz), 10, "Finish to be enabled")
    w.finish(wiz)

    xml = u.wait_for(lambda: (lambda r: r.stdout if r.returncode == 0 else None)(
        subprocess.run([u.MARINACTL, "-c", uri, "dumpxml", GUEST], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)), 30, f"guest {GUEST} to be defined")
    assert f"<source bridge='{BRIDGE}'/>" in xml or f'<source bridge="{BRIDGE}"/>' in xml, \
        f"the guest's interface does not join {BRIDGE}:\n{xml}"
    u.log(f"{GUEST} joins {BRIDGE}")
    # Started: its tap device is on the bridge, and the running config names it.
    ports = u.wait_for(lambda: bridge_ports(daemon_pid), 60,
                       f"a tap device on {BRIDGE} in the daemon's namespace")
    u.log(f"on {BRIDGE}: {ports.strip()}")
    assert "vnet" in ports, f"no vnet tap on {BRIDGE}: {ports}"
    live = u.marinactl(uri, "dumpxml", GUEST)
    assert "<target dev='vnet" in live or '<target dev="vnet' in live, \
        f"the running config names no tap:\n{live}"
    u.marinactl(uri, "destroy", GUEST)
    u.wait_for(lambda: "vnet" not in bridge_ports(daemon_pid), 30,
               "the tap to go away with QEMU")
    u.marinactl(uri, "undefine", GUEST)


def checked_main():
    try:
        main()
    except BaseException:
        app = u.application_of(marina_pid[0]) if marina_pid else None
        if app is not None:
            u.on_failure_dump(app)
        raise


marina_pid = []
u.run(checked_main)
