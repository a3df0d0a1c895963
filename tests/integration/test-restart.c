/* The daemon can die (kill -9) while guests run: a new daemon re-attaches
 * to every running QEMU and loses nothing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "harness.h"

/* Counts the guests reported with the figures a graph needs. */
static void
on_stats(MarinaDBusHost *host, GVariant *stats, guint *count)
{
    for (gsize i = 0; i < g_variant_n_children(stats); i++) {
        g_autoptr(GVariant) entry = g_variant_get_child_value(stats, i);
        g_autoptr(GVariant) dict = g_variant_get_child_value(entry, 1);
        guint64 cpu = 0, rss = 0, rd = 0;

        if (g_variant_lookup(dict, "cpu-time-ns", "t", &cpu) && cpu > 0 &&
            g_variant_lookup(dict, "memory-rss-kib", "t", &rss) && rss > 0 &&
            g_variant_lookup(dict, "disk-rd-bytes", "t", &rd))
            (*count)++;
    }
}

static void
test_kill9_daemon_guest_survives(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("survivor", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GString) acc2 = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GVariant) info = NULL;
    gint32 pid_before = 0, pid_after = 0, id_before = 0;
    guint stats = 0;
    int fd;

    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, "MARINA-GUEST-READY", 60000));
    assert_true(harness_type_and_wait(fd, acc, "Z=kept; echo z-$Z", "z-kept", 20000));
    assert_true(marina_dbus_domain_call_get_info_sync(dom, &info, NULL, &error));
    assert_true(g_variant_lookup(info, "pid", "i", &pid_before));
    assert_true(g_variant_lookup(info, "id", "i", &id_before));
    g_clear_pointer(&info, g_variant_unref);
    g_clear_object(&dom);

    harness_stop_daemon(h, SIGKILL);
    /* The console the old daemon relayed is gone with it... */
    close(fd);
    /* ...but the guest is not. */
    assert_int_equal(kill(pid_before, 0), 0);

    harness_start_daemon(h);
    harness_connect(h);
    assert_true(marina_dbus_host_call_lookup_domain_sync(h->host, "survivor", &path, NULL, &error));
    dom = harness_domain(h, NULL, path);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 5000, NULL),
                     MARINA_DOMAIN_RUNNING);
    assert_true(marina_dbus_domain_call_get_info_sync(dom, &info, NULL, &error));
    assert_true(g_variant_lookup(info, "pid", "i", &pid_after));
    assert_int_equal(pid_after, pid_before);
    assert_int_equal(marina_dbus_domain_get_id(dom), id_before);

    /* The console answers, with the shell's state intact. */
    fd = harness_open_serial(h, dom, acc2);
    assert_true(harness_type_and_wait(fd, acc2, "echo after-$Z", "after-kept", 20000));
    close(fd);

    /* Statistics keep coming for the re-attached guest. */
    g_signal_connect(h->host, "stats-updated", G_CALLBACK(on_stats), &stats);
    for (int i = 0; i < 150 && stats == 0; i++)
        harness_iterate(20);
    assert_true(stats > 0);

    /* QMP works: pause and resume through the new daemon. */
    assert_true(marina_dbus_domain_call_suspend_sync(dom, NULL, &error));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_PAUSED, 5000, NULL),
                     MARINA_DOMAIN_PAUSED);
    assert_true(marina_dbus_domain_call_resume_sync(dom, NULL, &error));
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 5000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill9_daemon_guest_survives),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
