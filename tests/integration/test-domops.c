/* Renaming a guest (marinactl domrename / Domain.Rename) and what undefine
 * removes besides the definition (the UEFI NVRAM, the swtpm state), as
 * virsh does. Real QEMU under TCG, the test guest. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "harness.h"

#define OVMF_VARS "/usr/share/OVMF/OVMF_VARS_4M.fd"

static int
ctl(Harness *h, char **out, char **err, const char *a, const char *b, const char *c, const char *d)
{
    return harness_marinactl(h, out, err, a, b, c, d, NULL);
}

#define assert_contains(haystack, needle)                                                          \
    do {                                                                                           \
        if ((haystack) == NULL || strstr((haystack), (needle)) == NULL)                            \
            fail_msg("'%s' not in '%s'", (needle), (haystack) != NULL ? (haystack) : "(null)");    \
    } while (0)

static void
wait_state(MarinaDBusDomain *dom, guint state)
{
    assert_int_equal(harness_wait_state(dom, state, 20000, NULL), state);
}

static char *
log_path(Harness *h, const char *name)
{
    g_autofree char *file = g_strconcat(name, ".log", NULL);

    return g_build_filename(h->state_dir, "log", file, NULL);
}

static void
test_rename_then_start(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("ren-a", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autofree char *path = g_strdup(g_dbus_proxy_get_object_path(G_DBUS_PROXY(dom)));
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *log_b = log_path(h, "ren-b");
    g_autofree char *log_c = log_path(h, "ren-c");

    assert_int_equal(ctl(h, &out, &err, "domrename", "ren-a", "ren-b", NULL), 0);
    assert_contains(out, "Domain successfully renamed");
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    /* The object is the same (by UUID); its Name property follows. */
    assert_true(HARNESS_WAIT_FOR(g_strcmp0(marina_dbus_domain_get_name(dom), "ren-b") == 0, 5000));
    assert_string_equal(g_dbus_proxy_get_object_path(G_DBUS_PROXY(dom)), path);

    /* The old name is unknown; the new one starts and dumps as itself. */
    assert_int_not_equal(ctl(h, NULL, &err, "dominfo", "ren-a", NULL, NULL), 0);
    g_clear_pointer(&err, g_free);
    assert_int_equal(ctl(h, &out, NULL, "start", "ren-b", NULL, NULL), 0);
    g_clear_pointer(&out, g_free);
    wait_state(dom, MARINA_DOMAIN_RUNNING);
    assert_int_equal(ctl(h, &out, NULL, "dumpxml", "ren-b", NULL, NULL), 0);
    assert_contains(out, "<name>ren-b</name>");
    assert_null(strstr(out, "ren-a"));
    g_clear_pointer(&out, g_free);
    assert_true(g_file_test(log_b, G_FILE_TEST_IS_REGULAR));

    /* Refused while running; nothing changed. */
    assert_int_not_equal(ctl(h, NULL, &err, "domrename", "ren-b", "ren-c", NULL), 0);
    assert_contains(err, "Shut it down to rename it");
    g_clear_pointer(&err, g_free);
    assert_string_equal(marina_dbus_domain_get_name(dom), "ren-b");
    assert_int_equal(ctl(h, NULL, NULL, "destroy", "ren-b", NULL, NULL), 0);
    wait_state(dom, MARINA_DOMAIN_SHUTOFF);

    /* The logs follow the name. */
    assert_int_equal(ctl(h, NULL, NULL, "domrename", "ren-b", "ren-c", NULL), 0);
    assert_false(g_file_test(log_b, G_FILE_TEST_EXISTS));
    assert_true(g_file_test(log_c, G_FILE_TEST_IS_REGULAR));

    /* A name that breaks DefineDomain's rules is refused. */
    assert_int_not_equal(ctl(h, NULL, &err, "domrename", "ren-c", "bad name", NULL), 0);
    assert_contains(err, "a space");
    g_clear_pointer(&err, g_free);
    assert_int_equal(ctl(h, NULL, NULL, "undefine", "ren-c", NULL, NULL), 0);
}

static void
test_rename_refused_when_taken(void **state)
{
    Harness *h = *state;
    g_autofree char *xml_a = harness_guest_xml("taken-a", NULL);
    g_autofree char *xml_b = harness_guest_xml("taken-b", NULL);
    g_autoptr(MarinaDBusDomain) a = harness_define(h, xml_a);
    g_autoptr(MarinaDBusDomain) b = harness_define(h, xml_b);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    assert_false(marina_dbus_domain_call_rename_sync(a, "taken-b", NULL, &error));
    assert_non_null(error);
    assert_contains(error->message, "A guest named 'taken-b' already exists");
    assert_int_not_equal(ctl(h, NULL, &err, "domrename", "taken-a", "taken-b", NULL), 0);
    assert_contains(err, "already exists");

    /* Both keep their names and definitions. */
    assert_int_equal(ctl(h, &out, NULL, "dumpxml", "taken-a", NULL, NULL), 0);
    assert_contains(out, "<name>taken-a</name>");
    g_clear_pointer(&out, g_free);
    assert_int_equal(ctl(h, &out, NULL, "dumpxml", "taken-b", NULL, NULL), 0);
    assert_contains(out, "<name>taken-b</name>");
    assert_string_equal(marina_dbus_domain_get_name(a), "taken-a");
    assert_int_equal(ctl(h, NULL, NULL, "undefine", "taken-a", NULL, NULL), 0);
    assert_int_equal(ctl(h, NULL, NULL, "undefine", "taken-b", NULL, NULL), 0);
    (void)b;
}

/* A UEFI guest with an emulated TPM, started once so both exist. */
static MarinaDBusDomain *
define_uefi_tpm(Harness *h, const char *name, char **nvram, char **tpm_dir)
{
    g_autofree char *xml = harness_guest_xml(
        name, "    <tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>\n");
    g_autofree char *with_efi = NULL;
    char *os = strstr(xml, "<os>");
    MarinaDBusDomain *dom;
    const char *uuid;

    assert_non_null(os);
    *os = '\0';
    with_efi = g_strdup_printf("%s<os firmware='efi'>%s", xml, os + 4);
    dom = harness_define(h, with_efi);
    uuid = marina_dbus_domain_get_uuid(dom);
    *nvram = g_strdup_printf("%s/nvram/%s_VARS.fd", h->state_dir, uuid);
    *tpm_dir = g_build_filename(h->state_dir, "tpm", uuid, NULL);
    assert_int_equal(ctl(h, NULL, NULL, "start", name, NULL, NULL), 0);
    wait_state(dom, MARINA_DOMAIN_RUNNING);
    assert_int_equal(ctl(h, NULL, NULL, "destroy", name, NULL, NULL), 0);
    wait_state(dom, MARINA_DOMAIN_SHUTOFF);
    assert_true(g_file_test(*nvram, G_FILE_TEST_IS_REGULAR));
    assert_true(g_file_test(*tpm_dir, G_FILE_TEST_IS_DIR));
    return dom;
}

static gboolean
have_uefi_and_swtpm(void)
{
    if (g_file_test(OVMF_VARS, G_FILE_TEST_EXISTS) && g_find_program_in_path("swtpm") != NULL)
        return TRUE;
    print_message("ovmf or swtpm not installed, skipping\n");
    return FALSE;
}

static void
test_undefine_removes_nvram_and_tpm(void **state)
{
    Harness *h = *state;
    g_autofree char *nvram = NULL;
    g_autofree char *tpm_dir = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autofree char *err = NULL;

    if (!have_uefi_and_swtpm())
        skip();
    dom = define_uefi_tpm(h, "undef-efi", &nvram, &tpm_dir);

    /* As virsh: not without saying what becomes of the NVRAM. */
    assert_int_not_equal(ctl(h, NULL, &err, "undefine", "undef-efi", NULL, NULL), 0);
    assert_contains(err, "Refusing to undefine while nvram exists");
    assert_int_not_equal(ctl(h, NULL, NULL, "undefine", "undef-efi", "--nvram", "--keep-nvram"), 0);
    assert_int_equal(ctl(h, NULL, NULL, "dominfo", "undef-efi", NULL, NULL), 0);

    assert_int_equal(ctl(h, NULL, NULL, "undefine", "undef-efi", "--nvram", NULL), 0);
    assert_false(g_file_test(nvram, G_FILE_TEST_EXISTS));
    assert_false(g_file_test(tpm_dir, G_FILE_TEST_EXISTS));
    assert_int_not_equal(ctl(h, NULL, NULL, "dominfo", "undef-efi", NULL, NULL), 0);
}

static void
test_undefine_keeps_what_it_is_told_to(void **state)
{
    Harness *h = *state;
    g_autofree char *nvram = NULL;
    g_autofree char *tpm_dir = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;

    if (!have_uefi_and_swtpm())
        skip();
    dom = define_uefi_tpm(h, "keep-efi", &nvram, &tpm_dir);
    assert_int_equal(ctl(h, NULL, NULL, "undefine", "keep-efi", "--keep-nvram", "--keep-tpm"), 0);
    assert_true(g_file_test(nvram, G_FILE_TEST_IS_REGULAR));
    assert_true(g_file_test(tpm_dir, G_FILE_TEST_IS_DIR));
    g_unlink(nvram);
    /* Without --keep-tpm the state goes, as libvirt's default. */
    g_clear_object(&dom);
    g_clear_pointer(&nvram, g_free);
    g_clear_pointer(&tpm_dir, g_free);
    dom = define_uefi_tpm(h, "keep-efi2", &nvram, &tpm_dir);
    assert_int_equal(ctl(h, NULL, NULL, "undefine", "keep-efi2", "--keep-nvram", NULL), 0);
    assert_true(g_file_test(nvram, G_FILE_TEST_IS_REGULAR));
    assert_false(g_file_test(tpm_dir, G_FILE_TEST_EXISTS));
    g_unlink(nvram);
}

/* UEFI firmware that this host lacks is refused when the guest is defined,
 * with a message saying what to do, and nothing is written. */
static void
test_define_uefi_without_firmware_refused(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("efi-missing", NULL);
    g_autofree char *with_efi = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GError) error = NULL;
    char *os = strstr(xml, "<os>");
    guint before = harness_count_definitions(h);

    assert_non_null(os);
    *os = '\0';
    with_efi = g_strdup_printf("%s<os firmware='efi'><loader readonly='yes' type='pflash'>"
                               "/nonexistent/OVMF_CODE.fd</loader>%s",
                               xml, os + 4);
    assert_false(
        marina_dbus_host_call_define_domain_sync(h->host, with_efi, &path, NULL, NULL, &error));
    assert_non_null(error);
    assert_contains(error->message, "/nonexistent/OVMF_CODE.fd does not exist on this host");
    assert_contains(error->message, "choose BIOS");
    assert_int_equal(harness_count_definitions(h), before);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rename_then_start),
        cmocka_unit_test(test_rename_refused_when_taken),
        cmocka_unit_test(test_undefine_removes_nvram_and_tpm),
        cmocka_unit_test(test_undefine_keeps_what_it_is_told_to),
        cmocka_unit_test(test_define_uefi_without_firmware_refused),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
