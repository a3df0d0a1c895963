"""A remote guest's consoles in the VM window, over SSH.

A second daemon ("the remote host") runs the tiny test guest; a real sshd on
loopback with a throw-away key leads to it. Marina, started with the
marina+ssh:// URI and --show-domain-console, opens the VM window: the
graphical console draws the guest's screen and the serial console shows the
boot output from before the window opened and runs a command typed into it,
as for a local guest. The remote daemon is killed and started again: with no
click anywhere (no Reconnect), the ssh connection comes back by itself, quietly
over the shared ssh login, and so does the console, which answers. Closing the
window leaves no ssh of the consoles behind.
"""

import os
import pwd
import re
import shutil
import subprocess

import sshhost
import uisession
import uitest as u

GUEST = "ui-remote"
READY = "MARINA-GUEST-READY"
BOOT_TIMEOUT = 90


def start_sshd():
    """A private sshd on loopback that lets a throw-away key in; returns (port, user key)."""
    d = os.path.join(u.TMP, "ssh")
    os.makedirs(d, mode=0o700, exist_ok=True)
    user_key = os.path.join(d, "user")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", user_key], check=True)
    shutil.copy(user_key + ".pub", os.path.join(d, "authorized_keys"))
    port = 20000 + os.getpid() % 20000
    sshhost.start_sshd(d, port, "PasswordAuthentication no\nPermitRootLogin prohibit-password\n")
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


def serial_console_answers(app, word):
    """The VM window once its serial console shows WORD's echo after typing
    it; None while the console is not back (what is typed while it
    reconnects goes nowhere)."""
    win = u.window(app, name=re.compile(re.escape(GUEST)), timeout=5)
    hits = u.find_all(win, role="terminal", name="Serial console")
    term = hits[0] if hits else u.show_serial_console(win)
    u.click(term)
    u.focus(term)
    u.type_text(f"echo {word}")
    u.press_key("Return")
    own_line = re.compile(rf"^\s*{re.escape(word)}\s*$", re.M)
    try:
        u.wait_for(lambda: own_line.search(u.text_of(term)), 4, f"'{word}'")
    except u.Timeout:
        return None
    return win


def run_checks(app, sock, daemon, daemon_argv):
    win = u.window(app, name=re.compile(re.escape(GUEST)), timeout=60)
    u.log(f"VM window: {win.get_name()!r}")
    # The header bar names the host the guest runs on.
    u.wait_for(lambda: u.find_all(win, name="127.0.0.1"), 10, "the host's name in the header bar")
    u.graphical_console_is_drawn(win, "remote-graphical-console.png", timeout=60)
    term = u.show_serial_console(win)
    u.check_serial(term, "remote-ok", READY, ready_timeout=30)
    assert channel_processes(sock), "no console channel runs while the consoles are open"

    # The remote daemon dies and comes back: the console follows the guest.
    daemon.kill()
    daemon.wait()
    u.log("killed the remote daemon")
    u.spawn(daemon_argv, "marinad-remote.log")
    u.wait_for(lambda: uisession.socket_peer_pid(sock), 20, "the remote daemon to listen again")
    u.log("the remote daemon is back")
    # The consoles' channels ended with the daemon; the window opens one again
    # by itself once the connection is back (about one retry period).
    u.wait_for(lambda: not channel_processes(sock), 20,
               lambda: f"the old console channels to end (still: {channel_processes(sock)})")
    u.wait_for(lambda: channel_processes(sock), 60,
               "a console channel to open again with no click", interval=0.2)
    u.log("a console channel is open again, with no click")
    # No click anywhere: the ssh connection was lost unexpectedly, so it is
    # retried by itself (quietly: over the shared ssh login, asking nothing),
    # and the window, bound to the new connection, opens its consoles again.
    win = u.wait_for(lambda: serial_console_answers(app, "remote-again"), 90,
                     "the remote serial console to come back by itself and answer", interval=1)
    u.log("the serial console over ssh came back by itself after the remote daemon restarted")

    close = u.find(win, role="push button", name="Close", timeout=10)
    u.do_action(close)
    u.wait_for(lambda: u.is_gone(win), 10, "the VM window to close", interval=0.3)
    u.wait_for(lambda: not channel_processes(sock), 20,
               lambda: f"the console channels to end (still: {channel_processes(sock)})")
    u.log("closing the window ended every console channel")


u.run(main)
