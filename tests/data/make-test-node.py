#!/usr/bin/env python3
"""Write a libvirt test-driver style <node> file for `marinad --driver test`.

Usage: make-test-node.py N RUNNING > node.xml

N guests named guest-0001 ... with varied memory, vCPUs and states: the
first RUNNING run (every tenth of those is paused), the others are shut
off. The output is deterministic (same arguments, same file), so UI tests
and benchmarks can rely on names, UUIDs and states.
"""
import sys
import uuid
from xml.sax.saxutils import escape

MEMORY_MIB = [256, 512, 1024, 2048, 4096, 8192]
VCPUS = [1, 1, 2, 2, 4, 8]
OS_NAMES = ["debian12", "fedora39", "ubuntu22.04", "win10", "alpine3.19", "rhel9"]
NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")

HOST = """  <cpu>
    <nodes>2</nodes>
    <sockets>2</sockets>
    <cores>8</cores>
    <threads>2</threads>
    <active>64</active>
    <mhz>2600</mhz>
    <model>Marina Simulated Xeon</model>
  </cpu>
  <memory>{memory_kib}</memory>
"""


def domain(i, running):
    name = "guest-%04d" % i
    guest_uuid = uuid.uuid5(NAMESPACE, name)
    mem = MEMORY_MIB[i % len(MEMORY_MIB)]
    vcpus = VCPUS[(i // 3) % len(VCPUS)]
    osname = OS_NAMES[i % len(OS_NAMES)]
    if i <= running:
        state = 3 if i % 10 == 0 else 1
    else:
        state = 5
    mac = "52:54:00:%02x:%02x:%02x" % ((i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF)
    return f"""  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>{escape(name)}</name>
    <uuid>{guest_uuid}</uuid>
    <title>Test guest {i} ({osname})</title>
    <memory unit='MiB'>{mem}</memory>
    <vcpu>{vcpus}</vcpu>
    <os>
      <type arch='x86_64' machine='pc'>hvm</type>
      <boot dev='hd'/>
    </os>
    <devices>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='/var/lib/marina/images/{name}.qcow2'/>
        <target dev='vda' bus='virtio'/>
      </disk>
      <interface type='user'>
        <mac address='{mac}'/>
        <model type='virtio'/>
      </interface>
      <serial type='pty'><target port='0'/></serial>
      <console type='pty'><target type='serial' port='0'/></console>
      <graphics type='vnc'/>
    </devices>
    <test:runstate>{state}</test:runstate>
  </domain>
"""


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    try:
        n, running = int(argv[1]), int(argv[2])
    except ValueError:
        sys.stderr.write("make-test-node.py: N and RUNNING must be whole numbers\n")
        return 2
    if n < 0 or running < 0 or running > n or n > 99999:
        sys.stderr.write("make-test-node.py: need 0 <= RUNNING <= N <= 99999\n")
        return 2
    out = sys.stdout
    out.write("<?xml version='1.0'?>\n<node>\n")
    out.write(HOST.format(memory_kib=512 * 1024 * 1024))
    for i in range(1, n + 1):
        out.write(domain(i, running))
    out.write("""  <network>
    <name>default</name>
    <bridge name='virbr0'/>
    <forward/>
    <ip address='192.168.122.1' netmask='255.255.255.0'>
      <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
    </ip>
  </network>
  <pool type='dir'>
    <name>default-pool</name>
    <target><path>/var/lib/marina/images</path></target>
  </pool>
</node>
""")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
