"""A remote host for UI tests that only takes passwords: a throw-away local
user (removed again by cleanup()), a real sshd on loopback that lets only
that user in with a password, and that user's own marinad (test driver, two
simulated guests) whose socket the marina+ssh:// URI names. Also a Secret
Service (gnome-keyring-daemon, unlocked with an empty password) on the
test's session bus. Needs root (useradd); Python standard library only.
start_sshd() is the private sshd itself, for tests with hosts of their own."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import urllib.parse

import uitest as u

PASSWORD = "c0rrect horse"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(argv, **kwargs):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          **kwargs)


def start_sshd(d, port, extra_config):
    """A private sshd on 127.0.0.1:PORT, its host key and sshd_config made in D, which also
    holds the authorized_keys it reads; EXTRA_CONFIG (sshd_config lines) says who may log in
    and how. Returns its Popen once it listens (u.spawn: stopped with the test)."""
    host_key = os.path.join(d, "host")
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key], check=True)
    cfg = os.path.join(d, "sshd_config")
    with open(cfg, "w") as f:
        f.write(f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {host_key}\n"
                f"AuthorizedKeysFile {os.path.join(d, 'authorized_keys')}\nStrictModes no\n"
                f"UsePAM no\nPidFile none\n{extra_config}")
    os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
    proc = u.spawn(["/usr/sbin/sshd", "-D", "-e", "-f", cfg], "sshd.log")
    u.wait_for(lambda: _port_open(port), 10, f"sshd to listen on port {port}")
    return proc


class PasswordHost:
    def __init__(self):
        if os.getuid() != 0:
            u.skip("the SSH password test makes a throw-away user: run it as root")
        if not os.access("/usr/sbin/sshd", os.X_OK):
            u.skip("sshd is not installed (openssh-server)")
        self.user = f"marina-ui{os.getpid() % 100000}"
        self.port = _free_port()
        self.procs = []
        self.user_added = False
        # Not below the test's 0700 directory: the user must reach its socket.
        self.dir = tempfile.mkdtemp(prefix="marina-ui-ssh-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        try:
            self._add_user()
            self._start_sshd()
            self._start_daemon()
        except BaseException:
            self.cleanup()
            raise

    def _add_user(self):
        r = _run(["useradd", "-M", "-d", self.dir, "-s", "/bin/sh", self.user])
        assert r.returncode == 0, f"useradd: {r.stdout}"
        self.user_added = True
        r = _run(["chpasswd"], input=f"{self.user}:{PASSWORD}\n")
        assert r.returncode == 0, f"chpasswd: {r.stdout}"
        self.uid = pwd.getpwnam(self.user).pw_uid

    def _start_sshd(self):
        # Passwords only, checked against /etc/shadow (UsePAM no), for this user only.
        self.procs.append(start_sshd(
            self.dir, self.port,
            "PasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
            f"PubkeyAuthentication no\nPermitRootLogin no\nAllowUsers {self.user}\n"))

    def _start_daemon(self):
        home = os.path.join(self.dir, "u")
        os.makedirs(home)
        node = os.path.join(home, "node.xml")
        with open(node, "w") as f:
            subprocess.run(["/usr/bin/python3",
                            os.path.join(u.SOURCE_ROOT, "tests", "data", "make-test-node.py"),
                            "2", "1"], stdout=f, check=True)
        pw = pwd.getpwnam(self.user)
        for path in (home, node):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        self.socket = os.path.join(home, "sock")
        self.procs.append(u.spawn(
            ["/usr/sbin/runuser", "-u", self.user, "--", "env", "-u", "XDG_RUNTIME_DIR",
             u.MARINAD, "--driver", "test", "--test-file", node, "--socket", self.socket,
             "--state-dir", os.path.join(home, "st"), "--runtime-dir", os.path.join(home, "run")],
            "marinad-remote.log"))
        u.wait_for(lambda: os.path.exists(self.socket), 20, "the remote user's marinad")

    def query(self):
        """What the URI needs beyond user, host and port: the daemon's socket
        and program, and no known_hosts entry for this throw-away host."""
        return "?" + urllib.parse.urlencode(
            [("command", u.MARINAD), ("no_verify", "1"), ("socket", self.socket)],
            safe="/")

    def uri(self, mode="session"):
        return f"marina+ssh://{self.user}@127.0.0.1:{self.port}/{mode}{self.query()}"

    def stop_ssh_master(self, runtime_dir):
        """Ends the shared login ssh keeps for 60 s (ControlPersist), so the
        next connection really logs in again."""
        path = os.path.join(runtime_dir, "marina", "ssh-%C")
        _run(["ssh", "-o", f"ControlPath={path}", "-p", str(self.port), "-l", self.user,
              "-O", "exit", "127.0.0.1"], timeout=10)

    def cleanup(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        # Whatever still runs as the throw-away user was started for it
        # (sshd's session, the daemon): end each by its pid.
        if self.user_added:
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        if os.stat(f"/proc/{entry}").st_uid == self.uid:
                            os.kill(int(entry), signal.SIGKILL)
                    except OSError:
                        pass
            _run(["userdel", "-f", self.user])
        shutil.rmtree(self.dir, ignore_errors=True)


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start_keyring():
    """gnome-keyring-daemon's Secret Service on the test's session bus, its
    login keyring created unlocked with an empty password."""
    if shutil.which("gnome-keyring-daemon") is None:
        u.skip("gnome-keyring-daemon is not installed (gnome-keyring)")
    out = open(os.path.join(u.LOGS, "gnome-keyring.log"), "ab")
    proc = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock",
                             "--components=secrets"], stdin=subprocess.PIPE, stdout=out,
                            stderr=subprocess.STDOUT)
    # An empty password (one empty line: with no line at all it creates no
    # login keyring, and storing would ask a prompter there is none of).
    proc.stdin.write(b"\n")
    proc.stdin.close()
    u._children.append(proc)

    def owned():
        r = _run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                  "--object-path", "/org/freedesktop/DBus", "--method",
                  "org.freedesktop.DBus.NameHasOwner", "org.freedesktop.secrets"], timeout=10)
        return "true" in r.stdout
    u.wait_for(owned, 20, "the Secret Service (gnome-keyring-daemon) on the session bus")
    return proc
