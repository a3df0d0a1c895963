#!/bin/sh
# Runs one UI test (tests/ui/test_*.py) in a private desktop: its own Xvfb
# display, D-Bus session bus, AT-SPI bus, HOME, XDG directories and GSettings
# (memory backend), so it never touches the user's session, settings or guests.
# Everything it starts (Xvfb, buses, marina, daemons, QEMU guests) is killed
# when the test ends, fails, times out or is interrupted. Exits with the
# test's status (77: skipped).
#
#   tests/ui/run-ui-test.sh tests/ui/test_manager_qemu.py
#
# Environment (meson sets it; see tests/ui/meson.build): MARINA, MARINAD,
# MARINACTL, MARINA_TEST_GUEST_DIR, MARINA_SOURCE_ROOT. MARINA_UI_KEEP=1 keeps
# the temporary directory (logs, screenshots) for a look afterwards.
#
# The test runs with /usr/bin/python3: Debian's dogtail and pyatspi live there,
# and the python3 first on PATH may be another interpreter.
here=$(dirname "$(readlink -f "$0")")
exec /usr/bin/python3 "$here/uirunner.py" "$@"
