"""Runs one UI test in a PrivateDesktop (see uisession.py); started by
run-ui-test.sh. Exits with the test's status; on failure prints the logs and
keeps a screenshot and the logs in <build>/meson-logs/ui/<test>/."""

import os
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import uisession  # noqa: E402

SKIP = 77


def _exit_on_signal(signum, frame):
    # SystemExit runs the finally: blocks (cleanup); meson sends SIGTERM on timeout.
    raise SystemExit(128 + signum)


def artifacts_dir(test_name):
    marina = os.environ.get("MARINA")
    if not marina:
        return None
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(marina))))
    return os.path.join(build, "meson-logs", "ui", test_name)


def print_logs(desktop):
    for name in sorted(os.listdir(desktop.logs)):
        path = os.path.join(desktop.logs, name)
        if name.endswith(".png"):
            continue
        try:
            with open(path, "rb") as f:
                data = f.read()[-6000:].decode(errors="replace")
        except OSError:
            continue
        if data.strip():
            sys.stderr.write(f"----- {name} (last 6000 bytes) -----\n{data}\n")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: run-ui-test.sh TEST.py\n")
        return 2
    test = os.path.abspath(argv[1])
    test_name = os.path.splitext(os.path.basename(test))[0]
    for prog in ("Xvfb", "dbus-daemon", "gdbus"):
        if shutil.which(prog) is None:
            sys.stderr.write(f"{prog} is not installed; skipping the UI test\n")
            return SKIP
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)

    keep = os.environ.get("MARINA_UI_KEEP") == "1"
    desktop = uisession.PrivateDesktop()
    proc = None
    status = 1
    try:
        env = dict(desktop.env)
        env["MARINA_UI_TMP"] = desktop.dir
        env["MARINA_UI_LOGS"] = desktop.logs
        env["PYTHONPATH"] = HERE + os.pathsep + env.get("PYTHONPATH", "")
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        timeout = float(os.environ.get("MARINA_UI_TIMEOUT", "280"))
        started = time.monotonic()
        sys.stderr.write(f"{test_name}: display {desktop.display}, temporary directory "
                         f"{desktop.dir}\n")
        proc = subprocess.Popen(["/usr/bin/python3", test], env=env, cwd=desktop.dir,
                                start_new_session=True)
        try:
            status = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            sys.stderr.write(f"{test_name}: still running after {timeout:.0f} s; stopping it\n")
            status = 1
        sys.stderr.write(f"{test_name}: exit status {status} after "
                         f"{time.monotonic() - started:.1f} s\n")
        # MARINA_UI_KEEP=1 keeps the screenshots of a passing test too, to look at.
        if status not in (0, SKIP) or os.environ.get("MARINA_UI_KEEP"):
            art = artifacts_dir(test_name)
            if art is not None:
                shutil.rmtree(art, ignore_errors=True)
                os.makedirs(art, exist_ok=True)
                desktop.screenshot(os.path.join(art, "end.png"))
                shutil.copytree(desktop.logs, os.path.join(art, "logs"), dirs_exist_ok=True)
                sys.stderr.write(f"{test_name}: screenshot and logs in {art}\n")
            if status not in (0, SKIP):
                print_logs(desktop)
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        if keep:
            sys.stderr.write(f"{test_name}: kept {desktop.dir}\n")
        desktop.cleanup(keep=keep)
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
