"""New → Network install from an install tree served over HTTP on loopback
(a .treeinfo and the test guest's kernel and initrd under images/pxeboot),
with the test guest's kernel arguments, ending at the guest's serial console
printing the ready line.

Wrong inputs first: a URL with no tree there is refused with
Host.InspectInstallTree's reason, and a file:/// URL is refused as not HTTP,
HTTPS or FTP.
"""

import os
import re
import shutil
import socket
import sys
import tempfile
import urllib.request

import uitest as u
import wizardtest as w

GUEST = "wiz-network"
TREEINFO = """[general]
family = Marina
version = 1
arch = x86_64
[images-x86_64]
kernel = images/pxeboot/vmlinuz
initrd = images/pxeboot/initrd.img
"""


def serve_tree():
    """A tree in a temporary folder, served by python's http.server on 127.0.0.1."""
    d = w.guest_dir()
    root = tempfile.mkdtemp(prefix="tree-", dir=u.TMP)
    os.makedirs(os.path.join(root, "images", "pxeboot"))
    with open(os.path.join(root, ".treeinfo"), "w") as f:
        f.write(TREEINFO)
    for name in ("vmlinuz", "initrd.img"):
        shutil.copy(os.path.join(d, name), os.path.join(root, "images", "pxeboot", name))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    u.spawn([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", root,
             str(port)], "http-server.log")
    url = f"http://127.0.0.1:{port}/"
    u.wait_for(lambda: urllib.request.urlopen(url + ".treeinfo", timeout=2).status == 200, 20,
               f"the HTTP server at {url}")
    u.log(f"install tree at {url}")
    return url


def checks(app, manager):
    url = serve_tree()
    wiz = w.open_wizard(app, manager)
    w.wait_step(wiz, 1)
    w.choose(wiz, "Network install (HTTP, HTTPS or FTP)")

    w.fill(wiz, "Install tree URL", url + "nothing/here/")
    w.forward(wiz)
    w.expect_message(wiz, "Install source error", r"No install tree was found at \S*nothing/here:")
    w.fill(wiz, "Install tree URL", "file:///")
    w.forward(wiz)
    w.expect_message(wiz, "Install source error", r"not an HTTP, HTTPS or FTP URL")
    assert w.step(wiz) == "Step 1 of 5", f"the wizard moved on: {w.step(wiz)!r}"

    w.fill(wiz, "Install tree URL", url)
    w.fill(wiz, "Kernel arguments", w.CMDLINE)
    w.forward(wiz)
    w.wait_step(wiz, 2)
    detected = u.find(wiz, role="label", name="Detected operating system")
    # The result, not "Loading the list of operating systems…" (new-vm-wizard.c), which
    # shows first: moving on then leaves no OS chosen.
    u.wait_for(lambda: re.match(r"(Detected: |Could not detect)", u.text_of(detected)), 30,
               lambda: f"the detection result ({u.text_of(detected)!r})")
    u.log(f"detection: {u.text_of(detected)!r}")
    if "Could not detect" in u.text_of(detected):
        u.press(wiz, "Generic")
    w.forward(wiz)
    w.wait_step(wiz, 3)
    w.fill(wiz, "Memory (MiB)", "256", role="spin button")
    w.fill(wiz, "vCPUs", "1", role="spin button")
    w.forward(wiz)
    w.wait_step(wiz, 4)
    w.uncheck(wiz, "Enable storage for this virtual machine")
    w.forward(wiz)
    w.wait_step(wiz, 5)
    install = u.text_of(u.find(wiz, role="label", name="Summary: install"))
    assert url in install, f"the summary's install line says {install!r}"
    w.fill(wiz, "Name", GUEST)
    u.wait_for(lambda: w.finish_enabled(wiz), 10, "Finish to be enabled")
    w.finish(wiz)
    w.check_guest_console(app, wiz, GUEST)
    w.remove_guest(GUEST)


w.run(checks)
