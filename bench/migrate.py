#!/usr/bin/python3
"""Live migration of the running test guest (256 MiB, TCG) while it dirties
memory: bare QEMU to QEMU on this machine (the limit), Marina direct and
Marina tunnelled ('marinactl migrate' between two marinad daemons),
alternating runs.

Targets: direct total time <= 1.2 x bare QEMU, direct downtime under 300 ms;
tunnelled / bare is reported."""

import json
import os
import re
import select
import shlex
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

READY = b"MARINA-GUEST-READY"
NAME = "bench-migrate"
BOOT_TIMEOUT = 120.0
MIGRATE_TIMEOUT = 300.0
DOWNTIME_LIMIT_MS = 300
# The untimed check that the guest dirties memory: slow enough for a pass over a second.
CHECK_BANDWIDTH = 64 << 20
DIRTY_RATE_SECONDS = 1
POLL_INTERVAL = 0.25  # marinad's query-migrate interval
# "Very large": QEMU's default max-bandwidth (32 MiB/s) would be the limit otherwise.
MAX_BANDWIDTH = 1 << 40
TICK = b"."
# The dirtier's unit of work: one dd process per block. Starting a process is what costs
# under TCG, so the block size sets the dirty rate (4 MiB: 20–65 MiB/s on 2 busy CPUs).
BLOCK_KIB = 4096


def options(parser):
    parser.add_argument("--runs", type=int, default=7,
                        help="migrations of each kind, alternating (7)")
    parser.add_argument("--dirty-mib", type=int, default=64,
                        help="MiB of guest memory the guest rewrites in a loop (64)")
    parser.add_argument("--settle", type=float, default=2.0,
                        help="seconds the dirtier runs before the migration starts (2)")
    parser.add_argument("--only", choices=("bare", "direct", "tunnelled"), action="append",
                        help="run only this kind (may be repeated)")


# ---------------------------------------------------------------------------
# The guest's side: what is typed on its serial console


def dirtier_commands(dirty_mib):
    """Shell lines for the guest's root shell. They fill DIRTY_MIB of a tmpfs with random
    bytes (so that no page is a zero page QEMU could skip), then keep rewriting it in place,
    BLOCK_KIB per dd, in the background, alternating between two random blocks so that every
    pass changes every page (QEMU's calc-dirty-rate compares page contents). A second loop
    prints a dot every 10 ms, so the host can see from the serial output when the guest was
    paused. The last line prints a marker once both loops run. The test guest's BusyBox has
    all it takes."""
    n = dirty_mib
    blocks = max(1, n * 1024 // BLOCK_KIB)
    ticker = ["(while :; do printf .; usleep 10000; done) &",
              "cd /root; echo; echo DIRTIER-$((40+2))"]
    if n == 0:
        return ticker  # for comparison: an idle guest
    return [
        "mount -t tmpfs -o size=%dm tmpfs /dev/shm; cd /dev/shm" % (n + 8),
        "dd if=/dev/urandom of=r0 bs=%dk count=1 2>/dev/null; "
        "dd if=/dev/urandom of=r1 bs=%dk count=1 2>/dev/null" % (BLOCK_KIB, BLOCK_KIB),
        "i=0; while [ $i -lt %d ]; do cat r0; i=$((i+1)); done >d" % blocks,
        ("(k=1; while :; do i=0; while [ $i -lt %d ]; do dd if=r$k of=d bs=%dk seek=$i "
         "conv=notrunc 2>/dev/null; i=$((i+1)); done; k=$((1-k)); done) "
         "</dev/null >/dev/null 2>&1 &") % (blocks, BLOCK_KIB),
    ] + ticker


DIRTIER_MARK = b"DIRTIER-42"
ALIVE_COMMAND = "echo; echo ALIVE-$((60+3))"
ALIVE_MARK = b"ALIVE-63"


class Stream:
    """Output of one guest's serial port as (host time, bytes) chunks, gathered by a thread
    from a pipe (bare QEMU) or by polling the daemon's serial log (Marina)."""

    def __init__(self):
        self.chunks = []
        self.lock = threading.Lock()
        self.closed = False
        self.stop = False

    def _add(self, data):
        with self.lock:
            self.chunks.append((time.perf_counter(), data))

    @classmethod
    def from_fd(cls, fd):
        self = cls()

        def reader():
            while not self.stop:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    break
                self._add(data)
            self.closed = True

        threading.Thread(target=reader, daemon=True).start()
        return self

    @classmethod
    def from_log(cls, path, poll=0.005):
        """Follows PATH from its current end (it may not exist yet)."""
        self = cls()
        try:
            start = os.path.getsize(path)
        except FileNotFoundError:
            start = 0

        def follower():
            offset = start
            while not self.stop:
                try:
                    with open(path, "rb") as f:
                        if os.fstat(f.fileno()).st_size < offset:
                            offset = 0  # rotated
                        f.seek(offset)
                        data = f.read()
                    if data:
                        offset += len(data)
                        self._add(data)
                except FileNotFoundError:
                    pass
                time.sleep(poll)
            self.closed = True

        threading.Thread(target=follower, daemon=True).start()
        return self

    def text(self):
        with self.lock:
            return b"".join(c for _, c in self.chunks)

    def wait_for(self, needle, timeout, what):
        deadline = time.perf_counter() + timeout
        while needle not in self.text():
            if time.perf_counter() > deadline:
                tail = self.text()[-600:].decode(errors="replace")
                raise RuntimeError(f"{what}: no '{needle.decode()}' within {timeout:.0f} s; "
                                   f"serial output ends with:\n{tail}")
            if self.closed:
                raise RuntimeError(f"{what}: the serial output ended before "
                                   f"'{needle.decode()}'")
            time.sleep(0.01)

    def tick_times(self):
        with self.lock:
            return [t for t, c in self.chunks if TICK in c]


def longest_pause(stream, start, end):
    """The longest time between two dots of the guest's ticker within [START, END]: the
    noise floor of switchover_pause (the dirtier and the ticker share one vCPU)."""
    times = [t for t in stream.tick_times() if start <= t <= end]
    if len(times) < 2:
        return None
    return max(b - a for a, b in zip(times, times[1:]))


def switchover_pause(src, dst, timeout=30.0):
    """How long the guest was frozen as its own output shows it: from the last dot of its
    ticker on the source's serial output to the first on the destination's. That is QEMU's
    downtime, plus whatever it takes to resume the guest on the destination, plus the first
    steps of a TCG guest on a QEMU that has translated none of its code yet."""
    deadline = time.perf_counter() + timeout
    while not dst.tick_times():
        if time.perf_counter() > deadline:
            raise RuntimeError("the guest's ticker printed nothing on the destination within "
                               f"{timeout:.0f} s")
        time.sleep(0.01)
    first = dst.tick_times()[0]
    before = [t for t in src.tick_times() if t < first]
    return first - before[-1] if before else None


# ---------------------------------------------------------------------------
# Bare QEMU


class Qmp:
    """A minimal synchronous QMP client on a unix socket that keeps the events it reads."""

    def __init__(self, path, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"QMP socket {path} did not answer")
                time.sleep(0.01)
        self.buf = b""
        self.events = []
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self, timeout=None):
        """The next message, or None when TIMEOUT (seconds) passed without one."""
        while b"\n" not in self.buf:
            if timeout is not None and not select.select([self.sock], [], [], timeout)[0]:
                return None
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("QEMU closed its QMP socket")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise RuntimeError(f"QMP {command}: {reply['error'].get('desc')}")
            return reply.get("return")

    def wait_event(self, name, timeout):
        """The first event NAME (kept or new) within TIMEOUT seconds, or None."""
        deadline = time.perf_counter() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event["event"] == name:
                    return self.events.pop(i)
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            reply = self._read(left)
            if reply is not None and "event" in reply:
                self.events.append(reply)

    @staticmethod
    def event_time(event):
        """When QEMU sent EVENT, on time.perf_counter()'s clock."""
        ts = event["timestamp"]
        sent = ts["seconds"] + ts["microseconds"] / 1e6
        return time.perf_counter() - max(0.0, time.time() - sent)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def bare_argv(native, qmp_path):
    """The daemon's command line, with the descriptors it would inherit from marinad
    replaced: QMP on a socket of our own, the serial port on stdio; without -S (the
    source just runs; the destination waits for its migration anyway)."""
    out = []
    for arg in shlex.split(native):
        if arg == "-S":
            continue
        if arg.startswith("socket,id=charmonitor,"):
            arg = f"socket,id=charmonitor,path={qmp_path},server=on,wait=off"
        elif arg.startswith("socket,id=charserial0,"):
            arg = "stdio,id=charserial0,signal=off"
        elif re.search(r"(^|,)fd=\d", arg):
            sys.exit(f"cannot run the bare command: '{arg}' needs a descriptor from marinad")
        out.append(arg)
    if not any("accel=tcg" in a for a in out):
        sys.exit("the daemon's command line does not use accel=tcg:\n" + native)
    return out


class BareQemu:
    def __init__(self, argv, qmp_path, log_path):
        if os.path.exists(qmp_path):
            os.unlink(qmp_path)
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log)
        self.serial = Stream.from_fd(self.proc.stdout.fileno())
        self.qmp = Qmp(qmp_path)

    def type(self, lines):
        self.proc.stdin.write("".join(line + "\n" for line in lines).encode())
        self.proc.stdin.flush()

    def stderr_text(self):
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read()[-2000:].decode(errors="replace")

    def kill(self):
        self.qmp.close()
        self.serial.stop = True
        self.proc.kill()
        self.proc.wait()
        self.log.close()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_bare(native, tmpdir, args, check=False):
    """One bare QEMU to QEMU migration; its figures. With CHECK, an untimed run that only
    proves the guest dirties memory while it migrates: the bandwidth is limited so that a
    pass lasts over a second (QEMU computes dirty-pages-rate only then), and the migration is
    cancelled once QEMU reports the rate, which is returned."""
    src_qmp = os.path.join(tmpdir, "bare-src.qmp")
    dst_qmp = os.path.join(tmpdir, "bare-dst.qmp")
    src = BareQemu(bare_argv(native, src_qmp), src_qmp, os.path.join(tmpdir, "bare-src.log"))
    dst = None
    try:
        src.serial.wait_for(READY, BOOT_TIMEOUT, "bare source")
        src.type(dirtier_commands(args.dirty_mib))
        src.serial.wait_for(DIRTIER_MARK, BOOT_TIMEOUT, "bare source dirtier")
        t_settle = time.perf_counter()
        # calc-dirty-rate takes the last second of the settling time, so that the dirtier
        # has run as long as in Marina's runs when the migration starts.
        time.sleep(max(0.0, args.settle - (0 if check else DIRTY_RATE_SECONDS)))
        guest_rate = 0 if check else measure_dirty_rate(src.qmp, DIRTY_RATE_SECONDS)
        baseline = longest_pause(src.serial, t_settle, time.perf_counter())

        t0 = time.perf_counter()
        dst = BareQemu(bare_argv(native, dst_qmp) + ["-incoming", "defer"], dst_qmp,
                       os.path.join(tmpdir, "bare-dst.log"))
        port = free_port()
        dst.qmp.execute("migrate-incoming", uri=f"tcp:127.0.0.1:{port}")
        bandwidth = CHECK_BANDWIDTH if check else MAX_BANDWIDTH
        src.qmp.execute("migrate-set-parameters", **{"max-bandwidth": bandwidth,
                                                     "downtime-limit": DOWNTIME_LIMIT_MS})
        # As marinad follows a migration: MIGRATION events, query-migrate every 250 ms.
        src.qmp.execute("migrate-set-capabilities",
                        capabilities=[{"capability": "events", "state": True}])
        t_migrate = time.perf_counter()
        src.qmp.execute("migrate", uri=f"tcp:127.0.0.1:{port}")
        dirty_rate = 0
        deadline = t_migrate + MIGRATE_TIMEOUT
        while True:
            info = src.qmp.execute("query-migrate")
            status = info.get("status")
            dirty_rate = max(dirty_rate, info.get("ram", {}).get("dirty-pages-rate", 0))
            if check and dirty_rate > 0:
                src.qmp.execute("migrate_cancel")
                return dirty_rate * info["ram"].get("page-size", 4096)
            # QEMU (7.2) says "completed" a moment before it has worked out total-time and
            # downtime, which read 0 until then: ask again.
            if status == "completed" and (info.get("total-time") or time.perf_counter() > deadline):
                break
            if status == "completed":
                time.sleep(0.002)
                continue
            if status in ("failed", "cancelled") or time.perf_counter() > deadline:
                raise RuntimeError(f"bare QEMU migration {status}: {info}")
            src.qmp.wait_event("MIGRATION", POLL_INTERVAL)
        # The destination runs the guest by itself once everything arrived (no -S).
        resumed = dst.qmp.wait_event("RESUME", MIGRATE_TIMEOUT)
        if resumed is None:
            raise RuntimeError("bare destination did not run after the migration")
        t_end = Qmp.event_time(resumed)
        # The shell answers on the destination, and the ticks go on there.
        dst.type([ALIVE_COMMAND])
        dst.serial.wait_for(ALIVE_MARK, 30, "bare destination")
        pause = switchover_pause(src.serial, dst.serial)
        ram = info.get("ram", {})
        return {
            "total": info["total-time"] / 1000,
            "total-exact": True,
            "cpu": None,
            "downtime": info["downtime"] / 1000,
            "wall": t_end - t0,
            "pause": pause,
            "dirty-rate": dirty_rate * ram.get("page-size", 4096),
            "guest-rate": guest_rate,
            "baseline": baseline,
            "iterations": ram.get("dirty-sync-count", 0),
            "transferred": ram.get("transferred", 0),
        }
    except Exception:
        benchlib.log("bare source QEMU's log:\n" + src.stderr_text())
        raise
    finally:
        src.kill()
        if dst is not None:
            dst.kill()


def measure_dirty_rate(qmp, seconds=1):
    """The guest's dirty rate in bytes/s as QEMU's calc-dirty-rate samples it. During the
    migration itself QEMU reports dirty-pages-rate only once a pass has lasted a second, which
    these migrations rarely do, so it is measured here, before migrating."""
    # sample-pages at its maximum: the default (512 a GiB) samples only 128 pages of
    # this guest, and the figure jumps by a factor of three from run to run.
    qmp.execute("calc-dirty-rate", **{"calc-time": seconds, "sample-pages": 10000})
    deadline = time.perf_counter() + seconds + 10
    while True:
        info = qmp.execute("query-dirty-rate")
        if info.get("status") == "measured":
            return info.get("dirty-rate", 0) * 2**20  # MiB/s
        if time.perf_counter() > deadline:
            raise RuntimeError(f"calc-dirty-rate gave no result: {info}")
        time.sleep(0.1)


# ---------------------------------------------------------------------------
# Marina


class MarinaPair:
    """Two daemons (source and destination), each with its own socket and state directory;
    the test guest defined on the source."""

    def __init__(self, build, kernel, initrd):
        self.hosts = [benchlib.Host(build, "a"), benchlib.Host(build, "b")]
        self.xml = os.path.join(self.hosts[0].dir, NAME + ".xml")
        with open(self.xml, "w") as f:
            f.write(benchlib.test_guest_xml(NAME, kernel, initrd))
        self.hosts[0].ctl("define", self.xml)
        self.serial_log = [os.path.join(h.state_dir, "log", NAME + "-serial0.log")
                           for h in self.hosts]

    def type(self, host, lines):
        host.ctl("console", NAME, input="".join(line + "\n" for line in lines))

    def run(self, tunnelled, args):
        src, dst = self.hosts
        src_serial = Stream.from_log(self.serial_log[0])
        dst_serial = None
        try:
            src.ctl("start", NAME)
            src_serial.wait_for(READY, BOOT_TIMEOUT, "marina source")
            self.type(src, dirtier_commands(args.dirty_mib))
            src_serial.wait_for(DIRTIER_MARK, BOOT_TIMEOUT, "marina source dirtier")
            t_settle = time.perf_counter()
            time.sleep(args.settle)
            baseline = longest_pause(src_serial, t_settle, time.perf_counter())

            dst_serial = Stream.from_log(self.serial_log[1])
            watch = JobWatch(src)
            argv = (["migrate", "--max-downtime", str(DOWNTIME_LIMIT_MS)]
                    + (["--tunnelled"] if tunnelled else []) + [NAME, dst.uri])
            cpu0 = daemons_cpu(self.hosts)
            t0 = time.perf_counter()
            try:
                src.ctl(*argv)
            finally:
                t_end = time.perf_counter()
                watch.finish()
            cpu = daemons_cpu(self.hosts) - cpu0
            self.type(dst, [ALIVE_COMMAND])
            dst_serial.wait_for(ALIVE_MARK, 30, "marina destination")
            pause = switchover_pause(src_serial, dst_serial)
            return dict(watch.figures(), wall=t_end - t0, pause=pause, baseline=baseline,
                        cpu=cpu)
        finally:
            src_serial.stop = True
            if dst_serial is not None:
                dst_serial.stop = True
            # Start the next run from a fresh boot on the source: the destination's copy is
            # transient (no --persistent), the source keeps the definition, shut off.
            for host in (dst, src):
                host.ctl("destroy", NAME, check=False)


def daemons_cpu(hosts):
    """CPU time (user + system, seconds) the daemons of HOSTS have used so far: in direct
    mode the destination's daemon relays the memory stream to its QEMU, in tunnelled mode
    both relay it to the client."""
    total = 0.0
    for host in hosts:
        with open(f"/proc/{host.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class JobWatch:
    """Catches the source daemon's figures of one migration. The job info (GetJobInfo,
    'marinactl domjobinfo') lasts only until the client confirms the migration, a few
    milliseconds after it completed; polling it all along would load the machine the
    migration runs on. So the daemon's log is followed instead (a file read every 5 ms), and
    the moment it says the guest was sent, 'marinactl domjobinfo' is asked once: its
    'Time elapsed' then is QEMU's total time. QEMU's downtime is in the log line too. Should
    the job info come too late, the total is the time between the log's "Sending guest" and
    "sent" lines as seen here (within ~10 ms)."""

    SENDING = re.compile(rb"Sending guest '([^']*)'")
    SENT = re.compile(rb"Guest '([^']*)' sent: (\d+) bytes of memory(?: in (\d+) ms)?, "
                      rb"downtime (\d+) ms")

    def __init__(self, host, poll=0.005):
        self.host = host
        self.path = os.path.join(host.dir, "marinad.stderr")
        self.offset = os.path.getsize(self.path)
        self.t_send = self.t_sent = None
        self.sent_bytes = self.downtime_ms = self.total_ms = None
        self.jobinfo = None
        self.stop = False
        self.thread = threading.Thread(target=self._follow, args=(poll,), daemon=True)
        self.thread.start()

    def _follow(self, poll):
        pending = b""
        while not self.stop:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
            self.offset += len(data)
            pending += data
            lines = pending.split(b"\n")
            pending = lines.pop()
            for line in lines:
                m = self.SENDING.search(line)
                if m and m.group(1) == NAME.encode() and self.t_send is None:
                    self.t_send = time.perf_counter()
                m = self.SENT.search(line)
                if m and m.group(1) == NAME.encode():
                    self.t_sent = time.perf_counter()
                    self.sent_bytes, self.downtime_ms = int(m.group(2)), int(m.group(4))
                    self.total_ms = int(m.group(3)) if m.group(3) else None
                    self.jobinfo = self.host.ctl("domjobinfo", NAME, check=False)
                    return
            time.sleep(poll)

    def finish(self):
        self.thread.join(timeout=2.0)
        self.stop = True

    def figures(self):
        info = parse_jobinfo(self.jobinfo or "")
        if info.get("phase") == "completed" and "elapsed-ms" in info:
            total, exact = info["elapsed-ms"] / 1000, True
        elif self.total_ms:
            total, exact = self.total_ms / 1000, True  # "sent: … in N ms": QEMU's total-time
        elif self.t_send is not None and self.t_sent is not None:
            total, exact = self.t_sent - self.t_send, False
        else:
            raise RuntimeError("the source daemon's log shows no \"Sending guest\" and "
                               "\"sent\" lines for the migration; its end:\n"
                               + self.host.daemon_log())
        downtime = info.get("downtime-ms", self.downtime_ms)
        if downtime is None:
            raise RuntimeError("neither the job info nor the daemon's log gives the downtime")
        return {
            "total": total,
            "total-exact": exact,
            "downtime": downtime / 1000,
            "dirty-rate": info.get("dirty-rate", 0),
            "iterations": info.get("iterations"),
            "transferred": info.get("data-processed", self.sent_bytes or 0),
        }


# 'marinactl domjobinfo' prints "Label:   value unit" lines (virsh's layout); the figures
# this benchmark needs, by label.
JOBINFO_LABELS = {
    "phase": "phase",
    "time elapsed": "elapsed-ms",
    "total downtime": "downtime-ms",
    "dirty rate": "dirty-rate",
    "iteration": "iterations",
    "data processed": "data-processed",
}
UNITS = {"ms": 1, "b": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
         "b/s": 1, "kib/s": 1 << 10, "mib/s": 1 << 20, "gib/s": 1 << 30}


def parse_jobinfo(text):
    info = {}
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        key = JOBINFO_LABELS.get(label.strip().lower())
        fields = value.split()
        if not sep or key is None or not fields:
            continue
        if key == "phase":
            info[key] = fields[0].lower()
            continue
        try:
            number = float(fields[0])
        except ValueError:
            continue
        unit = fields[1].lower() if len(fields) > 1 else ""
        info[key] = number * UNITS.get(unit, 1)
    return info


# ---------------------------------------------------------------------------


def fmt_s(values, scale=1000, digits=0):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    med, lo, hi = benchlib.summary(values)
    f = "%%.%df" % digits
    return f"{f % (med * scale)} ({f % (lo * scale)}–{f % (hi * scale)})"


def prompt_observer():
    """The serial readers must see a dot when it comes, not when a CPU is free: the two
    QEMUs (and daemons) keep both CPUs of a small machine busy during a migration, and a
    reader that wakes 100 ms late hides a 100 ms pause. So this process's threads run
    SCHED_FIFO (they mostly sleep); the processes it starts get the normal policy back
    (SCHED_RESET_ON_FORK). Needs root (or CAP_SYS_NICE); without, says so."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO | os.SCHED_RESET_ON_FORK, os.sched_param(10))
        return True
    except (OSError, AttributeError) as e:
        benchlib.log(f"cannot run the serial readers SCHED_FIFO ({e}): 'guest paused' "
                     "may read short when the CPUs are busy")
        return False


def main():
    args = benchlib.parse_args(__doc__.splitlines()[0], options)
    prompt_observer()
    kinds = args.only or ["bare", "direct", "tunnelled"]
    kernel, initrd = benchlib.test_guest(args.build)
    # The source daemon gives the command line marinad runs for the guest.
    pair = MarinaPair(args.build, kernel, initrd)
    tmpdir = pair.hosts[0].dir
    native = pair.hosts[0].ctl("domxml-to-native", pair.xml).strip()
    benchlib.log("bare command: " + shlex.join(bare_argv(native, "QMP")))

    runners = {
        "bare": lambda: run_bare(native, tmpdir, args),
        "direct": lambda: pair.run(False, args),
        "tunnelled": lambda: pair.run(True, args),
    }
    checked = None
    if "bare" in kinds:
        benchlib.log("checking that the guest dirties memory (untimed, bandwidth limited)")
        checked = run_bare(native, tmpdir, args, check=True)
        benchlib.log(f"QEMU's dirty-pages-rate: {checked / 2**20:.0f} MiB/s")
    results = {k: [] for k in kinds}
    failed = {}
    for i in range(args.runs):
        for kind in kinds:
            if kind in failed:
                continue
            try:
                r = runners[kind]()
            except RuntimeError as e:
                # One kind failing (Marina's migration, say) still leaves the others' figures.
                failed[kind] = str(e)
                benchlib.log(f"run {i + 1}/{args.runs} {kind} FAILED, not run again: {e}")
                continue
            results[kind].append(r)
            extra = ""
            if kind == "bare":
                extra = (f", guest dirty rate before {r['guest-rate'] / 2**20:.0f} MiB/s, "
                         f"QEMU's dirty-pages-rate {r['dirty-rate'] / 2**20:.0f} MiB/s")
            benchlib.log(f"run {i + 1}/{args.runs} {kind}: total {r['total'] * 1000:.0f} ms"
                         f"{'' if r['total-exact'] else ' (from the log)'}, downtime "
                         f"{r['downtime'] * 1000:.0f} ms, guest paused {fmt_pause(r['pause'])}, "
                         f"end to end {r['wall'] * 1000:.0f} ms, sent "
                         f"{r['transferred'] / 2**20:.0f} MiB, "
                         f"{'?' if r['iterations'] is None else '%.0f' % r['iterations']} passes"
                         + extra)
    report(results, failed, checked, args)


def fmt_pause(p):
    return "—" if p is None else f"{p * 1000:.0f} ms"


LABELS = {"bare": "bare QEMU → QEMU", "direct": "marina direct",
          "tunnelled": "marina tunnelled"}


def report(results, failed, checked, args):
    print(f"\nlive migration of the test guest (256 MiB, TCG) rewriting {args.dirty_mib} MiB of "
          f"its memory in a loop, alternating runs; median (min–max)\n")
    rows = []
    for kind, rs in results.items():
        if not rs:
            rows.append([LABELS[kind], "failed", "", "", "", "", "", "", "", ""])
            continue
        rows.append([LABELS[kind], str(len(rs)),
                     fmt_s([r["total"] for r in rs]),
                     fmt_s([r["downtime"] for r in rs]),
                     fmt_s([r["pause"] for r in rs]),
                     fmt_s([r["baseline"] for r in rs]),
                     fmt_s([r["wall"] for r in rs]),
                     fmt_s([r["transferred"] for r in rs], scale=1 / 2**20),
                     fmt_s([r["iterations"] for r in rs], scale=1),
                     fmt_s([r["cpu"] for r in rs])])
    benchlib.print_table(["what", "runs", "total ms", "downtime ms", "guest paused ms",
                          "gap before ms", "end to end ms", "sent MiB", "passes",
                          "daemons' CPU ms"], rows)
    print(f"""
total, downtime: QEMU's total-time and downtime (query-migrate) for bare QEMU; the
  migration job's elapsed-ms and downtime-ms for Marina (bench/README.md says how).
guest paused: from the guest's last dot on the source's serial output to its first on
  the destination's (it prints one every 10 ms): downtime, plus resuming it there;
  gap before: the longest gap between dots in the seconds before migrating (noise floor).
end to end: bare, from starting the destination QEMU to it running the guest; Marina,
  'marinactl migrate' from start to exit.
daemons' CPU: user + system time both marinad processes used during 'marinactl migrate'
  (the machine has {os.cpu_count()} CPUs).""")
    for kind, message in failed.items():
        print(f"\n{LABELS[kind]} FAILED: {message}")

    def med(kind, key):
        values = [r[key] for r in results[kind] if r[key] is not None]
        return benchlib.summary(values)[0] if values else None

    def have(kind):
        return bool(results.get(kind))

    if have("bare"):
        print(f"\nmemory dirtied: the guest's dirty rate before migrating (calc-dirty-rate) "
              f"{fmt_s([r['guest-rate'] for r in results['bare']], scale=1 / 2**20)} MiB/s; "
              f"QEMU's dirty-pages-rate in the bandwidth-limited check: "
              f"{checked / 2**20:.0f} MiB/s")
        if not checked or med("bare", "guest-rate") <= 0:
            print("WARNING: the guest dirtied no memory: the figures are an idle guest's")
    if have("direct"):
        if have("bare"):
            ratio = med("direct", "total") / med("bare", "total")
            wall = med("direct", "wall") / med("bare", "wall")
            print(f"\ndirect / bare total time: {ratio:.2f}; target <= 1.2: "
                  f"{'met' if ratio <= 1.2 else 'MISSED'}; end to end: {wall:.2f}")
        down = med("direct", "downtime") * 1000
        paused = med("direct", "pause")
        print(f"direct downtime: {down:.0f} ms; target < 300 ms: "
              f"{'met' if down < 300 else 'MISSED'}; as the guest's output shows it "
              f"{fmt_pause(paused)}: {'met' if paused is not None and paused < 0.3 else 'MISSED'}"
              f" (bare QEMU: {fmt_pause(med('bare', 'pause')) if have('bare') else '—'})")
    if have("tunnelled") and have("bare"):
        print(f"tunnelled / bare total time: "
              f"{med('tunnelled', 'total') / med('bare', 'total'):.2f}; end to end: "
              f"{med('tunnelled', 'wall') / med('bare', 'wall'):.2f}")
    inexact = [k for k, rs in results.items() if any(not r["total-exact"] for r in rs)]
    if inexact:
        print("total time from the daemon's log lines (the job info came too late) in some "
              "runs of: " + ", ".join(LABELS[k] for k in inexact))
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
