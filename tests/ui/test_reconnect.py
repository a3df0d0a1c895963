"""The session daemon dies while the manager is open: the connection row
says Disconnected with the reason, and comes back to Connected by itself
(no clicks) once the daemon runs again. A VM window that was open comes back
bound to the new connection: its Run button starts the guest.
"""

import os
import re
import signal
import subprocess
import time

import uitest as u

GUEST = "ui-reconnect"
SESSION = "marina:///session"
# The reason names the problem, without the URI the row already names: the
# daemon went away (connection.c), or, once a retry failed, that no daemon listens.
DISCONNECTED = re.compile(r"^Disconnected: (The daemon went away|No daemon is listening)")

def session_row(tree):
    """(row, name, state) of the connection row that holds GUEST."""
    hit = tree.find_name(GUEST)
    if hit is None:
        return None
    for r in range(hit[0] - 1, -1, -1):
        if tree.is_expandable(r):
            name, state = tree.name_and_state(r)
            return r, name, state
    return None


def main():
    u.require_programs()
    xml = os.path.join(u.TMP, f"{GUEST}.xml")
    with open(xml, "w") as f:
        f.write(u.test_guest_xml(GUEST))
    u.marinactl(SESSION, "define", xml)
    pid = u.session_daemon_pid()
    assert pid, f"no session daemon listens on {u.session_socket()}"

    marina = u.spawn(u.desktop_exec_argv(), "marina.log")
    app = u.application_of(marina.pid)
    try:
        run_checks(app, pid)
    except BaseException:
        u.on_failure_dump(app)
        raise


def run_checks(app, pid):
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    row, name, state = u.wait_for(lambda: session_row(tree), 20,
                                  f"the session connection row with {GUEST}")
    u.wait_for(lambda: tree.name_and_state(row)[1] == "Connected", 20,
               f"the connection row {name!r} to say Connected")
    u.log(f"connection row {row}: {name!r} Connected, guest {GUEST} listed")

    # Open the guest's window before the daemon goes.
    tree.select_row(tree.find_name(GUEST)[0])
    u.press(manager, "Open")
    u.window(app, name=re.compile(re.escape(GUEST)), timeout=20)

    # The daemon dies without a word (as after a crash or the OOM killer).
    os.kill(pid, signal.SIGKILL)
    u.wait_for(lambda: not os.path.exists(f"/proc/{pid}/stat") or
               open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z",
               10, f"session daemon {pid} to die")
    u.log(f"killed the session daemon (pid {pid})")

    # Poll fast: the window may retry (and start the daemon itself) after a
    # few seconds; the row must say why it is disconnected until then.
    # (The descriptions name no live widget: rows come and go meanwhile.)
    seen = u.wait_for(lambda: DISCONNECTED.match(tree.name_and_state(row)[1] or "") and
                      tree.name_and_state(row), 15,
                      "the connection row to say 'Disconnected: <reason>'", interval=0.05)
    u.log(f"connection row: {seen[1]!r}")
    assert tree.name_and_state(row)[0] == name, "the connection row changed its name"

    # Bring the daemon back, the way the session starts it.
    r = subprocess.run([u.MARINAD, "--session", "--daemonize"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30)
    if r.returncode != 0:
        # Marina's own retry may have started it first: that is fine as long
        # as a daemon listens.
        u.log(f"marinad --session --daemonize: exit {r.returncode}: {r.stdout.strip()}")
    new_pid = u.wait_for(u.session_daemon_pid, 15, "a session daemon to listen again")
    assert new_pid != pid
    u.log(f"session daemon is back (pid {new_pid})")

    started = time.monotonic()
    u.wait_for(lambda: tree.name_and_state(row)[1] == "Connected", 15,
               "the connection row to say Connected again without a click", interval=0.1)
    u.log(f"Connected again after {time.monotonic() - started:.1f} s")
    u.wait_for(lambda: tree.state_of(GUEST) == "Shut off", 15,
               f"{GUEST} to be listed again as Shut off")
    u.log(f"{GUEST} listed again")

    # The VM window works on the new connection: Run starts the guest.
    win = u.window(app, name=re.compile(re.escape(GUEST)), timeout=20)
    u.press(win, "Run", timeout=15)
    u.wait_for(lambda: tree.state_of(GUEST) == "Running", 30,
               f"{GUEST} to run after Run in its window")
    u.log("the reopened VM window started the guest")


u.run(main)
