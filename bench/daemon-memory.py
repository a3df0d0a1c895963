#!/usr/bin/python3
"""marinad's memory with 1000 defined guests and 1 running (the test guest):
VmRSS from /proc/PID/status, Pss from /proc/PID/smaps_rollup.

Target: under 30 MB.

With --test-guests N (and --test-running M), the daemon's test driver instead
holds N simulated guests of which M run: its memory after start, after a
list of them all, and with statistics every second for a client (marinactl
event --loop), and its CPU meanwhile. Target (issue 9, 10 000 guests of
which 1000 run): under 80 MB."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

READY = b"MARINA-GUEST-READY"
NAME = "bench-running"


def options(parser):
    parser.add_argument("--guests", type=int, default=1000, help="guests to define (1000)")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds to let statistics ticks run before the last sample (5)")
    parser.add_argument("--test-guests", type=int, default=0,
                        help="measure the test driver with this many simulated guests instead")
    parser.add_argument("--test-running", type=int, default=None,
                        help="of which running (a tenth of them)")
    parser.add_argument("--duration", type=float, default=30.0,
                        help="seconds of statistics measured with --test-guests (30)")


def memory_kib(pid):
    """(VmRSS, Pss) in KiB."""
    rss = pss = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def wait_ready(path, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, "rb") as f:
                if READY in f.read():
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the test guest printed no ready line in {path} within {timeout:.0f} s")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_socket(proc, path, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the test-driver daemon did not start")
        time.sleep(0.02)
    time.sleep(0.5)  # listening is announced after the guests are loaded


def test_driver(args):
    guests = args.test_guests
    running = args.test_running if args.test_running is not None else guests // 10
    work = tempfile.mkdtemp(prefix="marina-bench-memory-")
    node = os.path.join(work, "node.xml")
    sock = os.path.join(work, "marinad.sock")
    with open(node, "w") as f:
        subprocess.run(["/usr/bin/python3",
                        os.path.join(benchlib.SRCDIR, "tests", "data", "make-test-node.py"),
                        str(guests), str(running)], stdout=f, check=True)
    log = open(os.path.join(work, "marinad.log"), "wb")
    daemon = subprocess.Popen(
        [benchlib.marinad_path(args.build), "--driver", "test", "--test-file", node,
         "--socket", sock, "--state-dir", os.path.join(work, "state"),
         "--runtime-dir", os.path.join(work, "run")],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    ctl = [benchlib.marinactl_path(args.build), "-c", "marina+unix://" + sock]
    rows = []
    listener = None

    def sample(what):
        rss, pss = memory_kib(daemon.pid)
        rows.append([what, f"{rss / 1024:.1f}", f"{pss / 1024:.1f}"])
        return rss

    try:
        wait_socket(daemon, sock)
        sample(f"{guests} guests loaded, {running} running")
        subprocess.run(ctl + ["list", "--all"], stdout=subprocess.DEVNULL, check=True)
        sample("  after list --all")
        # A client that stays: the daemon sends statistics only while one is connected.
        listener = subprocess.Popen(ctl + ["event", "--all", "--loop", "--timeout",
                                           str(int(args.settle + args.duration + 30))],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(args.settle)
        before = cpu_seconds(daemon.pid)
        time.sleep(args.duration)
        cpu = (cpu_seconds(daemon.pid) - before) / args.duration * 100
        sample(f"  with statistics every second for {args.settle + args.duration:.0f} s")
    finally:
        if listener is not None:
            listener.terminate()
            listener.wait()
        daemon.terminate()
        daemon.wait()
        shutil.rmtree(work, ignore_errors=True)

    worst = max(float(r[1]) for r in rows) * 1024 * 1024 / 1e6
    print(f"\nmarinad memory, test driver (MiB)\n")
    benchlib.print_table(["state", "VmRSS", "Pss"], rows)
    print(f"\nmarinad CPU with statistics every second: {cpu:.2f} % of one core")
    print(f"largest VmRSS: {worst:.1f} MB (target < 80 MB: {'met' if worst < 80 else 'MISSED'})")


def main():
    args = benchlib.parse_args(__doc__.splitlines()[0], options)
    if args.test_guests > 0:
        test_driver(args)
        return
    host = benchlib.Host(args.build)
    kernel, initrd = benchlib.test_guest(args.build)
    rows = []

    def sample(what):
        rss, pss = memory_kib(host.pid)
        rows.append([what, f"{rss / 1024:.1f}", f"{pss / 1024:.1f}"])

    sample("just started, no guests")
    benchlib.define_many(host, args.guests)
    sample(f"{args.guests} defined")

    xml = os.path.join(host.dir, NAME + ".xml")
    with open(xml, "w") as f:
        f.write(benchlib.test_guest_xml(NAME, kernel, initrd))
    host.ctl("define", xml)
    host.ctl("start", NAME)
    wait_ready(os.path.join(host.state_dir, "log", NAME + "-serial0.log"))
    time.sleep(args.settle)
    sample(f"{args.guests} defined + 1 running")

    for _ in range(30):
        host.ctl("list", "--all")
    sample("  after 30 × list --all")

    print(f"\nmarinad memory (MiB; pid {host.pid})\n")
    benchlib.print_table(["state", "VmRSS", "Pss"], rows)
    worst = max(float(r[1]) for r in rows[2:]) * 1024 * 1024 / 1e6
    print(f"\nlargest VmRSS with guests: {worst:.1f} MB "
          f"(target < 30 MB: {'met' if worst < 30 else 'MISSED'})")


if __name__ == "__main__":
    main()
