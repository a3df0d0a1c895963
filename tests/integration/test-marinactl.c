/* marinactl as people and scripts use it: an interactive console fed from a
 * pipe, the event stream, the native command line, the host. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/domain-state.h"
#include "harness.h"

static GPid
spawn_marinactl(Harness *h, int *in_fd, int *out_fd, const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    GPid pid;

    g_ptr_array_add(argv, (char *)g_getenv("MARINACTL"));
    g_ptr_array_add(argv, "-c");
    g_ptr_array_add(argv, h->uri);
    for (guint i = 0; args[i] != NULL; i++)
        g_ptr_array_add(argv, (char *)args[i]);
    g_ptr_array_add(argv, NULL);
    assert_true(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, in_fd, out_fd,
                                         NULL, &error));
    return pid;
}

static int
wait_exit(GPid pid)
{
    int status = -1;

    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_console_from_a_pipe_and_events(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = harness_guest_xml("ctl1", NULL);
    g_autoptr(MarinaDBusDomain) dom = harness_define(h, xml);
    g_autoptr(GString) events = g_string_new(NULL);
    g_autoptr(GString) console = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    const char *event_args[] = {"event", "--all", "--loop", NULL};
    const char *console_args[] = {"console", "ctl1", NULL};
    int ev_out, con_in, con_out;
    GPid ev_pid, con_pid;
    const char *line = "echo console-$((6*7))\n";

    ev_pid = spawn_marinactl(h, NULL, &ev_out, event_args);
    harness_iterate(300); /* let it subscribe */
    assert_true(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
    assert_true(harness_wait_output(ev_out, events, 0, "ctl1", 10000));
    assert_non_null(strstr(events->str, "event 'lifecycle' for domain 'ctl1': Started"));

    /* Wait for the shell, then talk to it through marinactl console. */
    {
        g_autoptr(GString) acc = g_string_new(NULL);
        int fd = harness_open_serial(h, dom, acc);
        assert_true(harness_wait_output(fd, acc, 0, "MARINA-GUEST-READY", 60000));
        close(fd);
    }
    con_pid = spawn_marinactl(h, &con_in, &con_out, console_args);
    assert_int_equal(write(con_in, line, strlen(line)), (ssize_t)strlen(line));
    assert_true(harness_wait_output(con_out, console, 0, "console-42", 20000));
    /* The scrollback came first: the ready line printed before we attached. */
    assert_non_null(strstr(console->str, "MARINA-GUEST-READY"));
    close(con_in); /* end of input: marinactl leaves */
    assert_int_equal(wait_exit(con_pid), 0);
    close(con_out);

    assert_true(marina_dbus_domain_call_suspend_sync(dom, NULL, &error));
    assert_true(harness_wait_output(ev_out, events, 0, "Suspended", 10000));
    assert_true(marina_dbus_domain_call_destroy_sync(dom, NULL, &error));
    assert_true(harness_wait_output(ev_out, events, 0, "Stopped Destroyed", 10000));
    kill(ev_pid, SIGTERM);
    wait_exit(ev_pid);
    close(ev_out);
}

static void
test_native_nodeinfo_version_autostart(void **state)
{
    Harness *h = *state;
    g_autofree char *dir = g_build_filename(h->dir, "x,y", NULL);
    g_autofree char *file = g_build_filename(h->dir, "ctl2.xml", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *devices = g_strdup_printf("    <disk type='file' device='disk'>\n"
                                               "      <source file='%s/d.qcow2'/>\n"
                                               "      <driver name='qemu' type='qcow2'/>\n"
                                               "      <target dev='vda' bus='virtio'/>\n"
                                               "    </disk>\n",
                                               dir);

    xml = harness_guest_xml("ctl2", devices);
    assert_true(g_file_set_contents(file, xml, -1, NULL));
    assert_int_equal(harness_marinactl(h, &out, &err, "domxml-to-native", file, NULL), 0);
    assert_non_null(strstr(out, "qemu-system-x86_64"));
    assert_non_null(strstr(out, "x,,y/d.qcow2")); /* the comma escaped for QEMU */
    assert_non_null(strstr(out, "accel=tcg"));
    g_clear_pointer(&out, g_free);

    assert_int_equal(harness_marinactl(h, &out, NULL, "nodeinfo", NULL), 0);
    assert_non_null(strstr(out, "CPU(s):"));
    assert_non_null(strstr(out, "Memory size:"));
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "version", NULL), 0);
    assert_non_null(strstr(out, PACKAGE_VERSION));
    g_clear_pointer(&out, g_free);

    assert_int_equal(harness_marinactl(h, &out, NULL, "define", file, NULL), 0);
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "autostart", "ctl2", NULL), 0);
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "dominfo", "ctl2", NULL), 0);
    assert_non_null(strstr(out, "Autostart:      enable"));
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "autostart", "ctl2", "--disable", NULL), 0);
    g_clear_pointer(&out, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "dominfo", "ctl2", NULL), 0);
    assert_non_null(strstr(out, "Autostart:      disable"));
    g_clear_pointer(&out, g_free);

    /* Errors: one line, exit status 1; usage errors exit 2. */
    assert_int_equal(harness_marinactl(h, NULL, &err, "start", "no-such-guest", NULL), 1);
    assert_non_null(strstr(err, "error:"));
    assert_null(strchr(strchr(err, '\n') + 1, '\n'));
    g_clear_pointer(&err, g_free);
    assert_int_equal(harness_marinactl(h, NULL, &err, "start", NULL), 2);
}

/* domxml-to-native for guests on virtual networks: what the session daemon
 * would run (the network's user-mode attachment), user-mode with a warning
 * for a network that is not running or not there. */
static void
test_native_network(void **state)
{
    Harness *h = *state;
    g_autofree char *file = g_build_filename(h->dir, "ctl-net.xml", NULL);
    g_autofree char *net_file = g_build_filename(h->dir, "ctl-lab.xml", NULL);
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *on_default = harness_guest_xml(
        "ctl-net", "    <interface type='network'><mac address='52:54:00:aa:01:01'/>"
                   "<source network='default'/></interface>\n");
    g_autofree char *on_lab = harness_guest_xml(
        "ctl-net", "    <interface type='network'><mac address='52:54:00:aa:01:02'/>"
                   "<source network='ctl-lab'/></interface>\n");
    g_autofree char *on_none = harness_guest_xml(
        "ctl-net", "    <interface type='network'><mac address='52:54:00:aa:01:03'/>"
                   "<source network='ctl-nonet'/></interface>\n");

    assert_true(g_file_set_contents(file, on_default, -1, NULL));
    assert_int_equal(harness_marinactl(h, &out, &err, "domxml-to-native", file, NULL), 0);
    assert_non_null(strstr(out, "-netdev user,id=hostnet0"));
    assert_non_null(strstr(out, "mac=52:54:00:aa:01:01"));
    assert_non_null(strstr(err, "network 'default', user-mode networking"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    assert_true(g_file_set_contents(net_file,
                                    "<network><name>ctl-lab</name><bridge name='mctllab0'/>"
                                    "<ip address='10.231.0.1' netmask='255.255.255.0'/></network>",
                                    -1, NULL));
    assert_int_equal(harness_marinactl(h, &out, NULL, "net-define", net_file, NULL), 0);
    g_clear_pointer(&out, g_free);
    assert_true(g_file_set_contents(file, on_lab, -1, NULL));
    assert_int_equal(harness_marinactl(h, &out, &err, "domxml-to-native", file, NULL), 0);
    assert_non_null(strstr(out, "-netdev user,id=hostnet0"));
    assert_non_null(strstr(err, "network 'ctl-lab' is not running"));
    assert_non_null(strstr(err, "net-start ctl-lab"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_int_equal(harness_marinactl(h, &out, NULL, "net-undefine", "ctl-lab", NULL), 0);
    g_clear_pointer(&out, g_free);

    assert_true(g_file_set_contents(file, on_none, -1, NULL));
    assert_int_equal(harness_marinactl(h, &out, &err, "domxml-to-native", file, NULL), 0);
    assert_non_null(strstr(out, "-netdev user,id=hostnet0"));
    assert_non_null(strstr(err, "no virtual network 'ctl-nonet'"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_console_from_a_pipe_and_events),
        cmocka_unit_test(test_native_nodeinfo_version_autostart),
        cmocka_unit_test(test_native_network),
    };

    return cmocka_run_group_tests(tests, harness_group_setup, harness_group_teardown);
}
