/* The network registry as a per-user daemon keeps it (no bridges): define
 * and redefine rules, start and its conflicts, undefine of a running
 * network, what survives a restart, update flags, and how a guest interface
 * attaches (user-mode with the port forwards meant for it). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>

#include "core/error.h"
#include "network-registry.h"

typedef struct {
    char *dir;
    MarinaDaemonConfig config;
    MarinaNetworkRegistry *registry;
    gboolean done;
    GError *error;
} Fixture;

static void
on_done(MarinaDaemonNetwork *network, const GError *error, gpointer data)
{
    Fixture *f = data;

    f->done = TRUE;
    g_clear_error(&f->error);
    if (error != NULL)
        f->error = g_error_copy(error);
}

static void
on_loaded(gpointer data)
{
    ((Fixture *)data)->done = TRUE;
}

/* Session operations complete at once; the loop is turned anyway. */
static void
wait_done(Fixture *f)
{
    for (int i = 0; i < 1000 && !f->done; i++)
        g_main_context_iteration(NULL, FALSE);
    assert_true(f->done);
    f->done = FALSE;
}

static void
new_registry(Fixture *f)
{
    f->registry = marina_network_registry_new(&f->config, NULL, NULL);
    marina_network_registry_load(f->registry, on_loaded, f);
    wait_done(f);
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    (void)marina_error_quark();
    f->dir = g_dir_make_tmp("mnetreg-XXXXXX", NULL);
    f->config.state_dir = g_build_filename(f->dir, "st", NULL);
    f->config.runtime_dir = g_build_filename(f->dir, "run", NULL);
    new_registry(f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    marina_network_registry_free(f->registry);
    /* Networks let go from idles. */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    assert_int_equal(system(cmd), 0);
    g_clear_error(&f->error);
    g_free(f->config.state_dir);
    g_free(f->config.runtime_dir);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static MarinaDaemonNetwork *
define(Fixture *f, const char *xml)
{
    g_autoptr(GError) error = NULL;
    MarinaDaemonNetwork *network = marina_network_registry_define(f->registry, xml, NULL, &error);

    if (network == NULL)
        fprintf(stderr, "define: %s\n", error->message);
    assert_non_null(network);
    return network;
}

static void
start(Fixture *f, MarinaDaemonNetwork *network)
{
    marina_network_registry_start(f->registry, network, on_done, f);
    wait_done(f);
}

static const char lab[] = "<network><name>lab</name>"
                          "<uuid>0b7d4c1e-2a34-4f5a-8b6c-7d8e9f001122</uuid>"
                          "<ip address='10.50.0.1' prefix='24'><dhcp>"
                          "<range start='10.50.0.10' end='10.50.0.50'/>"
                          "<host mac='52:54:00:aa:00:01' ip='10.50.0.5'/></dhcp></ip>"
                          "<portForward proto='tcp'><range start='8022' to='22'/></portForward>"
                          "<portForward proto='udp' address='127.0.0.1' guest='10.50.0.5'>"
                          "<range start='5000' end='5001' to='6000'/></portForward>"
                          "</network>";

static void
test_default_on_first_start(void **state)
{
    Fixture *f = *state;
    MarinaDaemonNetwork *def = marina_network_registry_lookup(f->registry, "default");

    assert_non_null(def);
    assert_true(marina_daemon_network_is_active(def));
    assert_true(marina_daemon_network_get_autostart(def));
    assert_true(marina_daemon_network_is_persistent(def));
    assert_string_equal(marina_daemon_network_get_object_path(def),
                        "/org/marinavm/Marina1/network/default");
}

static void
test_define_rules(void **state)
{
    Fixture *f = *state;
    MarinaDaemonNetwork *net = define(f, lab);
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;

    assert_ptr_equal(
        marina_network_registry_lookup(f->registry, "0B7D4C1E-2A34-4F5A-8B6C-7D8E9F001122"), net);
    /* Same name, another UUID; same UUID, another name: both refused. */
    assert_null(marina_network_registry_define(
        f->registry,
        "<network><name>lab</name><uuid>00000000-0000-4000-8000-000000000001</uuid></network>",
        NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS));
    g_clear_error(&error);
    assert_null(marina_network_registry_define(
        f->registry,
        "<network><name>lab-b</name><uuid>0b7d4c1e-2a34-4f5a-8b6c-7d8e9f001122</uuid></network>",
        NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS));
    g_clear_error(&error);

    /* Running: a redefinition (no <uuid>: the network keeps its own) waits
     * for the next start. */
    start(f, net);
    assert_null(f->error);
    assert_ptr_equal(define(f, "<network><name>lab</name><ip address='10.51.0.1' "
                               "prefix='24'/></network>"),
                     net);
    xml = marina_daemon_network_get_xml(net, FALSE);
    assert_non_null(strstr(xml, "10.50.0.1"));
    g_free(xml);
    xml = marina_daemon_network_get_xml(net, TRUE);
    assert_non_null(strstr(xml, "10.51.0.1"));
    assert_non_null(strstr(xml, "0b7d4c1e-2a34-4f5a-8b6c-7d8e9f001122"));
}

static void
test_start_conflicts(void **state)
{
    Fixture *f = *state;
    MarinaDaemonNetwork *net = define(f, "<network><name>clash</name>"
                                         "<ip address='192.168.122.200' prefix='25'/></network>");

    start(f, net);
    assert_non_null(f->error);
    assert_non_null(strstr(f->error->message, "default"));
    assert_false(marina_daemon_network_is_active(net));
    start(f, marina_network_registry_lookup(f->registry, "default"));
    assert_true(g_error_matches(f->error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING));
}

static void
test_undefine_running_and_restart(void **state)
{
    Fixture *f = *state;
    MarinaDaemonNetwork *net = define(f, lab);
    g_autoptr(GError) error = NULL;

    start(f, net);
    assert_true(marina_network_registry_set_autostart(f->registry, net, TRUE, &error));
    assert_true(marina_network_registry_undefine(f->registry, net, &error));
    assert_true(marina_daemon_network_is_active(net));
    assert_false(marina_daemon_network_is_persistent(net));
    assert_false(marina_network_registry_set_autostart(f->registry, net, TRUE, &error));
    g_clear_error(&error);

    /* A restarted daemon finds the running transient network and 'default'. */
    marina_network_registry_free(f->registry);
    new_registry(f);
    net = marina_network_registry_lookup(f->registry, "lab");
    assert_non_null(net);
    assert_true(marina_daemon_network_is_active(net));
    assert_false(marina_daemon_network_is_persistent(net));
    assert_true(
        marina_daemon_network_is_active(marina_network_registry_lookup(f->registry, "default")));

    /* Stopped, a transient network is gone. */
    marina_network_registry_stop(f->registry, net, on_done, f);
    wait_done(f);
    assert_null(f->error);
    assert_null(marina_network_registry_lookup(f->registry, "lab"));
}

static void
test_update_flags(void **state)
{
    Fixture *f = *state;
    MarinaDaemonNetwork *net = define(f, lab);
    const char *host = "<host mac='52:54:00:aa:00:02' ip='10.50.0.6'/>";
    g_autofree char *xml = NULL;

    /* Live on a stopped network: refused. Current = config. */
    marina_network_registry_update(f->registry, net, "add-last", "ip-dhcp-host", -1, host, 1,
                                   on_done, f);
    wait_done(f);
    assert_non_null(f->error);
    marina_network_registry_update(f->registry, net, "add-last", "ip-dhcp-host", -1, host, 0,
                                   on_done, f);
    wait_done(f);
    assert_null(f->error);
    xml = marina_daemon_network_get_xml(net, TRUE);
    assert_non_null(strstr(xml, "10.50.0.6"));
    marina_network_registry_update(f->registry, net, "add-last", "ip-dhcp-host", -1, host, 8,
                                   on_done, f);
    wait_done(f);
    assert_true(g_error_matches(f->error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
}

static MarinaInterfaceConfig *
iface_on(const char *network, const char *mac)
{
    MarinaInterfaceConfig *iface = g_new0(MarinaInterfaceConfig, 1);

    iface->type = MARINA_NET_TYPE_NETWORK;
    iface->source = g_strdup(network);
    iface->mac = g_strdup(mac);
    return iface;
}

static void
iface_free(MarinaInterfaceConfig *iface)
{
    g_free(iface->source);
    g_free(iface->mac);
    g_free(iface);
}

static void
test_attach_user_mode(void **state)
{
    Fixture *f = *state;
    MarinaDaemonNetwork *net = define(f, lab);
    MarinaInterfaceConfig *static_host = iface_on("lab", "52:54:00:aa:00:01");
    MarinaInterfaceConfig *other = iface_on("lab", "52:54:00:aa:00:09");
    MarinaInterfaceConfig *missing = iface_on("nowhere", "52:54:00:aa:00:09");
    MarinaNetAttachment a;
    g_autoptr(GError) error = NULL;

    /* Not running: refused with what to do. */
    assert_false(marina_network_registry_attach(f->registry, other, &a, &error));
    assert_non_null(strstr(error->message, "marinactl net-start lab"));
    g_clear_error(&error);
    assert_false(marina_network_registry_attach(f->registry, missing, &a, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_NETWORK));
    g_clear_error(&error);

    start(f, net);
    /* The static host's interface gets every forward, the other one only
     * the forward that names no guest. */
    assert_true(marina_network_registry_attach(f->registry, static_host, &a, &error));
    assert_int_equal(a.kind, MARINA_NET_ATTACH_USER);
    assert_int_equal(a.tap_fd, -1);
    assert_string_equal(a.netdev, "user,hostfwd=tcp::8022-:22,hostfwd=udp:127.0.0.1:5000-:6000,"
                                  "hostfwd=udp:127.0.0.1:5001-:6001");
    assert_int_equal(g_strv_length(a.hostfwd), 3);
    assert_non_null(strstr(a.detail, "user-mode"));
    marina_net_attachment_clear(&a);
    assert_true(marina_network_registry_attach(f->registry, other, &a, &error));
    assert_string_equal(a.netdev, "user,hostfwd=tcp::8022-:22");
    marina_net_attachment_clear(&a);
    iface_free(static_host);
    iface_free(other);
    iface_free(missing);
}

/* The test driver's registry: even as the system daemon it makes nothing
 * and writes nothing. */
static void
test_in_memory(void **state)
{
    Fixture *f = *state;
    MarinaDaemonConfig config = f->config;
    MarinaNetworkRegistry *registry;
    MarinaNetworkRegistry *saved = f->registry;
    g_autofree char *dir = g_build_filename(f->dir, "mem", NULL);
    MarinaDaemonNetwork *net;

    config.system = TRUE;
    config.state_dir = dir;
    config.runtime_dir = dir;
    registry = marina_network_registry_new(&config, NULL, NULL);
    marina_network_registry_keep_in_memory(registry);
    f->registry = registry;
    marina_network_registry_load(registry, on_loaded, f);
    wait_done(f);
    assert_true(
        marina_daemon_network_is_active(marina_network_registry_lookup(registry, "default")));
    net = define(f, "<network><name>mem</name><bridge name='mnetmem0'/>"
                    "<ip address='10.60.0.1' prefix='24'/></network>");
    start(f, net);
    assert_null(f->error);
    assert_true(marina_daemon_network_is_active(net));
    assert_false(g_file_test("/sys/class/net/mnetmem0", G_FILE_TEST_EXISTS));
    assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
    marina_network_registry_free(registry);
    f->registry = saved;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_on_first_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_define_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undefine_running_and_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attach_user_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_memory, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
