"""Connection Details > Virtual Networks on the session daemon, as a user drives it.

The tab lists the daemon's `default` network as active (its details show 192.168.122.1/24;
Delete is disabled while it runs). The create-network assistant refuses, on their pages and
with a message naming the field, a name already taken, a host address given as the network, a
DHCP range outside the subnet, a bad bridge name and the bridge of `default`; then it makes the
NAT network `lab` 192.168.150.0/24 with IPv6: listed as active, and `marinactl net-dumpxml lab`
shows what was asked. Autostart is switched off from the details. A subnet overlapping
`default` (192.168.122.0/24) is refused on the IPv4 page; one overlapping a network started
after the assistant opened is refused by the daemon at the start: the assistant's error bar
says so and nothing is left defined; that other network shows as transient (no autostart) and is
gone once stopped from the page. `lab` is stopped and deleted (asking first). A routed
network to a named host device, without DHCP and not started, is defined as asked (not over a
network of the same name defined meanwhile by someone else) and deleted.
A session daemon defines and starts networks without making bridges, so no network namespace
is needed.
"""

import os
import re
import subprocess

import uitest as u

SESSION = "marina:///session"
LAB = "lab"
OVERLAP = "ui-overlap"
OTHER = "ui-other"
ROUTED = "ui-routed"
ASSISTANT = "Create a Virtual Network"
LOGS_DIR = u.LOGS


class Table(u.GuestTree):
    """A flat tree view read through AT-SPI's Table."""

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


def sensitive(node):
    return node.get_state_set().contains(u.Atspi.StateType.SENSITIVE)


def open_tab(win, name):
    tab = u.find(win, role="page tab", name=name)
    u.click(tab)
    u.wait_for(lambda: tab.get_state_set().contains(u.Atspi.StateType.SELECTED), 10,
               f"the {name} tab to show")


def wait_error(node, pattern, what):
    label = u.find(node, role="label", name=re.compile(pattern), timeout=15)
    u.log(f"{what}: refused with {label.get_name()!r}")
    return label


def defined(name):
    r = subprocess.run([u.MARINACTL, "-c", SESSION, "net-info", name], capture_output=True,
                       text=True)
    return r.returncode == 0


def open_connection_details(app):
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    u.wait_for(lambda: tree.n_rows() > 0 and tree.name_and_state(0)[1] == "Connected", 30,
               "the session connection row to say Connected")
    tree.select_row(0)
    u.click(tree.cell(0, tree.name_col()), button=3)
    details = u.wait_for(lambda: next((i for i in u.find_all(app, name="Details", showing=True)
                                       if i.get_role_name() == "menu item"), None),
                         10, "the context menu's Details item")
    u.do_action(details)
    return u.window(app, name=re.compile(r"Connection Details$"), timeout=20)


def next_page(dialog):
    u.press(dialog, "Next")


def main():
    u.require_programs()
    # Starts the session daemon, which defines and autostarts 'default'.
    u.wait_for(lambda: re.search(r"^Active:\s+yes", u.marinactl(SESSION, "net-info", "default"),
                                 re.M), 30, "network 'default' to be active")
    marina = u.spawn(u.desktop_exec_argv(), "marina.log")
    app = u.application_of(marina.pid)
    try:
        run_checks(app)
    except BaseException:
        u.on_failure_dump(app)
        raise
    finally:
        for name in (LAB, OVERLAP, OTHER, ROUTED):
            u.marinactl(SESSION, "net-destroy", name, check=False)
            u.marinactl(SESSION, "net-undefine", name, check=False)


def run_checks(app):
    win = open_connection_details(app)
    open_tab(win, "Virtual Networks")
    networks = Table(u.find(win, role="table", name="Virtual networks"))
    u.wait_for(lambda: "Active" in (networks.texts_of("default") or []), 15,
               lambda: f"'default' listed as active (rows: {networks.rows()})")
    u.log(f"network list: default {networks.texts_of('default')}")
    select(networks, "default")
    u.find(win, role="label", name="192.168.122.1/24")
    u.find(win, role="label", name="192.168.122.2 – 192.168.122.254")
    u.find(win, role="label", name="NAT to any physical device")
    delete = u.find(win, role="push button", name="Delete Network")
    u.wait_for(lambda: not sensitive(delete), 10, "Delete to be disabled while 'default' runs")
    u.screenshot(os.path.join(u.LOGS, "networks.png"))

    create_lab(app, win, networks)
    refuse_overlap(app, win, networks)
    stop_and_delete(app, win, networks)
    create_routed(app, win, networks)


def create_lab(app, win, networks):
    u.press(win, "Add Network")
    dialog = u.window(app, name=ASSISTANT, role=re.compile("^dialog$"))
    name = u.find(dialog, role="text", name="Network name")
    u.set_text(name, "default")
    next_page(dialog)
    wait_error(dialog, r"^Name: a network called 'default' already exists", "name 'default'")
    u.set_text(name, LAB)
    next_page(dialog)

    subnet = u.find(dialog, role="text", name="IPv4 network")
    u.set_text(subnet, "192.168.150.7/24")
    next_page(dialog)
    wait_error(dialog, r"^IPv4 network: 192\.168\.150\.7/24 is an address inside a network",
               "IPv4 network 192.168.150.7/24")
    u.set_text(subnet, "192.168.150.0/24")
    next_page(dialog)

    start = u.find(dialog, role="text", name="DHCP start")
    end = u.find(dialog, role="text", name="DHCP end")
    u.wait_for(lambda: u.text_of(start) == "192.168.150.128", 10,
               lambda: f"the DHCP start prefilled (it shows {u.text_of(start)!r})")
    assert u.text_of(end) == "192.168.150.254", u.text_of(end)
    u.set_text(end, "192.168.151.20")
    next_page(dialog)
    wait_error(dialog, r"DHCP range 192\.168\.150\.128 - 192\.168\.151\.20 is outside the network",
               "DHCP end outside the subnet")
    assert u.find(dialog, role="text", name="DHCP end"), "left the DHCP page"
    u.set_text(end, "192.168.150.254")
    next_page(dialog)

    u.do_action(u.find(dialog, role="check box", name="Enable IPv6"))
    subnet6 = u.find(dialog, role="text", name="IPv6 network")
    u.wait_for(lambda: sensitive(subnet6), 10, "the IPv6 network entry to be enabled")
    u.set_text(subnet6, "fd00:150::/64")
    next_page(dialog)
    u.find(dialog, role="radio button", name="NAT")
    u.press(dialog, "Back")
    start6 = u.find(dialog, role="text", name="DHCPv6 start")
    u.wait_for(lambda: u.text_of(start6) == "fd00:150::100", 10,
               lambda: f"the DHCPv6 start prefilled (it shows {u.text_of(start6)!r})")
    assert u.text_of(u.find(dialog, role="text", name="DHCPv6 end")) == "fd00:150::1ff"
    next_page(dialog)
    nat = u.find(dialog, role="radio button", name="NAT")
    assert nat.get_state_set().contains(u.Atspi.StateType.CHECKED), "NAT is not the default"
    u.screenshot(os.path.join(LOGS_DIR, "assistant-forward.png"))
    # A bridge name: a bad one, then the one 'default' has, are refused.
    bridge = u.find(dialog, role="text", name="Bridge name")
    u.set_text(bridge, "bad name!")
    next_page(dialog)
    wait_error(dialog, r"'bad name!' is not a valid interface name", "bridge name 'bad name!'")
    default_bridge = re.search(r"<bridge name='([^']+)'",
                               u.marinactl(SESSION, "net-dumpxml", "default").replace('"', "'"))
    if default_bridge:
        u.set_text(bridge, default_bridge.group(1))
        next_page(dialog)
        wait_error(dialog, rf"uses bridge {default_bridge.group(1)}, which network 'default' "
                   "uses too", f"bridge name {default_bridge.group(1)}")
    u.set_text(bridge, "")
    next_page(dialog)

    summary = u.find(dialog, role="label", name="Summary")
    u.screenshot(os.path.join(LOGS_DIR, "assistant-summary.png"))
    text = u.text_of(summary)
    u.log(f"summary: {text!r}")
    for want in ("lab", "192.168.150.0/24", "192.168.150.128 – 192.168.150.254",
                 "fd00:150::/64", "fd00:150::100 – fd00:150::1ff", "NAT to any physical device"):
        assert want in text, (want, text)
    u.press(dialog, "Finish")
    u.wait_for(lambda: gone(dialog), 30, "the assistant to close")
    u.wait_for(lambda: "Active" in (networks.texts_of(LAB) or []), 15,
               lambda: f"{LAB} listed as active (rows: {networks.rows()})")
    u.log(f"created {LAB}: {networks.texts_of(LAB)}")
    xml = u.marinactl(SESSION, "net-dumpxml", LAB).replace('"', "'")
    u.log(f"net-dumpxml {LAB}:\n{xml}")
    assert re.search(r"<forward mode='nat'\s*/?>", xml), xml
    assert re.search(r"<ip address='192\.168\.150\.1' (prefix='24'|netmask='255\.255\.255\.0')",
                     xml), xml
    assert "<range start='192.168.150.128' end='192.168.150.254'" in xml, xml
    assert re.search(r"<ip family='ipv6' address='fd00:150::1' prefix='64'", xml), xml
    assert "<range start='fd00:150::100' end='fd00:150::1ff'" in xml, xml
    # Shown with its details once selected (the assistant selects it).
    u.find(win, role="label", name="192.168.150.1/24", timeout=15)
    u.find(win, role="label", name="fd00:150::1/64")
    os.makedirs(LOGS_DIR, exist_ok=True)
    u.screenshot(os.path.join(LOGS_DIR, "lab.png"))

    # Autostart, from the details: on as the assistant set it, then off.
    assert "On boot" in networks.texts_of(LAB), networks.texts_of(LAB)
    autostart = u.find(win, role="check box", name="Start network automatically")
    assert autostart.get_state_set().contains(u.Atspi.StateType.CHECKED)
    u.do_action(autostart)
    u.wait_for(lambda: "Never" in (networks.texts_of(LAB) or []), 15,
               lambda: f"{LAB}'s autostart to read Never ({networks.texts_of(LAB)})")
    info = u.marinactl(SESSION, "net-info", LAB)
    assert re.search(r"^Autostart:\s+no", info, re.M), info
    u.log(f"{LAB}: autostart off")


def refuse_overlap(app, win, networks):
    u.press(win, "Add Network")
    dialog = u.window(app, name=ASSISTANT, role=re.compile("^dialog$"))
    u.set_text(u.find(dialog, role="text", name="Network name"), OVERLAP)
    next_page(dialog)
    # The subnet of a running network is refused on its page already.
    subnet = u.find(dialog, role="text", name="IPv4 network")
    u.set_text(subnet, "192.168.122.0/24")
    next_page(dialog)
    wait_error(dialog, r"uses 192\.168\.122\.0/24, which overlaps network 'default'",
               "IPv4 network overlapping default")
    assert u.find(dialog, role="text", name="IPv4 network"), "left the IPv4 page"

    # A network started after the assistant opened: the daemon refuses the
    # start, the error bar says so and nothing is left defined.
    path = os.path.join(u.TMP, f"{OTHER}.xml")
    with open(path, "w") as f:
        f.write(f"<network><name>{OTHER}</name><forward mode='nat'/>"
                "<ip address='192.168.160.1' prefix='24'/></network>")
    u.marinactl(SESSION, "net-create", path)
    u.set_text(subnet, "192.168.160.0/24")
    for _ in range(4):  # DHCP, IPv6, forwarding, summary
        next_page(dialog)
    u.press(dialog, "Finish")
    label = wait_error(dialog, f"overlaps network '{OTHER}'.*Network '{OVERLAP}' was not kept",
                       f"a network overlapping {OTHER} (at its start)")
    assert OVERLAP in label.get_name(), label.get_name()
    assert not defined(OVERLAP), f"{OVERLAP} was left defined"
    assert not gone(dialog), "the assistant closed after a refusal"
    u.press(dialog, "Cancel")
    u.wait_for(lambda: gone(dialog), 10, "the assistant to close on Cancel")

    # The transient network: said so, no autostart; stopped, it is gone.
    select(networks, OTHER)
    u.find(win, role="label", name=re.compile(r"^Active \(transient"))
    autostart = u.find(win, role="check box", name="Start network automatically")
    u.wait_for(lambda: not sensitive(autostart), 10, f"autostart disabled for transient {OTHER}")
    u.press(win, "Stop Network")
    u.wait_for(lambda: networks.row_of(OTHER) is None, 15, f"{OTHER} (transient) to leave")
    assert not defined(OTHER), f"{OTHER} still exists after its stop"
    u.log(f"stopped transient {OTHER}: gone")


def select(networks, name):
    # The list may be changing under the test (networks come and go): wait
    # for a steady row.
    row = u.wait_for(lambda: (networks.row_of(name),) if networks.row_of(name) is not None
                     else None, 15, f"{name} in the list")[0]
    networks.select_row(row)


def stop_and_delete(app, win, networks):
    select(networks, LAB)
    delete = u.find(win, role="push button", name="Delete Network")
    u.wait_for(lambda: not sensitive(delete), 10, f"Delete disabled while {LAB} runs")
    u.press(win, "Stop Network")
    u.wait_for(lambda: "Inactive" in (networks.texts_of(LAB) or []), 15,
               lambda: f"{LAB} listed as inactive (rows: {networks.rows()})")
    info = u.marinactl(SESSION, "net-info", LAB)
    assert re.search(r"^Active:\s+no", info, re.M), info
    u.log(f"stopped {LAB}")
    u.press(win, "Delete Network")
    confirm = u.window(app, role="alert", timeout=10)
    u.find(confirm, role="label", name=re.compile(f"Delete network '{LAB}'"))
    u.press(confirm, "Delete")
    u.wait_for(lambda: networks.row_of(LAB) is None, 15, f"{LAB} to leave the list")
    assert not defined(LAB), f"{LAB} still exists"
    u.log(f"deleted {LAB}")


def choose_in_combo(dialog, combo_name, pattern):
    combo = u.find(dialog, role="combo box", name=combo_name)
    u.do_action(combo)
    item = u.wait_for(lambda: next((i for i in u.find_all(combo, role="menu item", showing=False)
                                    if re.match(pattern, i.get_name() or "")), None),
                      10, f"a {combo_name} item matching {pattern!r}")
    name = item.get_name()
    u.do_action(item)
    u.wait_for(lambda: not item.get_state_set().contains(u.Atspi.StateType.SHOWING), 10,
               f"the {combo_name} combo's menu to close")
    return name


def host_device():
    """A host interface the assistant offers (not loopback, not a network's bridge)."""
    for line in u.marinactl(SESSION, "iface-list").splitlines()[2:]:
        name = line.split()[0] if line.split() else ""
        if name and name != "lo" and not name.startswith(("virbr", "mbr")):
            return name
    return None


def create_routed(app, win, networks):
    device = host_device()
    u.press(win, "Add Network")
    dialog = u.window(app, name=ASSISTANT, role=re.compile("^dialog$"))
    u.set_text(u.find(dialog, role="text", name="Network name"), ROUTED)
    next_page(dialog)
    u.set_text(u.find(dialog, role="text", name="IPv4 network"), "192.168.170.0/24")
    next_page(dialog)
    u.do_action(u.find(dialog, role="check box", name="Enable DHCPv4"))
    start = u.find(dialog, role="text", name="DHCP start")
    u.wait_for(lambda: not sensitive(start), 10, "the DHCP range to be disabled")
    next_page(dialog)
    next_page(dialog)
    u.do_action(u.find(dialog, role="radio button", name="Routed"))
    if device is not None:
        chosen = choose_in_combo(dialog, "Forward to device", rf"^{re.escape(device)} \(")
        u.log(f"routed to {chosen!r}")
    next_page(dialog)
    summary = u.text_of(u.find(dialog, role="label", name="Summary"))
    assert "DHCP: off" in summary, summary
    assert f"routed to {device or 'any physical device'}" in summary, summary
    now = u.find(dialog, role="check box", name="Start the network now")
    u.do_action(now)
    u.wait_for(lambda: not now.get_state_set().contains(u.Atspi.StateType.CHECKED), 5,
               "'Start the network now' to be cleared")
    # Someone else defines the name meanwhile: Finish leaves theirs alone.
    path = os.path.join(u.TMP, f"{ROUTED}.xml")
    with open(path, "w") as f:
        f.write(f"<network><name>{ROUTED}</name><ip address='192.168.171.1' prefix='24'/>"
                "</network>")
    u.marinactl(SESSION, "net-define", path)
    u.press(dialog, "Finish")
    wait_error(dialog, f"^Name: a network called '{ROUTED}' already exists",
               f"{ROUTED} defined by someone else meanwhile")
    theirs = u.marinactl(SESSION, "net-dumpxml", ROUTED).replace('"', "'")
    assert "192.168.171.1" in theirs, theirs
    u.marinactl(SESSION, "net-undefine", ROUTED)
    u.press(dialog, "Finish")
    u.wait_for(lambda: gone(dialog), 30, "the assistant to close")
    u.wait_for(lambda: "Inactive" in (networks.texts_of(ROUTED) or []), 15,
               lambda: f"{ROUTED} listed as inactive (rows: {networks.rows()})")
    xml = u.marinactl(SESSION, "net-dumpxml", ROUTED).replace('"', "'")
    u.log(f"net-dumpxml {ROUTED}:\n{xml}")
    want = f"<forward mode='route' dev='{device}'" if device else "<forward mode='route'"
    assert want in xml, xml
    assert "<dhcp>" not in xml and "<ip address='192.168.170.1' prefix='24'" in xml, xml
    # Inactive: Delete is enabled at once.
    select(networks, ROUTED)
    u.press(win, "Delete Network")
    confirm = u.window(app, role="alert", timeout=10)
    u.press(confirm, "Delete")
    u.wait_for(lambda: networks.row_of(ROUTED) is None, 15, f"{ROUTED} to leave the list")
    assert not defined(ROUTED), f"{ROUTED} still exists"
    u.log(f"deleted {ROUTED}")


u.run(main)
