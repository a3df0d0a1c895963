/* What a guest's own power-off, reboot and an ignored power button mean:
 * on_poweroff / on_reboot honoured, graceful reboot, reset, and a shutdown
 * that times out is reported back. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "core/error.h"
#include "harness.h"

#define READY "MARINA-GUEST-READY"

/* The guest from tests/guest with extra top-level elements (on_* actions). */
static MarinaDBusDomain *
define_with(Harness *h, const char *name, const char *extra)
{
    g_autofree char *base = harness_guest_xml(name, NULL);
    g_autoptr(GString) xml = g_string_new(base);
    char *end = strstr(xml->str, "</domain>");

    g_string_insert(xml, end - xml->str, extra);
    return harness_define(h, xml->str);
}

static int
boot(Harness *h, MarinaDBusDomain *dom, GString *acc)
{
    g_autoptr(GError) error = NULL;
    int fd;

    if (!marina_dbus_domain_call_start_sync(dom, 0, NULL, &error))
        fail_msg("start: %s", error->message);
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, 60000));
    return fd;
}

static guint
count(const char *haystack, const char *needle)
{
    guint n = 0;

    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void
test_graceful_reboot_and_reset_keep_running(void **state)
{
    Harness *h = *state;
    g_autoptr(MarinaDBusDomain) dom = define_with(h, "act1", "");
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    gsize mark;
    int fd = boot(h, dom, acc);

    /* Reboot: ACPI power button, the guest powers off, Marina boots it again. */
    mark = acc->len;
    assert_true(marina_dbus_domain_call_reboot_sync(dom, NULL, &error));
    assert_true(harness_wait_output(fd, acc, mark, READY, 60000));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 1000, NULL),
                     MARINA_DOMAIN_RUNNING);

    /* Reset: the reset button. */
    mark = acc->len;
    assert_true(marina_dbus_domain_call_reset_sync(dom, NULL, &error));
    assert_true(harness_wait_output(fd, acc, mark, READY, 60000));
    assert_int_equal(count(acc->str, READY), 3);
    close(fd);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

static void
test_on_poweroff_restart_and_on_reboot_destroy(void **state)
{
    Harness *h = *state;
    g_autoptr(MarinaDBusDomain) a =
        define_with(h, "act2", "  <on_poweroff>restart</on_poweroff>\n");
    g_autoptr(MarinaDBusDomain) b = define_with(h, "act3", "  <on_reboot>destroy</on_reboot>\n");
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GString) acc2 = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    guint reason;
    gsize mark;
    int fd;

    /* act2: powering off inside the guest boots it again. */
    fd = boot(h, a, acc);
    mark = acc->len;
    assert_true(harness_type_and_wait(fd, acc, "poweroff -f", "", 1000));
    assert_true(harness_wait_output(fd, acc, mark, READY, 60000));
    assert_int_equal(harness_wait_state(a, MARINA_DOMAIN_RUNNING, 1000, NULL),
                     MARINA_DOMAIN_RUNNING);
    close(fd);
    assert_true(marina_dbus_domain_call_destroy_sync(a, NULL, &error));

    /* act3: rebooting inside the guest turns it off. */
    fd = boot(h, b, acc2);
    assert_true(harness_type_and_wait(fd, acc2, "reboot -f", "", 1000));
    assert_int_equal(harness_wait_state(b, MARINA_DOMAIN_SHUTOFF, 20000, &reason),
                     MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(reason, MARINA_SHUTOFF_SHUTDOWN);
    close(fd);
}

static void
test_ignored_power_button_times_out(void **state)
{
    Harness *h = *state;
    g_autoptr(MarinaDBusDomain) dom = define_with(h, "act4", "");
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    int fd = boot(h, dom, acc);

    /* Without acpid nobody in the guest listens to the power button. */
    assert_true(
        harness_type_and_wait(fd, acc, "killall acpid; echo killed-$((2+3))", "killed-5", 20000));
    assert_false(marina_dbus_domain_call_shutdown_sync(dom, 3, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_TIMEOUT));
    assert_non_null(strstr(error->message, "act4"));
    assert_non_null(strstr(error->message, "3 seconds"));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 1000, NULL),
                     MARINA_DOMAIN_RUNNING);
    close(fd);
    g_clear_error(&error);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graceful_reboot_and_reset_keep_running),
        cmocka_unit_test(test_on_poweroff_restart_and_on_reboot_destroy),
        cmocka_unit_test(test_ignored_power_button_times_out),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
