/* Install media: Host.InspectMedia on the live CD of the test guest (built
 * by tests/guest/make-iso.sh) and on things that are not install media, on
 * both drivers; then the live CD really boots as a guest's CD-ROM under
 * SeaBIOS + ISOLINUX, to the guest's ready line on the serial console. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "core/error.h"
#include "harness.h"

#define READY "MARINA-GUEST-READY"
/* Firmware, ISOLINUX reading the kernel through BIOS calls, then the
 * (self-decompressing) kernel: slower than direct kernel boot under TCG. */
#define CD_BOOT_TIMEOUT 120000

static char *
test_iso_path(void)
{
    char *path = g_build_filename(harness_guest_dir(), "marina-test.iso", NULL);

    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        fail_msg("%s is missing: build the test-iso target (meson test builds it)", path);
    return path;
}

static GVariant *
inspect_ok(Harness *h, const char *path)
{
    g_autoptr(GError) error = NULL;
    GVariant *info = NULL;

    if (!marina_dbus_host_call_inspect_media_sync(h->host, path, &info, NULL, &error))
        fail_msg("InspectMedia %s: %s", path, error->message);
    return info;
}

/* InspectMedia on @path fails with InvalidArgument naming it and saying @needle. */
static void
assert_inspect_refused(Harness *h, const char *path, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) info = NULL;

    if (marina_dbus_host_call_inspect_media_sync(h->host, path, &info, NULL, &error))
        fail_msg("InspectMedia %s succeeded but should have failed", path);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    if (strstr(error->message, path) == NULL || strstr(error->message, needle) == NULL)
        fail_msg("InspectMedia %s: \"%s\", expected the path and \"%s\"", path, error->message,
                 needle);
}

static void
check_test_iso(Harness *h)
{
    g_autofree char *iso = test_iso_path();
    g_autoptr(GVariant) info = inspect_ok(h, iso);
    struct stat st;
    const char *s;
    guint64 size;
    gboolean bootable;

    assert_int_equal(g_stat(iso, &st), 0);
    assert_true(g_variant_lookup(info, "path", "&s", &s));
    assert_string_equal(s, iso);
    assert_true(g_variant_lookup(info, "size", "t", &size));
    assert_int_equal(size, (guint64)st.st_size);
    assert_true(g_variant_lookup(info, "bootable", "b", &bootable));
    assert_true(bootable);
    assert_true(g_variant_lookup(info, "volume-id", "&s", &s));
    assert_string_equal(s, "MARINA_TEST_LIVE");
    assert_true(g_variant_lookup(info, "system-id", "&s", &s));
    assert_string_equal(s, "LINUX");
    assert_true(g_variant_lookup(info, "publisher-id", "&s", &s));
    assert_string_equal(s, "MARINA PROJECT");
    assert_true(g_variant_lookup(info, "application-id", "&s", &s));
    assert_string_equal(s, "MARINA TEST GUEST");
}

/* Everything that is not install media, each refused with its own reason. */
static void
check_refusals(Harness *h)
{
    g_autofree char *text = g_build_filename(h->dir, "readme.txt", NULL);
    g_autofree char *missing = g_build_filename(h->dir, "no-such.iso", NULL);
    g_autofree char *fifo = g_build_filename(h->dir, "pipe.iso", NULL);
    g_autofree char *kernel = g_build_filename(harness_guest_dir(), "initrd.img", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) info = NULL;
    gint64 start;

    assert_true(g_file_set_contents(text, "not a CD\n", -1, NULL));
    assert_inspect_refused(h, text, "is not an ISO 9660 CD/DVD image");
    assert_inspect_refused(h, kernel, "is not an ISO 9660 CD/DVD image");
    assert_inspect_refused(h, missing, "does not exist");
    assert_inspect_refused(h, h->dir, "is a directory");
    assert_inspect_refused(h, "marina-test.iso", "absolute path");
    assert_inspect_refused(h, "", "absolute path");

    /* A FIFO nobody writes to: answered at once, the daemon does not hang. */
    assert_int_equal(mkfifo(fifo, 0600), 0);
    start = g_get_monotonic_time();
    assert_inspect_refused(h, fifo, "neither a file nor a block device");
    assert_true(g_get_monotonic_time() - start < 5 * G_USEC_PER_SEC);
    assert_true(marina_dbus_host_call_get_node_info_sync(h->host, &info, NULL, &error));
}

static void
test_inspect_live_cd(void **state)
{
    check_test_iso(*state);
}

static void
test_inspect_refuses_what_is_not_media(void **state)
{
    check_refusals(*state);
}

/* The same Host object answers on the test driver: real files, same errors. */
typedef struct {
    char *dir;
    char *node;
    Harness *h;
} TestDriver;

static int
test_driver_setup(void **state)
{
    TestDriver *t = g_new0(TestDriver, 1);

    *state = t;
    t->dir = g_dir_make_tmp("mtm-XXXXXX", NULL);
    assert_non_null(t->dir);
    t->node = g_build_filename(t->dir, "node.xml", NULL);
    assert_true(g_file_set_contents(
        t->node,
        "<node><domain type='test'><name>sim</name><memory unit='MiB'>64</memory>"
        "<vcpu>1</vcpu><os><type>hvm</type></os></domain></node>\n",
        -1, NULL));
    return 0;
}

static int
test_driver_teardown(void **state)
{
    TestDriver *t = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", t->dir);

    harness_free(t->h);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", t->dir);
    g_free(t->dir);
    g_free(t->node);
    g_free(t);
    return 0;
}

static void
test_inspect_on_test_driver(void **state)
{
    TestDriver *t = *state;
    const char *args[] = {"--driver", "test", "--test-file", t->node, NULL};

    /* Started here, not in the setup, so the teardown runs if it fails. */
    t->h = harness_new_with_args(args);
    check_test_iso(t->h);
    check_refusals(t->h);
}

static char *
cdrom_guest_xml(const char *name, const char *iso)
{
    /* Escaped: the build directory may have any name. */
    return g_markup_printf_escaped(
        "<domain type='kvm'>\n"
        "  <name>%s</name>\n"
        "  <memory unit='MiB'>128</memory>\n"
        "  <vcpu>1</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='pc'>hvm</type>\n"
        "    <boot dev='cdrom'/>\n"
        "  </os>\n"
        "  <features><acpi/><apic/></features>\n"
        "  <devices>\n"
        "    <disk type='file' device='cdrom'>\n"
        "      <source file='%s'/>\n"
        "      <target dev='hdc' bus='ide'/>\n"
        "      <readonly/>\n"
        "    </disk>\n"
        "    <serial type='pty'><target port='0'/></serial>\n"
        "    <console type='pty'><target type='serial' port='0'/></console>\n"
        "    <memballoon model='none'/>\n"
        "  </devices>\n"
        "</domain>\n",
        name, iso);
}

static void
test_live_cd_boots_from_cdrom(void **state)
{
    Harness *h = *state;
    g_autofree char *iso = test_iso_path();
    g_autofree char *xml = cdrom_guest_xml("livecd", iso);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    int fd;

    if (!marina_dbus_domain_call_start_sync(dom, 0, NULL, &error))
        fail_msg("start: %s", error->message);
    fd = harness_open_serial(h, dom, acc);
    if (!harness_wait_output(fd, acc, 0, READY, CD_BOOT_TIMEOUT))
        fail_msg("no %s from the CD-ROM boot; console:\n%s", READY, acc->str);
    fprintf(stderr, "live CD: start to ready line in %.1f s\n",
            (g_get_monotonic_time() - start) / (double)G_USEC_PER_SEC);
    /* ISOLINUX printed its banner (it shares the serial port): the kernel
     * came off the CD, not from a direct kernel boot. */
    assert_non_null(strstr(acc->str, "ISOLINUX"));
    /* The guest sees its boot medium as the IDE CD-ROM. */
    assert_true(harness_wait_output(fd, acc, 0, "MARINA-GUEST-DISKS sr0", 1000));
    assert_true(harness_type_and_wait(fd, acc, "echo cd-$((6*7))", "cd-42", 20000));
    close(fd);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 10000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
    assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_live_cd),
        cmocka_unit_test(test_inspect_refuses_what_is_not_media),
        cmocka_unit_test(test_live_cd_boots_from_cdrom),
        cmocka_unit_test_setup_teardown(test_inspect_on_test_driver, test_driver_setup,
                                        test_driver_teardown),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
