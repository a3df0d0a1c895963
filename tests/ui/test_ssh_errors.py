"""A remote connection that cannot be made: the manager's connection row says
"Disconnected: <why>" (without the URI the row names) and its info bar shows the
whole message, the one that names the failure (here: the host is unreachable,
nothing listens on the port) and what to do, not a generic "could not connect".
"""

import os
import re
import socket

import uitest as u


def closed_port():
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    u.require_programs()
    port = closed_port()
    uri = f"marina+ssh://root@127.0.0.1:{port}/session?no_tty=1"
    marina = u.spawn([u.MARINA, "--connect", uri], "marina.log")
    app = u.application_of(marina.pid)
    try:
        run_checks(app, port)
    except BaseException:
        u.on_failure_dump(app)
        raise


def run_checks(app, port):
    manager = u.window(app, name="Marina")
    tree = u.GuestTree(u.find(manager, role="tree table", name="Guests"))
    uri = "marina+ssh://root@127.0.0.1:%d/session?no_tty=1" % port
    # The row names the connection: its reason does not repeat the URI.
    why = re.compile(r"^Disconnected: Host 127\.0\.0\.1 is unreachable: nothing accepts SSH "
                     r"connections on its port %d \(connection refused\)\." % port)
    def row_state():
        for r in range(tree.n_rows()):
            name, state = tree.name_and_state(r)
            if name and "127.0.0.1" in name:
                return state if state and why.match(state) else None
        return None

    state = u.wait_for(row_state, 30, "the connection row to say why it is disconnected")
    u.log(f"connection row: {state!r}")
    short = state[len("Disconnected: "):]
    message = f"Cannot connect to {uri}: " + short[0].lower() + short[1:]
    bar = u.wait_for(lambda: [n for n in u.find_all(manager, role="label")
                              if (n.name or "").startswith("Cannot connect to marina+ssh://")],
                     15, "the info bar's message")
    assert bar[0].name == message, f"info bar {bar[0].name!r} is not {message!r}"
    u.log("the info bar shows the whole message, with the URI")


u.run(main)
