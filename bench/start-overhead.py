#!/usr/bin/python3
"""Start overhead: 'marinactl start' until the test guest's ready line on its
serial console, against the bare qemu-system-x86_64 command marinad runs,
alternating runs, under TCG.

Target: ratio marina / bare <= 1.03 (libvirt measured 1.087)."""

import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

READY = b"MARINA-GUEST-READY"
NAME = "bench-start"
TIMEOUT = 120.0
POLL = 0.005


def options(parser):
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each (10)")


def bare_argv(native, tmpdir):
    """The daemon's command line, with the file descriptors it would inherit
    from marinad replaced (QMP on a socket of our own, the serial port on
    stdout) and without -S: marinad starts the CPUs over QMP once its
    console relay is attached; bare QEMU just runs."""
    argv = shlex.split(native)
    out = []
    for arg in argv:
        if arg == "-S":
            continue
        if arg.startswith("socket,id=charmonitor,"):
            arg = f"socket,id=charmonitor,path={tmpdir}/bare-qmp.sock,server=on,wait=off"
        elif re.match(r"socket,id=charserial0,", arg):
            arg = "stdio,id=charserial0,signal=off"
        elif re.search(r"(^|,)fd=\d", arg):
            sys.exit(f"cannot run the bare command: '{arg}' needs a descriptor from marinad")
        out.append(arg)
    if not any("accel=tcg" in a for a in out):
        sys.exit("the daemon's command line does not use accel=tcg:\n" + native)
    return out


def run_bare(argv):
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        seen = b""
        deadline = t0 + TIMEOUT
        while READY not in seen:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise RuntimeError("bare QEMU: no ready line within %.0f s" % TIMEOUT)
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError(f"bare QEMU exited ({proc.wait()}) before the ready line")
                seen = seen[-len(READY):] + chunk
        return time.perf_counter() - t0
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def run_marina(host, serial_log):
    """Returns (seconds until the ready line, seconds 'marinactl start' took)."""
    try:
        offset = os.path.getsize(serial_log)
    except FileNotFoundError:
        offset = 0
    t0 = time.perf_counter()
    host.ctl("start", NAME)
    t_cmd = time.perf_counter() - t0
    deadline = t0 + TIMEOUT
    tail = b""
    while True:
        try:
            with open(serial_log, "rb") as f:
                if os.fstat(f.fileno()).st_size < offset:
                    offset = 0  # rotated
                f.seek(offset)
                data = f.read()
                offset += len(data)
                tail = tail[-len(READY):] + data
        except FileNotFoundError:
            pass
        if READY in tail:
            elapsed = time.perf_counter() - t0
            break
        if time.perf_counter() > deadline:
            raise RuntimeError(f"marina: no ready line in {serial_log} within {TIMEOUT:.0f} s")
        time.sleep(POLL)
    host.ctl("destroy", NAME)
    return elapsed, t_cmd


def main():
    args = benchlib.parse_args(__doc__.splitlines()[0], options)
    host = benchlib.Host(args.build)
    kernel, initrd = benchlib.test_guest(args.build)
    xml = os.path.join(host.dir, NAME + ".xml")
    with open(xml, "w") as f:
        f.write(benchlib.test_guest_xml(NAME, kernel, initrd))
    host.ctl("define", xml)
    native = host.ctl("domxml-to-native", xml).strip()
    bare = bare_argv(native, host.dir)
    serial_log = os.path.join(host.state_dir, "log", NAME + "-serial0.log")
    benchlib.log("bare command: " + shlex.join(bare))

    # One untimed run of each fills the page cache (kernel, initrd, QEMU).
    run_bare(bare)
    run_marina(host, serial_log)
    marina, marina_cmd, qemu = [], [], []
    for i in range(args.runs):
        t, c = run_marina(host, serial_log)
        marina.append(t)
        marina_cmd.append(c)
        qemu.append(run_bare(bare))
        benchlib.log(f"run {i + 1}/{args.runs}: marina {t:.3f} s, bare {qemu[-1]:.3f} s")

    ratios = [m / q for m, q in zip(marina, qemu)]
    print(f"\nstart → '{READY.decode()}' on the serial console, test guest (256 MiB, TCG), "
          f"{args.runs} alternating runs; median (min–max)\n")
    benchlib.print_table(["what", "ms"], [
        ["marinactl start → ready line", benchlib.fmt_ms(marina)],
        ["  of which 'marinactl start' returned after", benchlib.fmt_ms(marina_cmd)],
        ["bare qemu-system-x86_64 → ready line", benchlib.fmt_ms(qemu)],
    ])
    med_ratio = benchlib.summary(marina)[0] / benchlib.summary(qemu)[0]
    pair_med, lo, hi = benchlib.summary(ratios)
    print(f"\nratio marina / bare: {med_ratio:.3f} (of the medians); per alternating pair "
          f"{pair_med:.3f} ({lo:.3f}–{hi:.3f})")
    print(f"target <= 1.03: {'met' if med_ratio <= 1.03 else 'MISSED'} (libvirt: 1.087); "
          f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

if __name__ == "__main__":
    main()
