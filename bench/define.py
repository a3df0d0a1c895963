#!/usr/bin/python3
"""define one small guest: marinactl against its own marinad, virsh against
libvirt's session daemon (qemu:///session), in the same run.

Each timed run defines a new guest (64 MiB, 1 vCPU, no disks) from an XML file
that already exists: process start, connection, the daemon's check and its
write of the definition, and the reply. Target: marinactl under 8 ms
(anchor: libvirt's session daemon 23.6 ms)."""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

TARGET_MS = 8.0


def options(parser):
    parser.add_argument("--runs", type=int, default=30, help="timed runs per tool (30)")


def xml_files(write, prefix, count):
    """COUNT domain XML files named PREFIX0000...; WRITE(name, text) returns a path."""
    return [write(f"{prefix}{i:04d}", benchlib.domain_xml(f"{prefix}{i:04d}"))
            for i in range(count)]


def time_marina(build, runs):
    host = benchlib.Host(build)
    xml_dir = os.path.join(host.dir, "xml")
    os.makedirs(xml_dir)

    def write(name, text):
        path = os.path.join(xml_dir, name + ".xml")
        with open(path, "w") as f:
            f.write(text)
        return path

    # An untimed define first: the page cache, and the daemon's first write.
    files = xml_files(write, "define-", runs + 1)
    benchlib.timed_run(host.ctl_argv("define", files[0]), host.env)
    times = [benchlib.timed_run(host.ctl_argv("define", f), host.env) for f in files[1:]]
    listed = host.ctl("list", "--all", "--name").split()
    if len(listed) != runs + 1:
        sys.exit(f"marinactl list --all shows {len(listed)} guests, expected {runs + 1}")
    return times


def time_virsh(runs):
    """(label, times) or (label, None) with the reason in the label."""
    if not benchlib.ensure_virsh():
        return "virsh: not installed", None
    if not benchlib.LibvirtSession.available():
        return "libvirtd: not installed (Debian: libvirt-daemon libvirt-daemon-driver-qemu)", None
    session = benchlib.LibvirtSession()
    files = xml_files(lambda name, text: session.private_file(name + ".xml", text), "define-",
                      runs + 1)
    argvs = [["virsh", "-c", session.URI, "define", f] for f in files]
    times = session.timed_runs(argvs)[1:]  # the first is the untimed warm-up
    return f"virsh -c {session.URI} define", times


def main():
    args = benchlib.parse_args(__doc__.splitlines()[0], options)
    marina = time_marina(args.build, args.runs)
    virsh_label, virsh = time_virsh(args.runs)

    rows = [["marinactl define", benchlib.fmt_ms(marina)]]
    rows.append([virsh_label, benchlib.fmt_ms(virsh) if virsh is not None else "—"])
    print(f"\ndefine one small guest, {args.runs} runs each "
          "(wall time, ms: median (min–max))\n")
    benchlib.print_table(["command", "ms"], rows)
    med = benchlib.summary(marina)[0] * 1000
    verdict = [f"marinactl median {med:.1f} ms (target < {TARGET_MS:g} ms: "
               f"{'met' if med < TARGET_MS else 'not met'})"]
    if virsh is not None:
        ratio = benchlib.summary(virsh)[0] / benchlib.summary(marina)[0]
        verdict.append(f"virsh / marinactl = {ratio:.1f}x")
    print("\n" + "; ".join(verdict))


if __name__ == "__main__":
    main()
