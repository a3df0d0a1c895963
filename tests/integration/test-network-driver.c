/* The network driver on a real kernel: bridges, dnsmasq, nftables tables and
 * a DHCP exchange. The test moves itself into a new network namespace first
 * (it runs as root), so every bridge, address and rule lives there and dies
 * with the process; the dnsmasq processes it starts are killed in each
 * test's teardown whatever happened. No guest, no daemon. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/net-config-fixture.h"
#include "core/error.h"
#include "network-driver-private.h"

typedef MarinaNetworkConfig MarinaNetworkConfigFixture;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MarinaNetworkConfigFixture, fixture_config_free)

static char *run_dir;

/* What a test started, stopped in its teardown if the test did not. */
typedef struct {
    GPtrArray *runtimes; /* MarinaNetRuntime* */
    GPtrArray *links;    /* char*: veth / dummy links the test made */
    GPtrArray *netns;    /* char*: named namespaces (guest, outside) */
    GArray *pids;        /* GPid: servers the test started */
} Fixture;

/* ---- running the async calls to the end ---- */

static void
on_result(GObject *source, GAsyncResult *result, gpointer data)
{
    *(GAsyncResult **)data = g_object_ref(result);
}

static GAsyncResult *
wait_result(GAsyncResult **slot)
{
    while (*slot == NULL)
        g_main_context_iteration(NULL, TRUE);
    return *slot;
}

static MarinaNetRuntime *
start_in(const MarinaNetworkConfig *config, const char *dir, const char *const *in_use,
         GError **error)
{
    GAsyncResult *res = NULL;
    MarinaNetRuntime *rt;

    marina_net_driver_start_async(config, dir, in_use, NULL, on_result, &res);
    rt = marina_net_driver_start_finish(wait_result(&res), error);
    g_object_unref(res);
    return rt;
}

static MarinaNetRuntime *
start(const MarinaNetworkConfig *config, const char *const *in_use, GError **error)
{
    return start_in(config, run_dir, in_use, error);
}

static gboolean
stop(const MarinaNetRuntime *rt, GError **error)
{
    GAsyncResult *res = NULL;
    gboolean ok;

    marina_net_driver_stop_async(NULL, rt, NULL, on_result, &res);
    ok = marina_net_driver_stop_finish(wait_result(&res), error);
    g_object_unref(res);
    return ok;
}

static gboolean
adopt(const MarinaNetworkConfig *config, MarinaNetRuntime *rt, GError **error)
{
    GAsyncResult *res = NULL;
    gboolean ok;

    marina_net_driver_adopt_async(config, rt, NULL, on_result, &res);
    ok = marina_net_driver_adopt_finish(wait_result(&res), error);
    g_object_unref(res);
    return ok;
}

static gboolean
update(const MarinaNetworkConfig *config, MarinaNetRuntime *rt, GError **error)
{
    GAsyncResult *res = NULL;
    gboolean ok;

    marina_net_driver_update_async(config, rt, NULL, on_result, &res);
    ok = marina_net_driver_update_finish(wait_result(&res), error);
    g_object_unref(res);
    return ok;
}

static void
assert_ok(gboolean ok, GError *error)
{
    if (!ok)
        fail_msg("unexpected failure: %s", error != NULL ? error->message : "(no error)");
}

/* Starts @config, which must work, and remembers it for the teardown. */
static MarinaNetRuntime *
start_ok(Fixture *f, const MarinaNetworkConfig *config)
{
    g_autoptr(GError) error = NULL;
    MarinaNetRuntime *rt = start(config, NULL, &error);

    assert_ok(rt != NULL, error);
    g_ptr_array_add(f->runtimes, rt);
    return rt;
}

/* Stops @rt, which must work, and forgets it. */
static void
stop_ok(Fixture *f, MarinaNetRuntime *rt)
{
    g_autoptr(GError) error = NULL;

    assert_ok(stop(rt, &error), error);
    g_ptr_array_remove(f->runtimes, rt);
}

/* ---- looking at the system ---- */

static char *
run_status(const char *cmd, int *status)
{
    char *out = NULL;
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};

    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                             &out, NULL, status, NULL));
    return out;
}

static char *
run(const char *cmd)
{
    int status = -1;
    char *out = run_status(cmd, &status);

    if (!g_spawn_check_wait_status(status, NULL))
        fail_msg("'%s' failed:\n%s", cmd, out);
    return out;
}

static void
assert_contains(const char *text, const char *fragment)
{
    if (text == NULL || strstr(text, fragment) == NULL)
        fail_msg("'%s' not in:\n%s", fragment, text != NULL ? text : "(null)");
}

static gboolean
table_exists(const char *bridge)
{
    g_autofree char *cmd = g_strdup_printf("nft list table inet marina-net-%s", bridge);
    int status = -1;
    g_autofree char *out = run_status(cmd, &status);

    return g_spawn_check_wait_status(status, NULL);
}

static char *
table_text(const char *bridge)
{
    g_autofree char *cmd = g_strdup_printf("nft list table inet marina-net-%s", bridge);

    return run(cmd);
}

static guint
read_uint(const char *path)
{
    g_autofree char *text = NULL;
    guint64 v = 0;

    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    assert_true(g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, G_MAXUINT, &v, NULL));
    return (guint)v;
}

/* Whether a UDP socket listens on @hex_addr:@port in /proc/net/udp
 * ("0100007F" is 127.0.0.1, as the kernel prints it). */
static gboolean
udp_listens(const char *hex_addr, guint port)
{
    g_autofree char *text = NULL;
    g_autofree char *want = g_strdup_printf("%s:%04X 00000000:0000", hex_addr, port);

    assert_true(g_file_get_contents("/proc/net/udp", &text, NULL, NULL));
    return strstr(text, want) != NULL;
}

/* Whether dnsmasq on 192.168.122.1 answers @name with @address. */
static gboolean
resolves(const char *name, const char *address)
{
    g_autofree char *cmd = g_strdup_printf("busybox nslookup -type=a %s 192.168.122.1", name);
    int status = -1;
    g_autofree char *out = run_status(cmd, &status);
    g_autofree char *want = g_strdup_printf("Address: %s\n", address);

    return strstr(out, want) != NULL;
}

/* Waits up to @ms for dnsmasq @pid on @conf to be gone. */
static gboolean
wait_gone(GPid pid, const char *conf, guint ms)
{
    for (guint i = 0; i < ms / 20; i++) {
        if (!marina_net_dnsmasq_is_ours(pid, conf))
            return TRUE;
        g_usleep(20000);
    }
    return FALSE;
}

static guint
count_files(const char *dir_path)
{
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    guint n = 0;

    while (dir != NULL && g_dir_read_name(dir) != NULL)
        n++;
    return n;
}

/* Nothing of a network on @bridge is left: link, table, dnsmasq, files. */
static void
assert_nothing_left(const char *bridge, GPid pid, const char *conf)
{
    g_autofree char *dir = g_build_filename(run_dir, "networks", NULL);
    g_autofree char *prefix = g_strdup_printf("%s.", bridge);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    assert_int_equal(if_nametoindex(bridge), 0);
    assert_false(table_exists(bridge));
    if (pid != 0)
        assert_true(wait_gone(pid, conf, 100));
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        if (g_str_has_prefix(name, prefix))
            fail_msg("%s/%s was left behind", dir, name);
    }
}

/* ---- setup ---- */

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->runtimes = g_ptr_array_new_with_free_func((GDestroyNotify)marina_net_runtime_free);
    f->links = g_ptr_array_new_with_free_func(g_free);
    f->netns = g_ptr_array_new_with_free_func(g_free);
    f->pids = g_array_new(FALSE, FALSE, sizeof(GPid));
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    /* Whatever a failed check left running: dnsmasq is killed by stop. */
    for (guint i = 0; i < f->runtimes->len; i++) {
        g_autoptr(GError) error = NULL;
        MarinaNetRuntime *rt = g_ptr_array_index(f->runtimes, i);

        if (!stop(rt, &error))
            g_printerr("teardown: %s\n", error->message);
        if (marina_net_dnsmasq_is_ours(rt->dnsmasq_pid, rt->dnsmasq_conf))
            kill(rt->dnsmasq_pid, SIGKILL);
    }
    for (guint i = 0; i < f->links->len; i++) {
        g_autofree char *cmd =
            g_strdup_printf("ip link del %s", (char *)g_ptr_array_index(f->links, i));
        int status;
        g_autofree char *out = run_status(cmd, &status);
    }
    for (guint i = 0; i < f->pids->len; i++) {
        GPid pid = g_array_index(f->pids, GPid, i);

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    for (guint i = 0; i < f->netns->len; i++) {
        g_autofree char *cmd =
            g_strdup_printf("ip netns del %s", (char *)g_ptr_array_index(f->netns, i));
        int status;
        g_autofree char *out = run_status(cmd, &status);
    }
    g_ptr_array_unref(f->runtimes);
    g_ptr_array_unref(f->links);
    g_ptr_array_unref(f->netns);
    g_array_unref(f->pids);
    g_free(f);
    return 0;
}

/* ---- tests ---- */

/* The default NAT network on its own bridge: everything made, then update,
 * adopt after dnsmasq died, and a stop that leaves nothing. */
static void
test_nat_network_lifecycle(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("mtnat0");
    MarinaNetIp *ip = g_ptr_array_index(c->ips, 0);
    g_autoptr(GError) error = NULL;
    g_autofree char *addrs = NULL;
    g_autofree char *details = NULL;
    g_autofree char *rules = NULL;
    g_autofree char *hosts = NULL;
    g_autofree char *conf = NULL;
    MarinaNetRuntime *rt;
    guint ifindex;
    GPid pid;

    c->mtu = 1400;
    fixture_add_host(ip, "52:54:00:00:00:0a", NULL, "web", "192.168.122.10");
    fixture_add_dns_host(c, "192.168.122.5", "files", NULL);
    rt = start_ok(f, c);
    assert_string_equal(rt->bridge, "mtnat0");
    assert_true(rt->made_bridge);
    ifindex = if_nametoindex("mtnat0");
    assert_int_not_equal(ifindex, 0);
    addrs = run("ip -o addr show dev mtnat0");
    assert_contains(addrs, "inet 192.168.122.1/24");
    /* (sysfs shows the namespace it was mounted in: ask ip.) */
    details = run("ip -d link show dev mtnat0");
    assert_contains(details, " mtu 1400 ");
    assert_contains(details, " stp_state 1 ");
    assert_int_equal(read_uint("/proc/sys/net/ipv4/ip_forward"), 1);
    /* No IPv6 in the network: none on its bridge. */
    assert_int_equal(read_uint("/proc/sys/net/ipv6/conf/mtnat0/disable_ipv6"), 1);

    /* dnsmasq: alive, DHCP on 0.0.0.0:67, DNS on 192.168.122.1:53. */
    pid = rt->dnsmasq_pid;
    assert_true(marina_net_dnsmasq_is_ours(pid, rt->dnsmasq_conf));
    assert_true(udp_listens("00000000", 67));
    assert_true(udp_listens("017AA8C0", 53));
    hosts = g_strdup_printf("%s/networks/mtnat0.hosts", run_dir);
    conf = g_strdup_printf("%s/networks/mtnat0.conf", run_dir);
    assert_string_equal(rt->dnsmasq_conf, conf);
    {
        g_autofree char *text = NULL;

        assert_true(g_file_get_contents(hosts, &text, NULL, NULL));
        assert_string_equal(text, "52:54:00:00:00:0a,192.168.122.10,web\n");
    }

    rules = table_text("mtnat0");
    assert_contains(rules, "masquerade");
    assert_contains(rules, "iifname \"mtnat0\" udp dport { 53, 67 } accept");

    /* DNS from the bridge address: the network's DNS hosts. */
    assert_true(resolves("files", "192.168.122.5"));
    assert_false(resolves("later", "192.168.122.6"));

    /* A static host and a DNS host added: the files are rewritten, dnsmasq
     * keeps running and answers with them. */
    fixture_add_host(ip, "52:54:00:00:00:0b", NULL, "db", "192.168.122.11");
    fixture_add_dns_host(c, "192.168.122.6", "later", NULL);
    assert_ok(update(c, rt, &error), error);
    assert_int_equal(rt->dnsmasq_pid, pid);
    g_usleep(200000);
    assert_true(marina_net_dnsmasq_is_ours(pid, rt->dnsmasq_conf));
    {
        g_autofree char *text = NULL;

        assert_true(g_file_get_contents(hosts, &text, NULL, NULL));
        assert_contains(text, "52:54:00:00:00:0b,192.168.122.11,db\n");
    }
    assert_true(resolves("later", "192.168.122.6"));

    /* dnsmasq dies and the table goes; adopt brings both back, bridge untouched. */
    kill(pid, SIGKILL);
    assert_true(wait_gone(pid, rt->dnsmasq_conf, 2000));
    g_free(run("nft delete table inet marina-net-mtnat0"));
    assert_ok(adopt(c, rt, &error), error);
    assert_int_not_equal(rt->dnsmasq_pid, pid);
    assert_true(marina_net_dnsmasq_is_ours(rt->dnsmasq_pid, rt->dnsmasq_conf));
    assert_int_equal(if_nametoindex("mtnat0"), ifindex);
    assert_true(table_exists("mtnat0"));
    assert_true(udp_listens("017AA8C0", 53));

    /* Adopting a running network changes nothing. */
    pid = rt->dnsmasq_pid;
    assert_ok(adopt(c, rt, &error), error);
    assert_int_equal(rt->dnsmasq_pid, pid);
    /* Nor when the saved state lost dnsmasq's pid: the pid file has it. */
    rt->dnsmasq_pid = 0;
    assert_ok(adopt(c, rt, &error), error);
    assert_int_equal(rt->dnsmasq_pid, pid);

    stop_ok(f, rt);
    assert_nothing_left("mtnat0", pid, conf);
}

/* Isolated and routed networks side by side: the rules of each mode. */
static void
test_isolated_and_routed(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) iso =
        fixture_config_new("iso", MARINA_NET_FORWARD_NONE, "mtiso0");
    g_autoptr(MarinaNetworkConfigFixture) routed =
        fixture_config_new("routed", MARINA_NET_FORWARD_ROUTE, "mtrt0");
    g_autofree char *iso_rules = NULL;
    g_autofree char *rt_rules = NULL;
    MarinaNetRuntime *a;
    MarinaNetRuntime *b;
    GPid pid;

    fixture_add_ip(iso, "10.77.1.1", 24, "10.77.1.10", "10.77.1.20");
    /* No DHCP and no DNS: no dnsmasq at all. */
    routed->dns_enabled = FALSE;
    fixture_add_ip(routed, "10.77.2.1", 24, NULL, NULL);
    a = start_ok(f, iso);
    b = start_ok(f, routed);

    assert_int_not_equal(a->dnsmasq_pid, 0);
    assert_int_equal(b->dnsmasq_pid, 0);
    assert_null(b->dnsmasq_conf);
    iso_rules = table_text("mtiso0");
    assert_contains(iso_rules, "iifname \"mtiso0\" oifname \"mtiso0\" accept");
    assert_contains(iso_rules, "oifname \"mtiso0\" reject");
    assert_contains(iso_rules, "iifname \"mtiso0\" reject");
    assert_true(strstr(iso_rules, "masquerade") == NULL);
    assert_true(strstr(iso_rules, "10.77.1.0/24 accept") == NULL);
    rt_rules = table_text("mtrt0");
    assert_contains(rt_rules, "oifname \"mtrt0\" ip daddr 10.77.2.0/24 accept");
    assert_contains(rt_rules, "iifname \"mtrt0\" ip saddr 10.77.2.0/24 accept");
    assert_true(strstr(rt_rules, "masquerade") == NULL);

    pid = a->dnsmasq_pid;
    {
        g_autofree char *conf = g_strdup(a->dnsmasq_conf);

        stop_ok(f, a);
        assert_nothing_left("mtiso0", pid, conf);
    }
    stop_ok(f, b);
    assert_nothing_left("mtrt0", 0, NULL);
}

/* An open network gets a bridge and dnsmasq but no table. */
static void
test_open_network_has_no_rules(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) c =
        fixture_config_new("open", MARINA_NET_FORWARD_OPEN, "mtopen0");
    MarinaNetRuntime *rt;

    fixture_add_ip(c, "10.77.3.1", 24, "10.77.3.10", "10.77.3.20");
    rt = start_ok(f, c);
    assert_null(rt->firewall_table);
    assert_false(table_exists("mtopen0"));
    assert_int_not_equal(if_nametoindex("mtopen0"), 0);
    stop_ok(f, rt);
    assert_int_equal(if_nametoindex("mtopen0"), 0);
}

/* A bridge name taken (by another network, by a link not Marina's) fails
 * clearly and leaves nothing; the running network is untouched. */
static void
test_bridge_name_taken(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) first = fixture_default_network("mtdup0");
    g_autoptr(MarinaNetworkConfigFixture) second =
        fixture_config_new("second", MARINA_NET_FORWARD_NAT, "mtdup0");
    g_autoptr(MarinaNetworkConfigFixture) third =
        fixture_config_new("third", MARINA_NET_FORWARD_NAT, "mtdummy0");
    const char *const in_use[] = {"mtdup0", NULL};
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_build_filename(run_dir, "networks", NULL);
    MarinaNetRuntime *rt;
    MarinaNetRuntime *bad;
    guint ifindex;
    guint files;

    rt = start_ok(f, first);
    ifindex = if_nametoindex("mtdup0");
    files = count_files(dir);
    fixture_add_ip(second, "10.77.4.1", 24, "10.77.4.10", "10.77.4.20");

    bad = start(second, NULL, &error);
    assert_null(bad);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS));
    assert_string_equal(error->message, "Could not create bridge 'mtdup0': it already exists and "
                                        "is not Marina's. Choose another <bridge name>.");
    g_clear_error(&error);
    bad = start(second, in_use, &error);
    assert_null(bad);
    assert_true(g_error_matches(error, MARINA_ERROR, MARINA_ERROR_ALREADY_EXISTS));
    assert_contains(error->message, "another running network uses it");
    g_clear_error(&error);
    assert_int_equal(if_nametoindex("mtdup0"), ifindex);
    assert_int_equal(count_files(dir), files);
    assert_true(marina_net_dnsmasq_is_ours(rt->dnsmasq_pid, rt->dnsmasq_conf));

    /* A link that is not a network's. */
    g_ptr_array_add(f->links, g_strdup("mtdummy0"));
    g_free(run("ip link add mtdummy0 type bridge"));
    fixture_add_ip(third, "10.77.5.1", 24, "10.77.5.10", "10.77.5.20");
    bad = start(third, NULL, &error);
    assert_null(bad);
    assert_contains(error->message, "'mtdummy0': it already exists");
    assert_false(table_exists("mtdummy0"));
    assert_int_equal(count_files(dir), files);

    stop_ok(f, rt);
}

/* A dnsmasq that cannot start (its TFTP root is missing): the bridge and
 * table made before it are removed again and the reason is dnsmasq's. */
static void
test_failed_start_is_undone(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("mtfail0");
    MarinaNetIp *ip = g_ptr_array_index(c->ips, 0);
    g_autoptr(GError) error = NULL;
    MarinaNetRuntime *rt;

    (void)f;
    ip->tftp_root = g_strdup("/nonexistent/marina-tftp");
    rt = start(c, NULL, &error);
    assert_null(rt);
    assert_non_null(error);
    assert_contains(error->message, "dnsmasq could not start for bridge 'mtfail0'");
    assert_contains(error->message, "/nonexistent/marina-tftp");
    assert_nothing_left("mtfail0", 0, NULL);
}

/* nft refusing the table (a fake nft first in PATH): the bridge made before
 * it goes again, and the error carries nft's words. */
static void
test_failed_firewall_is_undone(void **state)
{
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("mtfw0");
    g_autofree char *bin = g_build_filename(run_dir, "fakebin", NULL);
    g_autofree char *nft = g_build_filename(bin, "nft", NULL);
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *new_path = g_strconcat(bin, ":", old_path, NULL);
    g_autoptr(GError) error = NULL;
    MarinaNetRuntime *rt;

    (void)state;
    assert_int_equal(g_mkdir_with_parents(bin, 0755), 0);
    assert_true(g_file_set_contents(
        nft,
        "#!/bin/sh\ncat >/dev/null\necho 'Error: Could not process rule: Operation not supported' "
        ">&2\nexit 1\n",
        -1, NULL));
    assert_int_equal(g_chmod(nft, 0755), 0);
    g_setenv("PATH", new_path, TRUE);
    rt = start(c, NULL, &error);
    g_setenv("PATH", old_path, TRUE);
    g_unlink(nft);
    g_rmdir(bin);
    assert_null(rt);
    assert_non_null(error);
    assert_string_equal(error->message, "Could not load the firewall rules marina-net-mtfw0: "
                                        "Error: Could not process rule: Operation not supported.");
    assert_nothing_left("mtfw0", 0, NULL);
}

/* A runtime that says it made "its" bridge where there is an interface of
 * another kind: stop leaves the interface alone and says so. */
static void
test_stop_spares_what_is_not_a_bridge(void **state)
{
    Fixture *f = *state;
    MarinaNetRuntime rt = {.bridge = (char *)"mtnotbr0", .made_bridge = TRUE};
    g_autoptr(GError) error = NULL;

    g_ptr_array_add(f->links, g_strdup("mtnotbr0"));
    g_free(run("ip link add mtnotbr0 type veth peer name mtnotbr0p"));
    assert_false(stop(&rt, &error));
    assert_non_null(error);
    assert_string_equal(error->message, "'mtnotbr0' is not a bridge any more: Marina leaves it "
                                        "alone.");
    assert_int_not_equal(if_nametoindex("mtnotbr0"), 0);
}

/* The first free virbrN is picked when the network names no bridge. */
static void
test_bridge_name_picked(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network(NULL);
    const char *const in_use[] = {"virbr0", NULL};
    g_autoptr(GError) error = NULL;
    MarinaNetRuntime *rt;

    g_ptr_array_add(f->links, g_strdup("virbr1"));
    g_free(run("ip link add virbr1 type bridge"));
    rt = start(c, in_use, &error);
    assert_ok(rt != NULL, error);
    g_ptr_array_add(f->runtimes, rt);
    assert_string_equal(rt->bridge, "virbr2");
    assert_true(table_exists("virbr2"));
    stop_ok(f, rt);
    assert_nothing_left("virbr2", 0, NULL);
}

/* One end of a veth pair on the bridge, udhcpc on the other. */
static void
dhcp_client(Fixture *f, const char *bridge, const char *name, const char *mac)
{
    g_autofree char *peer = g_strconcat(name, "p", NULL);
    g_autofree char *cmd = NULL;

    g_ptr_array_add(f->links, g_strdup(name));
    cmd = g_strdup_printf("ip link add %s type veth peer name %s && ip link set %s master %s up "
                          "&& ip link set %s address %s up",
                          name, peer, name, bridge, peer, mac);
    g_free(run(cmd));
    g_clear_pointer(&cmd, g_free);
    /* The port forwards after STP's listening and learning (2 s each):
     * udhcpc retries meanwhile. */
    cmd = g_strdup_printf("busybox udhcpc -i %s -n -q -f -t 15 -T 1 -A 1 -s /bin/true", peer);
    g_free(run(cmd));
}

static const MarinaNetLease *
find_lease(GPtrArray *leases, const char *mac)
{
    for (guint i = 0; i < leases->len; i++) {
        const MarinaNetLease *l = g_ptr_array_index(leases, i);

        if (l->mac != NULL && g_str_equal(l->mac, mac))
            return l;
    }
    return NULL;
}

/* Real DHCP: a static host gets its address, another client one in the range. */
static void
test_dhcp_exchange(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("mtdhcp0");
    MarinaNetIp *ip = g_ptr_array_index(c->ips, 0);
    g_autoptr(GPtrArray) leases = NULL;
    g_autoptr(GError) error = NULL;
    const MarinaNetLease *l;
    MarinaNetRuntime *rt;
    GPid pid;
    MarinaNetIp range = {.address = (char *)"192.168.122.1", .prefix = 24};

    fixture_add_host(ip, "52:54:00:77:00:01", NULL, "fixed", "192.168.122.77");
    rt = start_ok(f, c);
    pid = rt->dnsmasq_pid;
    dhcp_client(f, "mtdhcp0", "mtv0", "52:54:00:77:00:01");
    /* A host added while it runs: dnsmasq (no longer root) reads the hosts
     * file again. */
    fixture_add_host(ip, "52:54:00:77:00:02", NULL, "added", "192.168.122.88");
    assert_ok(update(c, rt, &error), error);
    assert_int_equal(rt->dnsmasq_pid, pid);
    dhcp_client(f, "mtdhcp0", "mtv1", "52:54:00:77:00:02");
    dhcp_client(f, "mtdhcp0", "mtv2", "52:54:00:77:00:03");

    leases = marina_net_driver_read_leases(c, rt, &error);
    assert_ok(leases != NULL, error);
    l = find_lease(leases, "52:54:00:77:00:01");
    if (l == NULL)
        fail_msg("no lease for the static host among %u", leases->len);
    assert_string_equal(l->address, "192.168.122.77");
    assert_string_equal(l->hostname, "fixed");
    assert_int_equal(l->prefix, 24);
    assert_false(l->ipv6);
    l = find_lease(leases, "52:54:00:77:00:02");
    if (l == NULL)
        fail_msg("no lease for the host added by update among %u", leases->len);
    assert_string_equal(l->address, "192.168.122.88");
    l = find_lease(leases, "52:54:00:77:00:03");
    if (l == NULL)
        fail_msg("no lease for the dynamic client among %u", leases->len);
    assert_true(marina_net_ip_has(&range, l->address));
    assert_string_not_equal(l->address, "192.168.122.1");
    assert_true(l->expiry > g_get_real_time() / G_USEC_PER_SEC);

    stop_ok(f, rt);
    assert_nothing_left("mtdhcp0", 0, NULL);
}

/* IPv6, routes and port forwards: the bridge carries the IPv6 address and
 * the routes, the table the DNAT rules, dnsmasq serves DHCPv6; update
 * reloads the table and restarts dnsmasq only for a changed range. */
static void
test_ipv6_and_port_forwards(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("mtv6n0");
    g_autoptr(GError) error = NULL;
    g_autofree char *addrs = NULL;
    g_autofree char *rules = NULL;
    g_autofree char *rules2 = NULL;
    MarinaNetRuntime *rt;
    GPid pid;

    fixture_add_ip(c, "fd00:77::1", 64, "fd00:77::100", "fd00:77::1ff");
    fixture_add_port_forward(c, "tcp", NULL, "192.168.122.10", 2222, 2222, 22);
    fixture_add_route(c, "10.50.0.0", 16, "192.168.122.2");
    fixture_add_route(c, "fd00:78::", 64, "fd00:77::2");
    rt = start_ok(f, c);
    addrs = run("ip -o addr show dev mtv6n0");
    assert_contains(addrs, "inet6 fd00:77::1/64");
    {
        g_autofree char *routes = run("ip route show dev mtv6n0; ip -6 route show dev mtv6n0");

        assert_contains(routes, "10.50.0.0/16 via 192.168.122.2");
        assert_contains(routes, "fd00:78::/64 via fd00:77::2");
    }
    assert_int_equal(read_uint("/proc/sys/net/ipv6/conf/all/forwarding"), 1);
    /* The host takes no addresses or routes from guests' advertisements. */
    assert_int_equal(read_uint("/proc/sys/net/ipv6/conf/mtv6n0/accept_ra"), 0);
    assert_int_equal(read_uint("/proc/sys/net/ipv6/conf/mtv6n0/autoconf"), 0);
    assert_int_equal(read_uint("/proc/sys/net/ipv6/conf/mtv6n0/disable_ipv6"), 0);
    /* DHCPv6 served. */
    {
        g_autofree char *udp6 = NULL;

        assert_true(g_file_get_contents("/proc/net/udp6", &udp6, NULL, NULL));
        assert_contains(udp6, "00000000000000000000000000000000:0223 ");
    }
    rules = table_text("mtv6n0");
    assert_contains(rules, "dnat ip to 192.168.122.10:tcp dport map { 2222 : 22 }");
    assert_contains(rules, "ip6 daddr fd00:77::/64 accept");

    /* A new port forward: the table is reloaded, dnsmasq kept. */
    pid = rt->dnsmasq_pid;
    fixture_add_port_forward(c, "udp", NULL, "192.168.122.11", 5353, 5353, 5353);
    assert_ok(update(c, rt, &error), error);
    rules2 = table_text("mtv6n0");
    assert_contains(rules2, "udp dport 5353 dnat ip to 192.168.122.11");
    assert_int_equal(rt->dnsmasq_pid, pid);

    /* A changed range restarts dnsmasq with it. */
    g_free(((MarinaNetDhcpRange *)g_ptr_array_index(
                ((MarinaNetIp *)g_ptr_array_index(c->ips, 0))->ranges, 0))
               ->end);
    ((MarinaNetDhcpRange *)g_ptr_array_index(((MarinaNetIp *)g_ptr_array_index(c->ips, 0))->ranges,
                                             0))
        ->end = g_strdup("192.168.122.100");
    assert_ok(update(c, rt, &error), error);
    assert_int_not_equal(rt->dnsmasq_pid, pid);
    assert_true(marina_net_dnsmasq_is_ours(rt->dnsmasq_pid, rt->dnsmasq_conf));
    assert_true(wait_gone(pid, rt->dnsmasq_conf, 1000));

    stop_ok(f, rt);
    assert_nothing_left("mtv6n0", 0, NULL);
}

/* The user dnsmasq runs as (from /proc), or -1. */
static int
process_uid(GPid pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    const char *line;

    if (!g_file_get_contents(path, &text, NULL, NULL) || (line = strstr(text, "\nUid:")) == NULL)
        return -1;
    return atoi(line + 5);
}

/* dnsmasq drops root when it can read its hosts files without it, and
 * stays root (user=root) when the run directory is closed to others. */
static void
test_dnsmasq_user(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) open_dir = fixture_default_network("mtusr0");
    g_autoptr(MarinaNetworkConfigFixture) closed_dir =
        fixture_config_new("closed", MARINA_NET_FORWARD_NAT, "mtusr1");
    g_autofree char *private_dir = g_build_filename(run_dir, "private", NULL);
    g_autofree char *networks = g_build_filename(private_dir, "networks", NULL);
    g_autofree char *conf = NULL;
    g_autoptr(GError) error = NULL;
    MarinaNetRuntime *a;
    MarinaNetRuntime *b;

    fixture_add_ip(closed_dir, "10.77.8.1", 24, "10.77.8.10", "10.77.8.20");
    assert_int_equal(g_mkdir(private_dir, 0700), 0);
    a = start_ok(f, open_dir);
    b = start_in(closed_dir, private_dir, NULL, &error);
    assert_ok(b != NULL, error);
    g_ptr_array_add(f->runtimes, b);
    assert_int_not_equal(process_uid(a->dnsmasq_pid), 0);
    assert_int_not_equal(process_uid(a->dnsmasq_pid), -1);
    assert_int_equal(process_uid(b->dnsmasq_pid), 0);
    assert_true(g_file_get_contents(b->dnsmasq_conf, &conf, NULL, NULL));
    assert_contains(conf, "\nuser=root\n");
    stop_ok(f, a);
    stop_ok(f, b);
    assert_int_equal(count_files(private_dir), 1); /* networks/, empty */
    assert_int_equal(g_rmdir(networks), 0);
    assert_int_equal(g_rmdir(private_dir), 0);
}

/* ---- traffic through the rules: a guest and an outside host, each a
 * namespace of its own, joined to ours by veth pairs ---- */

/* A namespace "mtnd-<pid>-@role", removed in the teardown. */
static char *
add_netns(Fixture *f, const char *role)
{
    char *name = g_strdup_printf("mtnd-%d-%s", (int)getpid(), role);
    g_autofree char *cmd =
        g_strdup_printf("ip netns add %s && ip -n %s link set lo up", name, name);

    g_ptr_array_add(f->netns, g_strdup(name));
    g_free(run(cmd));
    return name;
}

/* A guest in namespace @ns on @bridge with @cidr, its default route @gw. */
static void
plug_guest(Fixture *f, const char *ns, const char *bridge, const char *link, const char *cidr,
           const char *gw)
{
    g_autofree char *cmd = NULL;

    g_ptr_array_add(f->links, g_strdup(link));
    cmd = g_strdup_printf("ip link add %s type veth peer name eth0 netns %s && "
                          "ip link set %s master %s up && "
                          "ip -n %s addr add %s dev eth0 && ip -n %s link set eth0 up && "
                          "ip -n %s route add default via %s",
                          link, ns, link, bridge, ns, cidr, ns, ns, gw);
    g_free(run(cmd));
}

/* The outside host 10.99.0.2 in @ns, reached through 10.99.0.1 on "mtout0". */
static void
plug_outside(Fixture *f, const char *ns)
{
    g_autofree char *cmd = NULL;

    g_ptr_array_add(f->links, g_strdup("mtout0"));
    cmd = g_strdup_printf("ip link add mtout0 type veth peer name eth0 netns %s && "
                          "ip addr add 10.99.0.1/24 dev mtout0 && ip link set mtout0 up && "
                          "ip -n %s addr add 10.99.0.2/24 dev eth0 && ip -n %s link set eth0 up",
                          ns, ns, ns);
    g_free(run(cmd));
}

/* Whether @ns reaches @address with ping. */
static gboolean
pings(const char *ns, const char *address)
{
    g_autofree char *cmd =
        g_strdup_printf("ip netns exec %s busybox ping -c 1 -W 1 %s", ns, address);
    int status = -1;
    g_autofree char *out = run_status(cmd, &status);

    return g_spawn_check_wait_status(status, NULL);
}

/* Waits until the guest's bridge port forwards (STP listens and learns for
 * two seconds each first). */
static void
wait_port_forwarding(const char *ns, const char *bridge_address)
{
    for (int i = 0; i < 20; i++) {
        if (pings(ns, bridge_address))
            return;
    }
    fail_msg("the guest in %s never reached %s", ns, bridge_address);
}

/* NAT: the guest reaches outside masqueraded, outside reaches the guest only
 * through the port forward. */
static void
test_nat_traffic(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) c = fixture_default_network("mttr0");
    g_autofree char *guest = add_netns(f, "guest");
    g_autofree char *outside = add_netns(f, "out");
    g_autofree char *www = g_build_filename(run_dir, "www", NULL);
    g_autofree char *index = g_build_filename(www, "index.html", NULL);
    g_autofree char *cmd = NULL;
    g_autofree char *page = NULL;
    MarinaNetRuntime *rt;
    GPid httpd = 0;

    fixture_add_port_forward(c, "tcp", NULL, "192.168.122.10", 8022, 8022, 22);
    rt = start_ok(f, c);
    plug_guest(f, guest, "mttr0", "mtg0", "192.168.122.10/24", "192.168.122.1");
    plug_outside(f, outside);
    wait_port_forwarding(guest, "192.168.122.1");

    /* The outside host has no route back: only masquerading gets an answer. */
    assert_true(pings(guest, "10.99.0.2"));

    /* A server on the guest's port 22, reached from outside on 8022. */
    assert_int_equal(g_mkdir_with_parents(www, 0755), 0);
    assert_true(g_file_set_contents(index, "marina guest\n", -1, NULL));
    {
        g_autofree char *argv_text =
            g_strdup_printf("ip netns exec %s busybox httpd -f -p 22 -h %s", guest, www);
        g_auto(GStrv) argv = g_strsplit(argv_text, " ", -1);

        assert_true(g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                  NULL, NULL, &httpd, NULL));
        g_array_append_val(f->pids, httpd);
    }
    /* (busybox wget crashes here: a plain request through nc.) */
    cmd = g_strdup_printf("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | "
                          "ip netns exec %s busybox nc -w 3 10.99.0.1 8022",
                          outside);
    for (int i = 0; i < 20 && page == NULL; i++) {
        int status = -1;
        char *out = run_status(cmd, &status);

        if (g_spawn_check_wait_status(status, NULL) && strstr(out, "marina guest") != NULL)
            page = out;
        else
            g_free(out), g_usleep(100000);
    }
    assert_non_null(page);
    assert_contains(page, "\r\n\r\nmarina guest\n");

    /* And from the host itself, on its loopback address. */
    g_clear_pointer(&cmd, g_free);
    g_clear_pointer(&page, g_free);
    page = run("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 127.0.0.1 8022");
    assert_contains(page, "\r\n\r\nmarina guest\n");

    /* New connections into the NAT network are refused, even with a route. */
    g_clear_pointer(&cmd, g_free);
    cmd = g_strdup_printf("ip -n %s route add 192.168.122.0/24 via 10.99.0.1", outside);
    g_free(run(cmd));
    assert_false(pings(outside, "192.168.122.10"));

    stop_ok(f, rt);
    assert_false(pings(guest, "10.99.0.2"));
    assert_nothing_left("mttr0", 0, NULL);
}

/* Isolated: the guest reaches the host's address on the bridge, nothing
 * beyond. Routed: both ways, without NAT. */
static void
test_isolated_and_routed_traffic(void **state)
{
    Fixture *f = *state;
    g_autoptr(MarinaNetworkConfigFixture) iso =
        fixture_config_new("iso", MARINA_NET_FORWARD_NONE, "mtti0");
    g_autoptr(MarinaNetworkConfigFixture) routed =
        fixture_config_new("routed", MARINA_NET_FORWARD_ROUTE, "mttr1");
    g_autofree char *g1 = add_netns(f, "iso");
    g_autofree char *g2 = add_netns(f, "routed");
    g_autofree char *outside = add_netns(f, "out");
    g_autofree char *cmd = NULL;
    MarinaNetRuntime *a;
    MarinaNetRuntime *b;

    fixture_add_ip(iso, "10.77.6.1", 24, NULL, NULL);
    fixture_add_ip(routed, "10.77.7.1", 24, NULL, NULL);
    a = start_ok(f, iso);
    b = start_ok(f, routed);
    plug_guest(f, g1, "mtti0", "mtg1", "10.77.6.10/24", "10.77.6.1");
    plug_guest(f, g2, "mttr1", "mtg2", "10.77.7.10/24", "10.77.7.1");
    plug_outside(f, outside);
    cmd = g_strdup_printf("ip -n %s route add 10.77.0.0/16 via 10.99.0.1", outside);
    g_free(run(cmd));
    wait_port_forwarding(g1, "10.77.6.1");
    wait_port_forwarding(g2, "10.77.7.1");

    assert_false(pings(g1, "10.99.0.2"));
    assert_false(pings(outside, "10.77.6.10"));
    assert_false(pings(g1, "10.77.7.10"));
    assert_true(pings(g2, "10.99.0.2"));
    assert_true(pings(outside, "10.77.7.10"));

    stop_ok(f, a);
    stop_ok(f, b);
    assert_nothing_left("mtti0", 0, NULL);
    assert_nothing_left("mttr1", 0, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nat_network_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolated_and_routed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_network_has_no_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bridge_name_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_start_is_undone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_firewall_is_undone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_spares_what_is_not_a_bridge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bridge_name_picked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dhcp_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_and_port_forwards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dnsmasq_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nat_traffic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolated_and_routed_traffic, setup, teardown),
    };
    int failed;

    /* As marinad: a program that exits before reading all we write to it
     * must not take us with it. */
    signal(SIGPIPE, SIG_IGN);
    if (getuid() != 0) {
        g_printerr("The network driver test needs root (it makes bridges in its own network "
                   "namespace).\n");
        return 77;
    }
    /* Everything from here on lives in a namespace that dies with us. */
    if (unshare(CLONE_NEWNET) != 0) {
        g_printerr("unshare(CLONE_NEWNET): %s\n", g_strerror(errno));
        return 77;
    }
    g_free(run("ip link set lo up"));
    run_dir = g_dir_make_tmp("marina-netdriver-XXXXXX", NULL);
    g_assert_nonnull(run_dir);
    /* dnsmasq reads its hosts files again as an unprivileged user. */
    g_chmod(run_dir, 0755);
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", run_dir);
        int status;

        g_free(run_status(cmd, &status));
    }
    return failed;
}
