/* domifaddr on the system daemon, inside this test's own network namespace: a guest on the
 * NAT network 'default' gets a DHCP lease, and `marinactl domifaddr` shows the address from
 * the lease (with the network's prefix and name) and from the host's ARP table. Skipped when
 * not root or without network namespaces. */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define BOOT_TIMEOUT_MS 60000
#define DHCP_TIMEOUT_MS 40000
#define GUEST_MAC "52:54:00:77:10:01"

static gboolean in_own_netns;
static char *conf_path;

static void
start_system_daemon(Harness *h)
{
    g_autofree char *ro = g_strconcat(h->socket, "-ro", NULL);
    g_autofree char *text = g_strdup_printf("[marinad]\nunix-socket-path=%s\n"
                                            "unix-socket-ro-path=%s\nstats-interval-ms=0\n",
                                            h->socket, ro);
    const char *argv[] = {g_getenv("MARINAD"), "--system",   "--config", conf_path,
                          "--state-dir",       h->state_dir, "-v",       NULL};
    g_autofree char *log = g_build_filename(h->dir, "marinad.log", NULL);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    g_autoptr(GError) error = NULL;

    g_unlink(h->socket);
    assert_true(g_file_set_contents(conf_path, text, -1, NULL));
    assert_true(g_spawn_async_with_fds(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                       NULL, &h->daemon_pid, -1, fd, fd, &error));
    close(fd);
    for (int i = 0; i < 500 && !g_file_test(h->socket, G_FILE_TEST_EXISTS); i++)
        g_usleep(20000);
    harness_connect(h);
}

/* The dnsmasq processes serving @h's state directory (the daemon leaves networks running). */
static void
kill_our_dnsmasqs(Harness *h)
{
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
        if (strstr(cmdline, "dnsmasq") != NULL && strstr(cmdline, h->state_dir) != NULL)
            kill(pid, SIGKILL);
    }
}

static int
setup(void **state)
{
    Harness *h;
    g_autofree char *cmd = NULL;

    if (!in_own_netns)
        return 0;
    h = harness_new();
    /* A system daemon replaces the session one harness_new() started, on an empty state
     * directory (its first start defines and starts 'default'). */
    harness_stop_daemon(h, SIGTERM);
    cmd = g_strdup_printf("rm -rf '%s'", h->state_dir);
    assert_int_equal(system(cmd), 0);
    conf_path = g_build_filename(h->dir, "marinad.conf", NULL);
    start_system_daemon(h);
    *state = h;
    return 0;
}

static int
teardown(void **state)
{
    Harness *h = *state;

    if (!in_own_netns)
        return 0;
    harness_stop_daemon(h, SIGTERM);
    kill_our_dnsmasqs(h);
    harness_free(h);
    g_clear_pointer(&conf_path, g_free);
    return 0;
}

static gboolean
default_network_active(Harness *h)
{
    g_autofree char *path = NULL;
    g_autoptr(MarinaDBusNetwork) net = NULL;
    g_autoptr(GVariant) info = NULL;
    gboolean active = FALSE;

    if (!marina_dbus_host_call_lookup_network_sync(h->host, "default", &path, NULL, NULL))
        return FALSE;
    net = marina_dbus_network_proxy_new_sync(h->conn, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                                             path, NULL, NULL);
    if (net == NULL || !marina_dbus_network_call_get_info_sync(net, &info, NULL, NULL))
        return FALSE;
    g_variant_lookup(info, "active", "b", &active);
    return active;
}

/* The guest's IPv4 address on eth0 in 192.168.122.0/24 (udhcpc runs from boot; asked again
 * when it gave up). */
static char *
guest_address(int fd, GString *acc)
{
    const char *needle = "inet 192.168.122.";
    gint64 end = g_get_monotonic_time() + (gint64)DHCP_TIMEOUT_MS * 1000;
    guint round = 0;

    while (g_get_monotonic_time() < end) {
        gsize from;

        if (round++ % 8 == 7)
            harness_type_and_wait(fd, acc, "udhcpc -i eth0 -s /etc/udhcpc.script -n -q -t 3", "#",
                                  8000);
        from = acc->len;
        /* The whole address: up to the "/24" that follows it (output comes in pieces). */
        if (harness_type_and_wait(fd, acc, "ip -4 -o addr show dev eth0", needle, 1000) &&
            harness_wait_output(fd, acc, from, "/24", 2000)) {
            const char *hit = strstr(acc->str + from, needle) + strlen("inet ");
            return g_strndup(hit, strcspn(hit, "/ \r\n"));
        }
        harness_iterate(500);
    }
    return NULL;
}

static void
test_domifaddr_lease_and_arp(void **state)
{
    Harness *h = *state;
    g_autofree char *xml = NULL, *address = NULL, *ping = NULL, *expect = NULL;
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(MarinaDBusDomain) dom = NULL;
    g_autoptr(GString) acc = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ifaces = NULL;
    GVariantIter iter;
    GVariant *iface;
    gboolean named = FALSE;
    int fd;

    if (!in_own_netns) {
        skip();
        return;
    }
    assert_true(HARNESS_WAIT_FOR(default_network_active(h), 10000));
    xml =
        harness_guest_xml("tune-lease", "    <interface type='network'><source network='default'/>"
                                        "<mac address='" GUEST_MAC "'/>"
                                        "<model type='virtio'/></interface>\n");
    dom = harness_define(h, xml);
    if (!marina_dbus_domain_call_start_sync(dom, 0, NULL, &error))
        fail_msg("start: %s", error->message);
    fd = harness_open_serial(h, dom, acc);
    assert_true(harness_wait_output(fd, acc, 0, "MARINA-GUEST-READY", BOOT_TIMEOUT_MS));
    address = guest_address(fd, acc);
    if (address == NULL)
        fail_msg("the guest got no DHCP address: %s", acc->str);

    /* From the lease: the address with the network's prefix, and the network named. */
    expect = g_strdup_printf("ipv4         %s/24", address);
    assert_int_equal(harness_marinactl(h, &out, &err, "domifaddr", "tune-lease", NULL), 0);
    if (strstr(out, expect) == NULL || strstr(out, GUEST_MAC) == NULL)
        fail_msg("domifaddr (lease):\n%s\nexpected '%s'", out, expect);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_true(
        marina_dbus_domain_call_get_interface_addresses_sync(dom, "lease", &ifaces, NULL, &error));
    g_variant_iter_init(&iter, ifaces);
    while ((iface = g_variant_iter_next_value(&iter)) != NULL) {
        const char *network = NULL;

        if (g_variant_lookup(iface, "network", "&s", &network))
            named = named || g_str_equal(network, "default");
        g_variant_unref(iface);
    }
    assert_true(named);

    /* From the host's ARP table, once the guest has talked to the host. */
    ping = g_strdup_printf("ping -c 1 -W 2 192.168.122.1 && echo ping-o\"\"k");
    assert_true(harness_type_and_wait(fd, acc, ping, "ping-ok", 10000));
    g_free(expect);
    expect = g_strdup_printf("ipv4         %s/0", address);
    assert_int_equal(
        harness_marinactl(h, &out, &err, "domifaddr", "tune-lease", "--source", "arp", NULL), 0);
    if (strstr(out, expect) == NULL)
        fail_msg("domifaddr --source arp:\n%s\nexpected '%s'", out, expect);

    close(fd);
    marina_dbus_domain_call_destroy_sync(dom, NULL, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domifaddr_lease_and_arp),
    };

    /* The system daemon's bridge, dnsmasq and nftables stay in this test's own network
     * namespace. */
    if (getuid() == 0 && unshare(CLONE_NEWNET) == 0) {
        in_own_netns = system("ip link set lo up") == 0;
        if (!in_own_netns)
            fprintf(stderr, "cannot bring up lo in a new network namespace\n");
    } else {
        fprintf(stderr, "not root or no network namespace: skipped\n");
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
