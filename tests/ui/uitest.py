"""Helpers for Marina's UI tests: launching marina the way the Applications
menu does, finding widgets through AT-SPI (dogtail/pyatspi), reading the
manager's guest tree, screenshots, and the daemons. Tests run inside the
private desktop that run-ui-test.sh provides.

Searches here prune tables and non-showing subtrees: dogtail's own
findChild walks every cell of a 1000-row tree view, which takes minutes.
"""

import configparser
import os
import re
import shlex
import signal
import subprocess
import sys
import time

from dogtail.config import config

# The private desktop's GSettings are in memory, so dogtail's "is
# accessibility on?" check (a GSettings key) would say no and abort.
config.checkForA11y = False
config.logDebugToFile = False
config.logDebugToStdOut = False
config.searchCutoffCount = 20
config.searchBackoffDuration = 0.25
config.defaultDelay = 0.2
config.actionDelay = 0.3
config.typingDelay = 0.03
config.runTimeout = 10
config.childrenLimit = 100000

from dogtail import rawinput, tree  # noqa: E402
import gi  # noqa: E402

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

import uisession  # noqa: E402

# dogtail's view of the desktop, for tests that prefer its API (child(),
# click(), typeText()); the helpers below use AT-SPI directly.
root = tree.root

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("MARINA_SOURCE_ROOT",
                             os.path.dirname(os.path.dirname(HERE)))
MARINA = os.environ.get("MARINA", "")
MARINAD = os.environ.get("MARINAD", "")
MARINACTL = os.environ.get("MARINACTL", "")
BUILD_ROOT = (os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(MARINA))))
              if MARINA else os.path.join(SOURCE_ROOT, "build"))
TMP = os.environ.get("MARINA_UI_TMP") or os.environ.get("TMPDIR", "/tmp")
LOGS = os.environ.get("MARINA_UI_LOGS") or TMP
SKIP = 77

_t0 = time.monotonic()
_children = []


def log(message):
    print(f"[{time.monotonic() - _t0:6.1f}s] {message}", file=sys.stderr, flush=True)


def skip(reason):
    log("SKIP: " + reason)
    sys.exit(SKIP)


def require_programs():
    for name, path in (("MARINA", MARINA), ("MARINAD", MARINAD), ("MARINACTL", MARINACTL)):
        if not path or not os.access(path, os.X_OK):
            skip(f"{name} is not set to a built program ({path!r}); run through meson test")


class Timeout(AssertionError):
    pass


def wait_for(fn, timeout, what, interval=0.2):
    """Calls FN until it returns something true; returns that. Exceptions
    count as 'not yet' (widgets come and go); the last one is reported.
    WHAT may be a callable, asked only on a timeout (it may read widgets)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = fn()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 (AT-SPI raises many kinds)
            last_error = e
        if time.monotonic() > deadline:
            if callable(what):
                try:
                    what = what()
                except Exception as e:  # noqa: BLE001
                    what = f"<description failed: {e!r}>"
            detail = f" (last error: {last_error!r})" if last_error is not None else ""
            raise Timeout(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


# ---------------------------------------------------------------------------
# Processes


def spawn(argv, log_name, env=None, **kwargs):
    """Starts a program with stdout/stderr going to LOGS/LOG_NAME; it is
    terminated when the test ends (the runner also kills it)."""
    out = open(os.path.join(LOGS, log_name), "ab")
    log("starting " + " ".join(shlex.quote(a) for a in argv))
    proc = subprocess.Popen(argv, env=env if env is not None else os.environ,
                            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            **kwargs)
    _children.append(proc)
    return proc


def stop_children():
    for proc in reversed(_children):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def marinactl(uri, *args, check=True, timeout=60):
    r = subprocess.run([MARINACTL, "-c", uri, *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"marinactl -c {uri} {' '.join(args)} failed ({r.returncode}): "
                             f"{r.stderr.strip()}")
    return r.stdout


def start_test_driver(n_guests, n_running):
    """Starts a marinad with the test driver and N_GUESTS simulated guests
    (tests/data/make-test-node.py: guest-0001 .. of which the first
    N_RUNNING run); returns its URI once it listens."""
    node_file = os.path.join(TMP, "node.xml")
    with open(node_file, "w") as f:
        subprocess.run(["/usr/bin/python3",
                        os.path.join(SOURCE_ROOT, "tests", "data", "make-test-node.py"),
                        str(n_guests), str(n_running)], stdout=f, check=True)
    sock = os.path.join(TMP, "test-driver.sock")
    spawn([MARINAD, "--driver", "test", "--test-file", node_file, "--socket", sock,
           "--state-dir", os.path.join(TMP, "test-driver-state")], "marinad-test.log")
    wait_for(lambda: uisession.socket_peer_pid(sock), 20, "the test-driver daemon to listen")
    return "marina+unix://" + sock


def session_socket():
    return os.path.join(os.environ["XDG_RUNTIME_DIR"], "marina", "marinad.sock")


def session_daemon_pid():
    return uisession.socket_peer_pid(session_socket())


def test_guest_xml(name):
    """The integration tests' tiny guest (tests/integration/harness.c), with a
    VGA display and a VNC server so the graphical console has something to show."""
    d = os.environ.get("MARINA_TEST_GUEST_DIR", "")
    for f in ("vmlinuz", "initrd.img"):
        if not os.path.exists(os.path.join(d, f)):
            skip(f"the test guest is not built ({d}/{f}); run through meson test")
    return f"""<domain type='kvm'>
  <name>{name}</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{d}/vmlinuz</kernel>
    <initrd>{d}/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 acpi=noirq cryptomgr.notests</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <graphics type='vnc'/>
    <video><model type='vga'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
"""


# ---------------------------------------------------------------------------
# The desktop file: how the Applications menu starts Marina


def desktop_file_path():
    candidates = [
        os.environ.get("MARINA_DESKTOP_FILE", ""),
        os.path.join(BUILD_ROOT, "src", "ui", "org.marinavm.Marina.desktop"),
        os.path.join(BUILD_ROOT, "data", "org.marinavm.Marina.desktop"),
        os.path.join(SOURCE_ROOT, "data", "org.marinavm.Marina.desktop.in"),
    ]
    for path in candidates:
        if path and os.path.exists(path):
            return path
    raise AssertionError("no desktop file: looked for " + ", ".join(c for c in candidates if c))


def read_desktop_entry(path):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keys are case-sensitive
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    assert parser.has_section("Desktop Entry"), f"{path}: no [Desktop Entry] group"
    return dict(parser["Desktop Entry"])


def desktop_exec_argv(path=None):
    """Checks the desktop entry the Applications menu shows and returns its
    Exec command with the program replaced by the marina under test (the
    arguments are kept; field codes such as %U are dropped: nothing is passed)."""
    path = path or desktop_file_path()
    entry = read_desktop_entry(path)
    log(f"desktop file {path}: Exec={entry.get('Exec')!r}")
    assert entry.get("Type") == "Application", f"{path}: Type is {entry.get('Type')!r}"
    categories = [c for c in entry.get("Categories", "").split(";") if c]
    for needed in ("System", "Emulator"):
        assert needed in categories, f"{path}: Categories {categories} lack {needed}"
    assert entry.get("NoDisplay", "false") != "true", f"{path}: NoDisplay=true hides it"
    assert "Exec" in entry, f"{path}: no Exec line"
    argv = [a for a in shlex.split(entry["Exec"]) if not re.fullmatch(r"%[fFuUdDnNickvm]", a)]
    program = os.path.basename(argv[0].replace("@bindir@/", ""))
    assert program == "marina", f"{path}: Exec runs {argv[0]!r}, not marina"
    return [MARINA] + argv[1:]


# ---------------------------------------------------------------------------
# AT-SPI


def desktop():
    return Atspi.get_desktop(0)


def application_of(pid, timeout=30):
    """The accessible application of process PID, once it shows a window."""
    def find():
        d = desktop()
        for i in range(d.get_child_count()):
            app = d.get_child_at_index(i)
            try:
                if app is not None and app.get_process_id() == pid and app.get_child_count() > 0:
                    return app
            except Exception:  # noqa: BLE001 (an app that just quit)
                continue
        return None
    return wait_for(find, timeout, f"process {pid} to show a window on AT-SPI")


def quit_marina(marina, window=None):
    """Quits MARINA (its Popen) with Ctrl+Q as a user would, in WINDOW when given (focused
    first), else wherever the keyboard focus is; terminated if it does not go in time."""
    if window is not None:
        focus(window)
    rawinput.keyCombo("<Control>q")
    try:
        marina.wait(timeout=15)
    except subprocess.TimeoutExpired:
        marina.terminate()
        marina.wait(timeout=10)


def _matches(value, want):
    if want is None:
        return True
    if isinstance(want, re.Pattern):
        return value is not None and want.search(value) is not None
    return value == want


def _showing(node):
    states = node.get_state_set()
    return states.contains(Atspi.StateType.SHOWING) and states.contains(Atspi.StateType.VISIBLE)


PRUNED_ROLES = {"table", "tree table", "tree", "terminal", "table cell"}


def descendants(node, showing=True, prune=PRUNED_ROLES):
    """Breadth-first walk below NODE, skipping non-showing subtrees (when
    SHOWING) and the insides of tables (PRUNE roles)."""
    queue = [node]
    while queue:
        parent = queue.pop(0)
        try:
            count = parent.get_child_count()
        except Exception:  # noqa: BLE001
            continue
        for i in range(min(count, 2000)):
            try:
                child = parent.get_child_at_index(i)
                if child is None:
                    continue
                if showing and not _showing(child):
                    continue
                role = child.get_role_name()
            except Exception:  # noqa: BLE001 (gone meanwhile)
                continue
            yield child
            if role not in prune:
                queue.append(child)


def find_all(node, role=None, name=None, showing=True, description=None):
    found = []
    for child in descendants(node, showing=showing):
        try:
            if _matches(child.get_role_name(), role) and _matches(child.get_name(), name) and \
                    _matches(child.get_description(), description):
                found.append(child)
        except Exception:  # noqa: BLE001
            continue
    return found


def find(node, role=None, name=None, showing=True, timeout=15, description=None):
    """The first descendant with this role and name (str or re.Pattern)."""
    what = f"{role or 'widget'} {name.pattern if isinstance(name, re.Pattern) else name!r}"

    def look():
        hits = find_all(node, role, name, showing, description)
        return hits[0] if hits else None
    return wait_for(look, timeout, what)


def window(app, name=None, role=re.compile(r"^(frame|dialog|alert|window)$"), timeout=15):
    """A top-level window of APP (children of the application accessible)."""
    def look():
        for i in range(app.get_child_count()):
            w = app.get_child_at_index(i)
            if w is not None and _matches(w.get_role_name(), role) and \
                    _matches(w.get_name(), name) and _showing(w):
                return w
        return None
    return wait_for(look, timeout, f"window {name!r}")


def windows(app):
    out = []
    for i in range(app.get_child_count()):
        w = app.get_child_at_index(i)
        try:
            if w is not None and _showing(w):
                out.append(w)
        except Exception:  # noqa: BLE001
            pass
    return out


def has_iface(node, name):
    return name in (node.get_interfaces() or [])


def extents(node):
    r = Atspi.Component.get_extents(node, Atspi.CoordType.SCREEN)
    return r.x, r.y, r.width, r.height


def click(node, button=1):
    """A real pointer click at the centre of NODE (XTest, via the registry)."""
    x, y, w, h = extents(node)
    assert w > 0 and h > 0, f"{node.get_role_name()} {node.get_name()!r} has no size"
    rawinput.click(x + w // 2, y + h // 2, button)
    time.sleep(config.actionDelay)


def do_action(node, names=("click", "press", "activate", "toggle")):
    """Runs NODE's first action among NAMES (no pointer needed)."""
    assert has_iface(node, "Action"), f"{node.get_role_name()} {node.get_name()!r} has no actions"
    available = [Atspi.Action.get_action_name(node, i) for i in range(Atspi.Action.get_n_actions(node))]
    for want in names:
        if want in available:
            Atspi.Action.do_action(node, available.index(want))
            time.sleep(config.actionDelay)
            return
    raise AssertionError(f"{node.get_role_name()} {node.get_name()!r}: none of {names} in "
                         f"{available}")


def press(app_or_node, name, role="push button", timeout=15):
    """Finds the button NAME below APP_OR_NODE, waits until it is enabled
    and presses it."""
    button = find(app_or_node, role=re.compile(f"^({role})$"), name=name, timeout=timeout)
    wait_for(lambda: button.get_state_set().contains(Atspi.StateType.SENSITIVE), timeout,
             f"button {name!r} to be enabled")
    do_action(button)
    return button


def text_of(node):
    if not has_iface(node, "Text"):
        return node.get_name() or ""
    return Atspi.Text.get_text(node, 0, Atspi.Text.get_character_count(node)) or ""


def set_text(node, text):
    """Replaces the text of an entry (as a user who selects all and types)."""
    assert has_iface(node, "EditableText"), f"{node.get_name()!r} is not editable"
    Atspi.EditableText.set_text_contents(node, text)


def focus(node):
    if has_iface(node, "Component"):
        Atspi.Component.grab_focus(node)


def type_text(s):
    rawinput.typeText(s)


def press_key(name):
    rawinput.pressKey(name)


# ---------------------------------------------------------------------------
# The manager's guest tree ("Guests": connection rows with guest children)


class GuestTree:
    """Reads the tree view through the AT-SPI Table interface: row counts
    come from nRows, names from the cells of one row at a time."""

    def __init__(self, node, name_header="Name"):
        """NAME_HEADER: the Name column's title in the language under test."""
        self.node = node
        assert has_iface(node, "Table"), "the 'Guests' tree has no AT-SPI Table interface"
        self.name_header = name_header
        self.name_column = None

    def n_rows(self):
        return Atspi.Table.get_n_rows(self.node)

    def n_columns(self):
        return Atspi.Table.get_n_columns(self.node)

    def headers(self):
        out = []
        for c in range(self.n_columns()):
            h = Atspi.Table.get_column_header(self.node, c)
            out.append(h.get_name() if h is not None else "")
        return out

    def header(self, title):
        for c in range(self.n_columns()):
            h = Atspi.Table.get_column_header(self.node, c)
            if h is not None and h.get_name() == title:
                return h
        raise AssertionError(f"no column '{title}' in the Guests tree: {self.headers()}")

    def cell(self, row, column):
        return Atspi.Table.get_accessible_at(self.node, row, column)

    @staticmethod
    def _cell_texts(cell):
        """The texts of a cell (a column with an icon and text renderers has
        one child per renderer)."""
        texts = []
        name = cell.get_name()
        if name:
            texts.append(name)
        for i in range(cell.get_child_count()):
            child = cell.get_child_at_index(i)
            if child is not None and child.get_name():
                texts.append(child.get_name())
        return texts

    def row_texts(self, row):
        texts = []
        for c in range(self.n_columns()):
            cell = self.cell(row, c)
            if cell is not None:
                texts.extend(self._cell_texts(cell))
        return texts

    def row_text(self, row):
        return " | ".join(self.row_texts(row))

    def rows(self, limit=None):
        n = self.n_rows()
        if limit is not None:
            n = min(n, limit)
        return [self.row_texts(r) for r in range(n)]

    def is_expandable(self, row):
        cell = self.cell(row, 0)
        return cell is not None and cell.get_state_set().contains(Atspi.StateType.EXPANDABLE)

    def find_row(self, pattern, limit=None):
        """The index of the first row whose texts match PATTERN, or None."""
        pat = re.compile(pattern) if isinstance(pattern, str) else pattern
        n = self.n_rows() if limit is None else min(limit, self.n_rows())
        for r in range(n):
            if any(pat.search(t) for t in self.row_texts(r)):
                return r
        return None

    def select_row(self, row):
        """Selects ROW the way a click does (the row's cell is clicked when
        the table refuses a programmatic selection)."""
        if not Atspi.Table.add_row_selection(self.node, row):
            click(self.cell(row, self.name_col()))
        time.sleep(config.actionDelay)

    def name_col(self):
        if self.name_column is None:
            headers = self.headers()
            assert self.name_header in headers, \
                f"no {self.name_header!r} column in the Guests tree: {headers}"
            self.name_column = headers.index(self.name_header)
        return self.name_column

    def name_and_state(self, row):
        """(name, state text) of ROW from its Name cell: the guest or
        connection name and 'Running' / 'Shut off' / 'Connected' / ..."""
        texts = self._cell_texts(self.cell(row, self.name_col()))
        return (texts[0] if texts else None, texts[1] if len(texts) > 1 else None)

    def names(self):
        """The name of every row, top to bottom (one cell per row: fast)."""
        return [self.name_and_state(r)[0] for r in range(self.n_rows())]

    def find_name(self, name):
        """(row, state) of the row called NAME, or None."""
        for r in range(self.n_rows()):
            n, st = self.name_and_state(r)
            if n == name:
                return r, st
        return None

    def state_of(self, name):
        hit = self.find_name(name)
        return hit[1] if hit else None


def dump(node, depth=0, max_depth=12, out=None, prune=("table cell",)):
    """The accessible tree below NODE as text, for failure messages."""
    lines = out if out is not None else []
    try:
        role = node.get_role_name()
        name = node.get_name()
        states = []
        ss = node.get_state_set()
        for st in ("SHOWING", "SENSITIVE", "FOCUSED", "CHECKED", "SELECTED"):
            if ss.contains(getattr(Atspi.StateType, st)):
                states.append(st.lower())
        lines.append("  " * depth + f"[{role}] {name!r} {','.join(states)}")
        if depth < max_depth and role not in prune:
            count = node.get_child_count()
            for i in range(min(count, 40)):
                c = node.get_child_at_index(i)
                if c is not None:
                    dump(c, depth + 1, max_depth, lines, prune)
            if count > 40:
                lines.append("  " * (depth + 1) + f"... {count - 40} more")
    except Exception as e:  # noqa: BLE001
        lines.append("  " * depth + f"<error {e!r}>")
    return "\n".join(lines) if out is None else lines


# ---------------------------------------------------------------------------
# Screenshots


def screenshot(path):
    r = subprocess.run(["import", "-window", "root", path], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, f"import -window root failed: {r.stderr.strip()}"
    return path


def colour_histogram(png, box=None):
    """{colour: pixel count} of PNG, or of the BOX (x, y, w, h) of it."""
    argv = ["/usr/bin/convert", png]
    if box is not None:
        x, y, w, h = box
        argv += ["-crop", f"{w}x{h}+{x}+{y}", "+repage"]
    argv += ["-format", "%c", "histogram:info:-"]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, f"convert failed: {r.stderr.strip()}"
    hist = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*(\d+):\s*\(([^)]*)\)", line)
        if m:
            hist[m.group(2).replace(" ", "")] = int(m.group(1))
    return hist


def is_blank(png, box, min_pixels=100):
    """True when BOX of PNG is (nearly) a single colour: fewer than
    MIN_PIXELS pixels differ from the most common colour. A VGA text screen
    has just two colours, so 'more than two colours' would call it blank."""
    hist = colour_histogram(png, box)
    if not hist:
        return True
    return sum(hist.values()) - max(hist.values()) < min_pixels


# ---------------------------------------------------------------------------
# The VM window: its menus and consoles, for a local guest and a remote one alike


def is_gone(win):
    """Whether WIN (a window or dialog) has closed."""
    try:
        return win.get_role_name() == "invalid" or not _showing(win)
    except Exception:  # noqa: BLE001 (the accessible is gone with the window)
        return True


def open_menu_item(win, button_name, item_name):
    """Opens the menu button BUTTON_NAME of WIN and activates ITEM_NAME."""
    button = find(win, role=re.compile("^(toggle button|push button)$"), name=button_name)
    wait_for(lambda: button.get_state_set().contains(Atspi.StateType.SENSITIVE), 15,
             f"{button_name!r} to be enabled")
    do_action(button)
    # The menu is a popup window of its own, reachable below the button.
    item = wait_for(lambda: next((i for i in find_all(button, name=item_name, showing=False)
                                  if "menu item" in i.get_role_name()), None),
                    10, f"menu item {item_name!r} of {button_name!r}")
    wait_for(lambda: item.get_state_set().contains(Atspi.StateType.SENSITIVE), 10,
             f"menu item {item_name!r} to be enabled")
    do_action(item)


def graphical_console_is_drawn(win, shot="graphical-console.png", timeout=30):
    """Waits until WIN's graphical console shows the guest's screen (more than one colour);
    TIMEOUT is for the console to appear (a remote one takes longer)."""
    console = find(win, role=re.compile(r"^(?!.*menu)"), name="Graphical console",
                   timeout=timeout)
    shot = os.path.join(LOGS, shot)

    def drawn():
        x, y, w, h = extents(console)
        if w < 50 or h < 50:
            return False
        screenshot(shot)
        # Leave a margin: the widget's own border is not the guest's screen.
        hist = colour_histogram(shot, (x + 2, y + 2, w - 4, h - 4))
        drawn.last = hist
        return not is_blank(shot, (x + 2, y + 2, w - 4, h - 4))
    drawn.last = None
    wait_for(drawn, 60, "the graphical console to show the guest's screen (more than "
             "one colour in its area)", interval=1)
    log(f"graphical console: {len(drawn.last)} colours, pixels per colour "
        f"{sorted(drawn.last.values(), reverse=True)[:4]}")


def show_serial_console(win):
    """The serial console of WIN, switching the console view to it."""
    def current():
        hits = find_all(win, role="terminal", name="Serial console")
        return hits[0] if hits else None
    term = current()
    if term is None:
        open_menu_item(win, "Console View", re.compile(r"^Serial( console| 1)?$"))
        term = wait_for(current, 20, "the serial console to show")
    return term


def check_serial(term, word, ready, ready_timeout=15):
    """The serial console TERM shows READY, a line the guest printed before the window opened
    (from the scrollback the daemon kept, so at once), and answers WORD typed into it."""
    wait_for(lambda: ready in text_of(term), ready_timeout,
             f"{ready} (printed before the window opened) in the serial console "
             f"(it shows {text_of(term)[-300:]!r})")
    log(f"serial console shows {ready}")
    # Keyboard focus: a real click into the terminal, as a user would.
    click(term)
    focus(term)
    time.sleep(0.5)
    type_text(f"echo {word}")
    press_key("Return")
    own_line = re.compile(rf"^\s*{re.escape(word)}\s*$", re.M)
    wait_for(lambda: own_line.search(text_of(term)), 30,
             f"'{word}' on a line of its own in the serial console "
             f"(last text: {text_of(term)[-200:]!r})")
    log(f"serial console printed {word}")


def on_failure_dump(app, name="accessible-tree.txt"):
    """Writes APP's accessible tree to the logs (the runner keeps them)."""
    try:
        with open(os.path.join(LOGS, name), "w") as f:
            f.write(dump(app))
        log(f"accessible tree written to {name}")
    except Exception as e:  # noqa: BLE001
        log(f"could not dump the accessible tree: {e!r}")


def run(main):
    """Runs MAIN(); on an assertion prints it and exits 1, always stops the
    programs the test started."""
    code = 1
    try:
        main()
        code = 0
        log("PASS")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        log(f"FAIL: {e}")
        try:
            screenshot(os.path.join(LOGS, "failure.png"))
            log("screenshot at the failure: failure.png")
        except Exception:  # noqa: BLE001
            pass
    finally:
        stop_children()
    sys.exit(code)


def _term(signum, frame):
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _term)
