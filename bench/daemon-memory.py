#!/usr/bin/python3
"""marinad's memory with 1000 defined guests and 1 running (the test guest):
VmRSS from /proc/PID/status, Pss from /proc/PID/smaps_rollup.

Target: under 30 MB."""

import os
import sys
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


def main():
    args = benchlib.parse_args(__doc__.splitlines()[0], options)
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
