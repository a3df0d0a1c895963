"""Add Connection to a host over SSH that only takes passwords: the URI is
built live from the fields (and a typed URI wins, a broken one is named),
ssh's password question appears as marina's dialog, "Remember this
password" puts it in the keyring, and the remote host's guests are listed
under the new connection. Marina started again connects to the remembered
connection without any dialog: the keyring answered. Removing the
connection (right-click > Remove Connection, confirmed) forgets it, in the
settings and in the keyring.
"""

import os
import re
import subprocess
import time

import sshhost
import uitest as u


GUEST = "guest-0001"


def main():
    u.require_programs()
    sshhost.start_keyring()
    host = sshhost.PasswordHost()
    env = dict(os.environ)
    # Connections must outlive marina: settings on disk, not in memory.
    env["GSETTINGS_BACKEND"] = "keyfile"
    try:
        first_run(host, env)
        host.stop_ssh_master(os.environ["XDG_RUNTIME_DIR"])
        second_run(host, env)
    finally:
        host.cleanup()


def start_marina(env, log_name):
    marina = u.spawn(u.desktop_exec_argv(), log_name, env=env)
    return marina, u.application_of(marina.pid)


def menu_item(button, name):
    return u.wait_for(lambda: next((i for i in u.find_all(button, name=name, showing=False)
                                    if "menu item" in i.get_role_name()), None),
                      10, f"menu item {name!r}")


def keyring_items():
    r = subprocess.run(["secret-tool", "search", "--all", "kind", "ssh-password"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=20)
    return [line for line in r.stdout.splitlines() if line.startswith("attribute.uri = ")]


def connection_row(tree, label):
    hit = [r for r in range(tree.n_rows()) if tree.is_expandable(r) and
           (tree.name_and_state(r)[0] or "").startswith(label)]
    return hit[0] if hit else None


def guest_under(tree, label, guest):
    """Whether GUEST is listed below the connection row LABEL."""
    row = connection_row(tree, label)
    if row is None:
        return False
    for r in range(row + 1, tree.n_rows()):
        if tree.is_expandable(r):
            return False
        if tree.name_and_state(r)[0] == guest:
            return True
    return False


def password_dialogs(app):
    return [w for w in u.windows(app) if (w.get_name() or "").startswith("Password for")]


def first_run(host, env):
    marina, app = start_marina(env, "marina-1.log")
    try:
        add_and_log_in(host, app)
        manager = u.window(app, name="Marina")
        u.quit_marina(marina, manager)
    except BaseException:
        u.on_failure_dump(app, "accessible-tree-1.txt")
        raise


def add_and_log_in(host, app):
    manager = u.window(app, name="Marina")
    menu_button = u.find(manager, role="toggle button", name="Main Menu")
    item = menu_item(menu_button, "Add Connection…")
    u.do_action(menu_button)
    u.do_action(item)
    dialog = u.window(app, name="Add Connection", timeout=20)

    u.do_action(u.find(dialog, role="radio button", name="Remote host over SSH"))
    uri_entry = u.find(dialog, role="text", name="URI")
    u.set_text(u.find(dialog, role="text", name="User"), host.user)
    u.set_text(u.find(dialog, role="text", name="Host"), "127.0.0.1")
    u.set_text(u.find(dialog, role="text", name="Port"), str(host.port))
    built = f"marina+ssh://{host.user}@127.0.0.1:{host.port}/session"
    u.wait_for(lambda: u.text_of(uri_entry) == built, 10, f"the URI to read {built}")
    u.log(f"the fields built {u.text_of(uri_entry)!r}")

    # A broken URI is named and cannot be connected to.
    u.set_text(uri_entry, f"marina+ssh://{host.user}@127.0.0.1:99999/session")
    problem = u.find(dialog, role="label", name="Problem", timeout=10)
    u.wait_for(lambda: "port" in u.text_of(problem).lower(), 10, "the problem to name the port")
    connect = u.find(dialog, role="push button", name="Connect")
    assert not connect.get_state_set().contains(u.Atspi.StateType.SENSITIVE)
    u.log(f"a bad port is refused: {u.text_of(problem)!r}")

    # The URI typed by hand wins; the fields follow it.
    u.set_text(uri_entry, host.uri())
    u.wait_for(lambda: u.text_of(u.find(dialog, role="text", name="Port")) == str(host.port), 10,
               "the Port field to follow the typed URI")
    u.press(dialog, "Connect")

    # ssh asks for the password: marina's dialog, not a terminal.
    ask = u.window(app, name=re.compile(r"^Password for "), timeout=30)
    u.log(f"ssh's question as a dialog: {ask.get_name()!r}")
    u.set_text(u.find(ask, role="password text", name="Password"), sshhost.PASSWORD)
    remember = u.find(ask, role="check box", name="Remember this password")
    u.do_action(remember)
    u.wait_for(lambda: remember.get_state_set().contains(u.Atspi.StateType.CHECKED), 5,
               "Remember to be checked")
    u.press(ask, "Log In")

    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    label = f"{host.user}@127.0.0.1"
    u.wait_for(lambda: guest_under(tree, label, GUEST), 30,
               f"{GUEST} listed under the connection {label}")
    u.log(f"{GUEST} is listed under {label}")
    u.wait_for(lambda: len(keyring_items()) == 1, 10, "the password to be in the keyring")
    u.log(f"keyring: {keyring_items()}")


def second_run(host, env):
    marina, app = start_marina(env, "marina-2.log")
    try:
        manager = u.window(app, name="Marina")
        tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
        label = f"{host.user}@127.0.0.1"
        started = time.monotonic()

        def listed():
            assert not password_dialogs(app), "a password dialog appeared on the second start"
            return guest_under(tree, label, GUEST)
        u.wait_for(listed, 30, f"{GUEST} listed under {label} without a dialog")
        u.log(f"connected again from the keyring in {time.monotonic() - started:.1f} s")

        # Right-click > Remove Connection, confirmed.
        row = connection_row(tree, label)
        tree.select_row(row)
        u.click(tree.cell(row, tree.name_col()), button=3)
        item = u.wait_for(lambda: next((i for i in u.find_all(app, name="Remove Connection")
                                        if i.get_role_name() == "menu item"), None),
                          10, "the context menu's Remove Connection item")
        u.do_action(item)
        confirm = u.wait_for(
            lambda: next((w for w in u.windows(app) if u.find_all(
                w, role="label", name=re.compile(r"^Remove the connection to "))), None),
            10, "the dialog asking to confirm the removal")
        u.press(confirm, "Remove")
        u.wait_for(lambda: connection_row(tree, label) is None, 10, "the connection row to go")
        u.wait_for(lambda: not keyring_items(), 10, "its password to leave the keyring")
        u.log("removed: no row, nothing in the keyring")
        u.quit_marina(marina, manager)
    except BaseException:
        u.on_failure_dump(app, "accessible-tree-2.txt")
        raise

    # Not listed on the next start either.
    marina, app = start_marina(env, "marina-3.log")
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    u.wait_for(lambda: tree.n_rows() > 0, 20, "the connection list")
    time.sleep(1)
    assert connection_row(tree, label) is None, "the removed connection came back"
    u.quit_marina(marina, manager)


u.run(main)
