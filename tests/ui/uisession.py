"""A private desktop for Marina's UI tests and UI benchmarks.

PrivateDesktop makes a temporary directory that becomes HOME, XDG_RUNTIME_DIR,
XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME; starts Xvfb on a free
display, a D-Bus session bus and the AT-SPI accessibility bus on it; and, on
cleanup, kills every process it or its children started: marina, the daemons
(found by SO_PEERCRED on their sockets), the QEMU guests (found by the pid= of
the daemons' runtime state files, <runtime>/domains/*.state, which the guests
outlive by design) and anything else that inherited the tag variable.

Python 3 standard library only (used by tests/ui/uirunner.py and
bench/ui-manager.py).
"""

import configparser
import os
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import tempfile
import time

TAG_VAR = "MARINA_UI_TEST_TAG"
SCREEN = "1280x1024x24"


def _read_line(fd, timeout, what):
    """Reads one line from a pipe within TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 256)
        if not chunk:
            raise RuntimeError(f"{what} exited before it was ready")
        data += chunk
    return data.split(b"\n", 1)[0].decode().strip()


def proc_starttime(pid):
    """Field 22 of /proc/PID/stat (start time in clock ticks), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def socket_peer_pid(path):
    """The pid of the process listening on the unix socket PATH (SO_PEERCRED),
    or None when nobody listens."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(path)
            creds = s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid, _, _ = struct.unpack("3i", creds)
        return pid if pid > 0 else None
    except OSError:
        return None


def guest_pids(root):
    """QEMU pids named by runtime state files (domains/*.state, [runtime] pid=)
    anywhere under ROOT, checked against pid-start so a reused pid is spared."""
    pids = set()
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) != "domains":
            continue
        for name in files:
            if not name.endswith(".state"):
                continue
            kf = configparser.ConfigParser(interpolation=None)
            try:
                kf.read(os.path.join(dirpath, name))
                pid = kf.getint("runtime", "pid")
                start = kf.get("runtime", "pid-start", fallback=None)
            except (configparser.Error, ValueError, OSError):
                continue
            if pid <= 1:
                continue
            if start is not None and start.isdigit() and proc_starttime(pid) != int(start):
                continue
            pids.add(pid)
    return pids


def listening_pids(root):
    """Pids of the processes listening on unix sockets under ROOT (daemons)."""
    pids = set()
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                if not stat.S_ISSOCK(os.lstat(path).st_mode):
                    continue
            except OSError:
                continue
            pid = socket_peer_pid(path)
            if pid is not None:
                pids.add(pid)
    return pids


def tagged_pids(tag):
    """Processes whose environment or command line names TAG (our temporary
    directory): everything started below us, even when re-parented to init."""
    pids = set()
    needle = tag.encode()
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        for part in ("environ", "cmdline"):
            try:
                with open(f"/proc/{entry}/{part}", "rb") as f:
                    if needle in f.read():
                        pids.add(int(entry))
                        break
            except OSError:
                pass
    return pids


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def kill_pids(pids, grace=5.0):
    """SIGTERM, then SIGKILL whatever is still alive after GRACE seconds."""
    pids = {p for p in pids if p > 1 and p != os.getpid()}
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    for pid in pids:
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class PrivateDesktop:
    """Xvfb + session bus + AT-SPI bus + private XDG directories."""

    def __init__(self, prefix="marina-ui-", gsettings_backend="memory"):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.home = os.path.join(self.dir, "home")
        self.runtime = os.path.join(self.dir, "run")
        self.logs = os.path.join(self.dir, "logs")
        for d in (self.home, self.runtime, self.logs):
            os.makedirs(d, mode=0o700, exist_ok=True)
        self._own = []  # Popen objects of Xvfb and the buses
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DBUS_", "AT_SPI_", "XDG_", "WAYLAND_", "GSETTINGS_"))
               and k not in ("DISPLAY", "NO_AT_BRIDGE", "XAUTHORITY", "SESSION_MANAGER",
                             "DESKTOP_SESSION", "GTK_MODULES", "GTK_THEME")}
        env.update({
            TAG_VAR: self.dir,
            "HOME": self.home,
            "XDG_RUNTIME_DIR": self.runtime,
            "XDG_DATA_HOME": os.path.join(self.home, ".local", "share"),
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "XDG_CACHE_HOME": os.path.join(self.home, ".cache"),
            "XDG_CURRENT_DESKTOP": "",
            "TMPDIR": self.dir,
            "GSETTINGS_BACKEND": gsettings_backend,
            "MARINA_ACCEL": "tcg",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "LANGUAGE": "",
            "GDK_BACKEND": "x11",
            "GTK_USE_PORTAL": "0",
            "GIO_USE_VFS": "local",
            "GTK_OVERLAY_SCROLLING": "0",
        })
        # (NO_AT_BRIDGE stays unset: GTK 3 then loads the AT-SPI bridge.)
        self.env = env
        for d in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            os.makedirs(env[d], exist_ok=True)
        try:
            self._start_xvfb()
            self._start_dbus()
            self._start_atspi()
        except BaseException:
            self.cleanup()
            raise

    def log_file(self, name):
        return open(os.path.join(self.logs, name), "ab")

    def _start_xvfb(self):
        r, w = os.pipe()
        try:
            proc = subprocess.Popen(
                ["Xvfb", "-displayfd", str(w), "-screen", "0", SCREEN, "-nolisten", "tcp",
                 "-noreset", "-ac", "+extension", "XTEST"],
                pass_fds=[w], env=self.env, stdin=subprocess.DEVNULL,
                stdout=self.log_file("xvfb.log"), stderr=subprocess.STDOUT)
            self._own.append(proc)
            os.close(w)
            w = -1
            display = _read_line(r, 20, "Xvfb")
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
        self.env["DISPLAY"] = ":" + display
        self.display = self.env["DISPLAY"]

    def _start_dbus(self):
        r, w = os.pipe()
        try:
            proc = subprocess.Popen(
                ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--nosyslog",
                 f"--print-address={w}"],
                pass_fds=[w], env=self.env, stdin=subprocess.DEVNULL,
                stdout=self.log_file("dbus.log"), stderr=subprocess.STDOUT)
            self._own.append(proc)
            os.close(w)
            w = -1
            address = _read_line(r, 20, "dbus-daemon")
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address

    def _gdbus(self, *args, check=True):
        return subprocess.run(["gdbus", "call", "--session", *args], env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              check=check, timeout=20)

    def _start_atspi(self):
        launcher = "/usr/libexec/at-spi-bus-launcher"
        if os.access(launcher, os.X_OK):
            self._own.append(subprocess.Popen(
                [launcher, "--launch-immediately"], env=self.env, stdin=subprocess.DEVNULL,
                stdout=self.log_file("at-spi.log"), stderr=subprocess.STDOUT))
            # Wait for it to own its name (asking for the address sooner would
            # make D-Bus activate a second launcher).
            deadline = time.monotonic() + 20
            while "true" not in self._gdbus(
                    "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                    "--method", "org.freedesktop.DBus.NameHasOwner", "org.a11y.Bus").stdout:
                if time.monotonic() > deadline:
                    raise RuntimeError("at-spi-bus-launcher did not start")
                time.sleep(0.05)
        # (Without our launcher, D-Bus activates the system's here.)
        r = self._gdbus("--dest", "org.a11y.Bus", "--object-path", "/org/a11y/bus",
                        "--method", "org.a11y.Bus.GetAddress", check=False)
        if r.returncode != 0:
            raise RuntimeError("the AT-SPI bus did not start: " + r.stderr.strip())
        # Toolkits that ask whether assistive technologies are on hear "yes".
        self._gdbus("--dest", "org.a11y.Bus", "--object-path", "/org/a11y/bus",
                    "--method", "org.freedesktop.DBus.Properties.Set", "org.a11y.Status",
                    "IsEnabled", "<true>", check=False)

    def screenshot(self, path):
        """The whole X screen as a PNG (ImageMagick's import); True on success."""
        r = subprocess.run(["import", "-display", self.display, "-window", "root", path],
                           env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r.returncode == 0 and os.path.exists(path)

    def cleanup(self, keep=False):
        if self.dir is None:
            return
        guests = guest_pids(self.dir)
        daemons = listening_pids(self.dir)
        own = {p.pid for p in self._own}
        # Daemons first, so none of them restarts anything; then every other
        # tagged process (marina, session daemons started by --daemonize).
        kill_pids(daemons - own)
        kill_pids(guests | guest_pids(self.dir), grace=2)
        kill_pids(tagged_pids(self.dir) - own)
        for proc in reversed(self._own):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        # A last sweep: a child of the buses (at-spi2-registryd, the
        # accessibility dbus-daemon) outlives its parent.
        kill_pids(tagged_pids(self.dir), grace=2)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
