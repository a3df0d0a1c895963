/* The life of a real QEMU guest, driven the way marina and marinactl drive
 * it: define, start, console, pause, save/restore, shutdown, destroy,
 * managed save, autostart, events to several clients. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "harness.h"

#define READY "MARINA-GUEST-READY"
#define BOOT_TIMEOUT 60000

static void
start(MarinaDBusDomain *dom)
{
    g_autoptr(GError) error = NULL;

    if (!marina_dbus_domain_call_start_sync(dom, 0, NULL, &error))
        fail_msg("start: %s", error->message);
}

/* Start and wait for the shell; returns the console fd. */
static int
boot(Harness *h, MarinaDBusDomain *dom, GString *acc)
{
    int fd;

    start(dom);
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, BOOT_TIMEOUT));
    assert_true(harness_type_and_wait(fd, acc, "echo marina-$((40+2))", "marina-42", 20000));
    return fd;
}

static void
test_boot_console_pause_resume_shutdown(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("life1", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GString) late = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    guint reason;
    int fd, fd2;

    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 1000, NULL),
                     MARINA_DOMAIN_SHUTOFF);
    fd = boot(h, dom, acc);

    /* A console opened later still shows the boot messages (scrollback). */
    fd2 = harness_open_serial(h, dom, late);
    assert_non_null(strstr(late->str, READY));
    close(fd2);

    assert_true(marina_dbus_domain_call_suspend_sync(dom, NULL, &error));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_PAUSED, 5000, &reason),
                     MARINA_DOMAIN_PAUSED);
    assert_int_equal(reason, MARINA_PAUSED_USER);
    /* Suspending twice is an error a person can read. */
    assert_false(marina_dbus_domain_call_suspend_sync(dom, NULL, &error));
    assert_non_null(strstr(error->message, "already paused"));
    g_clear_error(&error);

    assert_true(marina_dbus_domain_call_resume_sync(dom, NULL, &error));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 5000, NULL),
                     MARINA_DOMAIN_RUNNING);
    assert_true(harness_type_and_wait(fd, acc, "echo back-$((1+1))", "back-2", 20000));

    /* Graceful shutdown: ACPI power button, the guest powers itself off. */
    if (!marina_dbus_domain_call_shutdown_sync(dom, 60, NULL, &error))
        fail_msg("shutdown: %s", error->message);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 5000, &reason),
                     MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(reason, MARINA_SHUTOFF_SHUTDOWN);
    close(fd);
}

static void
test_save_restore_keeps_shell_state(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("life2", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GString) acc2 = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *file = g_build_filename(h->dir, "life2.save", NULL);
    g_autofree char *restored_path = NULL;
    guint reason;
    int fd;

    fd = boot(h, dom, acc);
    assert_true(harness_type_and_wait(fd, acc, "X=4711; echo set-$X", "set-4711", 20000));
    close(fd);

    if (!marina_dbus_domain_call_save_sync(dom, file, NULL, &error))
        fail_msg("save: %s", error->message);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 5000, &reason),
                     MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(reason, MARINA_SHUTOFF_SAVED);
    assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));

    if (!marina_dbus_host_call_restore_domain_sync(h->host, file, 0, &restored_path, NULL, &error))
        fail_msg("restore: %s", error->message);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 5000, &reason),
                     MARINA_DOMAIN_RUNNING);
    assert_int_equal(reason, MARINA_RUNNING_RESTORED);
    fd = harness_open_serial(h, dom, acc2);
    assert_true(harness_type_and_wait(fd, acc2, "echo still-$X", "still-4711", 20000));
    close(fd);

    /* Destroy: immediate, reason "destroyed". */
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 1000, &reason),
                     MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(reason, MARINA_SHUTOFF_DESTROYED);
}

static void
test_managed_save_then_start_resumes(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("life3", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GString) acc2 = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    guint reason;
    int fd;

    fd = boot(h, dom, acc);
    assert_true(harness_type_and_wait(fd, acc, "Y=managed; echo y-$Y", "y-managed", 20000));
    close(fd);

    assert_int_equal(harness_marinactl(h, &out, NULL, "managedsave", "life3", NULL), 0);
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_SHUTOFF, 5000, &reason),
                     MARINA_DOMAIN_SHUTOFF);
    assert_int_equal(reason, MARINA_SHUTOFF_SAVED);
    harness_iterate(100);
    assert_true(marina_dbus_domain_get_has_managed_save(dom));

    start(dom); /* resumes the saved state instead of booting */
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 5000, &reason),
                     MARINA_DOMAIN_RUNNING);
    assert_int_equal(reason, MARINA_RUNNING_RESTORED);
    fd = harness_open_serial(h, dom, acc2);
    assert_true(harness_type_and_wait(fd, acc2, "echo again-$Y", "again-managed", 20000));
    close(fd);
    harness_iterate(100);
    assert_false(marina_dbus_domain_get_has_managed_save(dom));
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
}

typedef struct {
    guint count;
    char *last_event;
} EventLog;

static void
on_event(MarinaDBusHost *host, const char *path, const char *name, const char *uuid, guint st,
         guint reason, const char *event, const char *detail, EventLog *log)
{
    if (g_str_equal(name, "life4")) {
        log->count++;
        g_free(log->last_event);
        log->last_event = g_strdup(event);
    }
}

static void
test_two_clients_get_events_and_autostart(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("life4", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GDBusConnection) conn2 = harness_new_connection(h);
    g_autoptr(MarinaDBusHost) host2 = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    EventLog a = {0}, b = {0};
    guint reason;
    int fd;

    host2 = marina_dbus_host_proxy_new_sync(conn2, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                                            "/org/marinavm/Marina1", NULL, &error);
    assert_non_null(host2);
    g_signal_connect(h->host, "domain-event", G_CALLBACK(on_event), &a);
    g_signal_connect(host2, "domain-event", G_CALLBACK(on_event), &b);
    start(dom);
    for (int i = 0; i < 100 && (a.count == 0 || b.count == 0); i++)
        harness_iterate(20);
    assert_true(a.count > 0 && b.count > 0);
    assert_string_equal(a.last_event, "started");
    assert_string_equal(b.last_event, "started");
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));

    /* Autostart: the guest starts when the daemon starts. */
    assert_true(marina_dbus_domain_call_set_autostart_sync(dom, TRUE, NULL, &error));
    g_clear_object(&dom);
    g_clear_object(&host2);
    g_clear_object(&conn2);
    harness_stop_daemon(h, SIGTERM);
    harness_start_daemon(h);
    harness_connect(h);
    {
        g_autofree char *path = NULL;
        assert_true(
            marina_dbus_host_call_lookup_domain_sync(h->host, "life4", &path, NULL, &error));
        dom = harness_domain(h, NULL, path);
    }
    assert_int_equal(harness_wait_state(dom, MARINA_DOMAIN_RUNNING, 10000, &reason),
                     MARINA_DOMAIN_RUNNING);
    assert_true(marina_dbus_domain_get_autostart(dom));
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, READY, BOOT_TIMEOUT));
    close(fd);
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    g_free(a.last_event);
    g_free(b.last_event);
}

static void
test_marinactl_commands(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("life5", "    <graphics type='vnc'/>\n"
                                                      "    <video><model type='vga'/></video>\n");
    g_autofree char *file = g_build_filename(h->dir, "life5.xml", NULL);
    g_autofree char *png = g_build_filename(h->dir, "life5.png", NULL);
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *data = NULL;
    gsize len;

    assert_true(g_file_set_contents(file, xml, -1, NULL));
    assert_int_equal(harness_marinactl(h, &out, &err, "define", file, NULL), 0);
    assert_non_null(strstr(out, "life5"));
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "list", "--all", NULL), 0);
    assert_non_null(strstr(out, "life5"));
    assert_non_null(strstr(out, "shut off"));
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, &err, "start", "life5", NULL), 0);
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "domstate", "life5", NULL), 0);
    assert_non_null(strstr(out, "running"));
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "dominfo", "life5", NULL), 0);
    assert_non_null(strstr(out, "life5"));
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "dumpxml", "life5", NULL), 0);
    assert_non_null(strstr(out, "<name>life5</name>"));
    g_clear_pointer(&out, g_free);

    /* The console works with a pipe: the ready line from before we came. */
    {
        g_autoptr(GString) acc = g_string_new(NULL);
        g_autoptr(MarinaDBusDomain) dom = NULL;
        g_autofree char *path = NULL;
        int fd;
        assert_true(marina_dbus_host_call_lookup_domain_sync(h->host, "life5", &path, NULL, NULL));
        dom = harness_domain(h, NULL, path);
        fd = harness_open_serial(h, dom, acc);
        assert_true(harness_wait_output(fd, acc, 0, READY, BOOT_TIMEOUT));
        close(fd);
    }
    /* The graphical console: a stream speaking RFB, handed over as a descriptor. */
    {
        g_autoptr(MarinaDBusDomain) dom = NULL;
        g_autoptr(GVariant) handle = NULL;
        g_autoptr(GUnixFDList) fds = NULL;
        g_autofree char *path = NULL;
        g_autoptr(GString) greeting = g_string_new(NULL);
        int fd;
        assert_true(marina_dbus_host_call_lookup_domain_sync(h->host, "life5", &path, NULL, NULL));
        dom = harness_domain(h, NULL, path);
        assert_true(
            marina_dbus_domain_call_open_graphics_sync(dom, NULL, &handle, &fds, NULL, NULL));
        fd = g_unix_fd_list_get(fds, g_variant_get_handle(handle), NULL);
        assert_true(harness_wait_output(fd, greeting, 0, "RFB 003.008", 5000));
        close(fd);
    }
    assert_int_equal(harness_marinactl(h, &out, &err, "screenshot", "life5", png, NULL), 0);
    assert_true(g_file_get_contents(png, &data, &len, NULL));
    assert_true(len > 8 && memcmp(data, "\x89PNG", 4) == 0);

    g_clear_pointer(&err, g_free);
    assert_int_equal(harness_marinactl(h, NULL, &err, "start", "life5", NULL), 1);
    assert_non_null(strstr(err, "already running"));
    assert_int_equal(harness_marinactl(h, NULL, NULL, "destroy", "life5", NULL), 0);
    g_clear_pointer(&err, g_free);
    assert_int_equal(harness_marinactl(h, NULL, &err, "dominfo", "nope", NULL), 1);
    assert_non_null(strstr(err, "nope"));
    assert_int_equal(harness_marinactl(h, NULL, NULL, "undefine", "life5", NULL), 0);
    assert_int_equal(harness_count_definitions(h), 4); /* life1..4 remain */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_console_pause_resume_shutdown),
        cmocka_unit_test(test_save_restore_keeps_shell_state),
        cmocka_unit_test(test_managed_save_then_start_resumes),
        cmocka_unit_test(test_two_clients_get_events_and_autostart),
        cmocka_unit_test(test_marinactl_commands),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
