#!/bin/sh
# Boot the test guest built by build.sh once under QEMU TCG and check what tests rely on:
# the ready line, the data disk and NIC lines, a shell command's answer, and that the ACPI power
# button (QMP system_powerdown) makes QEMU exit.  Prints the timings; exits 0 on success.
#
# Usage: tests/guest/boot-check.sh OUTDIR
# Environment: BOOT_CHECK_RUNS=N boots N times and prints the median (default 1);
#              BOOT_CHECK_CMDLINE replaces the kernel command line (default: the one README.md
#              recommends), BOOT_CHECK_APPEND adds to it, BOOT_CHECK_QEMU_ARGS adds QEMU arguments
#              (e.g. "-machine q35"); QEMU overrides qemu-system-x86_64.
set -eu
[ $# -eq 1 ] || { echo "usage: boot-check.sh OUTDIR" >&2; exit 2; }
for f in vmlinuz initrd.img data.qcow2; do
    [ -s "$1/$f" ] || { echo "boot-check.sh: $1/$f is missing; run tests/guest/build.sh $1" >&2; exit 2; }
done
exec python3 - "$1" <<'EOF'
import json, os, shlex, socket, statistics, subprocess, sys, tempfile, threading, time

outdir = sys.argv[1]
qemu = os.environ.get("QEMU", "qemu-system-x86_64")
runs = int(os.environ.get("BOOT_CHECK_RUNS", "1"))
cmdline = os.environ.get("BOOT_CHECK_CMDLINE",
                         "console=ttyS0 quiet panic=-1 acpi=noirq cryptomgr.notests")
append = (cmdline + " " + os.environ.get("BOOT_CHECK_APPEND", "")).strip()


class Console:
    """Collects the serial console output (QEMU's stdout) line by line, with arrival times."""

    def __init__(self, stream, t0):
        self.stream, self.t0 = stream, t0
        self.lines, self.partial, self.cond = [], b"", threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            data = self.stream.read1(4096)
            with self.cond:
                if not data:
                    self.lines.append((time.monotonic() - self.t0, None))
                    self.cond.notify_all()
                    return
                self.partial += data
                *done, self.partial = self.partial.split(b"\n")
                now = time.monotonic() - self.t0
                self.lines += [(now, l.decode("utf-8", "replace").rstrip("\r")) for l in done]
                self.cond.notify_all()

    def wait_line(self, pred, timeout, start=0):
        """Index and time of the first line from `start` matching pred, or None on timeout/EOF."""
        end = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    t, line = self.lines[i]
                    if line is None:
                        return None
                    if pred(line):
                        return i, t
                    i += 1
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def dump(self):
        with self.cond:
            text = [l for _, l in self.lines if l is not None] + [self.partial.decode("utf-8", "replace")]
        return "\n".join(text[-40:])


def qmp(path, command):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rwb")
    json.loads(f.readline())  # greeting
    for cmd in ({"execute": "qmp_capabilities"}, {"execute": command}):
        f.write(json.dumps(cmd).encode() + b"\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                break
        if "error" in reply:
            raise RuntimeError(f"QMP {cmd['execute']}: {reply['error']}")
    return s  # keep it open until QEMU exits: closing early is fine too, but this is tidier


def boot_once():
    tmp = tempfile.mkdtemp(prefix="marina-boot-check.")
    sock = os.path.join(tmp, "qmp.sock")
    argv = [qemu, "-accel", "tcg", "-m", "256", "-nodefaults", "-no-user-config",
            "-display", "none", "-serial", "stdio", "-qmp", f"unix:{sock},server=on,wait=off",
            "-kernel", os.path.join(outdir, "vmlinuz"),
            "-initrd", os.path.join(outdir, "initrd.img"), "-append", append,
            # Read-only so the check never changes the data disk tests use.
            "-drive", f"file={os.path.join(outdir, 'data.qcow2')},if=virtio,format=qcow2,readonly=on",
            "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"]
    argv += shlex.split(os.environ.get("BOOT_CHECK_QEMU_ARGS", ""))
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    con = Console(proc.stdout, t0)
    res = {}
    try:
        hit = con.wait_line(lambda l: l == "MARINA-GUEST-READY", 30)
        if not hit:
            raise RuntimeError("no MARINA-GUEST-READY line within 30 s")
        ready_idx, res["ready"] = hit
        before = [l for _, l in con.lines[:ready_idx]]
        disks = [l for l in before if l.startswith("MARINA-GUEST-DISKS")]
        if not disks or "vda" not in disks[-1].split()[1:]:
            raise RuntimeError(f"expected 'MARINA-GUEST-DISKS ... vda ...', got {disks}")
        if "MARINA-GUEST-NET eth0 up" not in before:
            raise RuntimeError("no 'MARINA-GUEST-NET eth0 up' line")
        failed = [l for l in before if l.startswith("MARINA-GUEST-MODULE-FAILED")]
        if failed:
            raise RuntimeError(f"module loads failed: {failed}")

        t = time.monotonic()
        proc.stdin.write(b"echo marina-ok\n")
        proc.stdin.flush()
        if not con.wait_line(lambda l: l == "marina-ok", 15, ready_idx + 1):
            raise RuntimeError("typed 'echo marina-ok' but no 'marina-ok' line came back in 15 s")
        res["echo"] = time.monotonic() - t

        t = time.monotonic()
        q = qmp(sock, "system_powerdown")
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            raise RuntimeError("QEMU still running 15 s after system_powerdown")
        q.close()
        res["poweroff"] = time.monotonic() - t
        if proc.returncode != 0:
            raise RuntimeError(f"QEMU exited with status {proc.returncode}")
        return res
    except Exception as e:
        print(f"boot-check: FAILED: {e}\n--- console (last lines) ---\n{con.dump()}", file=sys.stderr)
        return None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in (sock,):
            try:
                os.unlink(p)
            except OSError:
                pass
        os.rmdir(tmp)


print(f"kernel command line: {append}")
results = []
for n in range(runs):
    r = boot_once()
    if r is None:
        sys.exit(1)
    print(f"boot {n + 1}: ready {r['ready']:.2f} s, echo answered {r['echo']:.2f} s, "
          f"system_powerdown -> QEMU exit {r['poweroff']:.2f} s")
    results.append(r)
if runs > 1:
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(f"median of {runs}: ready {med['ready']:.2f} s, echo {med['echo']:.2f} s, "
          f"poweroff {med['poweroff']:.2f} s")
print("boot-check: OK")
EOF
