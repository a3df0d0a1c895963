/* Virtual networks in the daemon: the default network, define / start /
 * dumpxml / undefine, a guest on a network in a session (user-mode, with the
 * network's port forward), and on the system daemon inside a network
 * namespace this test makes: DHCP from the NAT network, a server beyond the
 * bridge, an isolated network, two guests on one network, a static DHCP host,
 * a daemon restart that adopts the network, and a stop that leaves nothing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "harness.h"
#include "marina-dbus.h"

#define BOOT_TIMEOUT_MS 60000
#define DHCP_TIMEOUT_MS 30000

static gboolean in_own_netns;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static MarinaDBusNetwork *
network_proxy(Harness *h, const char *path)
{
    g_autoptr(GError) error = NULL;
    MarinaDBusNetwork *net = marina_dbus_network_proxy_new_sync(
        h->conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, path, NULL, &error);

    assert_non_null(net);
    return net;
}

static MarinaDBusNetwork *
lookup_network(Harness *h, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;

    if (!marina_dbus_host_call_lookup_network_sync(h->host, name, &path, NULL, &error))
        fprintf(stderr, "LookupNetwork %s: %s\n", name, error->message);
    assert_non_null(path);
    return network_proxy(h, path);
}

static MarinaDBusNetwork *
define_network(Harness *h, const char *xml)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_auto(GStrv) warnings = NULL;

    if (!marina_dbus_host_call_define_network_sync(h->host, xml, &path, &warnings, NULL, &error))
        fprintf(stderr, "DefineNetwork: %s\n", error->message);
    assert_non_null(path);
    return network_proxy(h, path);
}

static GVariant *
network_info(MarinaDBusNetwork *net)
{
    g_autoptr(GError) error = NULL;
    GVariant *info = NULL;

    if (!marina_dbus_network_call_get_info_sync(net, &info, NULL, &error))
        fprintf(stderr, "GetInfo: %s\n", error->message);
    assert_non_null(info);
    return info;
}

static gboolean
info_bool(GVariant *info, const char *key)
{
    gboolean value = FALSE;

    assert_true(g_variant_lookup(info, key, "b", &value));
    return value;
}

static char *
info_string(GVariant *info, const char *key)
{
    char *value = NULL;

    assert_true(g_variant_lookup(info, key, "s", &value));
    return value;
}

static void
call_ok(gboolean ok, GError *error, const char *what)
{
    if (!ok)
        fprintf(stderr, "%s: %s\n", what, error != NULL ? error->message : "?");
    assert_true(ok);
}

static void
start_network(MarinaDBusNetwork *net)
{
    g_autoptr(GError) error = NULL;

    call_ok(marina_dbus_network_call_start_sync(net, NULL, &error), error, "Start");
}

static void
stop_network(MarinaDBusNetwork *net)
{
    g_autoptr(GError) error = NULL;

    call_ok(marina_dbus_network_call_stop_sync(net, NULL, &error), error, "Stop");
}

static void
update_network(MarinaDBusNetwork *net, const char *section, const char *xml, guint flags)
{
    g_autoptr(GError) error = NULL;

    call_ok(marina_dbus_network_call_update_sync(net, "add-last", section, -1, xml, flags, NULL,
                                                 &error),
            error, "Update");
}

static void
start_guest(MarinaDBusDomain *dom)
{
    g_autoptr(GError) error = NULL;

    call_ok(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error), error, "Start guest");
}

static char *
nic_xml(const char *network, const char *mac)
{
    return g_strdup_printf("    <interface type='network'><mac address='%s'/>"
                           "<source network='%s'/><model type='virtio'/></interface>\n",
                           mac, network);
}

/* Boots a guest with one NIC on @network and waits for its shell. */
static MarinaDBusDomain *
boot_guest(Harness *h, const char *name, const char *network, const char *mac, int *fd,
           GString *acc)
{
    g_autofree char *nic = nic_xml(network, mac);
    g_autofree char *xml = harness_guest_xml(name, nic);
    MarinaDBusDomain *dom = harness_define(h, xml);

    start_guest(dom);
    *fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(*fd, acc, 0, "MARINA-GUEST-READY", BOOT_TIMEOUT_MS));
    return dom;
}

/* The guest's IPv4 address on eth0 once it starts with @prefix (udhcpc runs
 * in the background from boot; asked again if it gave up). */
static char *
guest_address(int fd, GString *acc, const char *prefix)
{
    g_autofree char *needle = g_strconcat("inet ", prefix, NULL);
    gint64 end = g_get_monotonic_time() + (gint64)DHCP_TIMEOUT_MS * 1000;
    guint round = 0;

    while (g_get_monotonic_time() < end) {
        gsize from = acc->len;
        const char *hit;

        if (round++ % 8 == 7)
            harness_type_and_wait(fd, acc, "udhcpc -i eth0 -s /etc/udhcpc.script -n -q -t 3", "#",
                                  8000);
        from = acc->len;
        if (harness_type_and_wait(fd, acc, "ip -4 -o addr show dev eth0", needle, 1000)) {
            gsize at = strstr(acc->str + from, needle) - acc->str + 5;
            /* The rest of the address may still be on its way. */
            if (!harness_wait_output(fd, acc, at, "/", 3000))
                continue;
            hit = acc->str + at;
            return g_strndup(hit, strcspn(hit, "/ \r\n"));
        }
        harness_iterate(500);
    }
    return NULL;
}

static void
destroy_guest(MarinaDBusDomain *dom)
{
    if (dom != NULL)
        marina_dbus_domain_call_destroy_sync(dom, NULL, NULL);
}

/* ---------------------------------------------------------------------- */
/* Session daemon                                                         */

static void
test_default_network(void **state)
{
    Harness *h = *state;
    g_autoptr(MarinaDBusNetwork) net = NULL;
    g_autoptr(GVariant) list = NULL;
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *how = NULL;
    g_autofree char *detail = NULL;
    gboolean found = FALSE;
    GVariantIter iter;
    const char *path, *name, *bridge, *forward;
    gboolean active, autostart, persistent;

    assert_true(marina_dbus_host_call_list_networks_sync(h->host, &list, NULL, &error));
    g_variant_iter_init(&iter, list);
    while (g_variant_iter_next(&iter, "(&o&sbbb&s&s)", &path, &name, &active, &autostart,
                               &persistent, &bridge, &forward)) {
        if (!g_str_equal(name, "default"))
            continue;
        found = TRUE;
        assert_true(active);
        assert_true(autostart);
        assert_true(persistent);
        assert_string_equal(forward, "nat");
    }
    assert_true(found);
    net = lookup_network(h, "default");
    info = network_info(net);
    how = info_string(info, "how");
    detail = info_string(info, "how-detail");
    /* A host whose /etc/qemu/bridge.conf lets users join virbr0 uses the
     * bridge helper; elsewhere (CI) user-mode networking, which says why. */
    if (g_str_equal(how, "user"))
        assert_non_null(strstr(detail, "user-mode"));
    else
        assert_string_equal(how, "bridge-helper");
}

static const char lab_xml[] = "<network><name>lab</name>"
                              "<uuid>8a2f1c5e-1b2d-4c3e-9f00-1234567890ab</uuid>"
                              "<forward mode='nat'/>"
                              "<ip address='10.200.0.1' prefix='24'><dhcp>"
                              "<range start='10.200.0.10' end='10.200.0.99'/></dhcp></ip>"
                              "</network>";

static void
test_define_start_undefine(void **state)
{
    Harness *h = *state;
    g_autoptr(MarinaDBusNetwork) net = define_network(h, lab_xml);
    g_autoptr(MarinaDBusNetwork) clash = NULL;
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *path = NULL;

    info = network_info(net);
    assert_false(info_bool(info, "active"));
    assert_true(info_bool(info, "persistent"));
    g_clear_pointer(&info, g_variant_unref);

    start_network(net);
    info = network_info(net);
    assert_true(info_bool(info, "active"));
    g_clear_pointer(&info, g_variant_unref);
    assert_true(marina_dbus_network_call_get_xml_sync(net, 0, &xml, NULL, &error));
    assert_non_null(strstr(xml, "<name>lab</name>"));
    assert_non_null(strstr(xml, "10.200.0.10"));
    g_clear_pointer(&xml, g_free);

    /* Same name, another UUID: refused. */
    assert_false(marina_dbus_host_call_define_network_sync(
        h->host,
        "<network><name>lab</name><uuid>11111111-2222-3333-4444-555555555555</uuid></network>",
        NULL, NULL, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS));
    g_clear_error(&error);

    /* Overlapping a running network: defined, but it cannot start. */
    clash = define_network(h, "<network><name>lab2</name><ip address='10.200.0.129' "
                              "prefix='25'/></network>");
    assert_false(marina_dbus_network_call_start_sync(clash, NULL, &error));
    assert_non_null(error);
    assert_non_null(strstr(error->message, "lab"));
    g_clear_error(&error);

    /* A guest on a network that is not running does not start, and says why. */
    {
        g_autofree char *nic = nic_xml("lab2", "52:54:00:66:00:09");
        g_autofree char *gxml = harness_guest_xml("offnet", nic);
        g_autoptr(MarinaDBusDomain) dom = NULL;

        assert_true(marina_dbus_host_call_define_network_sync(
            h->host, "<network><name>lab2</name></network>", NULL, NULL, NULL, &error));
        dom = harness_define(h, gxml);
        assert_false(marina_dbus_domain_call_start_sync(dom, 0, NULL, &error));
        assert_non_null(error);
        assert_non_null(strstr(error->message, "marinactl net-start lab2"));
        g_clear_error(&error);
        assert_true(marina_dbus_domain_call_undefine_sync(dom, 0, NULL, &error));
    }
    assert_true(marina_dbus_network_call_undefine_sync(clash, NULL, &error));

    /* Undefined while running: transient until it stops, then gone. */
    assert_true(marina_dbus_network_call_undefine_sync(net, NULL, &error));
    info = network_info(net);
    assert_true(info_bool(info, "active"));
    assert_false(info_bool(info, "persistent"));
    stop_network(net);
    assert_false(marina_dbus_host_call_lookup_network_sync(h->host, "lab", &path, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_NETWORK));
}

/* Hostile or wrong requests are refused with their reason; nothing changes. */
static void
test_bad_requests(void **state)
{
    Harness *h = *state;
    g_autoptr(MarinaDBusNetwork) net = lookup_network(h, "default");
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) list = NULL;
    g_autofree char *big = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *path = NULL;
    GString *huge = g_string_new("<network><name>big</name><description>");

    while (huge->len < 300 * 1024)
        g_string_append(huge, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    g_string_append(huge, "</description></network>");
    big = g_string_free(huge, FALSE);
    assert_false(marina_dbus_host_call_define_network_sync(h->host, big, NULL, NULL, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    assert_false(marina_dbus_host_call_define_network_sync(
        h->host, "<network><name>a/b</name></network>", NULL, NULL, NULL, &error));
    assert_non_null(error);
    g_clear_error(&error);
    assert_false(marina_dbus_host_call_define_network_sync(h->host, "<network><name>x", NULL, NULL,
                                                           NULL, &error));
    assert_non_null(error);
    g_clear_error(&error);
    assert_false(marina_dbus_host_call_lookup_network_sync(h->host, "nope", &path, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_NO_SUCH_NETWORK));
    g_clear_error(&error);
    assert_false(marina_dbus_network_call_get_xml_sync(net, 8, &xml, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    assert_false(marina_dbus_network_call_update_sync(
        net, "add-last", "ip-dhcp-host", -1, "<host mac='52:54:00:00:00:09' ip='192.168.122.9'/>",
        4, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    assert_false(marina_dbus_network_call_update_sync(net, "add-last", "ip-dhcp-host", 1000,
                                                      "<host/>", 0, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    /* A DHCP host outside the network: the model refuses, nothing changes. */
    assert_false(marina_dbus_network_call_update_sync(
        net, "add-last", "ip-dhcp-host", -1, "<host mac='52:54:00:00:00:09' ip='10.9.9.9'/>", 3,
        NULL, &error));
    assert_non_null(error);
    g_clear_error(&error);
    assert_true(marina_dbus_network_call_get_xml_sync(net, 1, &xml, NULL, &error));
    assert_null(strstr(xml, "10.9.9.9"));
    assert_false(
        marina_dbus_network_call_get_dhcpleases_sync(net, "not-a-mac", &list, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    assert_false(marina_dbus_network_call_start_sync(net, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_RUNNING));
}

/* The host's interfaces and devices a guest may be given. */
static void
test_host_listings(void **state)
{
    Harness *h = *state;
    g_autoptr(GVariant) ifaces = NULL;
    g_autoptr(GVariant) usb = NULL;
    g_autoptr(GVariant) pci = NULL;
    g_autoptr(GError) error = NULL;
    gboolean have_lo = FALSE;

    assert_true(marina_dbus_host_call_list_host_interfaces_sync(h->host, &ifaces, NULL, &error));
    for (gsize i = 0; i < g_variant_n_children(ifaces); i++) {
        g_autoptr(GVariant) iface = g_variant_get_child_value(ifaces, i);
        const char *name = NULL, *kind = NULL;

        assert_true(g_variant_lookup(iface, "name", "&s", &name));
        assert_true(g_variant_lookup(iface, "kind", "&s", &kind));
        if (g_str_equal(name, "lo")) {
            have_lo = TRUE;
            assert_string_equal(kind, "loopback");
        }
    }
    assert_true(have_lo);
    assert_true(marina_dbus_host_call_list_host_devices_sync(h->host, "usb", &usb, NULL, &error));
    assert_true(marina_dbus_host_call_list_host_devices_sync(h->host, "pci", &pci, NULL, &error));
    for (gsize i = 0; i < g_variant_n_children(pci); i++) {
        g_autoptr(GVariant) dev = g_variant_get_child_value(pci, i);
        const char *name = NULL, *address = NULL;

        assert_true(g_variant_lookup(dev, "name", "&s", &name));
        assert_true(g_variant_lookup(dev, "address", "&s", &address));
        assert_true(g_str_has_prefix(name, "pci_"));
    }
    assert_false(marina_dbus_host_call_list_host_devices_sync(h->host, "scsi", &usb, NULL, &error));
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_INVALID_ARGUMENT));
}

static guint16
free_port(void)
{
    g_autoptr(GSocket) sock =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    assert_true(g_socket_bind(sock, any, TRUE, NULL));
    bound = g_socket_get_local_address(sock, NULL);
    return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

/* Connects to 127.0.0.1:@port until something answers; what it said. */
static char *
read_from_port(guint16 port, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (g_get_monotonic_time() < end) {
        g_autoptr(GSocketClient) client = g_socket_client_new();
        g_autoptr(GSocketConnection) conn = NULL;
        char buf[256] = "";
        gssize n;

        g_socket_client_set_timeout(client, 5);
        g_socket_client_set_enable_proxy(client, FALSE); /* loopback; libproxy aborts under ASan */
        conn = g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, NULL);
        if (conn != NULL) {
            n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), buf,
                                    sizeof buf - 1, NULL, NULL);
            if (n > 0)
                return g_strndup(buf, n);
        }
        harness_iterate(300);
    }
    return NULL;
}

static void
test_session_guest(void **state)
{
    Harness *h = *state;
    g_autoptr(MarinaDBusNetwork) net = lookup_network(h, "default");
    g_autoptr(GVariant) before = network_info(net);
    g_autofree char *how = info_string(before, "how");
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GVariant) guests = NULL;
    g_autofree char *address = NULL;
    g_autofree char *answer = NULL;
    g_autofree char *forward = NULL;
    g_autofree char *log = NULL;
    g_autofree char *log_path = NULL;
    guint16 port = free_port();
    int fd;

    if (!g_str_equal(how, "user")) {
        skip(); /* this host lets the session use its bridge */
        return;
    }
    forward = g_strdup_printf("<portForward proto='tcp' address='127.0.0.1'>"
                              "<range start='%u' end='%u' to='22'/></portForward>",
                              port, port);
    update_network(net, "port-forward", forward, 3);

    /* The usual virsh dumpxml interface: defines and starts in a session. */
    dom = boot_guest(h, "netguest", "default", "52:54:00:66:00:01", &fd, acc);
    address = guest_address(fd, acc, "10.0.2.");
    assert_non_null(address);
    assert_string_equal(address, "10.0.2.15");

    assert_true(harness_type_and_wait(fd, acc,
                                      "(while true; do nc -l -p 22 -e echo he\"\"llo; "
                                      "done) >/dev/null 2>&1 &",
                                      "#", 5000));
    answer = read_from_port(port, 20000);
    assert_non_null(answer);
    assert_non_null(strstr(answer, "hello"));

    info = network_info(net);
    guests = g_variant_lookup_value(info, "guests", G_VARIANT_TYPE_STRING_ARRAY);
    assert_non_null(guests);
    assert_int_equal(g_variant_n_children(guests), 1);
    log_path = g_build_filename(h->state_dir, "log", "netguest.log", NULL);
    assert_true(g_file_get_contents(log_path, &log, NULL, NULL));
    assert_non_null(strstr(log, "user-mode networking"));

    destroy_guest(dom);
    close(fd);
}

/* ---------------------------------------------------------------------- */
/* System daemon in this test's network namespace                         */

typedef struct {
    Harness *h;
    char *conf;
    char *outside; /* named netns beyond the bridge */
    GPid httpd;
} SystemFixture;

static SystemFixture sys;

static void
start_system_daemon(Harness *h)
{
    g_autofree char *ro = g_strconcat(h->socket, "-ro", NULL);
    g_autofree char *text = g_strdup_printf("[marinad]\nunix-socket-path=%s\n"
                                            "unix-socket-ro-path=%s\nstats-interval-ms=0\n",
                                            h->socket, ro);
    const char *argv[] = {g_getenv("MARINAD"), "--system",   "--config", sys.conf,
                          "--state-dir",       h->state_dir, "-v",       NULL};
    g_autofree char *log = g_build_filename(h->dir, "marinad.log", NULL);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    g_autoptr(GError) error = NULL;

    g_unlink(h->socket);
    assert_true(g_file_set_contents(sys.conf, text, -1, NULL));
    assert_true(g_spawn_async_with_fds(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                       NULL, &h->daemon_pid, -1, fd, fd, &error));
    close(fd);
    for (int i = 0; i < 500 && !g_file_test(h->socket, G_FILE_TEST_EXISTS); i++)
        g_usleep(20000);
    harness_connect(h);
}

static int sh(const char *format, ...) G_GNUC_PRINTF(1, 2);

static int
sh(const char *format, ...)
{
    va_list args;
    g_autofree char *cmd = NULL;
    int status;

    va_start(args, format);
    cmd = g_strdup_vprintf(format, args);
    va_end(args);
    status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A namespace beyond the bridge: veth mnetd0 (10.77.0.1) to its eth0
 * (10.77.0.2), where busybox httpd answers on port 8080. */
static void
make_outside(void)
{
    g_autofree char *www = g_build_filename(sys.h->dir, "www", NULL);
    g_autofree char *index = g_build_filename(www, "index.html", NULL);
    g_autofree char *ns_exec = NULL;

    sys.outside = g_strdup_printf("marina-netd-%08x", g_random_int());
    assert_int_equal(sh("ip netns add %s && ip -n %s link set lo up", sys.outside, sys.outside), 0);
    assert_int_equal(sh("ip link add mnetd0 type veth peer name eth0 netns %s && "
                        "ip addr add 10.77.0.1/24 dev mnetd0 && ip link set mnetd0 up && "
                        "ip -n %s addr add 10.77.0.2/24 dev eth0 && ip -n %s link set eth0 up && "
                        "ip -n %s route add default via 10.77.0.1",
                        sys.outside, sys.outside, sys.outside, sys.outside),
                     0);
    g_mkdir_with_parents(www, 0755);
    assert_true(g_file_set_contents(index, "hello-outside\n", -1, NULL));
    {
        const char *argv[] = {"ip", "netns", "exec", sys.outside, "busybox", "httpd",
                              "-f", "-p",    "8080", "-h",        www,       NULL};
        assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                  G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &sys.httpd, NULL));
    }
}

/* PIDs of dnsmasq processes serving this test's state directory. */
static GArray *
our_dnsmasqs(void)
{
    GArray *pids = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *entry;

    while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
        g_autofree char *path = g_build_filename("/proc", entry, "cmdline", NULL);
        g_autofree char *cmdline = NULL;
        gsize len;
        int pid = atoi(entry);

        if (pid <= 0 || !g_file_get_contents(path, &cmdline, &len, NULL) || len == 0)
            continue;
        for (gsize i = 0; i + 1 < len; i++)
            if (cmdline[i] == '\0')
                cmdline[i] = ' ';
        if (strstr(cmdline, "dnsmasq") != NULL && strstr(cmdline, sys.h->state_dir) != NULL)
            g_array_append_val(pids, pid);
    }
    return pids;
}

static int
system_setup(void **state)
{
    if (!in_own_netns)
        return 0;
    {
        g_autofree char *cmd = NULL;

        sys.h = harness_new();
        /* harness_new() starts a session daemon: a system one replaces it, on
         * an empty state directory (its first start). */
        harness_stop_daemon(sys.h, SIGTERM);
        cmd = g_strdup_printf("rm -rf '%s'", sys.h->state_dir);
        assert_int_equal(system(cmd), 0);
        sys.conf = g_build_filename(sys.h->dir, "marinad.conf", NULL);
        make_outside();
        start_system_daemon(sys.h);
    }
    *state = sys.h;
    return 0;
}

static int
system_teardown(void **state)
{
    g_autoptr(GArray) pids = NULL;

    if (!in_own_netns)
        return 0;
    harness_stop_daemon(sys.h, SIGTERM);
    /* The daemon leaves networks running by design: this test's go now. */
    pids = our_dnsmasqs();
    for (guint i = 0; i < pids->len; i++)
        kill(g_array_index(pids, int, i), SIGKILL);
    if (sys.httpd > 0) {
        kill(sys.httpd, SIGTERM);
        waitpid(sys.httpd, NULL, 0);
    }
    if (sys.outside != NULL)
        sh("ip netns del %s", sys.outside);
    sh("ip link del mnetd0 2>/dev/null");
    harness_free(sys.h);
    g_free(sys.conf);
    g_free(sys.outside);
    return 0;
}

static gboolean
guest_fetches(int fd, GString *acc)
{
    gsize from = acc->len;
    gboolean ok = harness_type_and_wait(fd, acc,
                                        "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | "
                                        "nc -w 3 10.77.0.2 8080",
                                        "hello-outside", 8000);

    if (!ok && g_getenv("MARINA_TEST_KEEP") != NULL) {
        harness_type_and_wait(fd, acc, "ip route; cat /etc/resolv.conf", "#", 3000);
        fprintf(stderr, "guest console:\n%s\n", acc->str + from);
    }
    return ok;
}

static void
test_system_networks(void **state)
{
    Harness *h = *state;
    g_autoptr(MarinaDBusNetwork) def = NULL;
    g_autoptr(MarinaDBusNetwork) iso = NULL;
    g_autoptr(MarinaDBusDomain) g1 = NULL, g2 = NULL, g3 = NULL;
    g_autoptr(GString) acc1 = g_string_new(NULL);
    g_autoptr(GString) acc2 = g_string_new(NULL);
    g_autoptr(GString) acc3 = g_string_new(NULL);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GVariant) leases = NULL;
    g_autoptr(GArray) pids = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *a1 = NULL, *a2 = NULL, *a3 = NULL, *bridge = NULL, *ping = NULL;
    int fd1, fd2, fd3;
    guint last;

    if (!in_own_netns) {
        skip();
        return;
    }
    def = lookup_network(h, "default");
    assert_true(HARNESS_WAIT_FOR(({
                                     g_autoptr(GVariant) i = network_info(def);
                                     info_bool(i, "active");
                                 }),
                                 10000));
    info = network_info(def);
    bridge = info_string(info, "bridge");
    assert_string_equal(bridge, "virbr0");
    g_clear_pointer(&info, g_variant_unref);

    /* The read-only socket reads networks and changes none. */
    {
        g_autofree char *ro = g_strconcat(h->socket, "-ro", NULL);
        g_autofree char *escaped = g_dbus_address_escape_value(ro);
        g_autofree char *address = g_strconcat("unix:path=", escaped, NULL);
        g_autoptr(GDBusConnection) conn = g_dbus_connection_new_for_address_sync(
            address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, NULL);
        g_autoptr(MarinaDBusNetwork) ro_net = NULL;
        g_autoptr(GVariant) ro_info = NULL;

        assert_non_null(conn);
        ro_net = marina_dbus_network_proxy_new_sync(
            conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
            g_dbus_proxy_get_object_path(G_DBUS_PROXY(def)), NULL, NULL);
        assert_true(marina_dbus_network_call_get_info_sync(ro_net, &ro_info, NULL, NULL));
        assert_false(marina_dbus_network_call_stop_sync(ro_net, NULL, &error));
        assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_READ_ONLY));
        g_clear_error(&error);
    }

    /* A static host, live and in the definition, before its guest boots. */
    update_network(def, "ip-dhcp-host", "<host mac='52:54:00:77:00:02' ip='192.168.122.50'/>", 3);

    /* NAT: a lease in the range, and a server beyond the bridge. */
    g1 = boot_guest(h, "sys1", "default", "52:54:00:77:00:01", &fd1, acc1);
    a1 = guest_address(fd1, acc1, "192.168.122.");
    assert_non_null(a1);
    last = (guint)atoi(a1 + strlen("192.168.122."));
    assert_true(last >= 2 && last <= 254);
    assert_true(guest_fetches(fd1, acc1));
    /* Its tap has a name the running definition shows (domiflist), and the
     * network lists the guest. */
    {
        g_autofree char *live = NULL;
        g_autoptr(GVariant) guests = NULL;

        assert_true(marina_dbus_domain_call_get_xml_sync(g1, 0, &live, NULL, &error));
        assert_non_null(strstr(live, "<target dev=\"vnet"));
        info = network_info(def);
        guests = g_variant_lookup_value(info, "guests", G_VARIANT_TYPE_STRING_ARRAY);
        assert_non_null(guests);
        assert_int_equal(g_variant_n_children(guests), 1);
        g_clear_pointer(&info, g_variant_unref);
    }

    /* The static host gets its address; the two guests reach each other. */
    g2 = boot_guest(h, "sys2", "default", "52:54:00:77:00:02", &fd2, acc2);
    a2 = guest_address(fd2, acc2, "192.168.122.");
    assert_non_null(a2);
    assert_string_equal(a2, "192.168.122.50");
    ping = g_strdup_printf("ping -c 1 -W 2 %s && echo ping-o\"\"k", a1);
    assert_true(harness_type_and_wait(fd2, acc2, ping, "ping-ok", 10000));
    assert_true(marina_dbus_network_call_get_dhcpleases_sync(def, "52:54:00:77:00:02", &leases,
                                                             NULL, &error));
    assert_int_equal(g_variant_n_children(leases), 1);
    destroy_guest(g2);
    close(fd2);

    /* A restarted daemon adopts the network; the guest keeps its connection. */
    harness_stop_daemon(h, SIGKILL);
    start_system_daemon(h);
    g_clear_object(&def);
    def = lookup_network(h, "default");
    info = network_info(def);
    assert_true(info_bool(info, "active"));
    g_clear_pointer(&bridge, g_free);
    bridge = info_string(info, "bridge");
    assert_string_equal(bridge, "virbr0");
    g_clear_pointer(&info, g_variant_unref);
    {
        g_autofree char *path = g_strdup(g_dbus_proxy_get_object_path(G_DBUS_PROXY(g1)));
        g_clear_object(&g1);
        g1 = harness_domain(h, NULL, path);
    }
    close(fd1);
    fd1 = harness_open_serial(h, g1, acc1);
    assert_true(guest_fetches(fd1, acc1));
    {
        g_autofree char *live = NULL;

        /* The re-attached guest still knows its tap. */
        assert_true(marina_dbus_domain_call_get_xml_sync(g1, 0, &live, NULL, &error));
        assert_non_null(strstr(live, "<target dev=\"vnet"));
    }

    /* Isolated: an address from its own DHCP, nothing beyond the bridge. */
    iso = define_network(h, "<network><name>iso</name><bridge name='mnetiso0'/>"
                            "<ip address='10.78.0.1' prefix='24'><dhcp>"
                            "<range start='10.78.0.10' end='10.78.0.20'/></dhcp></ip></network>");
    start_network(iso);
    g3 = boot_guest(h, "sys3", "iso", "52:54:00:77:00:03", &fd3, acc3);
    a3 = guest_address(fd3, acc3, "10.78.0.");
    assert_non_null(a3);
    assert_false(guest_fetches(fd3, acc3));
    destroy_guest(g3);
    close(fd3);
    destroy_guest(g1);
    close(fd1);

    /* Stopped: no bridge, no dnsmasq, no nftables table is left. */
    stop_network(iso);
    stop_network(def);
    assert_int_not_equal(sh("ip link show virbr0 >/dev/null 2>&1"), 0);
    assert_int_not_equal(sh("ip link show mnetiso0 >/dev/null 2>&1"), 0);
    assert_int_not_equal(sh("nft list table inet marina-net-virbr0 >/dev/null 2>&1"), 0);
    assert_int_not_equal(sh("nft list table inet marina-net-mnetiso0 >/dev/null 2>&1"), 0);
    assert_true(HARNESS_WAIT_FOR(({
                                     g_autoptr(GArray) p = our_dnsmasqs();
                                     p->len == 0;
                                 }),
                                 5000));
    pids = our_dnsmasqs();
    assert_int_equal(pids->len, 0);
}

int
main(void)
{
    const struct CMUnitTest session_tests[] = {
        cmocka_unit_test(test_default_network), cmocka_unit_test(test_define_start_undefine),
        cmocka_unit_test(test_bad_requests),    cmocka_unit_test(test_host_listings),
        cmocka_unit_test(test_session_guest),
    };
    const struct CMUnitTest system_tests[] = {
        cmocka_unit_test(test_system_networks),
    };
    int rc;

    /* The system daemon's bridges, dnsmasq and nftables stay in a network
     * namespace of this test's own (and vanish with it). */
    if (getuid() == 0 && unshare(CLONE_NEWNET) == 0) {
        in_own_netns = system("ip link set lo up") == 0;
        if (!in_own_netns)
            fprintf(stderr, "cannot bring up lo in a new network namespace\n");
    } else {
        fprintf(stderr, "not root or no network namespace: system daemon tests skipped\n");
    }
    rc = cmocka_run_group_tests_name("session", session_tests, harness_group_setup,
                                     harness_group_teardown);
    rc |= cmocka_run_group_tests_name("system", system_tests, system_setup, system_teardown);
    return rc;
}
