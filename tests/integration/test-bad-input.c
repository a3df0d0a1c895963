/* Hostile and mistaken input: each gets a clear error, nothing is written,
 * and the daemon keeps serving. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "core/error.h"
#include "harness.h"

/* Define must fail with @code and a message containing @needle, and leave
 * the host exactly as it was. */
static void
assert_define_refused(Harness *h, const char *xml, int code, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autoptr(GVariant) list = NULL;
    guint before = harness_count_definitions(h);

    assert_false(
        marina_dbus_host_call_define_domain_sync(h->host, xml, &path, &warnings, NULL, &error));
    assert_non_null(error);
    if (!g_error_matches(error, MARINA_ERROR, code) || strstr(error->message, needle) == NULL)
        fail_msg("expected error %d containing '%s', got %s %d: %s", code, needle,
                 g_quark_to_string(error->domain), error->code, error->message);
    assert_int_equal(harness_count_definitions(h), before);
    /* Still up and answering. */
    assert_true(marina_dbus_host_call_list_domains_sync(h->host, &list, NULL, NULL));
}

static void
test_malformed_and_hostile_xml(void **state)
{
    Harness *h = *state;
    g_autoptr(GString) bomb = g_string_new("<?xml version='1.0'?>\n<!DOCTYPE domain [\n"
                                           " <!ENTITY a0 'ha'>\n");

    for (int i = 1; i < 12; i++)
        g_string_append_printf(bomb, " <!ENTITY a%d '&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;'>\n",
                               i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    g_string_append(bomb, "]>\n<domain type='kvm'><name>&a11;</name>"
                          "<memory>65536</memory><vcpu>1</vcpu></domain>");

    assert_define_refused(h, "<domain type='kvm'><name>x</name>", MARINA_ERROR_INVALID_CONFIG,
                          "line");
    assert_define_refused(h,
                          "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM "
                          "'file:///etc/passwd'>]><domain type='kvm'><name>&x;</name>"
                          "<memory>65536</memory><vcpu>1</vcpu></domain>",
                          MARINA_ERROR_INVALID_CONFIG, "ENTITY");
    assert_define_refused(h, bomb->str, MARINA_ERROR_INVALID_CONFIG, "ENTITY");
    assert_define_refused(h, "<network><name>n</name></network>", MARINA_ERROR_INVALID_CONFIG,
                          "domain");
}

static void
test_invalid_names_and_values(void **state)
{
    Harness *h = *state;
    const char *names[] = {"web,1", "a=b", "", "has space", "../etc"};

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *xml = g_strdup_printf("<domain type='kvm'><name>%s</name>"
                                               "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                                               "</domain>",
                                               names[i]);
        assert_define_refused(h, xml, MARINA_ERROR_INVALID_CONFIG, "name");
    }
    assert_define_refused(h,
                          "<domain type='kvm'><name>u</name><uuid>not-a-uuid</uuid>"
                          "<memory unit='MiB'>64</memory><vcpu>1</vcpu></domain>",
                          MARINA_ERROR_INVALID_CONFIG, "not-a-uuid");
    assert_define_refused(h,
                          "<domain type='kvm'><name>m</name><memory unit='parsecs'>64</memory>"
                          "<vcpu>1</vcpu></domain>",
                          MARINA_ERROR_INVALID_CONFIG, "parsecs");
}

static void
test_duplicates_refused(void **state)
{
    Harness *h = *state;
    const char *uuid = "6f4c8c6e-0d5b-4a39-9b2f-3f0e2f6a1c11";
    g_autofree char *first = g_strdup_printf("<domain type='kvm'><name>dup1</name><uuid>%s</uuid>"
                                             "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                                             "<devices><interface type='user'>"
                                             "<mac address='52:54:00:aa:bb:cc'/></interface>"
                                             "</devices></domain>",
                                             uuid);
    g_autofree char *same_name =
        g_strdup("<domain type='kvm'><name>dup1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                 "</domain>");
    g_autofree char *same_uuid = g_strdup_printf(
        "<domain type='kvm'><name>dup2</name><uuid>%s</uuid><memory unit='MiB'>64</memory>"
        "<vcpu>1</vcpu></domain>",
        uuid);
    g_autofree char *same_mac =
        g_strdup("<domain type='kvm'><name>dup3</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                 "<devices><interface type='user'><mac address='52:54:00:AA:BB:CC'/></interface>"
                 "</devices></domain>");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, first);

    assert_define_refused(h, same_name, MARINA_ERROR_ALREADY_EXISTS, "dup1");
    assert_define_refused(h, same_uuid, MARINA_ERROR_ALREADY_EXISTS, uuid);
    assert_define_refused(h, same_mac, MARINA_ERROR_ALREADY_EXISTS, "52:54:00:aa:bb:cc");
}

static void
test_unknown_elements_warn(void **state)
{
    Harness *h = *state;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_auto(GStrv) warnings = NULL;
    gboolean named = FALSE;

    assert_true(marina_dbus_host_call_define_domain_sync(
        h->host,
        "<domain type='kvm'><name>warned</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<devices><smartcard mode='passthrough' type='spicevmc'/></devices><frobnicate/>"
        "</domain>",
        &path, &warnings, NULL, &error));
    for (guint i = 0; warnings[i] != NULL; i++)
        if (strstr(warnings[i], "smartcard") != NULL)
            named = TRUE;
    assert_true(named);
}

static void
test_path_with_comma_reaches_the_guest(void **state)
{
    Harness *h = *state;
    g_autofree char *dir = g_build_filename(h->dir, "odd,dir", NULL);
    g_autofree char *disk = g_build_filename(dir, "data,1.qcow2", NULL);
    g_autofree char *src = g_build_filename(harness_guest_dir(), "data.qcow2", NULL);
    g_autofree char *contents = NULL;
    g_autofree char *devices = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    gsize len;
    int fd;

    assert_int_equal(g_mkdir_with_parents(dir, 0700), 0);
    assert_true(g_file_get_contents(src, &contents, &len, NULL));
    assert_true(g_file_set_contents(disk, contents, (gssize)len, NULL));
    devices = g_strdup_printf("    <disk type='file' device='disk'>\n"
                              "      <driver name='qemu' type='qcow2'/>\n"
                              "      <source file='%s'/>\n"
                              "      <target dev='vda' bus='virtio'/>\n"
                              "    </disk>\n",
                              disk);
    xml = harness_guest_xml("comma", devices);
    dom = harness_define(h, xml);
    if (!marina_dbus_domain_call_start_sync(dom, 0, NULL, &error))
        fail_msg("start: %s", error->message);
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, "MARINA-GUEST-READY", 60000));
    /* The guest lists its disks before the ready line. */
    assert_non_null(strstr(acc->str, "vda"));
    close(fd);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

static void
test_start_failure_explains(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = g_strdup(
        "<domain type='kvm'><name>broken</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<devices><disk type='file' device='disk'><source file='/nonexistent/disk.qcow2'/>"
        "<target dev='vda' bus='virtio'/></disk></devices></domain>");
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GError) error = NULL;

    assert_false(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    assert_non_null(strstr(error->message, "broken"));
    assert_non_null(strstr(error->message, "/nonexistent/disk.qcow2"));
    /* Said by the daemon in plain words, not as a line of QEMU's stderr. */
    assert_non_null(strstr(error->message, "does not exist"));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 5000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_and_hostile_xml),
        cmocka_unit_test(test_invalid_names_and_values),
        cmocka_unit_test(test_duplicates_refused),
        cmocka_unit_test(test_unknown_elements_warn),
        cmocka_unit_test(test_path_with_comma_reaches_the_guest),
        cmocka_unit_test(test_start_failure_explains),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
