"""A guest whose display has a password (<graphics passwd>): a password
remembered in the keyring that the display refuses is forgotten and the
person is asked instead; the right one typed with "Remember this password"
opens the graphical console and goes to the keyring; the next start opens
the console without asking.
"""

import os
import re
import subprocess
import time

import sshhost
import uitest as u


GUEST = "ui-vnc-password"
SESSION = "marina:///session"
PASSWORD = "vnc-s3cret"


def secret(*args, input=None):
    return subprocess.run(["secret-tool", *args], input=input, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=20)


def attributes(uuid):
    return ["kind", "vnc-password", "uri", SESSION, "guest", uuid]


def start_marina(log_name):
    marina = u.spawn([u.MARINA, "--connect", SESSION, "--show-domain-console", GUEST], log_name)
    return marina, u.application_of(marina.pid)


def password_dialog(app):
    return u.window(app, name=f"Console Password of {GUEST}", timeout=60)


def console_shows(app):
    win = u.window(app, name=re.compile(re.escape(GUEST)), timeout=30)
    return u.find(win, role=re.compile(r"^(?!.*menu)"), name="Graphical console", timeout=60)


def main():
    u.require_programs()
    sshhost.start_keyring()
    xml = u.test_guest_xml(GUEST).replace("<graphics type='vnc'/>",
                                          f"<graphics type='vnc' passwd='{PASSWORD}'/>")
    path = os.path.join(u.TMP, f"{GUEST}.xml")
    with open(path, "w") as f:
        f.write(xml)
    u.marinactl(SESSION, "define", path)
    uuid = u.marinactl(SESSION, "domuuid", GUEST).strip()
    u.marinactl(SESSION, "start", GUEST)
    try:
        run_checks(uuid)
    finally:
        u.marinactl(SESSION, "destroy", GUEST, check=False)
        u.marinactl(SESSION, "undefine", GUEST, check=False)


def run_checks(uuid):
    # A stale password in the keyring (the guest's changed since).
    # (xdg:schema: libsecret looks up Marina's passwords by its schema's name.)
    r = secret("store", "--label", "stale", "xdg:schema", "org.marinavm.Marina.Password",
               *attributes(uuid), input="old-password")
    assert r.returncode == 0, r.stdout

    marina, app = start_marina("marina-1.log")
    try:
        ask = password_dialog(app)
        u.find(ask, role="label", name=re.compile(r"^The password was refused"))
        u.wait_for(lambda: secret("lookup", *attributes(uuid)).stdout == "", 10,
                   "the refused password to leave the keyring")
        u.log("the stale password was tried, refused and forgotten; the person is asked")
        u.set_text(u.find(ask, role="password text", name="Password"), PASSWORD)
        remember = u.find(ask, role="check box", name="Remember this password")
        u.do_action(remember)
        u.press(ask, "Log In")
        console_shows(app)
        u.log("the graphical console is open")
        u.wait_for(lambda: secret("lookup", *attributes(uuid)).stdout == PASSWORD, 10,
                   "the typed password to be in the keyring")
        u.quit_marina(marina)
    except BaseException:
        u.on_failure_dump(app, "accessible-tree-1.txt")
        raise

    marina, app = start_marina("marina-2.log")
    try:
        started = time.monotonic()
        console_shows(app)
        dialogs = [w for w in u.windows(app) if (w.get_name() or "").startswith("Console Password")]
        assert not dialogs, "the console asked for its password although it was remembered"
        u.log(f"the console opened from the keyring in {time.monotonic() - started:.1f} s")
        u.quit_marina(marina)
    except BaseException:
        u.on_failure_dump(app, "accessible-tree-2.txt")
        raise


u.run(main)
