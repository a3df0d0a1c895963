"""Every icon Marina's windows name exists in the icon theme Debian ships
(Adwaita, with hicolor as its fallback), so none draws as a broken image:
each icon name in src/ui/*.c and data/ui/*.ui is looked up in GTK's default
theme on the private desktop (Adwaita), at the sizes the windows use.
The application's own icon (org.marinavm.Marina) is installed with it and is
looked up in data/icons instead.
"""

import glob
import os
import re

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gtk  # noqa: E402

import uitest as u  # noqa: E402

APP_ICON = "org.marinavm.Marina"
# Icon names in C: string literals ending in -symbolic, and the first string
# argument of the icon-name setters.
C_PATTERNS = [re.compile(r'"([a-z0-9][a-z0-9.-]*-symbolic)"'),
              re.compile(r'icon_name\((?:[^;"]*?,\s*)?"([a-zA-Z0-9.-]+)"')]
UI_PATTERN = re.compile(r'<(?:property|attribute) name="(?:icon-name|icon_name|icon|'
                        r'logo-icon-name|verb-icon)">([^<]+)<')


def icon_names():
    names = {}
    for path in glob.glob(os.path.join(u.SOURCE_ROOT, "src", "ui", "*.c")):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for pattern in C_PATTERNS:
            for name in pattern.findall(text):
                names.setdefault(name, set()).add(os.path.relpath(path, u.SOURCE_ROOT))
    for path in glob.glob(os.path.join(u.SOURCE_ROOT, "data", "ui", "*.ui")):
        with open(path, encoding="utf-8") as f:
            for name in UI_PATTERN.findall(f.read()):
                names.setdefault(name.strip(), set()).add(os.path.relpath(path, u.SOURCE_ROOT))
    return names


def main():
    theme = Gtk.IconTheme.get_default()
    settings = Gtk.Settings.get_default()
    u.log(f"icon theme: {settings.get_property('gtk-icon-theme-name')}")
    names = icon_names()
    assert len(names) > 20, f"only {len(names)} icon names found: the patterns are wrong"
    missing = []
    for name, files in sorted(names.items()):
        if name.startswith(APP_ICON):
            found = glob.glob(os.path.join(u.SOURCE_ROOT, "data", "icons", "**", name + ".*"),
                              recursive=True)
            if not found:
                missing.append(f"{name} (used in {', '.join(sorted(files))}): not in data/icons")
            continue
        for size in (16, 24, 48):
            info = theme.lookup_icon(name, size, 0)
            if info is None:
                missing.append(f"{name} at {size} px (used in {', '.join(sorted(files))})")
                break
    u.log(f"{len(names)} icon names checked")
    assert not missing, "icons missing from the theme (they draw as broken images):\n  " + \
        "\n  ".join(missing)


u.run(main)
