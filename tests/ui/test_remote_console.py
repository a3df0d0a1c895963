"""A remote guest's consoles in the VM window, over SSH.

A second daemon ("the remote host") runs the tiny test guest; a real sshd on
loopback with a throw-away key leads to it. Marina, started with the
marina+ssh:// URI and --show-domain-console, opens the VM window: the
graphical console draws the guest's screen and the serial console shows the
boot output from before the window opened and runs a command typed into it,
as for a local guest. The remote daemon is killed and started again: the
console comes back by itself and answers. Closing the window leaves no ssh of
the consoles behind.
"""

import os
import pwd
import re
import shutil
import socket
import subprocess
import time

import uisession
import uitest as u

GUEST = "ui-remote"
READY = "MARINA-GUEST-READY"
BOOT_TIMEOUT = 90


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start_sshd():
    """A private sshd on loopback; returns (port, user key)."""
    d = os.path.join(u.TMP, "ssh")
    os.makedirs(d, mode=0o700, exist_ok=True)
    os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
    host_key, user_key = os.path.join(d, "host"), os.path.join(d, "user")
    for key in (host_key, user_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    auth = os.path.join(d, "authorized_keys")
    shutil.copy(user_key + ".pub", auth)
    port = 20000 + os.getpid() % 20000
    cfg = os.path.join(d, "sshd_config")
    with open(cfg, "w") as f:
        f.write(f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {host_key}\n"
                f"AuthorizedKeysFile {auth}\nStrictModes no\nUsePAM no\n"
                "PasswordAuthentication no\nPermitRootLogin prohibit-password\nPidFile none\n")
    u.spawn(["/usr/sbin/sshd", "-D", "-e", "-f", cfg], "sshd.log")
    u.wait_for(lambda: port_open(port), 10, f"sshd to listen on port {port}")
    return port, user_key


def channel_processes(sock):
    """Processes of this test's console channels (the local ssh and, on this
    loopback "remote" host, marinad --connect-channel): both name SOCK."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "connect-channel" in cmdline and sock in cmdline:
            found.append(pid)
    return found


def open_menu_item(win, button_name, item_name):
    button = u.find(win, role=re.compile("^(toggle button|push button)$"), name=button_name)
    u.wait_for(lambda: button.get_state_set().contains(u.Atspi.StateType.SENSITIVE), 15,
               f"{button_name!r} to be enabled")
    u.do_action(button)
    item = u.wait_for(lambda: next((i for i in u.find_all(button, name=item_name, showing=False)
                                    if "menu item" in i.get_role_name()), None),
                      10, f"menu item {item_name!r} of {button_name!r}")
    u.do_action(item)


def graphical_console_is_drawn(win):
    console = u.find(win, role=re.compile(r"^(?!.*menu)"), name="Graphical console", timeout=60)
    shot = os.path.join(u.LOGS, "remote-graphical-console.png")

    def drawn():
        x, y, w, h = u.extents(console)
        if w < 50 or h < 50:
            return False
        u.screenshot(shot)
        return not u.is_blank(shot, (x + 2, y + 2, w - 4, h - 4))
    u.wait_for(drawn, 60, "the remote guest's screen in the graphical console", interval=1)
    u.log("graphical console over ssh shows the guest's screen")


def show_serial_console(win):
    def current():
        hits = u.find_all(win, role="terminal", name="Serial console")
        return hits[0] if hits else None
    term = current()
    if term is None:
        open_menu_item(win, "Console View", re.compile(r"^Serial( console| 1)?$"))
        term = u.wait_for(current, 20, "the serial console to show")
    return term


def check_serial(term, word):
    u.wait_for(lambda: READY in u.text_of(term), 30,
               f"{READY} (printed before the window opened) in the remote serial console "
               f"(it shows {u.text_of(term)[-300:]!r})")
    u.log(f"serial console over ssh shows {READY} from its scrollback")
    u.click(term)
    u.focus(term)
    time.sleep(0.5)
    u.type_text(f"echo {word}")
    u.press_key("Return")
    own_line = re.compile(rf"^\s*{re.escape(word)}\s*$", re.M)
    u.wait_for(lambda: own_line.search(u.text_of(term)), 30,
               f"'{word}' on a line of its own in the remote serial console "
               f"(last text: {u.text_of(term)[-200:]!r})")
    u.log(f"serial console over ssh printed {word}")


def is_gone(win):
    try:
        return win.get_role_name() == "invalid" or not u._showing(win)
    except Exception:  # noqa: BLE001 (the accessible is gone with the window)
        return True


def main():
    u.require_programs()
    for prog in ("/usr/sbin/sshd", "ssh", "ssh-keygen", "import", "/usr/bin/convert"):
        if shutil.which(prog) is None:
            u.skip(f"{prog} is not installed")
    port, key = start_sshd()

    # The "remote host": a daemon of its own, with the guest running.
    sock = os.path.join(u.TMP, "remote.sock")
    state = os.path.join(u.TMP, "remote-state")
    daemon_argv = [u.MARINAD, "--socket", sock, "--state-dir", state]
    daemon = u.spawn(daemon_argv, "marinad-remote.log")
    u.wait_for(lambda: uisession.socket_peer_pid(sock), 20, "the remote daemon to listen")
    xml = os.path.join(u.TMP, f"{GUEST}.xml")
    with open(xml, "w") as f:
        f.write(u.test_guest_xml(GUEST))
    local_uri = "marina+unix://" + sock
    u.marinactl(local_uri, "define", xml)
    u.marinactl(local_uri, "start", GUEST)
    serial_log = os.path.join(state, "log", f"{GUEST}-serial0.log")

    def ready():
        try:
            with open(serial_log, "rb") as f:
                return READY.encode() in f.read()
        except OSError:
            return False
    u.wait_for(ready, BOOT_TIMEOUT, f"{GUEST} to print {READY} ({serial_log})", interval=0.5)

    user = pwd.getpwuid(os.getuid()).pw_name
    uri = (f"marina+ssh://{user}@127.0.0.1:{port}/session?keyfile={key}&no_verify=1"
           f"&socket={sock}&command={u.MARINAD}")
    marina = u.spawn([u.MARINA, "--connect", uri, "--show-domain-console", GUEST], "marina.log")
    app = u.application_of(marina.pid)
    try:
        run_checks(app, sock, daemon, daemon_argv)
    except BaseException:
        u.on_failure_dump(app)
        raise


def answers_again(term, word, timeout=60):
    """Types WORD's echo every few seconds until it shows: what is typed
    while the console reconnects goes nowhere."""
    own_line = re.compile(rf"^\s*{re.escape(word)}\s*$", re.M)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        u.click(term)
        u.focus(term)
        u.type_text(f"echo {word}")
        u.press_key("Return")
        try:
            u.wait_for(lambda: own_line.search(u.text_of(term)), 4, f"'{word}'")
            return
        except u.Timeout:
            pass
    raise AssertionError(f"the remote serial console did not answer '{word}' after the daemon "
                         f"restarted (last text: {u.text_of(term)[-200:]!r})")


def reconnect_from_manager(app):
    # Started for one guest's console, marina has no manager on screen: running
    # it again shows it, as the Applications menu would.
    subprocess.run([u.MARINA], timeout=30, check=False)
    manager = u.window(app, name="Marina", timeout=20)
    time.sleep(1)
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    u.log(f"manager rows: {[tree.name_and_state(r) for r in range(tree.n_rows())]!r}")
    # (A tuple: row 0 is a true answer too.)
    row, = u.wait_for(lambda: next(((r,) for r in range(tree.n_rows()) if
                                   "127.0.0.1" in (tree.name_and_state(r)[0] or "")), None),
                     20, "the ssh connection's row")
    u.log(f"connection row: {tree.name_and_state(row)!r}")
    tree.select_row(row)
    u.click(tree.cell(row, tree.name_col()), button=3)
    item = u.wait_for(lambda: next((i for i in u.find_all(app, name="Reconnect", showing=True)
                                    if i.get_role_name() == "menu item"), None),
                      10, "the context menu's Reconnect item")
    u.do_action(item)
    u.wait_for(lambda: tree.name_and_state(row)[1] == "Connected", 30,
               lambda: f"the ssh connection to say Connected ({tree.name_and_state(row)!r})")
    u.log("the ssh connection is back")


def run_checks(app, sock, daemon, daemon_argv):
    win = u.window(app, name=re.compile(re.escape(GUEST)), timeout=60)
    u.log(f"VM window: {win.get_name()!r}")
    # The header bar names the host the guest runs on.
    u.wait_for(lambda: u.find_all(win, name="127.0.0.1"), 10, "the host's name in the header bar")
    graphical_console_is_drawn(win)
    term = show_serial_console(win)
    check_serial(term, "remote-ok")
    assert channel_processes(sock), "no console channel runs while the consoles are open"

    # The remote daemon dies and comes back: the console follows the guest.
    daemon.kill()
    daemon.wait()
    u.log("killed the remote daemon")
    u.spawn(daemon_argv, "marinad-remote.log")
    u.wait_for(lambda: uisession.socket_peer_pid(sock), 20, "the remote daemon to listen again")
    u.log("the remote daemon is back")
    # An ssh connection is not retried by itself (that could ask for a
    # password again and again): Reconnect on its row, as a person does.
    reconnect_from_manager(app)
    win = u.window(app, name=re.compile(re.escape(GUEST)), timeout=30)
    # The window is bound to the new connection: its consoles open again.
    if not u.find_all(win, role="terminal", name="Serial console"):
        graphical_console_is_drawn(win)
    term = show_serial_console(win)
    answers_again(term, "remote-again")
    u.log("the serial console over ssh answers after the remote daemon restarted")

    close = u.find(win, role="push button", name="Close", timeout=10)
    u.do_action(close)
    u.wait_for(lambda: is_gone(win), 10, "the VM window to close", interval=0.3)
    u.wait_for(lambda: not channel_processes(sock), 20,
               lambda: f"the console channels to end (still: {channel_processes(sock)})")
    u.log("closing the window ended every console channel")


u.run(main)
