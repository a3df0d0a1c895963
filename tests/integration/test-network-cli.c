/* marinactl's network commands against a session daemon (session networks
 * make no bridge): net-list / net-define / net-dumpxml / net-info / net-uuid /
 * net-name / net-autostart / net-update / net-edit / net-start / net-destroy /
 * net-undefine / net-create, the host's interfaces and devices, and the
 * errors and exit statuses people and scripts see. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

static const char lab_xml[] = "<network>\n"
                              "  <name>lab</name>\n"
                              "  <uuid>0c0d7c2e-3a4b-4c5d-8e9f-a0b1c2d3e4f5</uuid>\n"
                              "  <forward mode='nat'/>\n"
                              "  <ip address='10.77.0.1' prefix='24'>\n"
                              "    <dhcp>\n"
                              "      <range start='10.77.0.100' end='10.77.0.199'/>\n"
                              "    </dhcp>\n"
                              "  </ip>\n"
                              "  <portgroup name='extra'/>\n"
                              "</network>\n";

typedef struct {
    Harness *h;
    char *dir; /* files given to marinactl */
} Fixture;

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->h = harness_new();
    harness_start_daemon(f->h);
    harness_connect(f->h);
    f->dir = g_build_filename(f->h->dir, "files", NULL);
    g_mkdir_with_parents(f->dir, 0700);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    harness_free(f->h);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static char *
write_file(Fixture *f, const char *name, const char *text)
{
    char *path = g_build_filename(f->dir, name, NULL);

    assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

/* marinactl ARGS; fails the test unless it exits with @expected. */
#define CTL(f, expected, out, err, ...)                                                            \
    do {                                                                                           \
        g_clear_pointer(out, g_free);                                                              \
        g_clear_pointer(err, g_free);                                                              \
        int status_ = harness_marinactl((f)->h, out, err, __VA_ARGS__, NULL);                      \
        if (status_ != (expected))                                                                 \
            fail_msg("marinactl exited %d, not %d\nstdout: %s\nstderr: %s", status_, expected,     \
                     *(out) != NULL ? *(out) : "", *(err) != NULL ? *(err) : "");                  \
    } while (0)

static void
assert_contains(const char *text, const char *fragment)
{
    if (text == NULL || strstr(text, fragment) == NULL)
        fail_msg("expected '%s' in:\n%s", fragment, text != NULL ? text : "(null)");
}

static void
assert_lacks(const char *text, const char *fragment)
{
    if (text != NULL && strstr(text, fragment) != NULL)
        fail_msg("did not expect '%s' in:\n%s", fragment, text);
}

static void
test_define_inspect_update_undefine(void **state)
{
    Fixture *f = *state;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *file = write_file(f, "lab.xml", lab_xml);
    g_autofree char *host = write_file(f, "host.xml",
                                       "<host mac='52:54:00:77:00:10' "
                                       "name='web' ip='10.77.0.10'/>");

    /* The default network every daemon defines on its first start. */
    CTL(f, 0, &out, &err, "net-list", "--all");
    assert_contains(out, " Name ");
    assert_contains(out, "Persistent");
    assert_contains(out, " default ");

    CTL(f, 0, &out, &err, "net-define", file);
    assert_contains(out, "Network lab defined from ");
    assert_contains(err, "warning: ");
    assert_contains(err, "<portgroup>");
    CTL(f, 0, &out, &err, "net-list");
    assert_lacks(out, " lab ");
    CTL(f, 0, &out, &err, "net-list", "--inactive");
    assert_contains(out, " lab ");
    assert_contains(out, "inactive");

    CTL(f, 0, &out, &err, "net-dumpxml", "lab");
    assert_contains(out, "<name>lab</name>");
    assert_contains(out, "<range start='10.77.0.100' end='10.77.0.199'/>");
    assert_lacks(out, "portgroup");
    CTL(f, 0, &out, &err, "net-info", "lab");
    assert_contains(out, "Name:           lab");
    assert_contains(out, "Active:         no");
    CTL(f, 0, &out, &err, "net-uuid", "lab");
    assert_contains(out, "0c0d7c2e-3a4b-4c5d-8e9f-a0b1c2d3e4f5");
    CTL(f, 0, &out, &err, "net-name", "0c0d7c2e-3a4b-4c5d-8e9f-a0b1c2d3e4f5");
    assert_contains(out, "lab");

    CTL(f, 0, &out, &err, "net-autostart", "lab");
    assert_contains(out, "Network lab marked as autostarted");
    CTL(f, 0, &out, &err, "net-list", "--all");
    assert_contains(out, " lab       inactive   yes ");
    CTL(f, 0, &out, &err, "net-autostart", "lab", "--disable");
    assert_contains(out, "unmarked as autostarted");

    /* net-update, from a file and inline; the model's messages on a mistake. */
    CTL(f, 0, &out, &err, "net-update", "lab", "add", "ip-dhcp-host", host, "--config");
    assert_contains(out, "Updated network lab persistent config");
    CTL(f, 0, &out, &err, "net-dumpxml", "lab", "--inactive");
    assert_contains(out, "<host mac='52:54:00:77:00:10' name='web' ip='10.77.0.10'/>");
    CTL(f, 1, &out, &err, "net-update", "lab", "add", "ip-dhcp-host", host, "--config");
    assert_contains(err, "error: ");
    assert_contains(err, "52:54:00:77:00:10");
    CTL(f, 1, &out, &err, "net-update", "lab", "add-last", "ip-dhcp-range",
        "<range start='10.78.0.2' end='10.78.0.9'/>", "--config");
    assert_contains(err, "outside the network 10.77.0.0/24");
    CTL(f, 0, &out, &err, "net-update", "lab", "delete", "ip-dhcp-host",
        "<host mac='52:54:00:77:00:10'/>", "--config");
    CTL(f, 0, &out, &err, "net-dumpxml", "lab", "--inactive");
    assert_lacks(out, "52:54:00:77:00:10");
    CTL(f, 2, &out, &err, "net-update", "lab", "add", "dns-txt", "<txt/>");
    assert_contains(err, "'dns-txt' is not a section");

    CTL(f, 0, &out, &err, "net-undefine", "lab");
    assert_contains(out, "Network lab has been undefined");
    CTL(f, 0, &out, &err, "net-list", "--all");
    assert_lacks(out, " lab ");
    CTL(f, 1, &out, &err, "net-info", "lab");
    assert_contains(err, "error: ");
    assert_contains(err, "lab");
}

static void
test_start_destroy_and_transient(void **state)
{
    Fixture *f = *state;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *file = write_file(f, "lab2.xml", lab_xml);
    g_autofree char *temp = NULL;
    g_autoptr(GString) transient = g_string_new(lab_xml);

    CTL(f, 0, &out, &err, "net-define", file);
    CTL(f, 0, &out, &err, "net-start", "lab");
    assert_contains(out, "Network lab started");
    CTL(f, 0, &out, &err, "net-list");
    assert_contains(out, " lab ");
    assert_contains(out, "active");
    CTL(f, 0, &out, &err, "net-info", "lab");
    assert_contains(out, "Active:         yes");
    assert_contains(out, "IPv4:           10.77.0.1/24");
    assert_contains(out, "DHCP range:     10.77.0.100 - 10.77.0.199");
    CTL(f, 0, &out, &err, "net-dhcp-leases", "lab");
    assert_contains(out, "Expiry Time");
    assert_contains(out, "Client ID or DUID");
    CTL(f, 0, &out, &err, "net-destroy", "lab");
    assert_contains(out, "Network lab destroyed");
    CTL(f, 0, &out, &err, "net-undefine", "lab");

    /* A transient network: listed while it runs, gone when stopped. */
    g_string_replace(transient, "<name>lab</name>", "<name>scratch</name>", 1);
    g_string_replace(transient, "<uuid>0c0d7c2e-3a4b-4c5d-8e9f-a0b1c2d3e4f5</uuid>", "", 1);
    temp = write_file(f, "scratch.xml", transient->str);
    CTL(f, 0, &out, &err, "net-create", temp);
    assert_contains(out, "Network scratch created from ");
    CTL(f, 0, &out, &err, "net-list");
    assert_contains(out, " scratch ");
    CTL(f, 0, &out, &err, "net-destroy", "scratch");
    CTL(f, 0, &out, &err, "net-list", "--all");
    assert_lacks(out, "scratch");
}

/* net-edit with a script as $EDITOR: the edit is defined; a broken edit is
 * refused with the model's message and leaves the definition as it was. */
static int
run_edit(Fixture *f, const char *editor, char **out, char **err)
{
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "EDITOR", editor, TRUE);
    const char *argv[] = {g_getenv("MARINACTL"), "-c", f->h->uri, "net-edit", "edited", NULL};
    int status = -1;

    env = g_environ_unsetenv(env, "VISUAL");
    assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, out,
                             err, &status, NULL));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_edit(void **state)
{
    Fixture *f = *state;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GString) xml = g_string_new(lab_xml);
    g_autofree char *file = NULL;

    g_string_replace(xml, "<name>lab</name>", "<name>edited</name>", 1);
    g_string_replace(xml, "<portgroup name='extra'/>\n", "", 1);
    file = write_file(f, "edited.xml", xml->str);
    CTL(f, 0, &out, &err, "net-define", file);

    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_edit(f, "sed -i s/10.77.0.199/10.77.0.150/", &out, &err), 0);
    assert_contains(out, "Network edited XML configuration edited.");
    CTL(f, 0, &out, &err, "net-dumpxml", "edited");
    assert_contains(out, "end='10.77.0.150'");

    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_edit(f, "true", &out, &err), 0);
    assert_contains(out, "not changed");

    /* Without a terminal the loop cannot ask again: the error, and the text kept. */
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_not_equal(run_edit(f, "sed -i s/10.77.0.150/10.78.0.150/", &out, &err), 0);
    assert_contains(err, "outside the network 10.77.0.0/24");
    CTL(f, 0, &out, &err, "net-dumpxml", "edited");
    assert_contains(out, "end='10.77.0.150'");
    CTL(f, 0, &out, &err, "net-undefine", "edited");
}

static void
test_bad_input(void **state)
{
    Fixture *f = *state;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *overlap = write_file(f, "overlap.xml",
                                          "<network><name>clash</name><ip address='192.168.122.5' "
                                          "prefix='24'/></network>");
    g_autofree char *range = write_file(f, "range.xml",
                                        "<network><name>bad</name>"
                                        "<ip address='192.168.122.1' netmask='255.255.255.0'>"
                                        "<dhcp><range start='192.168.122.2' end='192.168.123.254'/>"
                                        "</dhcp></ip></network>");

    CTL(f, 1, &out, &err, "net-define", range);
    assert_contains(err, "error: DHCP range 192.168.122.2 - 192.168.123.254 is outside the "
                         "network 192.168.122.0/24.");
    /* Defining may overlap; running both cannot. */
    CTL(f, 0, &out, &err, "net-define", overlap);
    CTL(f, 0, &out, &err, "net-list");
    assert_contains(out, " default "); /* autostarted with the daemon */
    CTL(f, 1, &out, &err, "net-start", "default");
    assert_contains(err, "already running");
    CTL(f, 1, &out, &err, "net-start", "clash");
    assert_contains(err, "overlaps network 'default'");
    CTL(f, 0, &out, &err, "net-undefine", "clash");
    CTL(f, 1, &out, &err, "net-dumpxml", "nonexistent");
    assert_contains(err, "error: ");
    CTL(f, 2, &out, &err, "net-update", "default", "append", "ip-dhcp-host", "<host/>");
    CTL(f, 2, &out, &err, "net-update", "default", "add", "ip-dhcp-host", "<host/>", "--live",
        "--current");
    CTL(f, 2, &out, &err, "net-list", "unexpected");
    CTL(f, 2, &out, &err, "nodedev-list", "--cap", "scsi");
}

static void
test_host_interfaces_and_devices(void **state)
{
    Fixture *f = *state;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    CTL(f, 0, &out, &err, "iface-list", "--all");
    assert_contains(out, "MAC Address");
    assert_contains(out, " lo ");
    CTL(f, 0, &out, &err, "nodedev-list", "--cap", "pci");
    CTL(f, 0, &out, &err, "nodedev-list", "--cap", "usb_device");
    CTL(f, 0, &out, &err, "nodedev-list");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_define_inspect_update_undefine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_destroy_and_transient, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_interfaces_and_devices, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
