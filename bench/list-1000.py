#!/usr/bin/python3
"""list --all with 1000 defined guests: marinactl against its own marinad,
virsh against libvirt's test driver holding the same 1000 guests.

Target: marinactl under 15 ms median and faster than virsh (anchor: 240 ms)."""

import os
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

TARGET_MS = 15.0


def options(parser):
    parser.add_argument("--guests", type=int, default=1000, help="guests to define (1000)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per tool (30)")


def virsh_node_file(path, names):
    """A libvirt test-driver <node> file; runstate 5 = shut off, as Marina's
    defined guests are."""
    with open(path, "w") as f:
        f.write("<node>\n")
        for name in names:
            f.write("  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
                    f"<name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                    "<os><type>hvm</type></os><test:runstate>5</test:runstate></domain>\n")
        f.write("</node>\n")


def main():
    args = benchlib.parse_args(__doc__.splitlines()[0], options)
    host = benchlib.Host(args.build)
    names = benchlib.define_many(host, args.guests)

    listed = host.ctl("list", "--all", "--name").split()
    if len(listed) != args.guests:
        sys.exit(f"marinactl list --all shows {len(listed)} guests, expected {args.guests}")

    rows = []
    marina_argv = host.ctl_argv("list", "--all")
    benchlib.timed_run(marina_argv, host.env)  # warm the page cache
    marina = [benchlib.timed_run(marina_argv, host.env) for _ in range(args.runs)]
    rows.append(["marinactl list --all", benchlib.fmt_ms(marina)])

    virsh = None
    if benchlib.ensure_virsh():
        node = os.path.join(host.dir, "node.xml")
        virsh_node_file(node, names)
        virsh_argv = ["virsh", "-c", "test://" + node, "list", "--all"]
        out = subprocess.run(virsh_argv, stdout=subprocess.PIPE, text=True, check=True).stdout
        if out.count("shut off") != args.guests:
            sys.exit("virsh's test driver did not list every guest")
        virsh = [benchlib.timed_run(virsh_argv) for _ in range(args.runs)]
        rows.append(["virsh -c test:///node.xml list --all", benchlib.fmt_ms(virsh)])
    else:
        rows.append(["virsh", "not installed"])

    print(f"\nlist --all, {args.guests} defined guests, {args.runs} runs each "
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
