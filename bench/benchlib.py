"""Shared by Marina's benchmarks: a private marinad ("host") in a temporary
directory that is torn down on exit, even after a failure or Ctrl+C, plus
timing and table helpers. Python 3 standard library only."""

import argparse
import atexit
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SRCDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(description, extra=None):
    """Common options: --build DIR (default $MARINA_BUILDDIR or build)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--build", default=os.environ.get("MARINA_BUILDDIR", "build"),
                        help="meson build directory holding marinad and marinactl "
                             "(default: $MARINA_BUILDDIR or build)")
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    args.build = os.path.join(SRCDIR, args.build)
    for exe in (marinad_path(args.build), marinactl_path(args.build)):
        if not os.access(exe, os.X_OK):
            sys.exit(f"{exe} is missing: build first (tools/test, or meson compile -C "
                     f"{os.path.relpath(args.build, SRCDIR)})")
    return args


def marinad_path(build):
    return os.path.join(build, "hypervisor", "marinad")


def marinactl_path(build):
    return os.path.join(build, "src", "cli", "marinactl")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _exit_on_signal(signum, frame):
    # SystemExit runs the atexit cleanup; a bare SIGTERM would skip it.
    sys.exit(128 + signum)


for _sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, _exit_on_signal)


class Host:
    """A marinad on a private socket and state directory, forced to TCG."""

    def __init__(self, build, name="host"):
        self.build = build
        self.marinactl = marinactl_path(build)
        self.dir = tempfile.mkdtemp(prefix="marina-bench-")
        self.socket = os.path.join(self.dir, "marinad.sock")
        self.state_dir = os.path.join(self.dir, "state")
        self.uri = "marina+unix://" + self.socket
        # The tag is inherited by marinad and its guests, so cleanup finds
        # them even if marinad died and they were re-parented.
        self.env = dict(os.environ, MARINA_ACCEL="tcg", MARINA_BENCH_TAG=self.dir)
        self.proc = None
        atexit.register(self.cleanup)
        self._stderr = open(os.path.join(self.dir, "marinad.stderr"), "wb")
        self.proc = subprocess.Popen(
            [marinad_path(build), "--socket", self.socket, "--state-dir", self.state_dir],
            env=self.env, stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr)
        self._wait_listening()

    def _wait_listening(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"marinad exited with status {self.proc.returncode}:\n"
                                   + self.daemon_log())
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.connect(self.socket)
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("marinad did not listen within %.0f s:\n%s" % (timeout, self.daemon_log()))

    def daemon_log(self):
        self._stderr.flush()
        with open(os.path.join(self.dir, "marinad.stderr"), "rb") as f:
            return f.read()[-4000:].decode(errors="replace")

    @property
    def pid(self):
        return self.proc.pid

    def ctl_argv(self, *args):
        return [self.marinactl, "-c", self.uri, *args]

    def ctl(self, *args, check=True, input=None):
        """Runs marinactl; returns its stdout. Raises with stderr on failure."""
        r = subprocess.run(self.ctl_argv(*args), env=self.env, input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"marinactl {' '.join(args)} failed ({r.returncode}): "
                               f"{r.stderr.strip()}")
        return r.stdout

    def _own_processes(self):
        """PIDs of the guests (QEMU) this host started, which outlive marinad
        by design: marinad's descendants, and anything whose command line or
        environment names our temporary directory."""
        parents = {}
        pids = set()
        needle = self.dir.encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    # "pid (comm) state ppid ...": comm may hold spaces.
                    parents[int(entry)] = int(f.read().rsplit(b")", 1)[1].split()[1])
                for name in ("cmdline", "environ"):
                    with open(f"/proc/{entry}/{name}", "rb") as f:
                        if needle in f.read():
                            pids.add(int(entry))
                            break
            except (OSError, IndexError, ValueError):
                pass
        if self.proc is not None:
            frontier = {self.proc.pid}
            while frontier:
                children = {p for p, pp in parents.items() if pp in frontier} - pids
                pids |= children
                frontier = children
        pids.discard(self.proc.pid if self.proc is not None else -1)
        return sorted(pids)

    def cleanup(self):
        if self.dir is None:
            return
        guests = self._own_processes()
        if self.proc is not None and self.proc.poll() is None:
            # Ask first, so the daemon stops its guests cleanly...
            try:
                for name in self.ctl("list", "--name", check=False).split():
                    self.ctl("destroy", name, check=False)
            except Exception:
                pass
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # ...then make sure no guest survives it.
        for pid in set(guests) | set(self._own_processes()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


def domain_xml(name, memory_mib=64, extra=""):
    return (f"<domain type='qemu'>\n  <name>{name}</name>\n"
            f"  <memory unit='MiB'>{memory_mib}</memory>\n  <vcpu>1</vcpu>\n"
            f"  <os><type arch='x86_64'>hvm</type></os>\n{extra}</domain>\n")


def define_many(host, count, prefix="bench-", workers=4):
    """Defines COUNT small guests (64 MiB, 1 vCPU, no disks) with marinactl."""
    from concurrent.futures import ThreadPoolExecutor

    xml_dir = os.path.join(host.dir, "xml")
    os.makedirs(xml_dir, exist_ok=True)
    names = [f"{prefix}{i:04d}" for i in range(count)]

    def define(name):
        path = os.path.join(xml_dir, name + ".xml")
        with open(path, "w") as f:
            f.write(domain_xml(name))
        host.ctl("define", path)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(define, names):
            pass
    log(f"defined {count} guests in {time.monotonic() - started:.1f} s")
    return names


def timed_run(argv, env=None):
    """Wall time of one command in seconds; fails loudly if it fails."""
    t0 = time.perf_counter()
    r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {r.stderr.decode(errors='replace')}")
    return elapsed


def summary(values):
    """(median, min, max) of VALUES."""
    return statistics.median(values), min(values), max(values)


def print_table(headers, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = "  ".join("%%-%ds" % w for w in widths)
    print(line % tuple(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line % tuple(row))
    sys.stdout.flush()


def fmt_ms(seconds_list):
    med, lo, hi = summary(seconds_list)
    return f"{med * 1000:.1f} ({lo * 1000:.1f}–{hi * 1000:.1f})"


def test_guest(build):
    """Builds (if needed) and returns the test guest's (kernel, initrd)."""
    outdir = os.path.join(build, "tests")
    kernel = os.path.join(outdir, "vmlinuz")
    initrd = os.path.join(outdir, "initrd.img")
    subprocess.run([os.path.join(SRCDIR, "tests", "guest", "build.sh"), outdir], check=True,
                   stdout=sys.stderr)
    return kernel, initrd


def test_guest_xml(name, kernel, initrd):
    """The tiny test guest as the anchors measured it: 256 MiB, serial on a
    pty, no balloon, ACPI + APIC."""
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 quiet</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
"""


# ---------------------------------------------------------------------------
# libvirt, for the comparisons


def apt_install(*packages):
    """Installs Debian PACKAGES (no recommends); True when apt-get succeeded."""
    log(f"installing {' '.join(packages)} with apt-get")
    as_root = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(as_root + ["apt-get", "install", "-y", "-q", "--no-install-recommends",
                                  *packages], env=env, stdout=sys.stderr, stderr=sys.stderr)
    return r.returncode == 0


def ensure_virsh():
    """virsh on PATH, installing Debian's libvirt-clients if it is missing."""
    if shutil.which("virsh") is None:
        apt_install("libvirt-clients")
    return shutil.which("virsh") is not None


# Runs each argv of a JSON list in turn and prints their wall times (s) as JSON. Executed by
# the unprivileged user the libvirt session daemon belongs to, so no setpriv or su lies
# inside the timed span.
_TIMER = """
import json, subprocess, sys, time
out = []
for argv in json.loads(sys.argv[1]):
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out.append(time.perf_counter() - t0)
    if r.returncode != 0:
        sys.exit(" ".join(argv) + " failed: " + r.stderr.decode(errors="replace"))
print(json.dumps(out))
"""


class LibvirtSession:
    """libvirtd in session mode (qemu:///session) with its own HOME and XDG_RUNTIME_DIR in a
    temporary directory, as anchors.md describes. libvirt refuses qemu:///session to root, so
    under root it runs as the user 'nobody'. Stopped and removed on exit."""

    URI = "qemu:///session"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="marina-bench-libvirt-")
        os.chmod(self.dir, 0o755)
        self.home = os.path.join(self.dir, "home")
        self.runtime = os.path.join(self.dir, "run")
        self.user = [] if os.geteuid() != 0 else [
            "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        for d, mode in ((self.home, 0o755), (self.runtime, 0o700)):
            os.makedirs(d)
            os.chmod(d, mode)
            if self.user:
                shutil.chown(d, "nobody", "nogroup")
        self.env = {"HOME": self.home, "XDG_RUNTIME_DIR": self.runtime,
                    "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        self.proc = None
        atexit.register(self.cleanup)
        self._log = open(os.path.join(self.dir, "libvirtd.log"), "wb")
        self.proc = subprocess.Popen(self.user + ["env", "-i"] + [f"{k}={v}" for k, v in
                                                                 self.env.items()]
                                     + [shutil.which("libvirtd") or "/usr/sbin/libvirtd"],
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=self._log)
        sock = os.path.join(self.runtime, "libvirt", "libvirt-sock")
        deadline = time.monotonic() + 60
        while not os.path.exists(sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("libvirtd did not start: " + self.daemon_log())
            time.sleep(0.05)

    @staticmethod
    def available():
        """libvirtd and its QEMU driver, installing them if they are missing."""
        driver = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so"
        if shutil.which("libvirtd") is None or not os.path.exists(driver):
            apt_install("libvirt-daemon", "libvirt-daemon-driver-qemu")
        return shutil.which("libvirtd") is not None and os.path.exists(driver)

    def daemon_log(self):
        self._log.flush()
        with open(os.path.join(self.dir, "libvirtd.log"), "rb") as f:
            return f.read()[-4000:].decode(errors="replace")

    def private_file(self, name, text):
        """A file the session user can read."""
        path = os.path.join(self.home, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def timed_runs(self, argvs):
        """Wall time (s) of each argv, run one after another as the session user."""
        import json
        r = subprocess.run(self.user + ["env", "-i"] + [f"{k}={v}" for k, v in self.env.items()]
                           + ["/usr/bin/python3", "-c", _TIMER, json.dumps(argvs)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr.strip())
        return json.loads(r.stdout)

    def cleanup(self):
        if self.dir is None:
            return
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
