"""The manager with 1000 guests of the daemon's test driver: they all list,
sort by name both ways, and the search entry filters by name and by state.

Counts come from the tree's AT-SPI Table interface (nRows) and names from
one cell per row, so a 1000-row tree is read in about a second.
"""

import re
import time

import uitest as u

N, RUNNING = 1000, 100
GUEST = re.compile(r"^guest-\d{4}$")
# make-test-node.py: guests 1..RUNNING run, every tenth of those is paused.
PAUSED = {"guest-%04d" % i for i in range(10, RUNNING + 1, 10)}


def guest_rows(tree):
    """[(row, name, state)] of the guest rows (connection rows left out)."""
    out = []
    for r in range(tree.n_rows()):
        name, state = tree.name_and_state(r)
        if name is not None and GUEST.match(name):
            out.append((r, name, state))
    return out


def wait_guest_count(tree, n_connections, count, what, timeout=20):
    """Waits until the tree holds COUNT guest rows plus the connection rows,
    and the count has settled (the search entry filters after a short delay)."""
    def settled():
        n = tree.n_rows()
        if n != count + n_connections:
            return False
        time.sleep(0.5)
        return tree.n_rows() == n
    u.wait_for(settled, timeout,
               lambda: f"{what}: {count} guest rows (the tree has {tree.n_rows()} rows)",
               interval=0.1)
    rows = guest_rows(tree)
    assert len(rows) == count, f"{what}: {len(rows)} guest rows, expected {count}"
    return rows


def main():
    u.require_programs()
    uri = u.start_test_driver(N, RUNNING)

    marina = u.spawn(u.desktop_exec_argv() + ["--connect", uri], "marina.log")
    app = u.application_of(marina.pid)
    tree = u.GuestTree(u.find(app, role="tree table", name="Guests"))

    # The connection row of the test driver says Connected; a session row may
    # sit beside it (autoconnect), with no guests.
    conn = u.wait_for(lambda: tree.find_name(uri), 20, f"a connection row named {uri}")
    u.wait_for(lambda: tree.state_of(uri) == "Connected", 20,
               lambda: f"the connection row to say Connected (it says {tree.state_of(uri)!r})")
    u.log(f"connection row {conn[0]}: {uri}")

    def connection_rows():
        return sum(1 for r in range(tree.n_rows())
                   if not GUEST.match(tree.name_and_state(r)[0] or ""))

    u.wait_for(lambda: tree.n_rows() >= N + 1, 30,
               lambda: f"{N} guest rows (the tree has {tree.n_rows()} rows)", interval=0.1)
    n_conn = connection_rows()
    rows = wait_guest_count(tree, n_conn, N, "all guests")
    names = [name for _, name, _ in rows]
    assert sorted(names) == ["guest-%04d" % i for i in range(1, N + 1)], \
        "the tree does not list guest-0001 ... guest-1000 exactly once each"
    states = {name: state for _, name, state in rows}
    assert all(states["guest-%04d" % i] == "Shut off" for i in range(RUNNING + 1, N + 1)), \
        "guests past the first hundred must be 'Shut off'"
    assert all(states[n] == "Paused" for n in PAUSED), \
        f"paused guests: {[(n, states[n]) for n in sorted(PAUSED)]}"
    assert all(states["guest-%04d" % i] == "Running" for i in range(1, RUNNING + 1)
               if "guest-%04d" % i not in PAUSED), "guests 1..100 (not paused) must be 'Running'"
    u.log(f"{N} guests listed with their states ({n_conn} connection rows)")

    # Sorting: each click on the Name header flips the order. The list may
    # already be sorted by name, so the first click can give either order;
    # two clicks in a row must give both, in full.
    header = tree.header("Name")
    seen = []
    for click in range(2):
        before = [n for _, n, _ in guest_rows(tree)][:1]
        u.do_action(header)
        u.wait_for(lambda: [n for _, n, _ in guest_rows(tree)][:1] != before, 10,
                   f"the order to change after click {click + 1} on the Name header "
                   f"(first guest row: {before})")
        ordered = [n for _, n, _ in guest_rows(tree)]
        if ordered == sorted(ordered):
            seen.append("ascending")
            assert ordered[0] == "guest-0001"
        elif ordered == sorted(ordered, reverse=True):
            seen.append("descending")
            assert ordered[0] == "guest-1000"
        else:
            raise AssertionError(f"after click {click + 1} on Name the rows are in no order: "
                                 f"{ordered[:5]} ...")
        u.log(f"click {click + 1} on Name: {seen[-1]}, first row {ordered[0]}")
    assert sorted(seen) == ["ascending", "descending"], f"orders after two clicks: {seen}"

    # Filtering by name and by state.
    search = u.find(app, role="text", name="Search guests")
    u.set_text(search, "guest-05")
    rows = wait_guest_count(tree, n_conn, 100, "search 'guest-05'")
    got = sorted(n for _, n, _ in rows)
    assert got == ["guest-%04d" % i for i in range(500, 600)], \
        f"search 'guest-05' left {got[:3]}...{got[-3:]}"
    u.log("search by name: guest-0500 ... guest-0599")

    u.set_text(search, "paused")
    rows = wait_guest_count(tree, n_conn, len(PAUSED), "search 'paused'")
    assert {n for _, n, _ in rows} == PAUSED, f"search 'paused' left {[n for _, n, _ in rows]}"
    assert all(st == "Paused" for _, _, st in rows)
    u.log(f"search by state: the {len(PAUSED)} paused guests")

    u.set_text(search, "")
    wait_guest_count(tree, n_conn, N, "cleared search")
    u.log("cleared search: all guests again")

    # The View menu shows and hides columns.
    menu_button = u.find(app, role="toggle button", name="Main Menu")
    item = u.wait_for(lambda: next(iter(u.find_all(menu_button, role="check menu item",
                                                    name="Host CPU Usage", showing=False)),
                                   None), 10, "the View menu's 'Host CPU Usage' item")
    before = tree.headers()
    was_checked = item.get_state_set().contains(u.Atspi.StateType.CHECKED)
    u.do_action(menu_button)
    u.do_action(item)
    delta = -1 if was_checked else 1
    u.wait_for(lambda: len(tree.headers()) == len(before) + delta, 10,
               lambda: f"a column to {'hide' if was_checked else 'show'} (columns {tree.headers()})")
    u.log(f"View > Host CPU Usage: columns {before} -> {tree.headers()}")
    u.press_key("Escape")


u.run(main)
