"""Marina speaks the languages of its catalogs: started from the desktop
entry with LANGUAGE=ja (then zh_CN, then id), the manager window shows its
toolbar, guest states and connection state in that language, and marinactl
and the desktop entry do too.

The expected words come from the compiled catalogs themselves
(build/po/LANG/LC_MESSAGES/marina.mo), so the test checks that the program
uses its translations, not what the translators chose.
"""

import configparser
import gettext
import os
import subprocess

import uitest as u

LANGUAGES = ["ja", "zh_CN", "id"]


def catalog(lang):
    return gettext.translation("marina", localedir=os.path.join(u.BUILD_ROOT, "po"),
                               languages=[lang])


def translated(t, english):
    text = t.gettext(english)
    assert text != english, f"the catalog has no translation of {english!r}"
    return text


def check_desktop_entry(lang, t):
    entry = configparser.RawConfigParser(strict=False)
    entry.optionxform = str
    entry.read(u.desktop_file_path(), encoding="utf-8")
    generic = entry["Desktop Entry"].get(f"GenericName[{lang}]")
    assert generic == t.gettext("Virtual Machine Manager"), \
        f"the desktop entry's GenericName[{lang}] is {generic!r}"


def check_marinactl(env, t):
    r = subprocess.run([u.MARINACTL, "no-such-command"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    assert r.returncode != 0
    want = t.gettext("Unknown command '%s'.").split("%s")[0]
    assert want and want in r.stderr, \
        f"marinactl did not answer in the catalog's words ({want!r}): {r.stderr!r}"


def check_manager(lang, t, uri):
    env = dict(os.environ, LANGUAGE=lang, LANG="C.UTF-8", LC_ALL="")
    check_marinactl(env, t)
    marina = u.spawn(u.desktop_exec_argv() + ["--connect", uri], f"marina-{lang}.log", env=env)
    app = u.application_of(marina.pid)
    try:
        tree = u.GuestTree(u.find(app, role="tree table", name=translated(t, "Guests")),
                           name_header=translated(t, "Name"))
        connected = translated(t, "Connected")
        u.wait_for(lambda: tree.state_of(uri) == connected, 20,
                   lambda: f"the connection row to say {connected!r} "
                           f"(it says {tree.state_of(uri)!r})")
        running = translated(t, "Running")
        shut_off = translated(t, "Shut off")
        u.wait_for(lambda: tree.state_of("guest-0001") == running, 20,
                   lambda: f"guest-0001 to say {running!r} (it says "
                           f"{tree.state_of('guest-0001')!r})")
        assert tree.state_of("guest-0004") == shut_off, tree.state_of("guest-0004")
        new = translated(t, "New")
        u.find(app, role="push button", name=new)
        u.log(f"{lang}: {connected} / {running} / {shut_off} / {new}")
    except Exception:
        u.on_failure_dump(app, f"accessible-tree-{lang}.txt")
        raise
    finally:
        marina.terminate()
        marina.wait(timeout=10)


def main():
    u.require_programs()
    uri = u.start_test_driver(6, 3)

    for lang in LANGUAGES:
        t = catalog(lang)
        check_desktop_entry(lang, t)
        check_manager(lang, t, uri)


u.run(main)
