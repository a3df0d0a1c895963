"""Remove Connection from the main menu: Cancel keeps the connection; Remove
(confirmed) disconnects it and takes it off the list, and it does not come
back on the next start. Added first through Add Connection with a typed
URI (a second host: a test-driver daemon on its own socket)."""

import os
import re
import time

import uitest as u



def menu_item(button, name):
    return u.wait_for(lambda: next((i for i in u.find_all(button, name=name, showing=False)
                                    if "menu item" in i.get_role_name()), None),
                      10, f"menu item {name!r}")


def main_menu(app, manager, name):
    button = u.find(manager, role="toggle button", name="Main Menu")
    item = menu_item(button, name)
    u.do_action(button)
    u.wait_for(lambda: item.get_state_set().contains(u.Atspi.StateType.SENSITIVE), 10,
               f"{name!r} to be enabled")
    u.do_action(item)


def row_of(tree, label):
    hit = [r for r in range(tree.n_rows()) if tree.is_expandable(r) and
           label in (tree.name_and_state(r)[0] or "")]
    return hit[0] if hit else None


def confirm_dialog(app):
    return u.wait_for(
        lambda: next((w for w in u.windows(app) if u.find_all(
            w, role="label", name=re.compile(r"^Remove the connection to "))), None),
        10, "the dialog asking to confirm the removal")


def main():
    u.require_programs()
    uri = u.start_test_driver(3, 1)
    sock = uri[len("marina+unix://"):]
    env = dict(os.environ)
    env["GSETTINGS_BACKEND"] = "keyfile"
    marina = u.spawn([u.MARINA], "marina-1.log", env=env)
    app = u.application_of(marina.pid)
    try:
        manager = u.window(app, name="Marina")
        tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
        main_menu(app, manager, "Add Connection…")
        dialog = u.window(app, name="Add Connection", timeout=20)
        u.set_text(u.find(dialog, role="text", name="URI"), uri)
        u.do_action(u.find(dialog, role="check box", name="Connect automatically at start-up"))
        u.press(dialog, "Connect")
        u.wait_for(lambda: row_of(tree, sock) is not None and
                   tree.name_and_state(row_of(tree, sock))[1] == "Connected", 20,
                   f"the connection row {sock!r} to say Connected")
        u.log("added through Add Connection")

        # Cancel keeps it.
        tree.select_row(row_of(tree, sock))
        main_menu(app, manager, "Remove Connection")
        u.press(confirm_dialog(app), "Cancel")
        time.sleep(0.5)
        assert row_of(tree, sock) is not None, "Cancel removed the connection"
        u.log("Cancel kept it")

        tree.select_row(row_of(tree, sock))
        main_menu(app, manager, "Remove Connection")
        u.press(confirm_dialog(app), "Remove")
        u.wait_for(lambda: row_of(tree, sock) is None, 10, "the connection row to go")
        u.log("removed")
        u.quit_marina(marina)
    except BaseException:
        u.on_failure_dump(app)
        raise

    marina = u.spawn([u.MARINA], "marina-2.log", env=env)
    app = u.application_of(marina.pid)
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    u.wait_for(lambda: tree.n_rows() > 0, 20, "the saved connections")
    time.sleep(1)
    assert row_of(tree, sock) is None, "the removed connection came back after a restart"
    u.log("not listed after a restart")
    u.quit_marina(marina)


u.run(main)
