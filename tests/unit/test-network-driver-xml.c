/* The network driver's text for networks as the XML reader gives them: the
 * built-in default network and every valid file in tests/data/networks. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/network-config.h"
#include "network-driver-private.h"

/* tests/data/networks, beside the unit tests' own data directory. */
#define NETWORKS_DIR MARINA_TEST_DATA "/../../data/networks"

static MarinaNetworkConfig *
load(const char *name)
{
    g_autofree char *path = g_build_filename(NETWORKS_DIR, name, NULL);
    g_autofree char *xml = NULL;
    g_autoptr(GError) error = NULL;
    MarinaNetworkConfig *config;

    if (!g_file_get_contents(path, &xml, NULL, &error))
        fail_msg("%s: %s", path, error->message);
    config = marina_network_config_parse(xml, -1, NULL, &error);
    if (config == NULL)
        fail_msg("%s: %s", path, error->message);
    return config;
}

static void
assert_has_line(const char *text, const char *line)
{
    g_autofree char *want = g_strconcat("\n", line, "\n", NULL);
    g_autofree char *hay = g_strconcat("\n", text, NULL);

    if (strstr(hay, want) == NULL)
        fail_msg("line '%s' missing from:\n%s", line, text);
}

static void
assert_contains(const char *text, const char *part)
{
    if (text == NULL || strstr(text, part) == NULL)
        fail_msg("'%s' missing from:\n%s", part, text != NULL ? text : "(null)");
}

/* Every generated text for @config: no control characters but line ends. */
static void
assert_texts_clean(const MarinaNetworkConfig *config, const char *bridge)
{
    MarinaNetDnsmasqPaths paths = {0};
    char *texts[5];

    marina_net_dnsmasq_paths_init(&paths, "/run/marina/networks/x.conf");
    texts[0] = marina_net_dnsmasq_conf_text(config, bridge, &paths, FALSE);
    texts[1] = marina_net_dnsmasq_hosts_text(config);
    texts[2] = marina_net_dnsmasq_addn_hosts_text(config);
    texts[3] = marina_net_firewall_ruleset(config, bridge);
    texts[4] = marina_net_bridge_setup_text(config, bridge);
    for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
        for (const char *c = texts[i]; c != NULL && *c != '\0'; c++) {
            if ((guchar)*c < ' ' && *c != '\n')
                fail_msg("control character in:\n%s", texts[i]);
        }
        g_free(texts[i]);
    }
    marina_net_dnsmasq_paths_clear(&paths);
}

static void
test_default_network(void **state)
{
    g_autoptr(MarinaNetworkConfig) c = marina_network_config_new_default();
    MarinaNetDnsmasqPaths paths = {0};
    g_autofree char *conf = NULL;
    g_autofree char *rules = NULL;
    g_autofree char *setup = NULL;

    marina_net_dnsmasq_paths_init(&paths, "/run/marina/networks/virbr0.conf");
    assert_true(marina_net_dnsmasq_needed(c));
    conf = marina_net_dnsmasq_conf_text(c, "virbr0", &paths, FALSE);
    assert_has_line(conf, "interface=virbr0");
    assert_has_line(conf, "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0,1h");
    assert_has_line(conf, "dhcp-lease-max=253");
    rules = marina_net_firewall_ruleset(c, "virbr0");
    assert_contains(rules, "ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade");
    setup = marina_net_bridge_setup_text(c, "virbr0");
    assert_contains(setup, "addr add 192.168.122.1/24 dev virbr0\n");
    marina_net_dnsmasq_paths_clear(&paths);
}

static void
test_every_valid_file(void **state)
{
    g_autofree char *dir_path = g_strdup(NETWORKS_DIR);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *name;
    guint n = 0;

    assert_non_null(dir);
    while ((name = g_dir_read_name(dir)) != NULL) {
        g_autoptr(MarinaNetworkConfig) c = NULL;

        if (!g_str_has_suffix(name, ".xml"))
            continue;
        c = load(name);
        assert_texts_clean(c, c->bridge != NULL ? c->bridge : "virbr0");
        n++;
    }
    assert_true(n >= 5);
}

static void
test_port_forwards_file(void **state)
{
    g_autoptr(MarinaNetworkConfig) c = load("port-forwards.xml");
    g_autofree char *rules = marina_net_firewall_ruleset(c, "virbr10");

    assert_contains(rules, "fib daddr type local tcp dport 2222 dnat ip to 192.168.170.10 : tcp "
                           "dport map { 2222 : 22 }\n");
    assert_contains(rules, "ip daddr 127.0.0.1 tcp dport 8080-8081 dnat ip to 192.168.170.10 : "
                           "tcp dport map { 8080 : 80, 8081 : 81 }\n");
    /* From the host's loopback address, answered through the bridge. */
    assert_contains(rules, "oifname \"virbr10\" ip saddr 127.0.0.0/8 masquerade\n");
    assert_true(marina_net_firewall_forwards_ipv4(c));
    /* No guest address: user-mode networking's business, not a rule. */
    assert_null(strstr(rules, "5353"));
}

static void
test_ipv6_file(void **state)
{
    g_autoptr(MarinaNetworkConfig) c = load("ipv6-dhcpv6.xml");
    MarinaNetDnsmasqPaths paths = {0};
    g_autofree char *conf = NULL;
    g_autofree char *hosts = NULL;
    g_autofree char *setup = NULL;

    marina_net_dnsmasq_paths_init(&paths, "/run/marina/networks/virbr8.conf");
    conf = marina_net_dnsmasq_conf_text(c, "virbr8", &paths, FALSE);
    assert_has_line(conf, "dhcp-range=2001:db8:ca2:2:1::10,2001:db8:ca2:2:1::ff,64,1h");
    assert_has_line(conf, "enable-ra");
    hosts = marina_net_dnsmasq_hosts_text(c);
    assert_contains(hosts, "id:0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63,"
                           "[2001:db8:ca2:2:3::4],lucas\n");
    assert_contains(hosts, "[2001:db8:ca2:2:3::5],paul\n");
    setup = marina_net_bridge_setup_text(c, "virbr8");
    assert_contains(setup, "addr add 2001:db8:ca2:2::1/64 dev virbr8 nodad\n");
    assert_contains(setup, "route add 2001:db8:ca2:3::/64 via 2001:db8:ca2:2::2 dev virbr8\n");
    marina_net_dnsmasq_paths_clear(&paths);
}

static void
test_static_hosts_and_dns_files(void **state)
{
    g_autoptr(MarinaNetworkConfig) st = load("static-hosts.xml");
    g_autoptr(MarinaNetworkConfig) dns = load("dns-hosts.xml");
    MarinaNetDnsmasqPaths paths = {0};
    g_autofree char *conf = NULL;
    g_autofree char *hosts = NULL;
    g_autofree char *dns_conf = NULL;
    g_autofree char *addn = NULL;

    marina_net_dnsmasq_paths_init(&paths, "/run/marina/networks/virbr9.conf");
    conf = marina_net_dnsmasq_conf_text(st, "virbr9", &paths, FALSE);
    assert_has_line(conf, "domain=lab.example");
    assert_has_line(conf, "local=/lab.example/");
    assert_has_line(conf, "tftp-root=/var/lib/tftpboot");
    assert_has_line(conf, "dhcp-boot=pxelinux.0");
    hosts = marina_net_dnsmasq_hosts_text(st);
    assert_string_equal(hosts, "52:54:00:6c:3c:01,192.168.160.10,web\n"
                               "52:54:00:6c:3c:02,192.168.160.11,db\n"
                               "52:54:00:6c:3c:03,192.168.160.12\n");
    dns_conf = marina_net_dnsmasq_conf_text(dns, "virbr12", &paths, FALSE);
    assert_has_line(dns_conf, "server=192.0.2.53");
    addn = marina_net_dnsmasq_addn_hosts_text(dns);
    assert_string_equal(addn, "192.168.180.2 myhost myhostalias\n"
                              "192.168.180.3 other.corp.example\n");
    marina_net_dnsmasq_paths_clear(&paths);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_network),
        cmocka_unit_test(test_every_valid_file),
        cmocka_unit_test(test_port_forwards_file),
        cmocka_unit_test(test_ipv6_file),
        cmocka_unit_test(test_static_hosts_and_dns_files),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
